import { md5Hex } from '../../src/common/crypto/hashing.js';
import { createApp, type CreatedApp } from './admin.js';
import { configureSms, RecordingSmsProvider, withRecordingSms } from './sms.js';
import { startTestApp, type TestApp } from './test-app.js';

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

/** What useSmsTestApp answers. `t` and `app` are set by its beforeAll: read them inside hooks and tests, not while the suite is collected. */
export interface SmsTestApp<S extends RecordingSmsProvider = RecordingSmsProvider> {
  readonly t: TestApp;
  /** The SMS-configured app created after boot. */
  readonly app: CreatedApp;
  /** The recorder the `console` provider sends into. */
  readonly sms: S;
}

/**
 * Registers, in the calling describe, a beforeAll that boots a test app whose
 * `console` provider records into `sms` (a fresh RecordingSmsProvider unless
 * given, e.g. a failing subclass), with `env` added to its environment (read when it
 * boots, so a fake server started by an earlier beforeAll can give its address), and creates one app with SMS configured
 * (createSmsApp with `app` as its body), and an afterAll that closes the test app.
 */
export function useSmsTestApp<S extends RecordingSmsProvider = RecordingSmsProvider>(
  options: { sms?: S; app?: Record<string, unknown>; env?: () => Record<string, string>; databaseSettings?: Record<string, string> } = {},
): SmsTestApp<S> {
  const sms = options.sms ?? (new RecordingSmsProvider() as S);
  let t: TestApp | undefined;
  let app: CreatedApp | undefined;
  beforeAll(async () => {
    t = await startTestApp({ override: withRecordingSms(sms), env: options.env?.(), databaseSettings: options.databaseSettings });
    app = await createSmsApp(t, options.app);
  });
  afterAll(async () => {
    await t?.close();
  });
  const booted = <V>(value: V | undefined, name: string): V => {
    if (value === undefined) throw new Error(`useSmsTestApp: ${name} is read before its beforeAll has set it`);
    return value;
  };
  return {
    get t() {
      return booted(t, 't');
    },
    get app() {
      return booted(app, 'app');
    },
    sms,
  };
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
