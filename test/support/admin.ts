import { startTestApp, type TestApp } from './test-app.js';

export interface CreatedApp {
  id: string;
  appkey: string;
  secret: string;
  [key: string]: unknown;
}

/**
 * Creates an app through the admin API and returns its answer (with the once-shown
 * secret). Its fraud guard is off unless `body.code_policy.fraud_guard` says
 * otherwise: tests send many codes to consecutive numbers and approve few, which is
 * exactly what the guard stops (test/fraud-*.e2e-spec.ts test it).
 */
export async function createApp(t: TestApp, body: Record<string, unknown> = {}, token?: string): Promise<CreatedApp> {
  const res = await t.http
    .post('/admin/apps')
    .set('authorization', `Bearer ${token ?? (await t.adminToken())}`)
    .send({ name: 'Test App', ...withFraudGuardOff(body) })
    .expect(201);
  return res.body.data as CreatedApp;
}

/** `body` with `code_policy.fraud_guard.enabled: false` unless it sets a fraud guard itself. */
export function withFraudGuardOff(body: Record<string, unknown>): Record<string, unknown> {
  const policy = (body.code_policy ?? {}) as Record<string, unknown>;
  if (policy.fraud_guard !== undefined) return body;
  return { ...body, code_policy: { ...policy, fraud_guard: { enabled: false } } };
}

/** A new instance on the database of `closed` (an instance that has closed) serves `app` as the admin API created it. */
export async function expectAppAfterRestart(closed: TestApp, app: CreatedApp): Promise<void> {
  const restarted = await startTestApp({ db: closed.db });
  try {
    const res = await restarted.http.get(`/admin/apps/${app.id}`).set('authorization', `Bearer ${await restarted.adminToken()}`).expect(200);
    expect(res.body.data.appkey).toBe(app.appkey);
  } finally {
    await restarted.close();
  }
}
