import { createApp } from './support/admin.js';
import { FakeTwilio } from './support/fake-twilio.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signParams } from './support/v1.js';

const SID = `AC${'1234abcd5678ef90'.repeat(2)}`;
const TOKEN = 'fake-twilio-locale-token-0001';

/**
 * A template per scene and language: a route sends, among its account's templates of
 * the scene, the one in the caller's language, else the destination country's,
 * else its own.
 */
describe('sms: templates per locale', () => {
  let t: TestApp;
  let admin: { authorization: string };
  let twilio: FakeTwilio;
  let appId: string;
  let app: Awaited<ReturnType<typeof createApp>>;

  beforeAll(async () => {
    t = await startTestApp({ env: { SMS_TIMEOUT_MS: '3000' } });
    admin = { authorization: `Bearer ${await t.adminToken()}` };
    twilio = await FakeTwilio.start({ [SID]: TOKEN });
    const account = (
      await t.http
        .post('/admin/sms/accounts')
        .set(admin)
        .send({ name: 'Twilio', provider: 'twilio', credentials: { account_sid: SID, auth_token: TOKEN }, settings: { from: '+14155550100' }, endpoint: twilio.endpoint, protocol: 'http' })
        .expect(201)
    ).body.data.id as string;
    const template = async (body: Record<string, unknown>) =>
      (await t.http.post(`/admin/sms/accounts/${account}/templates`).set(admin).send({ scene: 'login', ...body }).expect(201)).body.data;
    const en = await template({ template_code: 'login-en', locale: 'en', content: 'Your code is ${code}.' });
    expect(en.locale).toBe('en');
    await template({ template_code: 'login-zh', locale: 'zh-CN', content: '您的验证码是${code}。' });
    await template({ template_code: 'login-ja', locale: 'ja', content: '認証コードは${code}です。' });
    // Another scene's template in German must not be taken for login.
    await template({ template_code: 'register-de', scene: 'register', locale: 'de', content: 'Ihr Code lautet ${code}.' });
    app = await createApp(t, {}, admin.authorization.slice(7));
    appId = app.id;
    await t.http.put(`/admin/apps/${appId}/sms/routes/login`).set(admin).send({ routes: [{ template_id: en.id }] }).expect(200);
  });
  afterAll(async () => {
    await twilio.close();
    await t.close();
  });

  const testSend = async (mcode: string, mobile: string, locale?: string) => {
    twilio.requests.length = 0;
    await t.http.post(`/admin/apps/${appId}/sms/test`).set(admin).send({ scene: 'login', mcode, mobile, params: { code: '123456' }, ...(locale ? { locale } : {}) }).expect(200);
    return twilio.requests[0].form.Body;
  };

  it('takes the destination country\'s language when the caller names none', async () => {
    expect(await testSend('+86', '18518768888')).toBe('您的验证码是123456。');
    expect(await testSend('+81', '9012345678')).toBe('認証コードは123456です。');
    expect(await testSend('+44', '7400123456')).toBe('Your code is 123456.');
  });

  it('a v1 send to a CN number goes in Chinese, to a +44 number in English', async () => {
    twilio.requests.length = 0;
    await t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile: '18518768801' }).expect(200);
    await t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+44', mobile: '7400123401' }).expect(200);
    expect(twilio.requests.map((r) => r.form.Body)).toEqual([expect.stringMatching(/^您的验证码是\d{6}。$/), expect.stringMatching(/^Your code is \d{6}\.$/)]);
  });

  it('the caller\'s language comes first, matched by language when the region differs', async () => {
    expect(await testSend('+86', '18518768888', 'en')).toBe('Your code is 123456.');
    expect(await testSend('+44', '7400123456', 'zh-TW')).toBe('您的验证码是123456。');
    expect(await testSend('+44', '7400123456', 'ja-JP')).toBe('認証コードは123456です。');
  });

  it('without a template in the language, the route\'s own template (the app\'s default for the scene) is sent', async () => {
    // German: the destination's default, and only another scene has a German template.
    expect(await testSend('+49', '15123456789')).toBe('Your code is 123456.');
    expect(await testSend('+86', '18518768888', 'fr')).toBe('您的验证码是123456。');
  });

  it('refuses a malformed locale', async () => {
    const res = await t.http.post(`/admin/apps/${appId}/sms/test`).set(admin).send({ scene: 'login', mobile: '18518768888', locale: 'english' }).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'locale' } });
    const tpl = await t.http.get(`/admin/apps/${appId}/sms/routes`).set(admin).expect(200);
    await t.http.patch(`/admin/sms/templates/${tpl.body.data.items[0].routes[0].template_id}`).set(admin).send({ locale: 'EN' }).expect(400);
  });
});
