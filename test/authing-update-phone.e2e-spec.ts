import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { type CreatedApp } from './support/admin.js';
import { itRaces, raceBehindLock } from './support/race.js';
import { createSmsApp, loginWithSms, useSmsTestApp } from './support/v1.js';

describe('Authing v3 (seed 002): send-sms and the two-step phone change', () => {
  const s = useSmsTestApp();
  let strict: CreatedApp;

  beforeAll(async () => {
    strict = await createSmsApp(s.t, { login_config: { require_old_phone_on_change: true } });
  });
  beforeEach(() => {
    s.sms.clear();
  });

  const db = () => s.t.app.get(DataSource);
  const login = (a: CreatedApp, mobile: string) => loginWithSms(s.t, s.sms, a, mobile);
  const REQUEST_ID = expect.any(String);

  /** An Authing answer: HTTP 200 whatever the outcome, the outcome in statusCode. */
  const answered = (statusCode: number) => (res: Response) => {
    expect(res.status).toBe(200);
    expect(res.body.statusCode).toBe(statusCode);
  };

  function post(a: CreatedApp, path: string, body: Record<string, unknown>, token?: string) {
    const req = s.t.http.post(`/api/v3/${path}`).set('x-authing-app-id', a.appkey);
    if (token) req.set('authorization', `Bearer ${token}`);
    return req.send(body);
  }

  async function sendCode(a: CreatedApp, channel: string, phoneNumber: string, token?: string): Promise<string> {
    s.t.clock.advanceSeconds(61);
    const res = await post(a, 'send-sms', { channel, phoneNumber, phoneCountryCode: '+86' }, token).expect(answered(200));
    // send-sms is a direct route: its envelope carries the request's own id, as Nest's routes' do.
    expect(res.body).toEqual({ statusCode: 200, message: '操作成功', requestId: res.headers['x-request-id'], data: {} });
    return s.sms.lastCodeFor(`+86${phoneNumber}`)!;
  }

  async function requestToken(a: CreatedApp, token: string, newPhoneNumber: string, statusCode: number, extra: Record<string, unknown> = {}) {
    const newPhonePassCode = await sendCode(a, 'CHANNEL_BIND_PHONE', newPhoneNumber, token);
    return post(a, 'verify-update-phone-request', { verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber, newPhonePassCode, newPhoneCountryCode: '+86', ...extra } }, token).expect(answered(statusCode));
  }

  async function info(token: string) {
    return (await s.t.http.get('/v1/user/info').set('authorization', `Bearer ${token}`).expect(200)).body;
  }

  it("replays seed 002's example shape: token issued hashed, number changed once, other sessions revoked", async () => {
    const me = await login(s.app, '18800000001');
    const other = await login(s.app, '18800000001');
    const res = await requestToken(s.app, me.token, '18800000011', 200);
    expect(res.body).toEqual({ statusCode: 200, message: '操作成功', requestId: REQUEST_ID, data: { updatePhoneToken: expect.any(String), tokenExpiresIn: 600 } });
    const updatePhoneToken = res.body.data.updatePhoneToken as string;
    expect(Buffer.from(updatePhoneToken, 'base64url').length).toBeGreaterThanOrEqual(32);
    const [row] = await db().query(`SELECT * FROM update_phone_tokens WHERE user_id = $1`, [me.uid]);
    expect(row).toMatchObject({ old_phone_e164: '+8618800000001', new_phone_e164: '+8618800000011', used_at: null });
    expect(JSON.stringify(row)).not.toContain(updatePhoneToken);
    expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBe(600_000);

    const done = await post(s.app, 'update-phone', { updatePhoneToken }, me.token).expect(answered(200));
    expect(done.body).toEqual({ statusCode: 200, message: '操作成功', requestId: REQUEST_ID, data: { success: true } });
    const [user] = await db().query(`SELECT phone_e164, mobile FROM users WHERE id = $1`, [me.uid]);
    expect(user).toEqual({ phone_e164: '+8618800000011', mobile: '18800000011' });
    expect((await info(me.token)).code).toBe(200);
    expect((await info(other.token)).code).toBe(401);

    const reused = await post(s.app, 'update-phone', { updatePhoneToken }, me.token).expect(answered(400));
    expect(reused.body).toEqual({ statusCode: 400, message: '修改手机号凭证无效或已过期', apiCode: 20011, requestId: REQUEST_ID, data: {} });
  });

  it('with old-phone verification: old fields required, the old code must come from the current number', async () => {
    const me = await login(strict, '18800000002');
    const noOld = await requestToken(strict, me.token, '18800000012', 400);
    expect(noOld.body).toMatchObject({ statusCode: 400, apiCode: 10001, requestId: REQUEST_ID, data: { field: 'oldPhoneNumber' } });

    // UNBIND codes go only to the user's own number.
    const wrongOld = await post(strict, 'send-sms', { channel: 'CHANNEL_UNBIND_PHONE', phoneNumber: '18800000099' }, me.token).expect(answered(400));
    expect(wrongOld.body).toMatchObject({ statusCode: 400, apiCode: 10001, data: { field: 'phoneNumber' } });

    const oldPhonePassCode = await sendCode(strict, 'CHANNEL_UNBIND_PHONE', '18800000002', me.token);
    const res = await requestToken(strict, me.token, '18800000012', 200, { oldPhoneNumber: '18800000002', oldPhonePassCode, oldPhoneCountryCode: '+86' });
    await post(strict, 'update-phone', { updatePhoneToken: res.body.data.updatePhoneToken }, me.token).expect(answered(200));
    const [user] = await db().query(`SELECT phone_e164 FROM users WHERE id = $1`, [me.uid]);
    expect(user.phone_e164).toBe('+8618800000012');
  });

  it('refuses a wrong old code without issuing a token', async () => {
    const me = await login(strict, '18800000003');
    const code = await sendCode(strict, 'CHANNEL_UNBIND_PHONE', '18800000003', me.token);
    const wrong = code === '000000' ? '111111' : '000000';
    const res = await requestToken(strict, me.token, '18800000013', 400, { oldPhoneNumber: '18800000003', oldPhonePassCode: wrong });
    expect(res.body).toMatchObject({ statusCode: 400, apiCode: 30007, requestId: REQUEST_ID });
    const [{ n }] = await db().query(`SELECT count(*)::int AS n FROM update_phone_tokens WHERE user_id = $1`, [me.uid]);
    expect(n).toBe(0);
  });

  it('refuses an expired token, another user’s, and one made stale by a phone change elsewhere', async () => {
    const me = await login(s.app, '18800000004');
    const expired = (await requestToken(s.app, me.token, '18800000014', 200)).body.data.updatePhoneToken;
    s.t.clock.advanceSeconds(601);
    expect((await post(s.app, 'update-phone', { updatePhoneToken: expired }, me.token).expect(answered(400))).body.apiCode).toBe(20011);

    const mine = (await requestToken(s.app, me.token, '18800000024', 200)).body.data.updatePhoneToken;
    const intruder = await login(s.app, '18800000005');
    expect((await post(s.app, 'update-phone', { updatePhoneToken: mine }, intruder.token).expect(answered(400))).body.apiCode).toBe(20011);
    // The v1 phone change moves the number meanwhile: the token's old number no longer holds.
    s.t.clock.advanceSeconds(61);
    await s.t.http.post('/v1/user/verify_code').set('authorization', `Bearer ${me.token}`).send({ mcode: '+86', mobile: '18800000034' }).expect(200, { code: 200, msg: 'success' });
    const v1Code = s.sms.lastCodeFor('+8618800000034')!;
    await s.t.http.post('/v1/user/mobile').set('authorization', `Bearer ${me.token}`).send({ mcode: '+86', mobile: '18800000034', verify_code: v1Code }).expect(200, { code: 200, msg: 'success' });
    expect((await post(s.app, 'update-phone', { updatePhoneToken: mine }, me.token).expect(answered(400))).body.apiCode).toBe(20011);
    const [user] = await db().query(`SELECT phone_e164 FROM users WHERE id = $1`, [me.uid]);
    expect(user.phone_e164).toBe('+8618800000034');
  });

  it('refuses a used token even once the number is back to the one it was issued for', async () => {
    const me = await login(s.app, '18800000071');
    const there = (await requestToken(s.app, me.token, '18800000072', 200)).body.data.updatePhoneToken;
    await post(s.app, 'update-phone', { updatePhoneToken: there }, me.token).expect(answered(200));
    const back = (await requestToken(s.app, me.token, '18800000071', 200)).body.data.updatePhoneToken;
    await post(s.app, 'update-phone', { updatePhoneToken: back }, me.token).expect(answered(200));
    expect((await post(s.app, 'update-phone', { updatePhoneToken: there }, me.token).expect(answered(400))).body.apiCode).toBe(20011);
    const [user] = await db().query(`SELECT phone_e164 FROM users WHERE id = $1`, [me.uid]);
    expect(user.phone_e164).toBe('+8618800000071');
  });

  itRaces('changes the number exactly once under 10 concurrent update-phone calls with one token', async () => {
    const me = await login(s.app, '18800000006');
    const updatePhoneToken = (await requestToken(s.app, me.token, '18800000016', 200)).body.data.updatePhoneToken;
    const tokenRow = { sql: 'SELECT 1 FROM update_phone_tokens WHERE user_id = $1 AND used_at IS NULL FOR UPDATE', params: [me.uid] };
    const { result: results, queued } = await raceBehindLock(s.t, tokenRow, () => Promise.all(Array.from({ length: 10 }, () => post(s.app, 'update-phone', { updatePhoneToken }, me.token))));
    expect(queued).toBeGreaterThan(1);
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(results.map((r) => r.body.statusCode).sort()).toEqual([200, ...Array(9).fill(400)]);
    const [user] = await db().query(`SELECT phone_e164 FROM users WHERE id = $1`, [me.uid]);
    expect(user.phone_e164).toBe('+8618800000016');
    const [{ n }] = await db().query(`SELECT count(*)::int AS n FROM update_phone_tokens WHERE user_id = $1 AND used_at IS NOT NULL`, [me.uid]);
    expect(n).toBe(1);
  });

  it('send-sms: channels map to scenes; unknown channel, missing app, anonymous bind and cooldown refused with a requestId', async () => {
    s.t.clock.advanceSeconds(61);
    await post(s.app, 'send-sms', { channel: 'CHANNEL_LOGIN', phoneNumber: '18800000007' }).expect(answered(200));
    const [row] = await db().query(`SELECT scene FROM verification_codes WHERE phone_e164 = '+8618800000007' ORDER BY created_at DESC LIMIT 1`);
    expect(row.scene).toBe('login');
    const cooldown = await post(s.app, 'send-sms', { channel: 'CHANNEL_REGISTER', phoneNumber: '18800000007' }).expect(answered(400));
    expect(cooldown.body).toMatchObject({ statusCode: 400, apiCode: 30005, requestId: REQUEST_ID, data: { retryAfter: expect.any(Number) } });

    const unknown = await post(s.app, 'send-sms', { channel: 'CHANNEL_COMPLETE_PHONE', phoneNumber: '18800000008' }).expect(answered(400));
    expect(unknown.body).toMatchObject({ statusCode: 400, apiCode: 10001, requestId: REQUEST_ID, data: { field: 'channel' } });
    const noApp = await s.t.http.post('/api/v3/send-sms').send({ channel: 'CHANNEL_LOGIN', phoneNumber: '18800000008' }).expect(answered(400));
    expect(noApp.body).toMatchObject({ statusCode: 400, apiCode: 20006, requestId: REQUEST_ID });
    const anon = await post(s.app, 'send-sms', { channel: 'CHANNEL_BIND_PHONE', phoneNumber: '18800000008' }).expect(answered(401));
    expect(anon.body).toMatchObject({ statusCode: 401, apiCode: 20001, requestId: REQUEST_ID });
    const badToken = await post(s.app, 'send-sms', { channel: 'CHANNEL_BIND_PHONE', phoneNumber: '18800000008' }, 'not-a-token').expect(answered(401));
    expect(badToken.body.requestId).toEqual(expect.any(String));
    const noAuth = await post(s.app, 'update-phone', { updatePhoneToken: 'x' }).expect(answered(401));
    expect(noAuth.body).toMatchObject({ statusCode: 401, apiCode: 20001, requestId: REQUEST_ID });
  });

  it('reads no token for login, register and reset password: one revoked, expired or malformed left on the client does not stop the code that recovers the session', async () => {
    const me = await login(s.app, '18800000070');
    await s.t.http.get('/v1/user/logout').set('authorization', `Bearer ${me.token}`).expect(200, { code: 200, msg: 'success' });
    await sendCode(s.app, 'CHANNEL_LOGIN', '18800000070', me.token);
    await sendCode(s.app, 'CHANNEL_REGISTER', '18800000071', 'not-a-token');
    await sendCode(s.app, 'CHANNEL_RESET_PASSWORD', '18800000072', me.token);
    // A channel that sends to the user still needs a good one.
    s.t.clock.advanceSeconds(61);
    const bind = await post(s.app, 'send-sms', { channel: 'CHANNEL_BIND_PHONE', phoneNumber: '18800000073' }, me.token).expect(answered(401));
    expect(bind.body.apiCode).toBe(20001);
    expect(s.sms.lastCodeFor('+8618800000073')).toBeUndefined();
  });

  it('takes the end-user token bare (as Authing SDKs send it) or as Bearer; v1 and enduser still demand Bearer', async () => {
    const me = await login(s.app, '18800000060');
    const bare = (path: string, body: Record<string, unknown>, authorization: string) =>
      s.t.http.post(`/api/v3/${path}`).set('x-authing-app-id', s.app.appkey).set('authorization', authorization).send(body);
    s.t.clock.advanceSeconds(61);
    await bare('send-sms', { channel: 'CHANNEL_BIND_PHONE', phoneNumber: '18800000061' }, me.token).expect(answered(200));
    const newPhonePassCode = s.sms.lastCodeFor('+8618800000061');
    const verified = await bare('verify-update-phone-request', { verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber: '18800000061', newPhonePassCode } }, me.token).expect(answered(200));
    await bare('update-phone', { updatePhoneToken: verified.body.data.updatePhoneToken }, me.token).expect(answered(200));
    expect((await info(me.token)).data.mobile).toBe('18800000061');
    // Another scheme, or a token with a space in it, is no token.
    for (const authorization of [`Basic ${me.token}`, `${me.token} x`]) {
      expect((await bare('update-phone', { updatePhoneToken: 'x' }, authorization).expect(answered(401))).body.apiCode).toBe(20001);
    }

    expect((await s.t.http.get('/v1/user/info').set('authorization', me.token).expect(200)).body).toEqual({ code: 401, msg: expect.any(String) });
    const setPhone = (authorization: string) =>
      s.t.http.put('/v2/enduser/enduserapi/setPhone').set('authorization', authorization).query({ newInternationalCode: '86', newPhone: '18800000062', newPhoneCode: '123456' }).expect(200);
    expect((await setPhone(me.token)).body.code).toBe(5032);
    expect((await setPhone(`Bearer ${me.token}`)).body.code).not.toBe(5032);
  });

  it('refuses a new number that belongs to another user once its code is accepted', async () => {
    await login(s.app, '18800000009');
    const me = await login(s.app, '18800000010');
    const res = await requestToken(s.app, me.token, '18800000009', 400);
    expect(res.body).toMatchObject({ statusCode: 400, apiCode: 40002, requestId: REQUEST_ID });
  });

  it('spends the right code for a taken number; one whose token the database could not write stays unspent for the retry', async () => {
    await login(s.app, '18800000019');
    const me = await login(s.app, '18800000020');
    const spent = async (phone: string) =>
      (await db().query(`SELECT consumed_at FROM verification_codes WHERE phone_e164 = $1 ORDER BY created_at DESC LIMIT 1`, [phone]))[0].consumed_at !== null;
    await requestToken(s.app, me.token, '18800000019', 400);
    expect(await spent('+8618800000019')).toBe(true);

    const newPhonePassCode = await sendCode(s.app, 'CHANNEL_BIND_PHONE', '18800000021', me.token);
    const body = { verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber: '18800000021', newPhonePassCode, newPhoneCountryCode: '+86' } };
    // The token's insert refused, as a restarting server refuses it (57P01): after the code was checked.
    await db().query(`CREATE FUNCTION test_refuse_token() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01'; END $$`);
    await db().query(`CREATE TRIGGER test_refuse_token BEFORE INSERT ON update_phone_tokens FOR EACH ROW EXECUTE FUNCTION test_refuse_token()`);
    try {
      expect((await post(s.app, 'verify-update-phone-request', body, me.token).expect(answered(503))).body).toMatchObject({ apiCode: 50002 });
    } finally {
      await db().query(`DROP TRIGGER test_refuse_token ON update_phone_tokens`);
      await db().query(`DROP FUNCTION test_refuse_token()`);
    }
    expect(await spent('+8618800000021')).toBe(false);
    const res = await post(s.app, 'verify-update-phone-request', body, me.token).expect(answered(200));
    expect(res.body.data.updatePhoneToken).toEqual(expect.any(String));
  });

  it('honours update_phone_token_ttl_s (60–3600) and refuses a token presented for another app', async () => {
    const short = await createSmsApp(s.t, { login_config: { update_phone_token_ttl_s: 60 } });
    const me = await login(short, '18800000020');
    const res = await requestToken(short, me.token, '18800000021', 200);
    expect(res.body.data.tokenExpiresIn).toBe(60);
    // The header names another app than the token's.
    const cross = await post(s.app, 'update-phone', { updatePhoneToken: res.body.data.updatePhoneToken }, me.token).expect(answered(401));
    expect(cross.body).toMatchObject({ statusCode: 401, apiCode: 20001, requestId: REQUEST_ID });
    s.t.clock.advanceSeconds(61);
    expect((await post(short, 'update-phone', { updatePhoneToken: res.body.data.updatePhoneToken }, me.token).expect(answered(400))).body.apiCode).toBe(20011);

    const tooShort = await s.t.http.post('/admin/apps').set('authorization', `Bearer ${await s.t.adminToken()}`).send({ name: 'ttl', login_config: { update_phone_token_ttl_s: 30 } });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.data).toMatchObject({ field: expect.stringContaining('update_phone_token_ttl_s') });
  });

  it('names the payload field of a malformed number or country code', async () => {
    const me = await login(strict, '18800000040');
    const payload = (fields: Record<string, unknown>) => ({
      verifyMethod: 'PHONE_PASSCODE',
      phonePassCodePayload: { newPhoneNumber: '18800000041', newPhonePassCode: '123456', oldPhoneNumber: '18800000040', oldPhonePassCode: '123456', ...fields },
    });
    for (const [fields, field] of [
      [{ newPhoneNumber: '12' }, 'newPhoneNumber'],
      [{ newPhoneCountryCode: '+0' }, 'newPhoneCountryCode'],
      [{ oldPhoneNumber: '12' }, 'oldPhoneNumber'],
      [{ oldPhoneCountryCode: '+0' }, 'oldPhoneCountryCode'],
    ] as const) {
      const res = await post(strict, 'verify-update-phone-request', payload(fields), me.token).expect(answered(400));
      expect(res.body).toMatchObject({ statusCode: 400, apiCode: 10001, data: { field } });
    }
  });

  it('refuses a NUL character inside the nested payload by its dotted path', async () => {
    const me = await login(strict, '18800000050');
    const body = {
      verifyMethod: 'PHONE_PASSCODE',
      phonePassCodePayload: { newPhoneNumber: '18800000051', newPhonePassCode: '12\u0000', oldPhoneNumber: '18800000050', oldPhonePassCode: '123456' },
    };
    const res = await post(strict, 'verify-update-phone-request', body, me.token).expect(answered(400));
    expect(res.body).toMatchObject({ statusCode: 400, apiCode: 10001, data: { field: 'phonePassCodePayload.newPhonePassCode' } });
  });

  it('refuses an old number that is not the user’s, before spending any code', async () => {
    const me = await login(strict, '18800000030');
    const res = await requestToken(strict, me.token, '18800000031', 400, { oldPhoneNumber: '18800000039', oldPhonePassCode: '123456' });
    expect(res.body).toMatchObject({ statusCode: 400, apiCode: 10001, data: { field: 'oldPhoneNumber' } });
    const [row] = await db().query(`SELECT consumed_at FROM verification_codes WHERE phone_e164 = '+8618800000031' ORDER BY created_at DESC LIMIT 1`);
    expect(row.consumed_at).toBeNull();
  });
});
