import { md5Hex } from '../../src/common/crypto/hashing.js';
import { createApp, type CreatedApp } from './admin.js';
import { configureSms, type RecordingSmsProvider } from './sms.js';
import type { TestApp } from './test-app.js';

/** Seed 001's signature parameters for an app at the test clock's time (shifted by `skewS`). */
export function signParams(t: TestApp, app: { appkey: string; secret: string }, skewS = 0): { appkey: string; timestamp: string; sign: string } {
  const timestamp = String(Math.floor(t.clock.nowMs() / 1000) + skewS);
  return { appkey: app.appkey, timestamp, sign: md5Hex(app.appkey + timestamp + app.secret) };
}

/** An app with SMS configured for every scene. */
export async function createSmsApp(t: TestApp, body: Record<string, unknown> = {}): Promise<CreatedApp> {
  const app = await createApp(t, body);
  await configureSms(t, app.id);
  return app;
}

/**
 * A user's access token through the v1 SMS login: a login code sent (a minute
 * after the last, past the cooldown), read from the recorder, and logged in with.
 */
export async function loginWithSms(t: TestApp, sms: RecordingSmsProvider, app: CreatedApp, mobile: string): Promise<{ token: string; uid: number }> {
  t.clock.advanceSeconds(61);
  await t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile }).expect(200, { code: 200, msg: 'success' });
  const res = await t.http
    .post('/v1/login/mobile')
    .send({ ...signParams(t, app), mcode: '+86', mobile, verify_code: sms.lastCodeFor(`+86${mobile}`), version_number: '1', channel: 'test', need_user_detail: '0' })
    .expect(200);
  expect(res.body.code).toBe(200);
  return { token: res.body.data.access_token, uid: res.body.data.uid };
}
