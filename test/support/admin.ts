import type { TestApp } from './test-app.js';

export interface CreatedApp {
  id: string;
  appkey: string;
  secret: string;
  [key: string]: unknown;
}

/** Creates an app through the admin API and returns its answer (with the once-shown secret). */
export async function createApp(t: TestApp, body: Record<string, unknown> = {}, token?: string): Promise<CreatedApp> {
  const res = await t.http
    .post('/admin/apps')
    .set('authorization', `Bearer ${token ?? (await t.adminToken())}`)
    .send({ name: 'Test App', ...body })
    .expect(201);
  return res.body.data as CreatedApp;
}
