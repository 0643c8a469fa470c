import { solvedCaptcha } from './support/captcha.js';
import { enduserSendParams } from './support/enduser.js';
import { createSmsApp, signParams, useSmsTestApp } from './support/v1.js';

/*
 * Number types that never need a code (src/fraud/number-type-policy.ts): the app's
 * code_policy.refused_number_types, refused in every dialect before anything is
 * counted or sent. +86 400… is a Chinese shared-cost number, +44 909… a British
 * premium-rate one, +1 201… a North American number the plan cannot tell from a
 * landline (FIXED_LINE_OR_MOBILE), which must pass.
 */

describe('fraud guard: number types', () => {
  const s = useSmsTestApp();
  const admin = async () => ({ authorization: `Bearer ${await s.t.adminToken()}` });

  beforeEach(() => {
    s.sms.clear();
    s.t.clock.advanceSeconds(61);
  });

  it('refuses every type but mobiles by default, and shows the list in the app', async () => {
    const res = await s.t.http.get(`/admin/apps/${s.app.id}`).set(await admin()).expect(200);
    expect(res.body.data.code_policy.refused_number_types).toEqual(['FIXED_LINE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL']);
  });

  it('v1: 400178 for a shared-cost number, nothing sent; a North American number passes', async () => {
    const send = (mcode: string, mobile: string) => s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, s.app), mcode, mobile }).expect(200);
    expect((await send('+86', '4001234567')).body).toEqual({ code: 400178, msg: 'this type of number cannot receive codes' });
    expect((await send('+44', '9098790000')).body.code).toBe(400178);
    expect(s.sms.messages).toEqual([]);
    expect((await send('+1', '2015550123')).body).toEqual({ code: 200, msg: 'success' });
    expect(s.sms.lastCodeFor('+12015550123')).toEqual(expect.any(String));
  });

  it('v1 sms/verify_code and user-facing sends answer the same code', async () => {
    const res = await s.t.http.post('/v1/sms/verify_code').send({ ...signParams(s.t, s.app), mcode: '+86', mobile: '8001234567', scene: 'login' }).expect(200);
    expect(res.body.code).toBe(400178);
  });

  it('enduser (seed 003): 5010', async () => {
    const res = await s.t.http.post('/v2/sms/enduserapi/v2/sendPhoneSmsCode').query(enduserSendParams(s.t, s.app, '4001234567')).expect(200);
    expect(res.body).toEqual({ code: 5010, msg: '不支持该类型的号码', extMsg: '', data: {} });
    expect(s.sms.messages).toEqual([]);
  });

  it('oauth (seed 004): 733, without spending the captcha', async () => {
    const captcha = await solvedCaptcha(s.t, s.app.appkey);
    const body = { mobile: '+864001234567', img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'LOGIN' };
    expect((await s.t.http.post('/oauth/api/account/sendSmsCode').set('x-app-key', s.app.appkey).send(body).expect(200)).body).toEqual({ request_id: expect.any(String), code: '733', msg: '不支持该类型的号码', data: null });
    expect(s.sms.messages).toEqual([]);
  });

  it('sends to a type the app no longer refuses', async () => {
    const a = await createSmsApp(s.t, { code_policy: { refused_number_types: ['PREMIUM_RATE'] } });
    const send = (mobile: string) => s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, a), mcode: '+86', mobile }).expect(200);
    expect((await send('4001234567')).body.code).toBe(200);
    expect(s.sms.lastCodeFor('+864001234567')).toEqual(expect.any(String));
    await s.t.http.patch(`/admin/apps/${a.id}`).set(await admin()).send({ code_policy: { refused_number_types: ['SHARED_COST'] } }).expect(200);
    s.t.clock.advanceSeconds(61);
    expect((await send('4001234567')).body.code).toBe(400178);
  });

  it('admin: refuses MOBILE, FIXED_LINE_OR_MOBILE and unknown names in refused_number_types', async () => {
    for (const bad of [['MOBILE'], ['FIXED_LINE_OR_MOBILE'], ['PREMIUM'], 'PREMIUM_RATE']) {
      const res = await s.t.http.patch(`/admin/apps/${s.app.id}`).set(await admin()).send({ code_policy: { refused_number_types: bad } }).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'code_policy.refused_number_types' } });
    }
  });
});

describe('fraud guard settings given as null', () => {
  const s = useSmsTestApp();

  it('reads null as the default, never as a 500', async () => {
    const admin = { authorization: `Bearer ${await s.t.adminToken()}` };
    const a = await createSmsApp(s.t, { code_policy: { fraud_guard: { enabled: true } } });
    const patched = await s.t.http
      .patch(`/admin/apps/${a.id}`)
      .set(admin)
      .send({ code_policy: { refused_number_types: null, per_country_daily: null, per_country_daily_overrides: null, fraud_guard: { window_s: null, min_sends_prefix: null } } });
    if (patched.status !== 200) return expect(patched.status).toBe(400); // refused at the edge: as good
    const send = (mobile: string) => s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, a), mcode: '+86', mobile }).expect(200);
    expect((await send('13912340001')).body.code).toBe(200);
    expect((await send('4001234567')).body.code).toBe(400178);
  });
});
