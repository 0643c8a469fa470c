import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { DataSource } from 'typeorm';
import { type CreatedApp } from './support/admin.js';
import { createSmsApp, signParams, useSmsTestApp } from './support/v1.js';

const PHONE = '+8618518768888';

describe('v1 SMS login and the user endpoints', () => {
  const s = useSmsTestApp();
  beforeEach(() => {
    s.sms.clear();
    s.t.clock.reset();
  });

  const db = () => s.t.app.get(DataSource);

  async function sendLoginCode(a: CreatedApp, mobile: string, type: 'form' | 'json' = 'json'): Promise<string> {
    const res = await s.t.http.post('/v1/login/verify_code').type(type).send({ ...signParams(s.t, a), mcode: '+86', mobile }).expect(200);
    expect(res.body).toEqual({ code: 200, msg: 'success' });
    return s.sms.lastCodeFor(`+86${mobile}`)!;
  }

  async function login(a: CreatedApp, mobile: string, code: string, extra: Record<string, unknown> = {}, type: 'form' | 'json' = 'json') {
    return s.t.http
      .post('/v1/login/mobile')
      .type(type)
      .send({ ...signParams(s.t, a), mcode: '+86', mobile, verify_code: code, version_number: '12', channel: 'vivo', need_user_detail: '0', ...extra })
      .expect(200);
  }

  it('takes multipart/form-data fields too (the rules page lists it; PHP curl sends an array so)', async () => {
    const multipart = (path: string, fields: Record<string, string>) => {
      const req = s.t.http.post(path);
      for (const [name, value] of Object.entries(fields)) void req.field(name, value);
      return req.expect(200);
    };
    const mobile = '18518760001';
    expect((await multipart('/v1/login/verify_code', { ...signParams(s.t, s.app), mcode: '+86', mobile })).body).toEqual({ code: 200, msg: 'success' });
    const code = s.sms.lastCodeFor(`+86${mobile}`)!;
    const res = await multipart('/v1/login/mobile', { ...signParams(s.t, s.app), mcode: '+86', mobile, verify_code: code, version_number: '12', channel: 'vivo' });
    expect(res.body).toMatchObject({ code: 200, data: { access_token: expect.any(String), uid: expect.any(Number) } });
  });

  it.each(['form', 'json'] as const)('replays seed 001 (%s): send, read the code, log in, info, change phone, logout, token refused', async (type) => {
    const mobile = type === 'form' ? '18518768888' : '18518768889';
    const code = await sendLoginCode(s.app, mobile, type);
    expect(code).toMatch(/^\d{6}$/);
    const [row] = await db().query(`SELECT * FROM verification_codes WHERE phone_e164 = $1 ORDER BY created_at DESC LIMIT 1`, [`+86${mobile}`]);
    expect(row).toMatchObject({ scene: 'login', attempts: 0, consumed_at: null });
    expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(code);

    const res = await login(s.app, mobile, code, {}, type);
    expect(res.body).toMatchObject({ code: 200, msg: 'success', data: { uid: expect.any(Number), access_token: expect.any(String), token_expired_at: expect.any(Number) } });
    expect(Object.keys(res.body.data).sort()).toEqual(['access_token', 'token_expired_at', 'uid']);
    const token = res.body.data.access_token as string;
    const auth = { authorization: `Bearer ${token}` };
    expect(res.body.data.token_expired_at).toBeGreaterThan(Math.floor(s.t.clock.nowMs() / 1000) + 29 * 86400);

    const info = await s.t.http.get('/v1/user/info').set(auth).expect(200);
    expect(info.body).toMatchObject({ code: 200, data: { uid: res.body.data.uid, mcode: '+86', mobile, channel: 'vivo', version_number: 12 } });

    // Change phone: a code to the new number, then the change.
    const newMobile = type === 'form' ? '13900000001' : '13900000002';
    await s.t.http.post('/v1/user/verify_code').type(type).set(auth).send({ mcode: '+86', mobile: newMobile }).expect(200, { code: 200, msg: 'success' });
    const newCode = s.sms.lastCodeFor(`+86${newMobile}`)!;
    expect(newCode).toMatch(/^\d{6}$/);
    await s.t.http.post('/v1/user/mobile').type(type).set(auth).send({ mcode: '+86', mobile: newMobile, verify_code: newCode }).expect(200, { code: 200, msg: 'success' });
    const after = await s.t.http.get('/v1/user/info').set(auth).expect(200);
    expect(after.body.data.mobile).toBe(newMobile);
    const [user] = await db().query(`SELECT * FROM users WHERE id = $1`, [res.body.data.uid]);
    expect(user.phone_e164).toBe(`+86${newMobile}`);

    await s.t.http.get('/v1/user/logout').set(auth).expect(200, { code: 200, msg: 'success' });
    await s.t.http.get('/v1/user/info').set(auth).expect(200, { code: 401, msg: 'Unauthorized' });
    const [session] = await db().query(`SELECT * FROM user_sessions WHERE user_id = $1`, [res.body.data.uid]);
    expect(session.revoked_at).not.toBeNull();
  });

  describe('a body in its declared charset', () => {
    const GBK_HUAWEI = Buffer.from([0xbb, 0xaa, 0xce, 0xaa]); // 华为 in GBK
    const pct = (bytes: Buffer) => [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

    async function rawLogin(mobile: string, contentType: string, body: (fields: Record<string, string>) => Buffer, headers: Record<string, string> = {}) {
      const code = await sendLoginCode(s.app, mobile);
      const fields = { ...signParams(s.t, s.app), mcode: '+86', mobile, verify_code: code, version_number: '12', need_user_detail: '0' };
      const req = s.t.http.post('/v1/login/mobile').set('content-type', contentType);
      for (const [name, value] of Object.entries(headers)) void req.set(name, value);
      // As bytes: supertest would serialise a Buffer as an object for a form type.
      return req.serialize((bytes: Buffer) => bytes as unknown as string).send(body(fields)).expect(200);
    }
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const channelOf = async (res: { body: { data: { access_token: string } } }) =>
      (await s.t.http.get('/v1/user/info').set('authorization', `Bearer ${res.body.data.access_token}`).expect(200)).body.data.channel;

    it('reads a GBK form (a Chinese PHP page\'s) and a GBK JSON body as GBK, not as U+FFFD', async () => {
      const viaForm = await rawLogin('18518760101', 'application/x-www-form-urlencoded; charset=GBK', (f) => Buffer.from(`${form(f)}&channel=${pct(GBK_HUAWEI)}`));
      expect(await channelOf(viaForm)).toBe('华为');
      const viaJson = await rawLogin('18518760102', 'application/json; charset=gbk', (f) =>
        Buffer.concat([Buffer.from(JSON.stringify(f).slice(0, -1) + ',"channel":"'), GBK_HUAWEI, Buffer.from('"}')]),
      );
      expect(await channelOf(viaJson)).toBe('华为');
    });

    it('reads an ISO-8859-1 form (Apache HttpClient\'s default) as that charset', async () => {
      const res = await rawLogin('18518760103', 'application/x-www-form-urlencoded; charset=ISO-8859-1', (f) => Buffer.from(`${form(f)}&channel=caf%E9+au+lait`));
      expect(await channelOf(res)).toBe('café au lait');
    });

    it('takes a form whose first byte is a byte order mark, as JSON', async () => {
      const res = await rawLogin('18518760104', 'application/x-www-form-urlencoded', (f) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${form(f)}&channel=bom`)]));
      expect(await channelOf(res)).toBe('bom');
    });

    it('refuses a charset it does not know, and a compressed body, as an unsupported body (406), not as something else', async () => {
      const unknown = await rawLogin('18518760105', 'application/x-www-form-urlencoded; charset=no-such-thing', (f) => Buffer.from(`${form(f)}&channel=x`));
      expect(unknown.body).toEqual({ code: 406, msg: 'Not Acceptable' });
      // A plain body labelled gzip was taken as plain; a gzipped one was parsed as a form of its bytes.
      for (const [mobile, encoding] of [['18518760106', 'gzip'], ['18518760107', 'br']]) {
        const res = await rawLogin(mobile, 'application/x-www-form-urlencoded', (f) => Buffer.from(`${form(f)}&channel=x`), { 'content-encoding': encoding });
        expect([encoding, res.body]).toEqual([encoding, { code: 406, msg: 'Not Acceptable' }]);
      }
    });
  });

  it('a HEAD, a safe method monitors and link checkers send, never runs a GET that acts: logout and the image captcha answer 405; health answers', async () => {
    const mobile = '18518768890';
    const res = await login(s.app, mobile, await sendLoginCode(s.app, mobile));
    const auth = { authorization: `Bearer ${res.body.data.access_token}` };
    const head = await s.t.http.head('/v1/user/logout').set(auth).expect(200);
    // v1 answers on HTTP 200 with its code in the body, which a HEAD does not carry; Allow names the path's one method.
    expect(head.headers.allow).toBe('GET');
    await s.t.http.get('/v1/user/info').set(auth).expect(200);
    const [{ n: before }] = await db().query(`SELECT count(*)::int AS n FROM captchas`);
    const captcha = await s.t.http.head('/oauth/api/account/imgCode').set('x-app-key', s.app.appkey).expect(200);
    expect(captcha.headers.allow).toBe('GET');
    expect((await db().query(`SELECT count(*)::int AS n FROM captchas`))[0].n).toBe(before);
    expect((await s.t.http.head('/admin/apps').expect(405)).headers.allow).toBe('GET, POST');
    await s.t.http.head('/health').expect(200);
    await s.t.http.head('/health/ready').expect(200);
  });

  it('answers the user detail with need_user_detail=1, and registers only once', async () => {
    const code = await sendLoginCode(s.app, '18600000001');
    const res = await login(s.app, '18600000001', code, { need_user_detail: 1, device_id: 'dev-1', oaid: 'oa-1' });
    expect(res.body.data).toMatchObject({ uid: expect.any(Number), mcode: '+86', mobile: '18600000001', device_id: 'dev-1', oaid: 'oa-1', access_token: expect.any(String), token_expired_at: expect.any(Number), created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });
    s.t.clock.advanceSeconds(61);
    const code2 = await sendLoginCode(s.app, '18600000001');
    const again = await login(s.app, '18600000001', code2);
    expect(again.body.data.uid).toBe(res.body.data.uid);
    const [{ n }] = await db().query(`SELECT count(*)::int AS n FROM users WHERE app_id = $1 AND phone_e164 = '+8618600000001'`, [s.app.id]);
    expect(n).toBe(1);
  });

  it('refuses a replayed login with a consumed code', async () => {
    const code = await sendLoginCode(s.app, '18600000002');
    await login(s.app, '18600000002', code);
    const replay = await login(s.app, '18600000002', code);
    expect(replay.body).toEqual({ code: 400195, msg: 'verify_code not found or expired' });
  });

  it('a login the database fails midway leaves its code unspent: the retry logs in', async () => {
    const mobile = '18600000012';
    const code = await sendLoginCode(s.app, mobile);
    // The session's insert refused, as a restarting server refuses it (57P01): after the code was checked.
    await db().query(`CREATE FUNCTION test_refuse_session() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01'; END $$`);
    await db().query(`CREATE TRIGGER test_refuse_session BEFORE INSERT ON user_sessions FOR EACH ROW EXECUTE FUNCTION test_refuse_session()`);
    try {
      expect((await login(s.app, mobile, code)).body).toEqual({ code: 503, msg: 'Service Unavailable' });
    } finally {
      await db().query(`DROP TRIGGER test_refuse_session ON user_sessions`);
      await db().query(`DROP FUNCTION test_refuse_session()`);
    }
    const [row] = await db().query(`SELECT consumed_at FROM verification_codes WHERE phone_e164 = $1 ORDER BY created_at DESC LIMIT 1`, [`+86${mobile}`]);
    expect(row.consumed_at).toBeNull();
    expect((await login(s.app, mobile, code)).body).toMatchObject({ code: 200, data: { access_token: expect.any(String) } });
  });

  it('a phone change the database fails midway leaves the new number\'s code unspent: the retry changes it', async () => {
    const token = (await login(s.app, '18600000013', await sendLoginCode(s.app, '18600000013'))).body.data.access_token as string;
    const auth = { authorization: `Bearer ${token}` };
    await s.t.http.post('/v1/user/verify_code').set(auth).send({ mcode: '+86', mobile: '13900000013' }).expect(200, { code: 200, msg: 'success' });
    const code = s.sms.lastCodeFor('+8613900000013')!;
    await db().query(`CREATE FUNCTION test_refuse_user() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01'; END $$`);
    await db().query(`CREATE TRIGGER test_refuse_user BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION test_refuse_user()`);
    try {
      await s.t.http.post('/v1/user/mobile').set(auth).send({ mcode: '+86', mobile: '13900000013', verify_code: code }).expect(200, { code: 503, msg: 'Service Unavailable' });
    } finally {
      await db().query(`DROP TRIGGER test_refuse_user ON users`);
      await db().query(`DROP FUNCTION test_refuse_user()`);
    }
    await s.t.http.post('/v1/user/mobile').set(auth).send({ mcode: '+86', mobile: '13900000013', verify_code: code }).expect(200, { code: 200, msg: 'success' });
    expect((await s.t.http.get('/v1/user/info').set(auth).expect(200)).body.data.mobile).toBe('13900000013');
  });

  it('answers 400194 for a wrong code and 400195 for an expired one', async () => {
    const code = await sendLoginCode(s.app, '18600000003');
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await login(s.app, '18600000003', wrong)).body).toEqual({ code: 400194, msg: 'verify_code is wrong' });
    s.t.clock.advanceSeconds(301);
    expect((await login(s.app, '18600000003', code)).body).toEqual({ code: 400195, msg: 'verify_code not found or expired' });
  });

  it('deregisters: every session revoked, info refused, the number free for a new account', async () => {
    const code = await sendLoginCode(s.app, '18600000004');
    const first = await login(s.app, '18600000004', code);
    s.t.clock.advanceSeconds(61);
    const second = await login(s.app, '18600000004', await sendLoginCode(s.app, '18600000004'));
    await s.t.http.post('/v1/user/cancel').set({ authorization: `Bearer ${first.body.data.access_token}` }).expect(200, { code: 200, msg: 'success' });
    for (const r of [first, second]) await s.t.http.get('/v1/user/info').set({ authorization: `Bearer ${r.body.data.access_token}` }).expect(200, { code: 401, msg: 'Unauthorized' });
    s.t.clock.advanceSeconds(61);
    const fresh = await login(s.app, '18600000004', await sendLoginCode(s.app, '18600000004'));
    expect(fresh.body.data.uid).not.toBe(first.body.data.uid);
  });

  it('keeps at most max_sessions_per_user live sessions, revoking the oldest', async () => {
    const capped = await createSmsApp(s.t, { login_config: { max_sessions_per_user: 2 } });
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      s.t.clock.advanceSeconds(61);
      const r = await login(capped, '18600000005', await sendLoginCode(capped, '18600000005'));
      tokens.push(r.body.data.access_token);
    }
    await s.t.http.get('/v1/user/info').set({ authorization: `Bearer ${tokens[0]}` }).expect(200, { code: 401, msg: 'Unauthorized' });
    for (const tok of tokens.slice(1)) expect((await s.t.http.get('/v1/user/info').set({ authorization: `Bearer ${tok}` })).body.code).toBe(200);
  });

  it('answers 402 once the session is past its lifetime, and refuses another app token', async () => {
    const short = await createSmsApp(s.t, { login_config: { token_ttl_days: 1 } });
    const r = await login(short, '18600000006', await sendLoginCode(short, '18600000006'));
    const auth = { authorization: `Bearer ${r.body.data.access_token}` };
    s.t.clock.advanceSeconds(86_401);
    await s.t.http.get('/v1/user/info').set(auth).expect(200, { code: 402, msg: 'Token Expired' });
    await s.t.http.get('/v1/user/info').set({ authorization: 'Bearer not-a-token' }).expect(200, { code: 401, msg: 'Unauthorized' });
    await s.t.http.get('/v1/user/info').expect(200, { code: 401, msg: 'Unauthorized' });
  });

  it("replays seed 000's example request (+86 18518768888) in both encodings", async () => {
    // An app of its own: the seed's number is used by another test of this file too, and the cooldown is per (app, phone).
    const a = await createSmsApp(s.t);
    s.t.clock.freeze();
    const r = await login(a, '18600000008', await sendLoginCode(a, '18600000008'));
    const auth = { authorization: `Bearer ${r.body.data.access_token}` };
    await s.t.http.post('/v1/user/verify_code').type('form').set(auth).send('mcode=%2B86&mobile=18518768888').expect(200, { code: 200, msg: 'success' });
    const first = s.sms.lastCodeFor('+8618518768888');
    // Seed 000: one code a minute per number.
    const early = await s.t.http.post('/v1/user/verify_code').set(auth).send({ mcode: '+86', mobile: '18518768888' }).expect(200);
    expect(early.body).toMatchObject({ code: 429, data: { retry_after: 60 } });
    s.t.clock.advanceSeconds(60);
    await s.t.http.post('/v1/user/verify_code').set(auth).send({ mcode: '+86', mobile: '18518768888' }).expect(200, { code: 200, msg: 'success' });
    expect(s.sms.messages.filter((m) => m.phone === '+8618518768888')).toHaveLength(2);
    const rows = await db().query(`SELECT scene FROM verification_codes WHERE app_id = $1 AND phone_e164 = '+8618518768888' AND consumed_at IS NULL AND superseded_at IS NULL`, [a.id]);
    expect(rows).toEqual([{ scene: 'update_phone' }]);
    expect(first).toMatch(/^\d{6}$/);
  });

  it('refuses a validly signed token whose audience is another app, or whose session does not exist', async () => {
    const r = await login(s.app, '18600000009', await sendLoginCode(s.app, '18600000009'));
    const other = await createSmsApp(s.t);
    const jwt = s.t.app.get(JwtService);
    const payload = JSON.parse(Buffer.from(r.body.data.access_token.split('.')[1], 'base64url').toString());
    const sign = (aud: string, jti: string) =>
      jwt.sign({}, { secret: s.t.config.secrets.jwtSecret, algorithm: 'HS256', subject: payload.sub, jwtid: jti, audience: aud, issuer: 'passcode', expiresIn: 3600 });
    await s.t.http.get('/v1/user/info').set({ authorization: `Bearer ${sign(`app:${other.id}`, payload.jti)}` }).expect(200, { code: 401, msg: 'Unauthorized' });
    await s.t.http.get('/v1/user/info').set({ authorization: `Bearer ${sign(`app:${s.app.id}`, randomUUID())}` }).expect(200, { code: 401, msg: 'Unauthorized' });
    await s.t.http.get('/v1/user/info').set({ authorization: `Bearer ${sign(`app:${s.app.id}`, payload.jti)}` }).expect(200);
    // A jti that is no uuid (ours are) was compared with the uuid column: a 500.
    for (const jti of ['abc', '\u0000', '\ud800']) {
      await s.t.http.get('/v1/user/info').set({ authorization: `Bearer ${sign(`app:${s.app.id}`, jti)}` }).expect(200, { code: 401, msg: 'Unauthorized' });
    }
  });

  it('logs no code, secret or full phone number', async () => {
    const code = await sendLoginCode(s.app, '18600000007');
    await login(s.app, '18600000007', code);
    const text = s.t.logs.text();
    expect(text).not.toContain(s.app.secret);
    expect(text).not.toContain('18600000007');
    expect(text).not.toMatch(new RegExp(`\\b${code}\\b`));
  });
});
