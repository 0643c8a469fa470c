import { DataSource } from 'typeorm';
import { type Scene } from '../src/common/scenes.js';
import { createApp, type CreatedApp } from './support/admin.js';
import { FakeAliyun } from './support/fake-aliyun.js';
import { configureSms, HangingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signParams } from './support/v1.js';

const AK = 'LTAI5tFakeKeyId0001';
const SECRET = 'fake-secret-0001-do-not-leak';
const AK2 = 'LTAI5tFakeKeyId0002';
const SECRET2 = 'fake-secret-0002-do-not-leak';
/** The bound of one provider call in these tests; the slow fake answers well after it. */
const TIMEOUT_MS = 300;

interface Route {
  accountId: string;
  signatureId: string;
  templateId: string;
}

/**
 * DESIGN §8: a send whose outcome is unknown (a timeout, a connection lost after the
 * request was written) may still deliver its message. It keeps the cooldown and the
 * caps, keeps the code valid, never fails over (no second SMS), and logs `unknown`.
 */
describe('sms: a send whose outcome is unknown', () => {
  let t: TestApp;
  let token: string;
  let fake: FakeAliyun;
  let fake2: FakeAliyun;
  const hanging = new HangingSmsProvider();
  const auth = () => ({ authorization: `Bearer ${token}` });
  let seq = 0;
  const nextMobile = () => `1381234${String(++seq).padStart(4, '0')}`;

  beforeAll(async () => {
    t = await startTestApp({ env: { SMS_TIMEOUT_MS: String(TIMEOUT_MS) }, override: withRecordingSms(hanging) });
    token = await t.adminToken();
    fake = await FakeAliyun.start({ [AK]: SECRET });
    fake2 = await FakeAliyun.start({ [AK2]: SECRET2 });
  });
  afterAll(async () => {
    hanging.release();
    await fake.close();
    await fake2.close();
    await t.close();
  });
  beforeEach(() => {
    t.clock.reset();
    // Every count here stays within one UTC day.
    t.clock.toNextUtcNoon();
    fake.requests.length = 0;
    fake2.requests.length = 0;
    fake.reply = { kind: 'ok' };
    fake2.reply = { kind: 'ok' };
  });

  const send = (app: CreatedApp, mobile: string, scene: Scene = 'login') =>
    t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene }).expect(200);
  const check = async (app: CreatedApp, mobile: string, code: string, scene: Scene = 'login') =>
    (await t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene, verify_code: code }).expect(200)).body;
  const rows = (appId: string) =>
    t.app.get(DataSource).query('SELECT * FROM sms_messages WHERE app_id = $1 ORDER BY created_at, attempt', [appId]) as Promise<Array<Record<string, unknown>>>;
  /** The code the fake received for a number (mainland numbers reach Aliyun without +86). */
  const codeAt = (on: FakeAliyun, mobile: string) => {
    const req = [...on.requests].reverse().find((r) => r.query.PhoneNumbers === mobile);
    return req ? (JSON.parse(req.query.TemplateParam) as { code: string }).code : undefined;
  };

  /** An aliyun account on a fake (timeout TIMEOUT_MS) with one verification signature and a login template. */
  async function aliyunRoute(on: FakeAliyun, creds: { id: string; secret: string }): Promise<Route> {
    const account = await t.http
      .post('/admin/sms/accounts')
      .set(auth())
      .send({ name: 'Aliyun', provider: 'aliyun', access_key_id: creds.id, access_key_secret: creds.secret, endpoint: on.endpoint, protocol: 'http', timeout_ms: TIMEOUT_MS })
      .expect(201);
    const accountId = account.body.data.id as string;
    const sig = await t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(auth()).send({ sign_name: '在行云' }).expect(201);
    const tpl = await t.http.post(`/admin/sms/accounts/${accountId}/templates`).set(auth()).send({ template_code: 'SMS_100000001', scene: 'login' }).expect(201);
    return { accountId, signatureId: sig.body.data.id, templateId: tpl.body.data.id };
  }

  /** An app whose login scene goes to the primary fake, failing over to the second one. */
  async function appWithFallback(codePolicy: Record<string, unknown> = {}): Promise<CreatedApp> {
    const primary = await aliyunRoute(fake, { id: AK, secret: SECRET });
    const fallback = await aliyunRoute(fake2, { id: AK2, secret: SECRET2 });
    const app = await createApp(t, { code_policy: codePolicy }, token);
    await t.http
      .put(`/admin/apps/${app.id}/sms/bindings/login`)
      .set(auth())
      .send({
        template_id: primary.templateId,
        signature_id: primary.signatureId,
        fallback_template_id: fallback.templateId,
        fallback_signature_id: fallback.signatureId,
      })
      .expect(200);
    return app;
  }

  it('a provider that never answers: each send counts against per_phone_daily, so the third of two allowed is refused', async () => {
    hanging.hang = true;
    const app = await createApp(t, { code_policy: { per_phone_daily: 2, resend_interval_s: 10 } }, token);
    await configureSms(t, app.id, { scenes: ['login'] });
    const mobile = nextMobile();

    expect((await send(app, mobile)).body).toMatchObject({ code: 200 });
    t.clock.advanceSeconds(11);
    expect((await send(app, mobile)).body).toMatchObject({ code: 200 });
    t.clock.advanceSeconds(11);
    expect((await send(app, mobile)).body).toMatchObject({ code: 429, data: { retry_after: expect.any(Number) } });
    t.clock.advanceSeconds(11);
    expect((await send(app, mobile)).body).toMatchObject({ code: 429 });
    // Two messages went to the provider, not four.
    expect(hanging.messages.filter((m) => m.phone === `+86${mobile}`)).toHaveLength(2);

    const log = await rows(app.id);
    expect(log).toHaveLength(2);
    for (const row of log) expect(row).toMatchObject({ status: 'unknown', error: null, provider_code: 'Timeout', attempt: 1 });
    expect(log[0].completed_at).not.toBeNull();

    // The newest code may arrive: it is valid.
    expect(await check(app, mobile, hanging.lastCodeFor(`+86${mobile}`)!)).toEqual({ code: 200, msg: 'success', data: { result: 'approved' } });
  });

  it('a slow provider that delivers after the timeout (real SDK): no failover, the row says unknown, the cooldown holds and the code checks', async () => {
    const app = await appWithFallback();
    fake.reply = { kind: 'ok', delayMs: TIMEOUT_MS * 4 };
    const mobile = nextMobile();

    expect((await send(app, mobile)).body).toEqual({ code: 200, msg: 'success', data: { expires_in: 300, resend_in: 60 } });
    expect(fake.requests).toHaveLength(1);
    // No second account tried: one SMS at most.
    expect(fake2.requests).toHaveLength(0);
    const log = await rows(app.id);
    expect(log).toHaveLength(1);
    // The SDK's read timeout ends the call, or our own bound just past it when the machine is slow to connect.
    expect(log[0]).toMatchObject({ status: 'unknown', attempt: 1, error: null, biz_id: null, provider_code: expect.stringMatching(/^(RequestTimeoutError|Timeout)$/) });
    // The query (number, code) stays out of the log.
    expect(String(log[0].provider_message)).not.toContain('TemplateParam');

    // The send counted: an immediate resend meets the cooldown (whole seconds left of 60, however slow the machine).
    const resent = (await send(app, mobile)).body;
    expect(resent).toMatchObject({ code: 429, data: { retry_after: expect.any(Number) } });
    expect(resent.data.retry_after).toBeGreaterThan(50);
    expect(resent.data.retry_after).toBeLessThanOrEqual(60);
    expect(fake.requests.length + fake2.requests.length).toBe(1);

    expect(await check(app, mobile, codeAt(fake, mobile)!)).toMatchObject({ code: 200, data: { result: 'approved' } });
  });

  it('a connection dropped after the request was written (real SDK): unknown, no failover', async () => {
    const app = await appWithFallback();
    fake.reply = { kind: 'reset' };
    const mobile = nextMobile();

    expect((await send(app, mobile)).body).toMatchObject({ code: 200 });
    expect(fake.requests).toHaveLength(1);
    expect(fake2.requests).toHaveLength(0);
    const log = await rows(app.id);
    expect(log).toEqual([expect.objectContaining({ status: 'unknown', attempt: 1, error: null, provider_code: 'ECONNRESET' })]);
    expect(await check(app, mobile, codeAt(fake, mobile)!)).toMatchObject({ data: { result: 'approved' } });
  });

  it('a refused connection sent nothing: it fails over to the fallback account, which delivers', async () => {
    const closed = await FakeAliyun.start({ [AK]: SECRET });
    const primary = await aliyunRoute(closed, { id: AK, secret: SECRET });
    await closed.close();
    const fallback = await aliyunRoute(fake2, { id: AK2, secret: SECRET2 });
    const app = await createApp(t, {}, token);
    await t.http
      .put(`/admin/apps/${app.id}/sms/bindings/login`)
      .set(auth())
      .send({ template_id: primary.templateId, signature_id: primary.signatureId, fallback_template_id: fallback.templateId, fallback_signature_id: fallback.signatureId })
      .expect(200);
    const mobile = nextMobile();

    expect((await send(app, mobile)).body).toMatchObject({ code: 200 });
    expect(fake2.requests).toHaveLength(1);
    const log = await rows(app.id);
    expect(log.map((r) => [r.attempt, r.status, r.provider_code])).toEqual([
      [1, 'failed', 'ECONNREFUSED'],
      [2, 'sent', 'OK'],
    ]);
  });

  it('the admin test send says the outcome is unknown, and the send log filters by it', async () => {
    const app = await appWithFallback();
    fake.reply = { kind: 'ok', delayMs: TIMEOUT_MS * 4 };
    const res = await t.http.post(`/admin/apps/${app.id}/sms/test`).set(auth()).send({ scene: 'login', mobile: nextMobile() }).expect(200);
    expect(res.body.data).toEqual({ message_id: expect.any(String), provider: 'aliyun', biz_id: null, status: 'unknown' });
    const list = await t.http.get('/admin/sms/messages').query({ app_id: app.id, status: 'unknown' }).set(auth()).expect(200);
    expect(list.body.data.items).toEqual([expect.objectContaining({ id: res.body.data.message_id, status: 'unknown', attempt: 1 })]);
    expect(fake2.requests).toHaveLength(0);
  });
});
