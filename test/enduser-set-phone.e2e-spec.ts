import { DataSource } from 'typeorm';
import { loginWithSms, signParams, useSmsTestApp } from './support/v1.js';

const PATH = '/v2/enduser/enduserapi/setPhone';

describe('enduser setPhone (DESIGN §6)', () => {
  const s = useSmsTestApp();
  let seq = 0;
  const nextPhone = () => `1380000${String(++seq).padStart(4, '0')}`;
  const db = () => s.t.app.get(DataSource);

  /** A user of `app` logged in through v1 with a fresh number: its token and number. */
  async function login(): Promise<{ token: string; phone: string }> {
    const phone = nextPhone();
    return { token: (await loginWithSms(s.t, s.sms, s.app, phone)).token, phone };
  }

  /** A code of `scene` sent to `phone` through the signed v1 endpoint. */
  async function codeFor(phone: string, scene: 'verify_old_phone' | 'update_phone'): Promise<string> {
    const res = await s.t.http.post('/v1/sms/verify_code').send({ ...signParams(s.t, s.app), mcode: '+86', mobile: phone, scene }).expect(200);
    expect(res.body.code).toBe(200);
    return s.sms.lastCodeFor(`+86${phone}`)!;
  }

  /** A complete, valid setPhone query for a fresh user moving to a fresh number. */
  async function ready(): Promise<{ token: string; oldPhone: string; query: Record<string, string> }> {
    const { token, phone: oldPhone } = await login();
    const newPhone = nextPhone();
    const query = {
      newInternationalCode: '+86',
      newPhone,
      newPhoneCode: await codeFor(newPhone, 'update_phone'),
      oldInternationalCode: '+86',
      oldPhone,
      oldPhoneCode: '',
    };
    // The login code was sent to the old number a moment ago: wait out the resend cooldown.
    s.t.clock.advanceSeconds(61);
    query.oldPhoneCode = await codeFor(oldPhone, 'verify_old_phone');
    return { token, oldPhone, query };
  }

  const put = (token: string | null, query: Record<string, string>) => {
    const req = s.t.http.put(PATH).query(query);
    return (token ? req.set('authorization', `Bearer ${token}`) : req).expect(200);
  };
  const phoneOf = async (oldPhone: string) => (await db().query('SELECT phone_e164, mobile FROM users WHERE app_id = $1 AND mobile IN ($2)', [s.app.id, oldPhone]))[0];

  it('moves the user to the new number with both codes', async () => {
    const { token, oldPhone, query } = await ready();
    const [{ id }] = await db().query('SELECT id FROM users WHERE app_id = $1 AND phone_e164 = $2', [s.app.id, `+86${oldPhone}`]);
    expect((await put(token, query)).body).toEqual({ code: 200, msg: 'success', extMsg: '', data: {} });
    const [row] = await db().query('SELECT phone_e164, mcode, mobile FROM users WHERE id = $1', [id]);
    expect(row).toEqual({ phone_e164: `+86${query.newPhone}`, mcode: '+86', mobile: query.newPhone });
    // Both codes are spent: the same request again fails on the old-phone code (the old number is no longer the user's).
    expect((await put(token, query)).body.code).toBe(5174);
  });

  it('takes international codes without their + and a JSON content type with no body', async () => {
    const { token, query } = await ready();
    const res = await s.t.http
      .put(PATH)
      .query({ ...query, newInternationalCode: '86', oldInternationalCode: '0086' })
      .set('authorization', `Bearer ${token}`)
      .set('content-type', 'application/json')
      .expect(200);
    expect(res.body).toEqual({ code: 200, msg: 'success', extMsg: '', data: {} });
    expect((await db().query('SELECT mcode FROM users WHERE app_id = $1 AND mobile = $2', [s.app.id, query.newPhone]))[0]).toEqual({ mcode: '+86' });
  });

  it('answers 5032 without a token or with a garbage one', async () => {
    const { query } = await ready();
    expect((await put(null, query)).body).toEqual({ code: 5032, msg: 'token无效', extMsg: '', data: {} });
    expect((await put('not-a-token', query)).body.code).toBe(5032);
  });

  it('answers 5033 when the user no longer exists', async () => {
    const { token, oldPhone, query } = await ready();
    await db().query(`UPDATE users SET status = 'cancelled' WHERE app_id = $1 AND phone_e164 = $2`, [s.app.id, `+86${oldPhone}`]);
    expect((await put(token, query)).body.code).toBe(5033);
  });

  it.each([
    ['newInternationalCode', 5162],
    ['newPhone', 5163],
    ['newPhoneCode', 5164],
    ['oldInternationalCode', 5165],
    ['oldPhone', 5166],
    ['oldPhoneCode', 5167],
  ])('answers a missing %s with %i', async (name, code) => {
    const { token, oldPhone, query } = await ready();
    const partial: Record<string, string> = { ...query };
    delete partial[name];
    expect((await put(token, partial)).body.code).toBe(code);
    expect((await phoneOf(oldPhone)).phone_e164).toBe(`+86${oldPhone}`);
  });

  it('answers 5168 for a wrong old-phone code and 5169 for a wrong new-phone code', async () => {
    const { token, oldPhone, query } = await ready();
    const wrong = (c: string) => (c === '000000' ? '111111' : '000000');
    expect((await put(token, { ...query, oldPhoneCode: wrong(query.oldPhoneCode) })).body).toEqual({ code: 5168, msg: '旧手机验证码错误', extMsg: '', data: {} });
    expect((await put(token, { ...query, newPhoneCode: wrong(query.newPhoneCode) })).body).toEqual({ code: 5169, msg: '新手机验证码错误', extMsg: '', data: {} });
    expect((await phoneOf(oldPhone)).phone_e164).toBe(`+86${oldPhone}`);
  });

  it("answers 5174 when the old phone is not the user's", async () => {
    const { token, oldPhone, query } = await ready();
    expect((await put(token, { ...query, oldPhone: nextPhone() })).body.code).toBe(5174);
    expect((await phoneOf(oldPhone)).phone_e164).toBe(`+86${oldPhone}`);
  });

  it('answers 5176 when the new phone belongs to another user only once both codes are right, and 5019 when it is not a number', async () => {
    const { token, oldPhone, query } = await ready();
    const other = await login();
    s.t.clock.advanceSeconds(61);
    const newPhoneCode = await codeFor(other.phone, 'update_phone');
    // A wrong new-phone code answers as it would for a free number (the right old-phone code stays unspent).
    expect((await put(token, { ...query, newPhone: other.phone, newPhoneCode: newPhoneCode === '000000' ? '111111' : '000000' })).body.code).toBe(5169);
    s.t.clock.advanceSeconds(61);
    const oldPhoneCode = await codeFor(oldPhone, 'verify_old_phone');
    expect((await put(token, { ...query, oldPhoneCode, newPhone: other.phone, newPhoneCode })).body).toEqual({
      code: 5176,
      msg: '新手机号已被注册',
      extMsg: '',
      data: {},
    });
    expect((await put(token, { ...query, newPhone: '12345' })).body.code).toBe(5019);
    expect((await phoneOf(oldPhone)).phone_e164).toBe(`+86${oldPhone}`);
  });
});
