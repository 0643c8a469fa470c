import { DataSource } from 'typeorm';
import { type CreatedApp } from './support/admin.js';
import { createSmsApp, loginWithSms, signParams, useSmsTestApp } from './support/v1.js';

/** PhoneChangeService through the three dialects that call it: which codes a refused change leaves unspent. */
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

  it('Authing with old-phone verification: a taken new number spends neither code', async () => {
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
    expect(await consumedAt(strict, mine, 'verify_old_phone')).toBeNull();
    expect(await consumedAt(strict, taken, 'update_phone')).toBeNull();
  });

  it('v1: a taken new number leaves its code unspent', async () => {
    const taken = nextPhone();
    await login(s.app, taken);
    const token = await login(s.app, nextPhone());
    const verify_code = await codeFor(s.app, taken, 'update_phone');
    const res = await s.t.http.post('/v1/user/mobile').set('authorization', `Bearer ${token}`).send({ mcode: '+86', mobile: taken, verify_code }).expect(200);
    expect(res.body).toEqual({ code: 400189, msg: 'mobile already in use' });
    expect(await consumedAt(s.app, taken, 'update_phone')).toBeNull();
  });

  it('enduser: a taken new number is refused with 5176 before either code is spent', async () => {
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
    expect(await consumedAt(s.app, mine, 'verify_old_phone')).toBeNull();
    expect(await consumedAt(s.app, taken, 'update_phone')).toBeNull();
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
