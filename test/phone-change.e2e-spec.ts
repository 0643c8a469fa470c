import { DataSource } from 'typeorm';
import { type CreatedApp } from './support/admin.js';
import { createSmsApp, loginWithSms, signParams, useSmsTestApp } from './support/v1.js';

/** PhoneChangeService through the three dialects that call it: what a refused change answers, and which codes it spends. */
describe('phone change (PhoneChangeService) across v1, Authing and enduser', () => {
  const s = useSmsTestApp();
  let strict: CreatedApp;
  let seq = 0;
  const nextPhone = () => `1390000${String(++seq).padStart(4, '0')}`;
  const db = () => s.t.app.get(DataSource);
  const login = async (a: CreatedApp, phone: string) => (await loginWithSms(s.t, s.sms, a, phone)).token;

  beforeAll(async () => {
    strict = await createSmsApp(s.t, { login_config: { require_old_phone_on_change: true } });
  });

  async function codeFor(a: CreatedApp, phone: string, scene: 'verify_old_phone' | 'update_phone'): Promise<string> {
    s.t.clock.advanceSeconds(61);
    const res = await s.t.http.post('/v1/sms/verify_code').send({ ...signParams(s.t, a), mcode: '+86', mobile: phone, scene }).expect(200);
    expect(res.body.code).toBe(200);
    return s.sms.lastCodeFor(`+86${phone}`)!;
  }

  async function consumedAt(a: CreatedApp, phone: string, scene: string): Promise<Date | null> {
    const [row] = await db().query(
      `SELECT consumed_at FROM verification_codes WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 ORDER BY created_at DESC LIMIT 1`,
      [a.id, `+86${phone}`, scene],
    );
    return row.consumed_at;
  }

  describe('a number another user holds is not revealed to a caller without its code', () => {
    const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

    /** A logged-in user, a number another user of the app holds, and a free number. */
    async function setUp(a: CreatedApp): Promise<{ token: string; mine: string; taken: string; free: string }> {
      const taken = nextPhone();
      await login(a, taken);
      const mine = nextPhone();
      return { token: await login(a, mine), mine, taken, free: nextPhone() };
    }

    it('v1 user/mobile: no code and a wrong code answer the same for a taken number as for a free one', async () => {
      const { token, taken, free } = await setUp(s.app);
      const change = async (mobile: string, verify_code: string) =>
        (await s.t.http.post('/v1/user/mobile').set('authorization', `Bearer ${token}`).send({ mcode: '+86', mobile, verify_code }).expect(200)).body;
      // No update_phone code was ever sent to either number.
      expect(await change(free, '123456')).toEqual({ code: 400191, msg: expect.any(String) });
      expect(await change(taken, '123456')).toEqual(await change(free, '123456'));
      const [takenCode, freeCode] = [await codeFor(s.app, taken, 'update_phone'), await codeFor(s.app, free, 'update_phone')];
      expect(await change(free, wrong(freeCode))).toEqual({ code: 400190, msg: expect.any(String) });
      expect(await change(taken, wrong(takenCode))).toEqual(await change(free, wrong(freeCode)));
    });

    it('Authing verify-update-phone-request: no code and a wrong code answer the same for a taken number as for a free one', async () => {
      const { token, taken, free } = await setUp(s.app);
      const request = async (newPhoneNumber: string, newPhonePassCode: string) => {
        const res = await s.t.http
          .post('/api/v3/verify-update-phone-request')
          .set('x-authing-app-id', s.app.appkey)
          .set('authorization', `Bearer ${token}`)
          .send({ verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber, newPhonePassCode } });
        const { statusCode, apiCode, message, data } = res.body;
        return { statusCode, apiCode, message, data };
      };
      expect(await request(free, '123456')).toMatchObject({ statusCode: 400, apiCode: 30008 });
      expect(await request(taken, '123456')).toEqual(await request(free, '123456'));
      const [takenCode, freeCode] = [await codeFor(s.app, taken, 'update_phone'), await codeFor(s.app, free, 'update_phone')];
      expect(await request(free, wrong(freeCode))).toMatchObject({ statusCode: 400, apiCode: 30007 });
      expect(await request(taken, wrong(takenCode))).toEqual(await request(free, wrong(freeCode)));
    });

    it('Authing with old-phone verification: a wrong new code answers the same for a taken number as for a free one', async () => {
      const { token, mine, taken, free } = await setUp(strict);
      const request = async (newPhoneNumber: string, newPhonePassCode: string) => {
        const oldPhonePassCode = await codeFor(strict, mine, 'verify_old_phone');
        const res = await s.t.http
          .post('/api/v3/verify-update-phone-request')
          .set('x-authing-app-id', strict.appkey)
          .set('authorization', `Bearer ${token}`)
          .send({ verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber, newPhonePassCode, oldPhoneNumber: mine, oldPhonePassCode } });
        const { statusCode, apiCode, message, data } = res.body;
        return { statusCode, apiCode, message, data };
      };
      expect(await request(free, '123456')).toMatchObject({ statusCode: 400, apiCode: 30008 });
      expect(await request(taken, '123456')).toEqual(await request(free, '123456'));
    });

    it('enduser setPhone: no code and a wrong code answer the same for a taken number as for a free one', async () => {
      const { token, mine, taken, free } = await setUp(s.app);
      const setPhone = async (newPhone: string, newPhoneCode: string) => {
        // A right old-phone code is spent by each attempt: send a fresh one.
        const oldPhoneCode = await codeFor(s.app, mine, 'verify_old_phone');
        return (
          await s.t.http
            .put('/v2/enduser/enduserapi/setPhone')
            .set('authorization', `Bearer ${token}`)
            .query({ newInternationalCode: '+86', newPhone, newPhoneCode, oldInternationalCode: '+86', oldPhone: mine, oldPhoneCode })
            .expect(200)
        ).body;
      };
      expect(await setPhone(free, '123456')).toMatchObject({ code: 5169 });
      expect(await setPhone(taken, '123456')).toEqual(await setPhone(free, '123456'));
      const [takenCode, freeCode] = [await codeFor(s.app, taken, 'update_phone'), await codeFor(s.app, free, 'update_phone')];
      expect(await setPhone(free, wrong(freeCode))).toMatchObject({ code: 5169 });
      expect(await setPhone(taken, wrong(takenCode))).toEqual(await setPhone(free, wrong(freeCode)));
    });
  });

  it('Authing with old-phone verification: both codes right, a taken new number answers 40002 and both are spent', async () => {
    const taken = nextPhone();
    await login(strict, taken);
    const mine = nextPhone();
    const token = await login(strict, mine);
    const oldPhonePassCode = await codeFor(strict, mine, 'verify_old_phone');
    const newPhonePassCode = await codeFor(strict, taken, 'update_phone');
    const res = await s.t.http
      .post('/api/v3/verify-update-phone-request')
      .set('x-authing-app-id', strict.appkey)
      .set('authorization', `Bearer ${token}`)
      .send({ verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber: taken, newPhonePassCode, oldPhoneNumber: mine, oldPhonePassCode } })
      .expect(200);
    expect(res.body).toMatchObject({ statusCode: 400, apiCode: 40002, data: {} });
    expect(await consumedAt(strict, mine, 'verify_old_phone')).not.toBeNull();
    expect(await consumedAt(strict, taken, 'update_phone')).not.toBeNull();
  });

  it('v1 and enduser: a change revokes the user\'s other tokens and keeps the caller\'s, as Authing\'s update-phone does', async () => {
    for (const dialect of ['v1', 'enduser'] as const) {
      const mine = nextPhone();
      const stolen = await login(s.app, mine);
      const token = await login(s.app, mine);
      const newPhone = nextPhone();
      const verify_code = await codeFor(s.app, newPhone, 'update_phone');
      if (dialect === 'v1') {
        const res = await s.t.http.post('/v1/user/mobile').set('authorization', `Bearer ${token}`).send({ mcode: '+86', mobile: newPhone, verify_code }).expect(200);
        expect(res.body).toEqual({ code: 200, msg: 'success' });
      } else {
        const oldPhoneCode = await codeFor(s.app, mine, 'verify_old_phone');
        const query = { newInternationalCode: '+86', newPhone, newPhoneCode: verify_code, oldInternationalCode: '+86', oldPhone: mine, oldPhoneCode };
        const res = await s.t.http.put('/v2/enduser/enduserapi/setPhone').set('authorization', `Bearer ${token}`).query(query).expect(200);
        expect(res.body).toMatchObject({ code: 200 });
      }
      const info = (bearer: string) => s.t.http.get('/v1/user/info').set('authorization', `Bearer ${bearer}`).expect(200);
      expect((await info(token)).body).toMatchObject({ code: 200, data: { mobile: newPhone } });
      expect((await info(stolen)).body).toEqual({ code: 401, msg: 'Unauthorized' });
    }
  });

  it('v1: a right code for a taken new number is spent, then 400189', async () => {
    const taken = nextPhone();
    await login(s.app, taken);
    const token = await login(s.app, nextPhone());
    const verify_code = await codeFor(s.app, taken, 'update_phone');
    const res = await s.t.http.post('/v1/user/mobile').set('authorization', `Bearer ${token}`).send({ mcode: '+86', mobile: taken, verify_code }).expect(200);
    expect(res.body).toEqual({ code: 400189, msg: 'mobile already in use' });
    expect(await consumedAt(s.app, taken, 'update_phone')).not.toBeNull();
  });

  it('enduser: both codes right, a taken new number answers 5176 and both are spent', async () => {
    const taken = nextPhone();
    await login(s.app, taken);
    const mine = nextPhone();
    const token = await login(s.app, mine);
    const newPhoneCode = await codeFor(s.app, taken, 'update_phone');
    const oldPhoneCode = await codeFor(s.app, mine, 'verify_old_phone');
    const res = await s.t.http
      .put('/v2/enduser/enduserapi/setPhone')
      .set('authorization', `Bearer ${token}`)
      .query({ newInternationalCode: '+86', newPhone: taken, newPhoneCode, oldInternationalCode: '+86', oldPhone: mine, oldPhoneCode })
      .expect(200);
    expect(res.body).toMatchObject({ code: 5176 });
    expect(await consumedAt(s.app, mine, 'verify_old_phone')).not.toBeNull();
    expect(await consumedAt(s.app, taken, 'update_phone')).not.toBeNull();
  });

  it('enduser: an old number that is not the user’s names the parameter and spends no code', async () => {
    const mine = nextPhone();
    const token = await login(s.app, mine);
    const newPhone = nextPhone();
    const newPhoneCode = await codeFor(s.app, newPhone, 'update_phone');
    const oldPhoneCode = await codeFor(s.app, mine, 'verify_old_phone');
    const res = await s.t.http
      .put('/v2/enduser/enduserapi/setPhone')
      .set('authorization', `Bearer ${token}`)
      .query({ newInternationalCode: '+86', newPhone, newPhoneCode, oldInternationalCode: '+86', oldPhone: nextPhone(), oldPhoneCode })
      .expect(200);
    expect(res.body).toEqual({ code: 5174, msg: '旧手机号码不正确', extMsg: 'oldPhone is not the user’s phone', data: {} });
    expect(await consumedAt(s.app, mine, 'verify_old_phone')).toBeNull();
    expect(await consumedAt(s.app, newPhone, 'update_phone')).toBeNull();
  });
});
