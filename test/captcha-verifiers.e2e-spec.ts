import { DataSource } from 'typeorm';
import { createApp, type CreatedApp } from './support/admin.js';
import { solvedCaptcha } from './support/captcha.js';
import { enduserSendParams } from './support/enduser.js';
import { FakeSiteverify, type FakeVendor } from './support/fake-siteverify.js';
import { configureSms, RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signParams } from './support/v1.js';

const SECRETS: Record<FakeVendor, string> = {
  turnstile: '0x4AAAAAAA-turnstile-secret-0001',
  hcaptcha: '0x0000hcaptcha-secret-000000000002',
  recaptcha: '6LeRECAPTCHA-secret-00000000000003',
};
const TIMEOUT_MS = 300;

describe('captcha providers: Turnstile, hCaptcha and reCAPTCHA tokens verified by siteverify', () => {
  const sms = new RecordingSmsProvider();
  let fake: FakeSiteverify;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    fake = await FakeSiteverify.start(SECRETS);
    t = await startTestApp({ override: withRecordingSms(sms), env: { ...fake.env, CAPTCHA_VERIFY_TIMEOUT_MS: String(TIMEOUT_MS) } });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });
  beforeEach(() => {
    sms.clear();
    fake.requests.length = 0;
    fake.reply = { kind: 'verdict' };
    // Past every app's cooldown.
    t.clock.advanceSeconds(61);
  });

  const admin = () => ({ authorization: `Bearer ${token}` });
  const putChallenge = (appId: string, body: Record<string, unknown>) => t.http.put(`/admin/apps/${appId}/challenge`).set(admin()).send(body);
  const getChallenge = (appId: string) => t.http.get(`/admin/apps/${appId}/challenge`).set(admin());

  /** An app with SMS configured, captcha_required, and the given provider settings. */
  async function captchaApp(challenge: Record<string, unknown> | null): Promise<CreatedApp> {
    const app = await createApp(t, { code_policy: { captcha_required: true } }, token);
    await configureSms(t, app.id);
    if (challenge) await putChallenge(app.id, challenge).expect(200);
    return app;
  }

  let mobileSeq = 0;
  const nextMobile = () => `1390000${String(++mobileSeq).padStart(4, '0')}`;
  const loginSend = (app: CreatedApp, extra: Record<string, unknown>, mobile = nextMobile()) =>
    t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, ...extra }).expect(200);

  describe('the admin API', () => {
    it('answers the image captcha for an app that never chose, and never answers a secret once set', async () => {
      const app = await createApp(t, {}, token);
      expect((await getChallenge(app.id).expect(200)).body.data).toEqual({
        provider: 'image', site_key: null, secret_set: false, secret_masked: null, min_score: null, hostname: null, action: null, updated_at: null,
      });

      const put = await putChallenge(app.id, { provider: 'turnstile', site_key: '0x4AAAAAAA-site', secret: SECRETS.turnstile, hostname: 'login.example.com', action: 'send_code' }).expect(200);
      const expected = {
        provider: 'turnstile', site_key: '0x4AAAAAAA-site', secret_set: true, secret_masked: '****0001', min_score: null, hostname: 'login.example.com', action: 'send_code',
        updated_at: expect.any(String),
      };
      expect(put.body).toEqual({ code: 'OK', msg: expect.any(String), data: expected });
      const got = await getChallenge(app.id).expect(200);
      expect(got.body.data).toEqual(expected);
      const audit = await t.http.get('/admin/audit-log').query({ target_type: 'app', action: 'app.challenge' }).set(admin()).expect(200);
      expect(audit.body.data.items.length).toBeGreaterThan(0);
      for (const text of [put.text, got.text, audit.text]) expect(text).not.toContain(SECRETS.turnstile);

      // Sealed at rest, bound to the app.
      const [row] = await t.app.get(DataSource).query('SELECT secret_enc FROM app_challenges WHERE app_id = $1', [app.id]);
      expect(row.secret_enc).toMatch(/^v1:/);
      expect(row.secret_enc).not.toContain(SECRETS.turnstile);

      // Omitted, the secret stays while the provider does; the other settings are replaced whole.
      const kept = await putChallenge(app.id, { provider: 'turnstile' }).expect(200);
      expect(kept.body.data).toMatchObject({ secret_set: true, secret_masked: '****0001', site_key: null, hostname: null, action: null });
    });

    it.each([
      ['another vendor without its secret', { provider: 'hcaptcha' }, 'secret'],
      ['a vendor without any secret', { provider: 'recaptcha', min_score: 0.5 }, 'secret'],
      ['a minimum score for Turnstile, which scores nothing', { provider: 'turnstile', secret: SECRETS.turnstile, min_score: 0.5 }, 'min_score'],
      ['a secret for the image captcha', { provider: 'image', secret: 'whatever-secret-1234' }, 'secret'],
      ['a site key for the image captcha', { provider: 'image', site_key: 'abc' }, 'site_key'],
      ['an unknown provider', { provider: 'geetest', secret: 'x' }, 'provider'],
      ['a score above 1', { provider: 'recaptcha', secret: SECRETS.recaptcha, min_score: 1.5 }, 'min_score'],
    ])('refuses %s as VALIDATION_FAILED naming the field', async (_what, body, field) => {
      const app = await createApp(t, {}, token);
      await putChallenge(app.id, { provider: 'turnstile', secret: SECRETS.turnstile }).expect(200);
      const res = await putChallenge(app.id, body).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(JSON.stringify(res.body)).toContain(field);
      // Nothing changed.
      expect((await getChallenge(app.id).expect(200)).body.data).toMatchObject({ provider: 'turnstile', secret_set: true });
    });

    it('answers APP_NOT_FOUND for an unknown app', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await getChallenge(unknown).expect(404)).body.code).toBe('APP_NOT_FOUND');
      expect((await putChallenge(unknown, { provider: 'image' }).expect(404)).body.code).toBe('APP_NOT_FOUND');
    });
  });

  describe.each<[FakeVendor, Record<string, unknown>]>([
    ['turnstile', {}],
    ['hcaptcha', { site_key: '10000000-ffff-ffff-ffff-000000000001' }],
    ['recaptcha', {}],
  ])('%s on v1', (vendor, extra) => {
    let app: CreatedApp;
    beforeAll(async () => {
      app = await captchaApp({ provider: vendor, secret: SECRETS[vendor], ...extra });
    });

    it('sends the code for a good token, after one siteverify form POST of the secret, the token and the client IP', async () => {
      const good = fake.issueToken(vendor);
      const mobile = nextMobile();
      expect((await loginSend(app, { captcha_token: good }, mobile)).body).toEqual({ code: 200, msg: 'success' });
      expect(sms.messages.map((m) => m.phone)).toEqual([`+86${mobile}`]);
      expect(fake.requests).toHaveLength(1);
      const [req] = fake.requests;
      expect(req.vendor).toBe(vendor);
      expect(req.contentType).toBe('application/x-www-form-urlencoded');
      expect(req.form).toMatchObject({ secret: SECRETS[vendor], response: good, remoteip: expect.stringContaining('127.0.0.1') });
      if (vendor === 'hcaptcha') expect(req.form.sitekey).toBe(extra.site_key);
      else expect(req.form.sitekey).toBeUndefined();
    });

    it('refuses a bad token, a used one and another vendor\'s as the wrong-captcha error (400187), sending nothing', async () => {
      const used = fake.issueToken(vendor);
      await loginSend(app, { captcha_token: used });
      sms.clear();
      const other = fake.issueToken(vendor === 'turnstile' ? 'hcaptcha' : 'turnstile');
      for (const bad of ['made-up-token', used, other]) {
        t.clock.advanceSeconds(61);
        expect((await loginSend(app, { captcha_token: bad })).body).toEqual({ code: 400187, msg: 'the captcha token was refused' });
      }
      expect(sms.messages).toHaveLength(0);
    });

    it('asks for the token (400186) when none is sent, an image captcha included, without calling the vendor', async () => {
      const image = await solvedCaptcha(t, app.appkey);
      for (const extraFields of [{}, { img_code_id: image.id, img_code: image.answer }, { captcha_token: '' }]) {
        expect((await loginSend(app, extraFields)).body).toEqual({ code: 400186, msg: 'a captcha token is required' });
      }
      expect(fake.requests).toHaveLength(0);
      expect(sms.messages).toHaveLength(0);
    });
  });

  describe('a vendor that gives no verdict: 400179 (captcha service unavailable), nothing sent', () => {
    let app: CreatedApp;
    beforeAll(async () => {
      app = await captchaApp({ provider: 'turnstile', secret: SECRETS.turnstile });
    });

    it.each([
      ['no answer within CAPTCHA_VERIFY_TIMEOUT_MS', { kind: 'slow', afterMs: TIMEOUT_MS * 10 }],
      ['an answer that is not JSON', { kind: 'malformed', body: '<html>502 Bad Gateway</html>' }],
      ['JSON without a boolean success', { kind: 'malformed', body: '{"success":"true"}' }],
      ['JSON that is not an object', { kind: 'malformed', body: '[true]' }],
      ['error-codes that are not strings', { kind: 'malformed', body: '{"success":false,"error-codes":[1]}' }],
      ['a score outside [0, 1]', { kind: 'malformed', body: '{"success":true,"score":7}' }],
      ['an HTTP 500', { kind: 'http', status: 500 }],
      ['an answer past the size cap', { kind: 'huge', bytes: 100_000 }],
    ] as const)('%s', async (_what, reply) => {
      fake.reply = reply;
      const started = Date.now();
      const res = await loginSend(app, { captcha_token: fake.issueToken('turnstile') });
      expect(res.body).toEqual({ code: 400179, msg: 'the captcha verification service is unavailable, retry later' });
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 5);
      expect(sms.messages).toHaveLength(0);
      expect(t.logs.lines().some((l) => l.msg === 'captcha verification unavailable')).toBe(true);
    });

    it('when the vendor refuses our secret (the operator must fix it, not the user)', async () => {
      const wrongSecret = await captchaApp({ provider: 'recaptcha', secret: 'not-the-recaptcha-secret-000' });
      const res = await loginSend(wrongSecret, { captcha_token: fake.issueToken('recaptcha') });
      expect(res.body.code).toBe(400179);
      expect(fake.requests.at(-1)?.form.secret).toBe('not-the-recaptcha-secret-000');
      expect(sms.messages).toHaveLength(0);
    });

    it('when nothing listens at the endpoint', async () => {
      const port = Number(new URL(fake.env.TURNSTILE_VERIFY_URL).port);
      const other = await startTestApp({ override: withRecordingSms(sms), env: { TURNSTILE_VERIFY_URL: `http://127.0.0.1:${port === 1 ? 2 : 1}/x` } });
      try {
        const a = await createApp(other, { code_policy: { captcha_required: true } });
        await configureSms(other, a.id);
        await other.http.put(`/admin/apps/${a.id}/challenge`).set('authorization', `Bearer ${await other.adminToken()}`).send({ provider: 'turnstile', secret: SECRETS.turnstile }).expect(200);
        const res = await other.http.post('/v1/login/verify_code').send({ ...signParams(other, a), mcode: '+86', mobile: nextMobile(), captcha_token: 'tok' }).expect(200);
        expect(res.body.code).toBe(400179);
      } finally {
        await other.close();
      }
    });
  });

  describe('the optional checks of the answer', () => {
    it('refuses a reCAPTCHA v3 score below min_score, and an answer without a score, as 400187', async () => {
      const app = await captchaApp({ provider: 'recaptcha', secret: SECRETS.recaptcha, min_score: 0.5 });
      expect((await loginSend(app, { captcha_token: fake.issueToken('recaptcha', { score: 0.3 }) })).body.code).toBe(400187);
      expect((await loginSend(app, { captcha_token: fake.issueToken('recaptcha') })).body.code).toBe(400187);
      expect((await loginSend(app, { captcha_token: fake.issueToken('recaptcha', { score: 0.9 }) })).body.code).toBe(200);
      expect(sms.messages).toHaveLength(1);
    });

    it('refuses a token solved on another hostname or for another action', async () => {
      const app = await captchaApp({ provider: 'turnstile', secret: SECRETS.turnstile, hostname: 'login.example.com', action: 'send_code' });
      expect((await loginSend(app, { captcha_token: fake.issueToken('turnstile', { hostname: 'evil.example', action: 'send_code' }) })).body.code).toBe(400187);
      expect((await loginSend(app, { captcha_token: fake.issueToken('turnstile', { hostname: 'login.example.com', action: 'other' }) })).body.code).toBe(400187);
      expect((await loginSend(app, { captcha_token: fake.issueToken('turnstile', { hostname: 'login.example.com', action: 'send_code' }) })).body.code).toBe(200);
      expect(sms.messages).toHaveLength(1);
    });
  });

  describe('every route that demands a captcha', () => {
    let app: CreatedApp;
    beforeAll(async () => {
      app = await captchaApp({ provider: 'hcaptcha', secret: SECRETS.hcaptcha });
    });

    it('v1 /v1/sms/verify_code and /v1/user/verify_code take captcha_token', async () => {
      const mobile = nextMobile();
      const send = await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login', captcha_token: fake.issueToken('hcaptcha') }).expect(200);
      expect(send.body.code).toBe(200);
      // Log in with that code, then ask for a code to a new number.
      const login = await t.http
        .post('/v1/login/mobile')
        .send({ ...signParams(t, app), mcode: '+86', mobile, verify_code: sms.lastCodeFor(`+86${mobile}`), version_number: '1', channel: 'test', need_user_detail: '0' })
        .expect(200);
      const bearer = { authorization: `Bearer ${login.body.data.access_token}` };
      t.clock.advanceSeconds(61);
      const refused = await t.http.post('/v1/user/verify_code').set(bearer).send({ mcode: '+86', mobile: nextMobile(), captcha_token: 'bad' }).expect(200);
      expect(refused.body.code).toBe(400187);
      const sent = await t.http.post('/v1/user/verify_code').set(bearer).send({ mcode: '+86', mobile: nextMobile(), captcha_token: fake.issueToken('hcaptcha') }).expect(200);
      expect(sent.body).toEqual({ code: 200, msg: 'success' });
    });

    it('Authing send-sms takes captchaToken: sent for a good one, 30002 for a bad one, 30011 when the vendor is down', async () => {
      const send = (body: Record<string, unknown>) => t.http.post('/api/v3/send-sms').set('x-authing-app-id', app.appkey).send({ channel: 'CHANNEL_LOGIN', phoneNumber: nextMobile(), ...body }).expect(200);
      expect((await send({ captchaToken: fake.issueToken('hcaptcha') })).body).toMatchObject({ statusCode: 200 });
      expect((await send({ captchaToken: 'bad' })).body).toMatchObject({ statusCode: 400, apiCode: 30002 });
      expect((await send({})).body).toMatchObject({ statusCode: 400, apiCode: 30001 });
      fake.reply = { kind: 'malformed', body: 'nope' };
      expect((await send({ captchaToken: fake.issueToken('hcaptcha') })).body).toMatchObject({ statusCode: 503, apiCode: 30011, message: '验证码服务暂不可用' });
      expect(sms.messages).toHaveLength(1);
    });

    it('seed 003 sendPhoneSmsCode takes captchaToken in its query: sent for a good one, 503 when the vendor is down', async () => {
      const send = (query: Record<string, string>) => t.http.post('/v2/sms/enduserapi/v2/sendPhoneSmsCode').query({ ...enduserSendParams(t, app, nextMobile()), ...query }).expect(200);
      expect((await send({ captchaToken: fake.issueToken('hcaptcha') })).body).toMatchObject({ code: 200 });
      expect((await send({ captchaToken: 'bad' })).body).toMatchObject({ code: 400, msg: '图片验证码错误' });
      fake.reply = { kind: 'slow', afterMs: TIMEOUT_MS * 10 };
      expect((await send({ captchaToken: fake.issueToken('hcaptcha') })).body).toMatchObject({ code: 503, msg: '验证码服务暂不可用' });
      expect(sms.messages).toHaveLength(1);
    });

    it('seed 004 keeps its image captcha whatever the provider: no vendor call, the token ignored', async () => {
      const send = (body: Record<string, unknown>) => t.http.post('/oauth/api/account/sendSmsCode').set('x-app-key', app.appkey).send({ mobile: nextMobile(), sms_type: 'LOGIN', ...body }).expect(200);
      const image = await solvedCaptcha(t, app.appkey);
      expect((await send({ img_code_id: image.id, img_code: image.answer })).body).toMatchObject({ code: '000', data: true });
      expect((await send({ captcha_token: fake.issueToken('hcaptcha') })).body).toMatchObject({ code: '601' });
      expect(fake.requests).toHaveLength(0);
      expect(sms.messages).toHaveLength(1);
    });
  });

  it('an app back on the image captcha takes image captchas again on v1, and its vendor secret is gone', async () => {
    const app = await captchaApp({ provider: 'turnstile', secret: SECRETS.turnstile });
    await putChallenge(app.id, { provider: 'image' }).expect(200);
    expect((await getChallenge(app.id).expect(200)).body.data).toMatchObject({ provider: 'image', secret_set: false, secret_masked: null });
    const image = await solvedCaptcha(t, app.appkey);
    expect((await loginSend(app, { img_code_id: image.id, img_code: image.answer, captcha_token: fake.issueToken('turnstile') })).body.code).toBe(200);
    expect(fake.requests).toHaveLength(0);
  });
});
