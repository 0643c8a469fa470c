import { createHash } from 'node:crypto';
import { withFraudGuardOff } from '../../support/admin.js';
import { FakeAliyun } from '../../support/fake-aliyun.js';

export const FAKE_AK = 'LTAI5tAbuseKeyId0001';
export const FAKE_SECRET = 'abuse-secret-0001';

export interface V1App {
  id: string;
  appkey: string;
  secret: string;
  accountId: string;
}

export interface V1Answer {
  status: number;
  body: { code: number; msg: string; data: Record<string, unknown> | null };
  ms: number;
}

/** JSON POST to a running instance, answering status, parsed body and elapsed time. */
export async function postJson(base: string, path: string, body: unknown, auth?: string): Promise<V1Answer> {
  const started = Date.now();
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: V1Answer['body'];
  try {
    parsed = JSON.parse(text) as V1Answer['body'];
  } catch {
    parsed = { code: -1, msg: text, data: null };
  }
  return { status: res.status, body: parsed, ms: Date.now() - started };
}

/** Seed 001's signature at the wall clock (real processes, real time). */
export function signed(app: { appkey: string; secret: string }, fields: Record<string, unknown>): Record<string, unknown> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const sign = createHash('md5').update(app.appkey + timestamp + app.secret).digest('hex');
  return { ...fields, appkey: app.appkey, timestamp, sign };
}

/**
 * Through the admin API of one instance: an app whose every listed scene is bound
 * to an `aliyun` account pointing at the fake (SMS can only be counted at the
 * fake when the sender is another process).
 */
export async function createAliyunApp(base: string, token: string, fake: FakeAliyun, scenes: string[], extra: Record<string, unknown> = {}): Promise<V1App> {
  const ok = (r: V1Answer, what: string) => {
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.data as Record<string, string>;
  };
  const app = ok(await postJson(base, '/admin/apps', { name: 'Abuse App', ...withFraudGuardOff(extra) }, token), 'app');
  const account = ok(
    await postJson(
      base,
      '/admin/sms/accounts',
      { name: 'Fake Aliyun', provider: 'aliyun', access_key_id: FAKE_AK, access_key_secret: FAKE_SECRET, endpoint: fake.endpoint, protocol: 'http' },
      token,
    ),
    'account',
  );
  const sig = ok(await postJson(base, `/admin/sms/accounts/${account.id}/signatures`, { sign_name: 'Passcode' }, token), 'signature');
  for (const scene of scenes) {
    const tpl = ok(
      await postJson(base, `/admin/sms/accounts/${account.id}/templates`, { template_code: `SMS_${scene.toUpperCase()}`, scene }, token),
      'template',
    );
    const res = await fetch(`${base}/admin/apps/${app.id}/sms/bindings/${scene}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ template_id: tpl.id, signature_id: sig.id }),
    });
    if (res.status !== 200) throw new Error(`binding: ${res.status} ${await res.text()}`);
  }
  return { id: app.id, appkey: app.appkey, secret: app.secret, accountId: account.id };
}

/** The code of the newest SMS the fake received for a national number. */
export function lastCode(fake: FakeAliyun, national: string): string | undefined {
  for (let i = fake.requests.length - 1; i >= 0; i--) {
    const q = fake.requests[i].query;
    if (q.PhoneNumbers === national && q.TemplateParam) return (JSON.parse(q.TemplateParam) as { code?: string }).code;
  }
  return undefined;
}
