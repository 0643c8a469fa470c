import { createConnection, type AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import type { Response } from 'supertest';
import { AUTHING_CODES } from '../src/api/authing/authing.dialect.js';
import { createApp, type CreatedApp } from './support/admin.js';
import { FakeSiteverify } from './support/fake-siteverify.js';
import { configureSmsDetailed, FailingSmsProvider } from './support/sms.js';
import { startTestApp } from './support/test-app.js';
import { createSmsApp, loginWithSms, useSmsTestApp } from './support/v1.js';

/**
 * README "Authing v3": [statusCode, apiCode, message, HTTP status], written out here so a
 * change to the table shows. HTTP 200 for every outcome of an endpoint; the transport
 * failures (10002–10006) keep their HTTP status, the same number as statusCode.
 */
const E = {
  VALIDATION: [400, 10001, '参数错误', 200],
  MALFORMED_BODY: [400, 10002, '请求格式错误', 400],
  BODY_TOO_LARGE: [413, 10003, '请求内容过大', 413],
  MEDIA_TYPE: [415, 10004, '不支持的内容类型', 415],
  NO_ROUTE: [404, 10005, '接口不存在', 404],
  NO_METHOD: [405, 10006, '方法不允许', 405],
  MALFORMED_REQUEST: [400, 10008, '请求格式错误', 400],
  HEADERS_TOO_LARGE: [431, 10009, '请求头过大', 431],
  THROTTLED: [400, 10007, '请求过于频繁', 200],
  UNAUTHORIZED: [401, 20001, '未登录或登录已失效', 200],
  TOKEN_EXPIRED: [401, 20002, '登录已过期', 200],
  NO_APP: [404, 20005, '应用不存在', 200],
  NO_APP_HEADER: [400, 20006, '请提供 x-authing-app-id', 200],
  UPDATE_TOKEN_INVALID: [400, 20011, '修改手机号凭证无效或已过期', 200],
  CAPTCHA_REQUIRED: [400, 30001, '请输入图形验证码', 200],
  CAPTCHA_WRONG: [400, 30002, '图形验证码错误', 200],
  CAPTCHA_UNAVAILABLE: [503, 30011, '验证码服务暂不可用', 200],
  REGION: [400, 30004, '不支持该国家或地区的手机号', 200],
  NUMBER_TYPE: [400, 30013, '不支持该类型的号码', 200],
  SEND_BLOCKED: [400, 30012, '该号段短信发送已暂停', 200],
  COOLDOWN: [400, 30005, '短信发送过于频繁，请稍后再试', 200],
  SEND_LIMIT: [400, 30006, '短信发送次数超出限制', 200],
  CODE_WRONG: [400, 30007, '验证码错误', 200],
  CODE_EXPIRED: [400, 30008, '验证码已失效', 200],
  PHONE_REJECTED: [400, 30009, '手机号格式不正确', 200],
  PROVIDER_RATE_LIMITED: [400, 30010, '短信发送过于频繁，请稍后再试', 200],
  USER_NOT_FOUND: [404, 40001, '用户不存在', 200],
  PHONE_TAKEN: [400, 40002, '手机号已被绑定', 200],
  SMS_NOT_CONFIGURED: [500, 50010, '短信服务未配置', 200],
  SMS_DISABLED: [500, 50011, '短信服务已停用', 200],
  PROVIDER_REJECTED: [500, 50012, '短信发送失败', 200],
  PROVIDER_FAILED: [500, 50013, '短信发送异常', 200],
} as const satisfies Record<string, readonly [statusCode: number, apiCode: number, message: string, http: number]>;

/** apiCodes no request to /api/v3 can produce, and why. */
const UNREACHABLE: Record<number, string> = {
  20003: 'FORBIDDEN: nothing on the /api/v3 routes refuses with 403',
  20004: 'LOGIN_LOCKED: operator (admin) login only',
  20007: 'SIGN_*: the seed 001 md5 signature; /api/v3 names its app by the x-authing-app-id header',
  20008: 'LOGIN_NOT_CONFIGURED: only the v1 login checks the login config',
  20009: 'LOGIN_DISABLED: only the v1 login checks the login config',
  20010: 'MOBILE_LOGIN_DISABLED: only the v1 login checks the login config',
  20012: 'SIGN_NONCE_REPLAYED: seed 003 nonces only',
  30003: 'CAPTCHA_INVALID: the send-sms body carries no image captcha (only a vendor token, captchaToken)',
  40003: 'USER_CANCEL_FAILED: deregistration is a v1 endpoint',
  50001: 'INTERNAL: a bug, by definition',
  10010: 'REQUEST_TIMEOUT: needs a server with a short HTTP_REQUEST_TIMEOUT_MS (test/hostile-input.e2e-spec.ts, slow clients, triggers it on /api/v3)',
  50002: 'SERVICE_UNAVAILABLE: the database down, not a request (test/db-unavailable.e2e-spec.ts and the abuse suite take it down)',
};

type Expected = (typeof E)[keyof typeof E];

/** The exact Authing error envelope, its HTTP status and its request id (also the x-request-id header). */
function expectError(res: Response, [statusCode, apiCode, message, http]: Expected, data: Record<string, unknown> = {}): void {
  expect(res.body).toEqual({ statusCode, apiCode, message, requestId: res.headers['x-request-id'], data });
  expect(res.body.requestId).toEqual(expect.any(String));
  expect(res.status).toBe(http);
}

/** A success: HTTP 200 and statusCode 200 (errors answer HTTP 200 too). */
function succeeded(res: Response): void {
  expect(res.status).toBe(200);
  expect(res.body.statusCode).toBe(200);
}

describe('Authing v3 (seed 002): every reachable apiCode through /api/v3', () => {
  const sms = new FailingSmsProvider();
  const turnstileSecret = '0x4AAAAAAA-authing-codes-secret';
  let siteverify: FakeSiteverify;
  beforeAll(async () => {
    siteverify = await FakeSiteverify.start({ turnstile: turnstileSecret, hcaptcha: 'unused-hcaptcha-secret', recaptcha: 'unused-recaptcha-secret' });
  });
  afterAll(async () => {
    await siteverify?.close();
  });
  const s = useSmsTestApp({ sms, env: () => ({ ...siteverify.env, CAPTCHA_VERIFY_TIMEOUT_MS: '300' }) });
  let seq = 0;
  const nextPhone = () => `1350000${String(++seq).padStart(4, '0')}`;

  beforeEach(() => {
    sms.fail = null;
    // Past any cooldown a previous test left.
    s.t.clock.advanceSeconds(61);
  });

  const admin = async () => ({ authorization: `Bearer ${await s.t.adminToken()}` });
  const login = (a: CreatedApp, mobile: string) => loginWithSms(s.t, s.sms, a, mobile);

  function post(appkey: string | null, path: string, body: Record<string, unknown>, token?: string) {
    const req = s.t.http.post(`/api/v3/${path}`);
    if (appkey !== null) req.set('x-authing-app-id', appkey);
    if (token) req.set('authorization', `Bearer ${token}`);
    return req.send(body);
  }
  const sendSms = (a: CreatedApp, phoneNumber: string, channel = 'CHANNEL_LOGIN', token?: string, phoneCountryCode = '+86') =>
    post(a.appkey, 'send-sms', { channel, phoneNumber, phoneCountryCode }, token);

  /** A BIND code to a new number, then the request for an update-phone token with it. */
  async function requestToken(a: CreatedApp, token: string, newPhoneNumber: string) {
    s.t.clock.advanceSeconds(61);
    await sendSms(a, newPhoneNumber, 'CHANNEL_BIND_PHONE', token).expect(succeeded);
    const newPhonePassCode = sms.lastCodeFor(`+86${newPhoneNumber}`);
    return post(a.appkey, 'verify-update-phone-request', { verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber, newPhonePassCode } }, token);
  }

  /** An update-phone token of the user for a new number. */
  async function updatePhoneTokenFor(a: CreatedApp, token: string, newPhoneNumber: string): Promise<string> {
    const res = await requestToken(a, token, newPhoneNumber);
    succeeded(res);
    return res.body.data.updatePhoneToken as string;
  }

  it('names every apiCode of the table: triggered below, or unreachable through /api/v3 for the reason given', () => {
    const inTable = new Set(Object.values(AUTHING_CODES).map(({ apiCode }) => apiCode));
    const named = new Set([...Object.values(E).map(([, apiCode]) => apiCode), ...Object.keys(UNREACHABLE).map(Number)]);
    expect([...named].sort()).toEqual([...inTable].sort());
  });

  describe('request', () => {
    it('10001: a missing field, an unknown channel, a wrong verifyMethod name the field', async () => {
      expectError(await post(s.app.appkey, 'send-sms', { channel: 'CHANNEL_LOGIN' }), E.VALIDATION, { field: 'phoneNumber' });
      expectError(await sendSms(s.app, nextPhone(), 'CHANNEL_COMPLETE_PHONE'), E.VALIDATION, { field: 'channel' });
      const me = await login(s.app, nextPhone());
      const res = await post(s.app.appkey, 'verify-update-phone-request', { verifyMethod: 'EMAIL_PASSCODE', phonePassCodePayload: { newPhoneNumber: nextPhone(), newPhonePassCode: '123456' } }, me.token);
      expectError(res, E.VALIDATION, { field: 'verifyMethod' });
      expectError(await post(s.app.appkey, 'update-phone', {}, me.token), E.VALIDATION, { field: 'updatePhoneToken' });
    });

    it('10001: a number that is not a mobile number, and an UNBIND code to a number not the user’s', async () => {
      expectError(await sendSms(s.app, '12'), E.VALIDATION, { field: 'phoneNumber' });
      const me = await login(s.app, nextPhone());
      expectError(await sendSms(s.app, nextPhone(), 'CHANNEL_UNBIND_PHONE', me.token), E.VALIDATION, { field: 'phoneNumber' });
    });

    it('10002: a body that is not JSON', async () => {
      const res = await s.t.http.post('/api/v3/send-sms').set('x-authing-app-id', s.app.appkey).set('content-type', 'application/json').send('{"channel":');
      expectError(res, E.MALFORMED_BODY);
    });

    it('10003: a body over BODY_LIMIT_BYTES', async () => {
      const res = await s.t.http
        .post('/api/v3/send-sms')
        .set('x-authing-app-id', s.app.appkey)
        .set('content-type', 'application/json')
        .send(JSON.stringify({ channel: 'CHANNEL_LOGIN', phoneNumber: nextPhone(), padding: 'x'.repeat(2 * 1024 * 1024) }));
      expectError(res, E.BODY_TOO_LARGE);
    });

    it('10004: a content type that is neither JSON, form nor multipart', async () => {
      const res = await s.t.http.post('/api/v3/send-sms').set('x-authing-app-id', s.app.appkey).set('content-type', 'application/xml').send('<sms/>');
      expectError(res, E.MEDIA_TYPE);
    });

    it('10005: no such endpoint', async () => {
      expectError(await post(s.app.appkey, 'nothing-here', {}), E.NO_ROUTE);
    });

    it('10008: a request Node\'s HTTP server cannot parse (a control character in a header), answered before routing', async () => {
      await s.t.app.listen(0, '127.0.0.1').catch(() => undefined);
      const socket = createConnection({ port: (s.t.app.getHttpServer().address() as AddressInfo).port, host: '127.0.0.1' });
      let received = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
      socket.on('error', () => undefined);
      socket.write(`POST /api/v3/send-sms HTTP/1.1\r\nHost: test\r\nx-authing-app-id: ${s.app.appkey}\r\nX-Probe: a\u0001b\r\n\r\n`);
      await new Promise((resolve) => socket.once('close', resolve));
      const requestId = /x-request-id: ([\w-]+)/.exec(received)![1];
      expect(received).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      const [statusCode, apiCode, message] = E.MALFORMED_REQUEST;
      expect(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4))).toEqual({ statusCode, apiCode, message, requestId, data: {} });
    });

    it('10009: headers over 16 KB, answered before routing', async () => {
      const res = await s.t.http.post('/api/v3/send-sms').set('x-authing-app-id', s.app.appkey).set('x-padding', 'x'.repeat(20_000)).send({});
      expectError(res, E.HEADERS_TOO_LARGE);
    });

    it('10006: an endpoint asked with another method, with Allow', async () => {
      const res = await s.t.http.get('/api/v3/send-sms').set('x-authing-app-id', s.app.appkey);
      expectError(res, E.NO_METHOD);
      expect(res.headers.allow).toContain('POST');
    });

    it('10007: per-IP throttling, with data.retryAfter', async () => {
      const t = await startTestApp({ env: { THROTTLE_LIMIT: '2', THROTTLE_TTL_MS: '60000' } });
      try {
        for (let i = 0; i < 2; i++) expect((await t.http.post('/api/v3/send-sms').send({ channel: 'CHANNEL_LOGIN', phoneNumber: '13500009999' }).expect(200)).body.apiCode).toBe(20006);
        const res = await t.http.post('/api/v3/send-sms').send({ channel: 'CHANNEL_LOGIN', phoneNumber: '13500009999' });
        expectError(res, E.THROTTLED, { retryAfter: expect.any(Number) });
        expect(res.body.data.retryAfter).toBeGreaterThan(0);
        expect(res.body.data.retryAfter).toBeLessThanOrEqual(60);
      } finally {
        await t.close();
      }
    });
  });

  describe('app and token', () => {
    it('20006: no x-authing-app-id, anonymous or with a token', async () => {
      expectError(await post(null, 'send-sms', { channel: 'CHANNEL_LOGIN', phoneNumber: nextPhone() }), E.NO_APP_HEADER);
      const me = await login(s.app, nextPhone());
      expectError(await post(null, 'update-phone', { updatePhoneToken: 'x' }, me.token), E.NO_APP_HEADER);
    });

    it('20005: an unknown appkey, and a disabled app', async () => {
      expectError(await post('NoSuchAppkey0000', 'send-sms', { channel: 'CHANNEL_LOGIN', phoneNumber: nextPhone() }), E.NO_APP);
      const off = await createSmsApp(s.t);
      await s.t.http.post(`/admin/apps/${off.id}/disable`).set(await admin()).expect(200);
      const phone = nextPhone();
      expectError(await sendSms(off, phone), E.NO_APP);
      expect(sms.lastCodeFor(`+86${phone}`)).toBeUndefined();
    });

    it('20001: no token, a forged one, a revoked one, another app’s, and an anonymous BIND code', async () => {
      expectError(await post(s.app.appkey, 'update-phone', { updatePhoneToken: 'x' }), E.UNAUTHORIZED);
      expectError(await sendSms(s.app, nextPhone(), 'CHANNEL_UNBIND_PHONE', 'not-a-token'), E.UNAUTHORIZED);
      expectError(await sendSms(s.app, nextPhone(), 'CHANNEL_BIND_PHONE'), E.UNAUTHORIZED);
      expectError(await sendSms(s.app, nextPhone(), 'CHANNEL_DELETE_ACCOUNT'), E.UNAUTHORIZED);

      const me = await login(s.app, nextPhone());
      const other = await createSmsApp(s.t);
      expectError(await sendSms(other, nextPhone(), 'CHANNEL_BIND_PHONE', me.token), E.UNAUTHORIZED);

      await s.t.http.get('/v1/user/logout').set('authorization', `Bearer ${me.token}`).expect(200);
      expectError(await sendSms(s.app, nextPhone(), 'CHANNEL_BIND_PHONE', me.token), E.UNAUTHORIZED);
    });

    it('20002: a session past token_ttl_days', async () => {
      const short = await createSmsApp(s.t, { login_config: { token_ttl_days: 1 } });
      const me = await login(short, nextPhone());
      s.t.clock.advanceSeconds(86_401);
      expectError(await sendSms(short, nextPhone(), 'CHANNEL_BIND_PHONE', me.token), E.TOKEN_EXPIRED);
      expectError(await post(short.appkey, 'update-phone', { updatePhoneToken: 'x' }, me.token), E.TOKEN_EXPIRED);
    });

    it('20011: an unknown update-phone token, a used one, and an expired one', async () => {
      const me = await login(s.app, nextPhone());
      expectError(await post(s.app.appkey, 'update-phone', { updatePhoneToken: 'A'.repeat(43) }, me.token), E.UPDATE_TOKEN_INVALID);

      const used = await updatePhoneTokenFor(s.app, me.token, nextPhone());
      await post(s.app.appkey, 'update-phone', { updatePhoneToken: used }, me.token).expect(succeeded);
      expectError(await post(s.app.appkey, 'update-phone', { updatePhoneToken: used }, me.token), E.UPDATE_TOKEN_INVALID);

      const expired = await updatePhoneTokenFor(s.app, me.token, nextPhone());
      s.t.clock.advanceSeconds(601);
      expectError(await post(s.app.appkey, 'update-phone', { updatePhoneToken: expired }, me.token), E.UPDATE_TOKEN_INVALID);
    });
  });

  describe('captcha', () => {
    it('30001: an app whose policy sets captcha_required sends nothing without one', async () => {
      const guarded = await createSmsApp(s.t, { code_policy: { captcha_required: true } });
      const phone = nextPhone();
      expectError(await sendSms(guarded, phone), E.CAPTCHA_REQUIRED);
      // Unknown fields are ignored: a captcha in the body changes nothing.
      expectError(await post(guarded.appkey, 'send-sms', { channel: 'CHANNEL_LOGIN', phoneNumber: phone, img_code_id: 'x', img_code: 'ABCD' }), E.CAPTCHA_REQUIRED);
      expect(sms.lastCodeFor(`+86${phone}`)).toBeUndefined();
    });

    it('30002 / 30011: an app on Turnstile refuses a bad captchaToken, and answers 503 when Turnstile gives no verdict', async () => {
      const guarded = await createSmsApp(s.t, { code_policy: { captcha_required: true } });
      await s.t.http.put(`/admin/apps/${guarded.id}/challenge`).set(await admin()).send({ provider: 'turnstile', secret: turnstileSecret }).expect(200);
      const phone = nextPhone();
      const send = (captchaToken: string) => post(guarded.appkey, 'send-sms', { channel: 'CHANNEL_LOGIN', phoneNumber: phone, captchaToken });
      expectError(await send('not-a-turnstile-token'), E.CAPTCHA_WRONG);
      siteverify.reply = { kind: 'slow', afterMs: 3000 };
      try {
        expectError(await send(siteverify.issueToken('turnstile')), E.CAPTCHA_UNAVAILABLE);
      } finally {
        siteverify.reply = { kind: 'verdict' };
      }
      expect(sms.lastCodeFor(`+86${phone}`)).toBeUndefined();
      await send(siteverify.issueToken('turnstile')).expect(succeeded);
      expect(sms.lastCodeFor(`+86${phone}`)).toBeDefined();
    });
  });

  describe('limits and cooldown', () => {
    it('30004: a number outside allowed_country_codes', async () => {
      const cnOnly = await createSmsApp(s.t, { code_policy: { allowed_country_codes: ['CN'] } });
      expectError(await sendSms(cnOnly, '2015550123', 'CHANNEL_LOGIN', undefined, '+1'), E.REGION);
      expect(sms.lastCodeFor('+12015550123')).toBeUndefined();
    });

    it('30013: a number of a type the app refuses (CN shared-cost 400), sending nothing', async () => {
      expectError(await sendSms(s.app, '4001234567'), E.NUMBER_TYPE);
      expect(sms.lastCodeFor('+864001234567')).toBeUndefined();
    });

    it('30012: a number range the fraud guard blocked (codes sent, none approved), with data.retryAfter', async () => {
      const guarded = await createSmsApp(s.t, { code_policy: { fraud_guard: { min_sends_prefix: 5, cooling_off_s: 600 } } });
      // Ten sends to one range (+86 1388888xxxx), none approved: challenged at the fifth (30001), blocked at the tenth.
      const answers = [];
      for (let i = 0; i < 10; i++) answers.push((await sendSms(guarded, `1388888${String(i).padStart(4, '0')}`)).body.apiCode);
      expect(answers).toEqual([undefined, undefined, undefined, undefined, 30001, 30001, 30001, 30001, 30001, 30012]);
      expectError(await sendSms(guarded, '13888880100'), E.SEND_BLOCKED, { retryAfter: 600 });
    });

    it('30005: a second code within resend_interval_s, across channels, with data.retryAfter', async () => {
      const phone = nextPhone();
      s.t.clock.freeze();
      try {
        await sendSms(s.app, phone, 'CHANNEL_LOGIN').expect(succeeded);
        s.t.clock.advanceSeconds(15);
        expectError(await sendSms(s.app, phone, 'CHANNEL_REGISTER'), E.COOLDOWN, { retryAfter: 45 });
      } finally {
        s.t.clock.thaw();
      }
    });

    it('30006: past per_phone_daily, with the seconds to the next UTC day', async () => {
      const capped = await createSmsApp(s.t, { code_policy: { per_phone_daily: 1 } });
      const phone = nextPhone();
      s.t.clock.freeze();
      try {
        s.t.clock.toNextUtcNoon(); // so the day's window cannot end between the two sends
        await sendSms(capped, phone).expect(succeeded);
        s.t.clock.advanceSeconds(61);
        expectError(await sendSms(capped, phone), E.SEND_LIMIT, { retryAfter: 12 * 3600 - 61 });
      } finally {
        s.t.clock.thaw();
      }
    });
  });

  describe('codes', () => {
    it('30007: a wrong new-phone code', async () => {
      const me = await login(s.app, nextPhone());
      const newPhone = nextPhone();
      s.t.clock.advanceSeconds(61);
      await sendSms(s.app, newPhone, 'CHANNEL_BIND_PHONE', me.token).expect(succeeded);
      const wrong = sms.lastCodeFor(`+86${newPhone}`) === '000000' ? '111111' : '000000';
      expectError(await requestTokenWith(me.token, newPhone, wrong), E.CODE_WRONG);
    });

    it('30007: a wrong old-phone code when the app requires one', async () => {
      const strict = await createSmsApp(s.t, { login_config: { require_old_phone_on_change: true } });
      const mine = nextPhone();
      const me = await login(strict, mine);
      s.t.clock.advanceSeconds(61);
      await sendSms(strict, mine, 'CHANNEL_UNBIND_PHONE', me.token).expect(succeeded);
      const wrong = sms.lastCodeFor(`+86${mine}`) === '000000' ? '111111' : '000000';
      const newPhone = nextPhone();
      s.t.clock.advanceSeconds(61);
      await sendSms(strict, newPhone, 'CHANNEL_BIND_PHONE', me.token).expect(succeeded);
      const res = await post(strict.appkey, 'verify-update-phone-request', {
        verifyMethod: 'PHONE_PASSCODE',
        phonePassCodePayload: { newPhoneNumber: newPhone, newPhonePassCode: sms.lastCodeFor(`+86${newPhone}`), oldPhoneNumber: mine, oldPhonePassCode: wrong },
      }, me.token);
      expectError(res, E.CODE_WRONG);
    });

    it('30008: a code never sent, one past ttl_s, and one already used', async () => {
      const me = await login(s.app, nextPhone());
      expectError(await requestTokenWith(me.token, nextPhone(), '123456'), E.CODE_EXPIRED);

      const late = nextPhone();
      s.t.clock.advanceSeconds(61);
      await sendSms(s.app, late, 'CHANNEL_BIND_PHONE', me.token).expect(succeeded);
      s.t.clock.advanceSeconds(301);
      expectError(await requestTokenWith(me.token, late, sms.lastCodeFor(`+86${late}`)!), E.CODE_EXPIRED);

      const once = nextPhone();
      await updatePhoneTokenFor(s.app, me.token, once);
      expectError(await requestTokenWith(me.token, once, sms.lastCodeFor(`+86${once}`)!), E.CODE_EXPIRED);
    });

    it('30008: a login code does not prove a number for a phone change (codes are bound to their scene)', async () => {
      const me = await login(s.app, nextPhone());
      const newPhone = nextPhone();
      s.t.clock.advanceSeconds(61);
      await sendSms(s.app, newPhone, 'CHANNEL_LOGIN').expect(succeeded);
      expectError(await requestTokenWith(me.token, newPhone, sms.lastCodeFor(`+86${newPhone}`)!), E.CODE_EXPIRED);
    });

    function requestTokenWith(token: string, newPhoneNumber: string, newPhonePassCode: string) {
      return post(s.app.appkey, 'verify-update-phone-request', { verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber, newPhonePassCode } }, token);
    }
  });

  describe('users and numbers', () => {
    it('40002: a new number another user holds, once its code is accepted (the code is spent)', async () => {
      const taken = nextPhone();
      await login(s.app, taken);
      const me = await login(s.app, nextPhone());
      expectError(await requestToken(s.app, me.token, taken), E.PHONE_TAKEN);
      const [row] = await s.t.app.get(DataSource).query(`SELECT consumed_at FROM verification_codes WHERE phone_e164 = $1 AND scene = 'update_phone'`, [`+86${taken}`]);
      expect(row.consumed_at).not.toBeNull();
    });

    it('40002: a new number another user took between the token and its redemption', async () => {
      const me = await login(s.app, nextPhone());
      const wanted = nextPhone();
      const updatePhoneToken = await updatePhoneTokenFor(s.app, me.token, wanted);
      await login(s.app, wanted);
      expectError(await post(s.app.appkey, 'update-phone', { updatePhoneToken }, me.token), E.PHONE_TAKEN);
    });

    it('40001: a live session whose user is gone (the state a request racing deregistration sees)', async () => {
      const me = await login(s.app, nextPhone());
      // Deregistration revokes the sessions in the same transaction; only a request already past the guard sees this.
      await s.t.app.get(DataSource).query(`UPDATE users SET status = 'cancelled' WHERE id = $1`, [me.uid]);
      expectError(await sendSms(s.app, nextPhone(), 'CHANNEL_BIND_PHONE', me.token), E.USER_NOT_FOUND);
      const res = await post(s.app.appkey, 'verify-update-phone-request', { verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber: nextPhone(), newPhonePassCode: '123456' } }, me.token);
      expectError(res, E.USER_NOT_FOUND);
    });
  });

  describe('SMS configuration', () => {
    it('50010: no binding for the channel’s scene', async () => {
      const a = await createSmsApp(s.t);
      await s.t.http.delete(`/admin/apps/${a.id}/sms/bindings/register`).set(await admin()).expect(200);
      expectError(await sendSms(a, nextPhone(), 'CHANNEL_REGISTER'), E.SMS_NOT_CONFIGURED);
      await sendSms(a, nextPhone(), 'CHANNEL_LOGIN').expect(succeeded);
    });

    it.each([
      ['account', 'accounts', 'accountId'],
      ['signature', 'signatures', 'signatureId'],
      ['template', 'templates', 'templateId'],
    ] as const)('50011: a disabled %s, before any provider call', async (_what, resource, key) => {
      const a = await createApp(s.t);
      const setup = await configureSmsDetailed(s.t, a.id, { scenes: ['login'] });
      const id = key === 'templateId' ? setup.templates.login!.id : setup[key];
      await s.t.http.post(`/admin/sms/${resource}/${id}/disable`).set(await admin()).expect(200);
      const phone = nextPhone();
      expectError(await sendSms(a, phone), E.SMS_DISABLED);
      expect(sms.lastCodeFor(`+86${phone}`)).toBeUndefined();
    });
  });

  describe('provider refusal and failure', () => {
    it.each([
      ['SMS_PHONE_REJECTED', E.PHONE_REJECTED],
      ['SMS_PROVIDER_RATE_LIMITED', E.PROVIDER_RATE_LIMITED],
      ['SMS_ACCESS_KEY_NOT_FOUND', E.SMS_NOT_CONFIGURED],
      ['SMS_TEMPLATE_NOT_FOUND', E.SMS_NOT_CONFIGURED],
      ['SMS_SIGNATURE_NOT_FOUND', E.SMS_NOT_CONFIGURED],
      ['SMS_PROVIDER_REJECTED', E.PROVIDER_REJECTED],
      ['SMS_PROVIDER_FAILED', E.PROVIDER_FAILED],
    ] as const)('%s → %j, and the cooldown is given back', async (error, expected) => {
      const phone = nextPhone();
      sms.fail = error;
      expectError(await sendSms(s.app, phone), expected);
      sms.fail = null;
      await sendSms(s.app, phone).expect(succeeded);
    });
  });
});
