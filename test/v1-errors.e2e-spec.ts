import { DataSource } from 'typeorm';
import { createApp, type CreatedApp } from './support/admin.js';
import { FailingSmsProvider } from './support/sms.js';
import { createSmsApp, signParams, useSmsTestApp } from './support/v1.js';

describe('v1 error codes of every documented condition', () => {
  const sms = new FailingSmsProvider();
  const s = useSmsTestApp({ sms });
  let token: string;
  let seq = 0;
  const nextMobile = () => `1360000${String(++seq).padStart(4, '0')}`;

  beforeAll(async () => {
    token = await loginAs(s.app, nextMobile());
  });
  beforeEach(() => {
    sms.fail = null;
  });
  afterEach(() => {
    s.t.clock.reset();
  });

  async function loginAs(a: CreatedApp, mobile: string): Promise<string> {
    await s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, a), mcode: '+86', mobile }).expect(200, { code: 200, msg: 'success' });
    const res = await s.t.http
      .post('/v1/login/mobile')
      .send({ ...signParams(s.t, a), mcode: '+86', mobile, verify_code: sms.lastCodeFor(`+86${mobile}`), version_number: 1, channel: 'test' })
      .expect(200);
    expect(res.body.code).toBe(200);
    return res.body.data.access_token;
  }

  describe('signature (seed 001 scheme)', () => {
    const send = (params: Record<string, unknown>, type: 'form' | 'json' = 'json') => s.t.http.post('/v1/login/verify_code').type(type).send({ mcode: '+86', mobile: nextMobile(), ...params }).expect(200);

    it('answers distinct codes for missing appkey, unknown appkey, bad timestamp, stale timestamp and bad sign', async () => {
      const good = signParams(s.t, s.app);
      expect((await send({ ...good, appkey: undefined })).body).toEqual({ code: 400180, msg: 'appkey is required' });
      expect((await send({ ...good, appkey: 'NoSuchAppkey0000' })).body).toEqual({ code: 400199, msg: 'appkey not found' });
      expect((await send({ ...good, timestamp: undefined })).body).toEqual({ code: 400181, msg: 'timestamp must be 10 digits of seconds' });
      expect((await send({ ...good, timestamp: `${good.timestamp}000` })).body.code).toBe(400181);
      expect((await send({ ...good, sign: undefined })).body).toEqual({ code: 400183, msg: 'sign must be valid' });
      expect((await send({ ...good, sign: 'f'.repeat(32) })).body.code).toBe(400183);
    });

    it.each([121, -121])('refuses a timestamp %i s off, accepts 120 s (intro.md)', async (skew) => {
      // Frozen: a second ticking over between signing and checking would move the boundary.
      s.t.clock.freeze();
      try {
        expect((await send(signParams(s.t, s.app, skew))).body).toEqual({ code: 400182, msg: 'timestamp expired' });
        expect((await send(signParams(s.t, s.app, Math.sign(skew) * 120))).body.code).toBe(200);
      } finally {
        s.t.clock.thaw();
      }
    });

    it("refuses a sign made with another app's secret", async () => {
      const other = await createApp(s.t);
      const forged = signParams(s.t, { appkey: s.app.appkey, secret: other.secret });
      expect((await send(forged)).body.code).toBe(400183);
    });

    it('takes the parameters from the query string too', async () => {
      const res = await s.t.http.post('/v1/login/verify_code').query(signParams(s.t, s.app)).type('form').send({ mcode: '+86', mobile: nextMobile() }).expect(200);
      expect(res.body).toEqual({ code: 200, msg: 'success' });
    });
  });

  describe('login config (seed 001 order)', () => {
    it.each([
      [{ login_config: null }, 400198, 'login config not found'],
      [{ login_config: { enabled: false } }, 400197, 'login interface disabled'],
      [{ login_config: { mobile_login_enabled: false } }, 400196, 'mobile login disabled'],
    ])('%j → %i on both login endpoints', async (settings, code, msg) => {
      const a = await createSmsApp(s.t, settings);
      const base = { ...signParams(s.t, a), mcode: '+86', mobile: nextMobile() };
      expect((await s.t.http.post('/v1/login/verify_code').send(base).expect(200)).body).toEqual({ code, msg });
      expect((await s.t.http.post('/v1/login/mobile').send({ ...base, verify_code: '123456', version_number: 1, channel: 'x' }).expect(200)).body).toEqual({ code, msg });
      expect(sms.messages.filter((m) => m.phone === `+86${base.mobile}`)).toHaveLength(0);
    });
  });

  describe('parameters', () => {
    it.each([
      [{ mcode: undefined }, 400104],
      [{ mcode: '86' }, 400105],
      [{ mcode: '+999' }, 400105],
      [{ mobile: undefined }, 400106],
      [{ mobile: '123' }, 400107],
      [{ mobile: '10000000000' }, 400107],
    ])('login/verify_code %j → %i', async (override, code) => {
      const res = await s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, s.app), mcode: '+86', mobile: nextMobile(), ...override }).expect(200);
      expect(res.body.code).toBe(code);
      expect(res.body.msg).toEqual(expect.any(String));
    });

    it.each([
      [{ mcode: undefined }, 400104],
      [{ mcode: 'x' }, 400105],
      [{ mobile: '' }, 400106],
      [{ mobile: 'abc' }, 400107],
      [{ verify_code: undefined }, 400108],
      [{ verify_code: 123456 }, 400109],
      [{ verify_code: '1234567' }, 400110],
      [{ version_number: undefined }, 400111],
      [{ version_number: 'v12' }, 400112],
      [{ channel: undefined }, 400113],
      [{ channel: 'c'.repeat(33) }, 400114],
      [{ oaid: 'o'.repeat(129) }, 400114],
      [{ need_user_detail: 'yes' }, 400115],
      [{ device_id: 42 }, 400115],
      [{ need_user_detail: 2 }, 400116],
      [{ device_id: 'd'.repeat(129) }, 400116],
      [{ oaid: 42 }, 400117],
    ])('login/mobile %j → %i', async (override, code) => {
      const res = await s.t.http
        .post('/v1/login/mobile')
        .send({ ...signParams(s.t, s.app), mcode: '+86', mobile: nextMobile(), verify_code: '123456', version_number: '12', channel: 'vivo', ...override })
        .expect(200);
      expect(res.body.code).toBe(code);
    });

    it.each([
      [{ mcode: undefined }, 400104],
      [{ mcode: '+0' }, 400105],
      [{ mobile: undefined }, 400106],
      [{ mobile: '12' }, 400107],
      [{ verify_code: undefined }, 400108],
      [{ verify_code: 1 }, 400109],
      [{ verify_code: '1234567' }, 400110],
    ])('user/mobile %j → %i', async (override, code) => {
      const res = await s.t.http.post('/v1/user/mobile').set({ authorization: `Bearer ${token}` }).send({ mcode: '+86', mobile: nextMobile(), verify_code: '123456', ...override }).expect(200);
      expect(res.body.code).toBe(code);
    });

    it.each([
      [{ mcode: undefined }, 400104],
      [{ mcode: '+1234' }, 400105],
      [{ mobile: undefined }, 400106],
      [{ mobile: '1' }, 400107],
    ])('user/verify_code %j → %i', async (override, code) => {
      const res = await s.t.http.post('/v1/user/verify_code').set({ authorization: `Bearer ${token}` }).send({ mcode: '+86', mobile: nextMobile(), ...override }).expect(200);
      expect(res.body.code).toBe(code);
    });
  });

  describe('seed 000: SMS failures on /v1/user/verify_code', () => {
    it.each([
      ['SMS_PROVIDER_FAILED', 400192],
      ['SMS_PROVIDER_REJECTED', 400193],
      ['SMS_ACCESS_KEY_NOT_FOUND', 400194],
      ['SMS_TEMPLATE_NOT_FOUND', 400195],
      ['SMS_SIGNATURE_NOT_FOUND', 400196],
    ] as const)('%s → %i, and the cooldown is released', async (error, code) => {
      const mobile = nextMobile();
      sms.fail = error;
      const res = await s.t.http.post('/v1/user/verify_code').set({ authorization: `Bearer ${token}` }).send({ mcode: '+86', mobile }).expect(200);
      expect(res.body.code).toBe(code);
      sms.fail = null;
      await s.t.http.post('/v1/user/verify_code').set({ authorization: `Bearer ${token}` }).send({ mcode: '+86', mobile }).expect(200, { code: 200, msg: 'success' });
      const rows = await s.t.app.get(DataSource).query(`SELECT superseded_at FROM verification_codes WHERE phone_e164 = $1 ORDER BY created_at`, [`+86${mobile}`]);
      expect(rows).toHaveLength(2);
      expect(rows[0].superseded_at).not.toBeNull();
    });

    it('no SMS configuration → 400197; login config missing → 400198', async () => {
      // An app without SMS cannot send the login code either, so log in through an app that can, then remove its bindings.
      const a = await createSmsApp(s.t);
      const tok = await loginAs(a, nextMobile());
      const admin = { authorization: `Bearer ${await s.t.adminToken()}` };
      await s.t.app.get(DataSource).query(`DELETE FROM sms_bindings WHERE app_id = $1`, [a.id]);
      const res = await s.t.http.post('/v1/user/verify_code').set({ authorization: `Bearer ${tok}` }).send({ mcode: '+86', mobile: nextMobile() }).expect(200);
      expect(res.body.code).toBe(400197);
      await s.t.http.patch(`/admin/apps/${a.id}`).set(admin).send({ login_config: null }).expect(200);
      const res2 = await s.t.http.post('/v1/user/verify_code').set({ authorization: `Bearer ${tok}` }).send({ mcode: '+86', mobile: nextMobile() }).expect(200);
      expect(res2.body).toEqual({ code: 400198, msg: 'login config not found' });
    });

    it('no SMS configuration on /v1/login/verify_code answers 400195 (login_verify_code.md numbers SMS failures 400190–400195)', async () => {
      const bare = await createApp(s.t);
      const res = await s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, bare), mcode: '+86', mobile: nextMobile() }).expect(200);
      expect(res.body.code).toBe(400195);
    });
  });

  describe('user endpoints', () => {
    it('user/mobile: 400190 wrong code, 400191 expired code, 400189 number of another user', async () => {
      const auth = { authorization: `Bearer ${token}` };
      const mobile = nextMobile();
      await s.t.http.post('/v1/user/verify_code').set(auth).send({ mcode: '+86', mobile }).expect(200, { code: 200, msg: 'success' });
      const code = sms.lastCodeFor(`+86${mobile}`)!;
      const wrong = code === '000000' ? '111111' : '000000';
      expect((await s.t.http.post('/v1/user/mobile').set(auth).send({ mcode: '+86', mobile, verify_code: wrong }).expect(200)).body).toEqual({ code: 400190, msg: 'verify_code is wrong' });
      s.t.clock.advanceSeconds(301);
      expect((await s.t.http.post('/v1/user/mobile').set(auth).send({ mcode: '+86', mobile, verify_code: code }).expect(200)).body).toEqual({ code: 400191, msg: 'verify_code not found or expired' });

      // 400189 is answered only to a right code: the taken number's update_phone code, past the login code's cooldown.
      const taken = nextMobile();
      await loginAs(s.app, taken);
      s.t.clock.advanceSeconds(61);
      await s.t.http.post('/v1/user/verify_code').set(auth).send({ mcode: '+86', mobile: taken }).expect(200, { code: 200, msg: 'success' });
      const res = await s.t.http.post('/v1/user/mobile').set(auth).send({ mcode: '+86', mobile: taken, verify_code: sms.lastCodeFor(`+86${taken}`) }).expect(200);
      expect(res.body).toEqual({ code: 400189, msg: 'mobile already in use' });
    });

    it('a login code never changes a phone number', async () => {
      const mobile = nextMobile();
      await s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, s.app), mcode: '+86', mobile }).expect(200);
      const res = await s.t.http.post('/v1/user/mobile').set({ authorization: `Bearer ${token}` }).send({ mcode: '+86', mobile, verify_code: sms.lastCodeFor(`+86${mobile}`) }).expect(200);
      expect(res.body.code).toBe(400191);
    });

    it('user/info → 400199 when the user is gone but the session is not; user/cancel → 400250', async () => {
      const tok = await loginAs(s.app, nextMobile());
      const me = await s.t.http.get('/v1/user/info').set({ authorization: `Bearer ${tok}` }).expect(200);
      await s.t.app.get(DataSource).query(`UPDATE users SET status = 'cancelled' WHERE id = $1`, [me.body.data.uid]);
      expect((await s.t.http.get('/v1/user/info').set({ authorization: `Bearer ${tok}` }).expect(200)).body).toEqual({ code: 400199, msg: 'user not found' });
      expect((await s.t.http.post('/v1/user/cancel').set({ authorization: `Bearer ${tok}` }).expect(200)).body).toEqual({ code: 400250, msg: 'cancel user failed' });
    });
  });
});
