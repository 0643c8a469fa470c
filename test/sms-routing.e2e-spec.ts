import { DataSource } from 'typeorm';
import { createApp, type CreatedApp } from './support/admin.js';
import { FakeAliyun } from './support/fake-aliyun.js';
import { FakeTencent } from './support/fake-tencent.js';
import { FakeTwilio } from './support/fake-twilio.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signParams } from './support/v1.js';

const AK = 'LTAI5tFakeRouteKey01';
const AK_SECRET = 'fake-aliyun-route-secret-01';
const SECRET_ID = 'AKIDfakeRouteSecret01';
const SECRET_KEY = 'fake-tencent-route-key-01';
const SID = `AC${'a1b2c3d4e5f60718'.repeat(2)}`;
const TOKEN = 'fake-twilio-route-token-0001';

interface RouteParts {
  accountId: string;
  templateId: string;
  signatureId?: string;
}

/**
 * Routing by destination through every real SDK: CN → Aliyun then Tencent,
 * everything else → Twilio in English. Failover only where no message can have
 * left and another account may succeed.
 */
describe('sms: routes by destination, failing over where no message can have left', () => {
  let t: TestApp;
  let admin: { authorization: string };
  let aliyun: FakeAliyun;
  let tencent: FakeTencent;
  let twilio: FakeTwilio;
  let seq = 0;
  const nextCnMobile = () => `1390000${String(++seq).padStart(4, '0')}`;

  beforeAll(async () => {
    t = await startTestApp({ env: { SMS_TIMEOUT_MS: '3000' } });
    admin = { authorization: `Bearer ${await t.adminToken()}` };
    aliyun = await FakeAliyun.start({ [AK]: AK_SECRET });
    tencent = await FakeTencent.start({ [SECRET_ID]: SECRET_KEY });
    twilio = await FakeTwilio.start({ [SID]: TOKEN });
  });
  afterAll(async () => {
    await Promise.all([aliyun.close(), tencent.close(), twilio.close()]);
    await t.close();
  });
  beforeEach(() => {
    for (const f of [aliyun, tencent, twilio]) {
      f.requests.length = 0;
      f.reply = { kind: 'ok' };
    }
  });

  async function account(body: Record<string, unknown>): Promise<string> {
    return (await t.http.post('/admin/sms/accounts').set(admin).send({ protocol: 'http', timeout_ms: 1000, ...body }).expect(201)).body.data.id as string;
  }

  async function parts(accountId: string, template: Record<string, unknown>, signName?: string): Promise<RouteParts> {
    const tpl = await t.http.post(`/admin/sms/accounts/${accountId}/templates`).set(admin).send({ scene: 'login', ...template }).expect(201);
    const sig = signName ? await t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(admin).send({ sign_name: signName }).expect(201) : null;
    return { accountId, templateId: tpl.body.data.id, ...(sig ? { signatureId: sig.body.data.id } : {}) };
  }

  const aliyunParts = async (secret = AK_SECRET) =>
    parts(await account({ name: 'Aliyun', provider: 'aliyun', access_key_id: AK, access_key_secret: secret, endpoint: aliyun.endpoint }), { template_code: 'SMS_100000001' }, '在行云');
  const tencentParts = async () =>
    parts(
      await account({ name: 'Tencent', provider: 'tencent', credentials: { secret_id: SECRET_ID, secret_key: SECRET_KEY }, settings: { sdk_app_id: '1400006666' }, endpoint: tencent.endpoint }),
      { template_code: '1234567' },
      '在行云',
    );
  const twilioParts = async () =>
    parts(
      await account({ name: 'Twilio', provider: 'twilio', credentials: { account_sid: SID, auth_token: TOKEN }, settings: { from: '+14155550100' }, endpoint: twilio.endpoint }),
      { template_code: 'login-en', content: 'Your Passcode code is ${code}. Do not share it.' },
    );

  /** An app whose login scene routes CN to Aliyun then Tencent, everything else to Twilio. */
  async function routedApp(a?: RouteParts, tc?: RouteParts, tw?: RouteParts): Promise<{ app: CreatedApp; a: RouteParts; tc: RouteParts; tw: RouteParts }> {
    a ??= await aliyunParts();
    tc ??= await tencentParts();
    tw ??= await twilioParts();
    const app = await createApp(t, {}, admin.authorization.slice(7));
    const route = (p: RouteParts, countries?: string[]) => ({ template_id: p.templateId, ...(p.signatureId ? { signature_id: p.signatureId } : {}), ...(countries ? { countries } : {}) });
    await t.http
      .put(`/admin/apps/${app.id}/sms/routes/login`)
      .set(admin)
      .send({ routes: [route(a, ['CN']), route(tc, ['CN']), route(tw)] })
      .expect(200);
    return { app, a, tc, tw };
  }

  const sendV1 = (app: CreatedApp, mcode: string, mobile: string) =>
    t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode, mobile }).expect(200);
  const rows = (appId: string) =>
    t.app.get(DataSource).query('SELECT attempt, provider, account_id, status, error, provider_code FROM sms_messages WHERE app_id = $1 ORDER BY attempt', [appId]);

  it('a CN number goes through Aliyun', async () => {
    const { app, a } = await routedApp();
    const res = await sendV1(app, '+86', nextCnMobile());
    expect(res.body).toMatchObject({ code: 200 });
    expect(aliyun.requests).toHaveLength(1);
    expect(aliyun.requests[0]).toMatchObject({ signatureValid: true, query: expect.objectContaining({ SignName: '在行云', TemplateCode: 'SMS_100000001' }) });
    expect(tencent.requests.length + twilio.requests.length).toBe(0);
    expect(await rows(app.id)).toEqual([expect.objectContaining({ attempt: 1, provider: 'aliyun', account_id: a.accountId, status: 'sent' })]);
  });

  it('with Aliyun refusing at the account level, a CN number goes through Tencent; both attempts are logged', async () => {
    const { app, tc } = await routedApp(await aliyunParts('not-the-aliyun-secret'));
    const mobile = nextCnMobile();
    expect((await sendV1(app, '+86', mobile)).body).toMatchObject({ code: 200 });
    expect(aliyun.requests[0].signatureValid).toBe(false);
    expect(tencent.requests).toHaveLength(1);
    expect(tencent.requests[0]).toMatchObject({ signatureValid: true, body: expect.objectContaining({ PhoneNumberSet: [`+86${mobile}`], TemplateId: '1234567' }) });
    expect(twilio.requests).toHaveLength(0);
    expect(await rows(app.id)).toEqual([
      expect.objectContaining({ attempt: 1, provider: 'aliyun', status: 'failed', error: 'SMS_ACCESS_KEY_NOT_FOUND', provider_code: 'SignatureDoesNotMatch' }),
      expect.objectContaining({ attempt: 2, provider: 'tencent', account_id: tc.accountId, status: 'sent', provider_code: 'Ok' }),
    ]);
  });

  it.each([
    ['an account quota (isv.AMOUNT_NOT_ENOUGH)', { kind: 'business', code: 'isv.AMOUNT_NOT_ENOUGH' } as const, 'SMS_PROVIDER_REJECTED'],
    ['a transient refusal (HTTP 503)', { kind: 'http', status: 503, code: 'ServiceUnavailable' } as const, 'SMS_PROVIDER_FAILED'],
  ])('fails over to Tencent on %s', async (_what, reply, error) => {
    const { app } = await routedApp();
    aliyun.reply = reply;
    expect((await sendV1(app, '+86', nextCnMobile())).body).toMatchObject({ code: 200 });
    expect(tencent.requests).toHaveLength(1);
    expect((await rows(app.id)).map((r: { provider: string; error: string | null }) => [r.provider, r.error])).toEqual([['aliyun', error], ['tencent', null]]);
  });

  it.each([
    ['the number refused (isv.MOBILE_NUMBER_ILLEGAL)', { kind: 'business', code: 'isv.MOBILE_NUMBER_ILLEGAL' } as const, 'failed', 'SMS_PHONE_REJECTED'],
    ['the number rate-limited (isv.BUSINESS_LIMIT_CONTROL)', { kind: 'business', code: 'isv.BUSINESS_LIMIT_CONTROL' } as const, 'failed', 'SMS_PROVIDER_RATE_LIMITED'],
    ['an unknown outcome (no answer)', { kind: 'hang' } as const, 'unknown', null],
  ])('does not fail over on %s', async (_what, reply, status, error) => {
    const { app } = await routedApp();
    aliyun.reply = reply;
    const res = await sendV1(app, '+86', nextCnMobile());
    expect(res.body.code === 200).toBe(error === null);
    expect(tencent.requests.length + twilio.requests.length).toBe(0);
    expect(await rows(app.id)).toEqual([expect.objectContaining({ attempt: 1, provider: 'aliyun', status, error })]);
  });

  it('a +44 number goes through Twilio, in English', async () => {
    const { app, tw } = await routedApp();
    expect((await sendV1(app, '+44', '7400123456')).body).toMatchObject({ code: 200 });
    expect(aliyun.requests.length + tencent.requests.length).toBe(0);
    expect(twilio.requests).toHaveLength(1);
    expect(twilio.requests[0]).toMatchObject({ authValid: true, form: { To: '+447400123456', From: '+14155550100', Body: expect.stringMatching(/^Your Passcode code is \d{6}\. Do not share it\.$/) } });
    expect(await rows(app.id)).toEqual([expect.objectContaining({ attempt: 1, provider: 'twilio', account_id: tw.accountId, status: 'sent' })]);
  });

  it('a route for every destination is the last resort after the restricted ones; the last refusal ends the send, every attempt logged', async () => {
    const { app } = await routedApp(await aliyunParts('not-the-aliyun-secret'));
    tencent.reply = { kind: 'error', code: 'RequestLimitExceeded' };
    twilio.reply = { kind: 'error', status: 503, code: 20503 };
    const res = await sendV1(app, '+86', nextCnMobile());
    // login_verify_code.md: 400190, the SMS exception (SMS_PROVIDER_FAILED).
    expect(res.body).toMatchObject({ code: 400190 });
    expect((await rows(app.id)).map((r: { attempt: number; provider: string; error: string }) => [r.attempt, r.provider, r.error])).toEqual([
      [1, 'aliyun', 'SMS_ACCESS_KEY_NOT_FOUND'],
      [2, 'tencent', 'SMS_PROVIDER_FAILED'],
      [3, 'twilio', 'SMS_PROVIDER_FAILED'],
    ]);
  });

  it('skips a disabled route without calling it', async () => {
    const { app, a } = await routedApp();
    await t.http.post(`/admin/sms/accounts/${a.accountId}/disable`).set(admin).expect(200);
    expect((await sendV1(app, '+86', nextCnMobile())).body).toMatchObject({ code: 200 });
    expect(aliyun.requests).toHaveLength(0);
    expect(await rows(app.id)).toEqual([expect.objectContaining({ attempt: 1, provider: 'tencent', status: 'sent' })]);
  });

  it('a destination no route serves is SMS_NOT_CONFIGURED, logged, with no provider call', async () => {
    const a = await aliyunParts();
    const app = await createApp(t, {}, admin.authorization.slice(7));
    await t.http.put(`/admin/apps/${app.id}/sms/routes/login`).set(admin).send({ routes: [{ template_id: a.templateId, signature_id: a.signatureId, countries: ['CN'] }] }).expect(200);
    const test = await t.http.post(`/admin/apps/${app.id}/sms/test`).set(admin).send({ scene: 'login', mcode: '+44', mobile: '7400123456' }).expect(422);
    expect(test.body).toMatchObject({ code: 'SMS_NOT_CONFIGURED', msg: expect.stringContaining('GB') });
    expect(aliyun.requests).toHaveLength(0);
    expect(await rows(app.id)).toEqual([expect.objectContaining({ status: 'failed', error: 'SMS_NOT_CONFIGURED', provider: null })]);
  });

  it('routes take precedence over the binding; removing them sends by the binding again', async () => {
    const a = await aliyunParts();
    const tc = await tencentParts();
    const app = await createApp(t, {}, admin.authorization.slice(7));
    await t.http.put(`/admin/apps/${app.id}/sms/bindings/login`).set(admin).send({ template_id: a.templateId, signature_id: a.signatureId }).expect(200);
    await t.http.put(`/admin/apps/${app.id}/sms/routes/login`).set(admin).send({ routes: [{ template_id: tc.templateId, signature_id: tc.signatureId }] }).expect(200);
    await sendV1(app, '+86', nextCnMobile());
    expect([aliyun.requests.length, tencent.requests.length]).toEqual([0, 1]);
    await t.http.delete(`/admin/apps/${app.id}/sms/routes/login`).set(admin).expect(200);
    await sendV1(app, '+86', nextCnMobile());
    expect([aliyun.requests.length, tencent.requests.length]).toEqual([1, 1]);
    await t.http.delete(`/admin/apps/${app.id}/sms/routes/login`).set(admin).expect(422);
  });

  it('lists, replaces and audits routes', async () => {
    const { app, a, tc, tw } = await routedApp();
    const list = await t.http.get(`/admin/apps/${app.id}/sms/routes`).set(admin).expect(200);
    expect(list.body.data.items).toEqual([
      {
        app_id: app.id,
        scene: 'login',
        routes: [
          { position: 1, template_id: a.templateId, signature_id: a.signatureId, countries: ['CN'] },
          { position: 2, template_id: tc.templateId, signature_id: tc.signatureId, countries: ['CN'] },
          { position: 3, template_id: tw.templateId, signature_id: null, countries: null },
        ],
      },
    ]);
    const put = await t.http.put(`/admin/apps/${app.id}/sms/routes/login`).set(admin).send({ routes: [{ template_id: tw.templateId }] }).expect(200);
    expect(put.body.data.routes).toEqual([{ position: 1, template_id: tw.templateId, signature_id: null, countries: null }]);
    const audit = await t.http.get('/admin/audit-log').query({ target_id: app.id }).set(admin).expect(200);
    expect(audit.body.data.items.filter((i: { action: string }) => i.action === 'sms_routes.put')).toHaveLength(2);
  });

  it('refuses routes that cannot send', async () => {
    const a = await aliyunParts();
    const tc = await tencentParts();
    const bare = await parts(tc.accountId, { template_code: '7654321' });
    const twBare = await parts(
      await account({ name: 'Twilio', provider: 'twilio', credentials: { account_sid: SID, auth_token: TOKEN }, settings: { from: '+14155550100' }, endpoint: twilio.endpoint }),
      { template_code: 'no-content' },
    );
    const app = await createApp(t, {}, admin.authorization.slice(7));
    const put = (routes: unknown) => t.http.put(`/admin/apps/${app.id}/sms/routes/login`).set(admin).send({ routes });
    const cases: Array<[unknown, number, string, string | undefined]> = [
      [[{ template_id: '00000000-0000-4000-8000-000000000000', signature_id: a.signatureId }], 422, 'SMS_TEMPLATE_NOT_FOUND', 'routes[0].template_id'],
      [[{ template_id: a.templateId, signature_id: a.signatureId }, { template_id: tc.templateId, signature_id: a.signatureId }], 422, 'SMS_BINDING_ACCOUNT_MISMATCH', 'routes[1].signature_id'],
      [[{ template_id: bare.templateId }], 400, 'VALIDATION_FAILED', 'routes[0].signature_id'],
      [[{ template_id: twBare.templateId }], 400, 'VALIDATION_FAILED', 'routes[0].template_id'],
      [[{ template_id: a.templateId, signature_id: a.signatureId, countries: ['XX'] }], 400, 'VALIDATION_FAILED', 'routes[0].countries'],
      [[{ template_id: a.templateId, signature_id: a.signatureId, countries: ['cn'] }], 400, 'VALIDATION_FAILED', 'routes[0].countries'],
      [[], 400, 'VALIDATION_FAILED', undefined],
      [[{ template_id: a.templateId, signature_id: a.signatureId, account_id: a.accountId }], 400, 'VALIDATION_FAILED', undefined],
    ];
    for (const [routes, status, code, field] of cases) {
      const res = await put(routes);
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      if (field) expect(res.body.data.field).toBe(field);
    }
    await t.http.put(`/admin/apps/${app.id}/sms/routes/bogus`).set(admin).send({ routes: [{ template_id: a.templateId, signature_id: a.signatureId }] }).expect(400);
    expect((await t.http.get(`/admin/apps/${app.id}/sms/routes`).set(admin).expect(200)).body.data.items).toEqual([]);
  });
});
