import { createApp, type CreatedApp } from './support/admin.js';
import { solvedCaptcha } from './support/captcha.js';
import { configureSmsDetailed, FailingSmsProvider } from './support/sms.js';
import { createSmsApp, useSmsTestApp } from './support/v1.js';

/*
 * The oauth (seed 004) codes no other spec triggers. Not here, because no seed 004
 * endpoint can raise them: 403 (FORBIDDEN and the login switches: neither oauth
 * endpoint checks a login config or a role) and 740/741/742 (CODE_WRONG,
 * CODE_EXPIRED, PHONE_TAKEN: seed 004 has no endpoint that checks a code or
 * changes a number).
 */

const PATH = '/oauth/api/account/sendSmsCode';

describe('oauth (seed 004) error codes', () => {
  const sms = new FailingSmsProvider();
  const s = useSmsTestApp({ sms });
  let seq = 0;
  const nextMobile = () => `1350000${String(++seq).padStart(4, '0')}`;
  const admin = async () => ({ authorization: `Bearer ${await s.t.adminToken()}` });

  /** sendSmsCode with a freshly solved captcha, so only the send itself can fail. */
  async function send(app: CreatedApp, mobile: string) {
    const captcha = await solvedCaptcha(s.t, app.appkey);
    return s.t.http.post(PATH).set('x-app-key', app.appkey).send({ mobile, img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'LOGIN' }).expect(200);
  }

  const failure = (code: string, msg: string, data: unknown = null) => ({ request_id: expect.any(String), code, msg, data });

  beforeEach(() => {
    sms.fail = null;
    sms.clear();
    s.t.clock.reset();
  });

  describe('710/711: SMS configuration', () => {
    it('answers 710 when the app has no binding for the scene', async () => {
      const bare = await createApp(s.t);
      expect((await send(bare, nextMobile())).body).toEqual(failure('710', '短信配置未找到'));
      expect(sms.messages).toEqual([]);
    });

    it('answers 710 when the provider does not know the template', async () => {
      sms.fail = 'SMS_TEMPLATE_NOT_FOUND';
      expect((await send(s.app, nextMobile())).body).toEqual(failure('710', '短信配置未找到'));
    });

    it.each([
      ['account', (c: { accountId: string }) => `/admin/sms/accounts/${c.accountId}/disable`],
      ['signature', (c: { signatureId: string }) => `/admin/sms/signatures/${c.signatureId}/disable`],
      ['template', (c: { templates: { login?: { id: string } } }) => `/admin/sms/templates/${c.templates.login!.id}/disable`],
    ])('answers 711 when the bound %s is disabled, without calling the provider', async (_what, path) => {
      const a = await createApp(s.t);
      const setup = await configureSmsDetailed(s.t, a.id, { scenes: ['login'] });
      await s.t.http.post(path(setup)).set(await admin()).expect((r) => expect(r.status).toBeLessThan(300));
      expect((await send(a, nextMobile())).body).toEqual(failure('711', '短信配置已停用'));
      expect(sms.messages).toEqual([]);
    });
  });

  describe('720-723: what the provider answered', () => {
    it.each([
      ['SMS_PROVIDER_REJECTED', '720', '短信发送失败'],
      ['SMS_PHONE_REJECTED', '721', '手机号格式不正确'],
      ['SMS_PROVIDER_RATE_LIMITED', '722', '短信发送超出频率'],
      ['SMS_PROVIDER_FAILED', '723', '短信发送异常'],
    ] as const)('%s → %s', async (error, code, msg) => {
      sms.fail = error;
      expect((await send(s.app, nextMobile())).body).toEqual(failure(code, msg));
    });
  });

  describe('730/732: the app’s sending policy', () => {
    it('answers 730 for a number outside allowed_country_codes, without spending the captcha', async () => {
      const a = await createSmsApp(s.t, { code_policy: { allowed_country_codes: ['US'] } });
      const captcha = await solvedCaptcha(s.t, a.appkey);
      const body = { mobile: nextMobile(), img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'LOGIN' };
      expect((await s.t.http.post(PATH).set('x-app-key', a.appkey).send(body).expect(200)).body).toEqual(failure('730', '不支持该国家或地区的手机号'));
      expect(sms.messages).toEqual([]);
      await s.t.http.patch(`/admin/apps/${a.id}`).set(await admin()).send({ code_policy: { allowed_country_codes: ['CN'] } }).expect(200);
      expect((await s.t.http.post(PATH).set('x-app-key', a.appkey).send(body).expect(200)).body.code).toBe('000');
    });

    it('answers 732 with retry_after once per_phone_daily is reached', async () => {
      const a = await createSmsApp(s.t, { code_policy: { per_phone_daily: 1 } });
      s.t.clock.toNextUtcNoon(); // the day's window cannot end between the two sends
      const mobile = nextMobile();
      expect((await send(a, mobile)).body.code).toBe('000');
      s.t.clock.advanceSeconds(61); // past the resend cooldown: only the daily cap can refuse it
      expect((await send(a, mobile)).body).toEqual(failure('732', '短信发送次数超出限制', { retry_after: expect.any(Number) }));
      expect(sms.messages).toHaveLength(1);
    });
  });
});
