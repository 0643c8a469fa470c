import { DataSource } from 'typeorm';
import { type CreatedApp } from './support/admin.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, loginWithSms, signParams } from './support/v1.js';

/** PhoneChangeService through the three dialects that call it: which codes a refused change leaves unspent. */
describe('phone change (PhoneChangeService) across v1, Authing and enduser', () => {
  let t: TestApp;
  const sms = new RecordingSmsProvider();
  let app: CreatedApp;
  let strict: CreatedApp;
  let seq = 0;
  const nextPhone = () => `1390000${String(++seq).padStart(4, '0')}`;
  const db = () => t.app.get(DataSource);
  const login = async (a: CreatedApp, phone: string) => (await loginWithSms(t, sms, a, phone)).token;

  beforeAll(async () => {
    t = await startTestApp({ override: withRecordingSms(sms) });
    app = await createSmsApp(t);
    strict = await createSmsApp(t, { login_config: { require_old_phone_on_change: true } });
  });
  afterAll(async () => {
    await t.close();
  });

  async function codeFor(a: CreatedApp, phone: string, scene: 'verify_old_phone' | 'update_phone'): Promise<string> {
    t.clock.advanceSeconds(61);
    const res = await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, a), mcode: '+86', mobile: phone, scene }).expect(200);
    expect(res.body.code).toBe(200);
    return sms.lastCodeFor(`+86${phone}`)!;
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
    const res = await t.http
      .post('/api/v3/verify-update-phone-request')
      .set('x-authing-app-id', strict.appkey)
      .set('authorization', `Bearer ${token}`)
      .send({ verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber: taken, newPhonePassCode, oldPhoneNumber: mine, oldPhonePassCode } })
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, apiCode: 40002, data: {} });
    expect(await consumedAt(strict, mine, 'verify_old_phone')).toBeNull();
    expect(await consumedAt(strict, taken, 'update_phone')).toBeNull();
  });

  it('v1: a taken new number leaves its code unspent', async () => {
    const taken = nextPhone();
    await login(app, taken);
    const token = await login(app, nextPhone());
    const verify_code = await codeFor(app, taken, 'update_phone');
    const res = await t.http.post('/v1/user/mobile').set('authorization', `Bearer ${token}`).send({ mcode: '+86', mobile: taken, verify_code }).expect(200);
    expect(res.body).toEqual({ code: 400189, msg: 'mobile already in use' });
    expect(await consumedAt(app, taken, 'update_phone')).toBeNull();
  });

  it('enduser: a taken new number is refused with 5176 before either code is spent', async () => {
    const taken = nextPhone();
    await login(app, taken);
    const mine = nextPhone();
    const token = await login(app, mine);
    const newPhoneCode = await codeFor(app, taken, 'update_phone');
    const oldPhoneCode = await codeFor(app, mine, 'verify_old_phone');
    const res = await t.http
      .put('/v2/enduser/enduserapi/setPhone')
      .set('authorization', `Bearer ${token}`)
      .query({ newInternationalCode: '+86', newPhone: taken, newPhoneCode, oldInternationalCode: '+86', oldPhone: mine, oldPhoneCode })
      .expect(200);
    expect(res.body).toMatchObject({ code: 5176 });
    expect(await consumedAt(app, mine, 'verify_old_phone')).toBeNull();
    expect(await consumedAt(app, taken, 'update_phone')).toBeNull();
  });

  it('enduser: an old number that is not the user’s names the parameter and spends no code', async () => {
    const mine = nextPhone();
    const token = await login(app, mine);
    const newPhone = nextPhone();
    const newPhoneCode = await codeFor(app, newPhone, 'update_phone');
    const oldPhoneCode = await codeFor(app, mine, 'verify_old_phone');
    const res = await t.http
      .put('/v2/enduser/enduserapi/setPhone')
      .set('authorization', `Bearer ${token}`)
      .query({ newInternationalCode: '+86', newPhone, newPhoneCode, oldInternationalCode: '+86', oldPhone: nextPhone(), oldPhoneCode })
      .expect(200);
    expect(res.body).toEqual({ code: 5174, msg: '旧手机号码不正确', extMsg: 'oldPhone is not the user’s phone', data: {} });
    expect(await consumedAt(app, mine, 'verify_old_phone')).toBeNull();
    expect(await consumedAt(app, newPhone, 'update_phone')).toBeNull();
  });
});
