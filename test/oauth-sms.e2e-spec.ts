import { DataSource } from 'typeorm';
import { solvedCaptcha } from './support/captcha.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, signParams } from './support/v1.js';

describe('captcha-gated sendSmsCode (seed 004)', () => {
  const recorder = new RecordingSmsProvider();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ override: withRecordingSms(recorder) });
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => recorder.clear());

  const send = (appkey: string | undefined, body: Record<string, unknown>) => {
    const req = t.http.post('/oauth/api/account/sendSmsCode');
    if (appkey) req.set('x-app-key', appkey);
    return req.send(body).expect(200);
  };

  it("replays the seed's example with a solved captcha: one SMS, the seed's answer", async () => {
    const app = await createSmsApp(t);
    const captcha = await solvedCaptcha(t, app.appkey);
    const res = await send(app.appkey, { mobile: '17621923340', img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'REGISTER' });
    expect(res.body).toEqual({ request_id: res.headers['x-request-id'], code: '000', msg: '成功', data: true });
    expect(recorder.messages).toHaveLength(1);
    expect(recorder.lastCodeFor('+8617621923340')).toMatch(/^\d{6}$/);
    const [row] = await t.app.get(DataSource).query("SELECT scene FROM verification_codes WHERE phone_e164 = '+8617621923340'");
    expect(row.scene).toBe('register');
  });

  it("answers a success with the caller's sane x-request-id in request_id (a direct route's envelope)", async () => {
    const app = await createSmsApp(t);
    const captcha = await solvedCaptcha(t, app.appkey);
    const res = await t.http
      .post('/oauth/api/account/sendSmsCode')
      .set('x-app-key', app.appkey)
      .set('x-request-id', 'trace-4711')
      .send({ mobile: '13800138009', img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'LOGIN' })
      .expect(200);
    expect(res.headers['x-request-id']).toBe('trace-4711');
    expect(res.body).toEqual({ request_id: 'trace-4711', code: '000', msg: '成功', data: true });
  });

  it('accepts the same captcha answer once only', async () => {
    const app = await createSmsApp(t);
    const captcha = await solvedCaptcha(t, app.appkey);
    await send(app.appkey, { mobile: '13800138001', img_code_id: captcha.id, img_code: captcha.answer.toLowerCase(), sms_type: 'LOGIN' });
    const again = await send(app.appkey, { mobile: '13800138002', img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'LOGIN' });
    expect(again.body).toMatchObject({ code: '603', data: null });
    expect(recorder.messages).toHaveLength(1);
  });

  it.each([
    ['a wrong answer', async (id: string, answer: string) => ({ img_code_id: id, img_code: answer === 'AAAA' ? 'BBBB' : 'AAAA' }), '602'],
    ['an unknown captcha', async () => ({ img_code_id: 'NOSUCH', img_code: 'ABCD' }), '603'],
    ['no captcha id', async (_id: string, answer: string) => ({ img_code: answer }), '601'],
    ['no captcha answer', async (id: string) => ({ img_code_id: id }), '601'],
  ])('sends nothing with %s', async (_name, captchaFields, code) => {
    const app = await createSmsApp(t);
    const captcha = await solvedCaptcha(t, app.appkey);
    const res = await send(app.appkey, { mobile: '13800138003', sms_type: 'LOGIN', ...(await captchaFields(captcha.id, captcha.answer)) });
    expect(res.body.code).toBe(code);
    expect(recorder.messages).toHaveLength(0);
    const rows = await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM verification_codes WHERE app_id = $1', [app.id]);
    expect(rows[0].n).toBe(0);
  });

  it('refuses an expired captcha', async () => {
    const app = await createSmsApp(t);
    const captcha = await solvedCaptcha(t, app.appkey);
    t.clock.advanceSeconds(301);
    try {
      const res = await send(app.appkey, { mobile: '13800138004', img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'LOGIN' });
      expect(res.body.code).toBe('603');
    } finally {
      t.clock.reset();
    }
    expect(recorder.messages).toHaveLength(0);
  });

  it('refuses a bad sms_type and a bad mobile with their own codes, without spending the captcha', async () => {
    const app = await createSmsApp(t);
    const captcha = await solvedCaptcha(t, app.appkey);
    const badType = await send(app.appkey, { mobile: '13800138005', img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'DELETE_ACCOUNT' });
    expect(badType.body).toMatchObject({ code: '604', data: { field: 'sms_type' } });
    const badMobile = await send(app.appkey, { mobile: '12345', img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'LOGIN' });
    expect(badMobile.body).toMatchObject({ code: '605', data: { field: 'mobile' } });
    const ok = await send(app.appkey, { mobile: '13800138005', img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'LOGIN' });
    expect(ok.body.code).toBe('000');
  });

  it('refuses a missing or unknown X-App-Key', async () => {
    expect((await send(undefined, { mobile: '13800138006', img_code_id: 'X', img_code: 'Y', sms_type: 'LOGIN' })).body.code).toBe('400');
    expect((await send('NoSuchAppKey0000', { mobile: '13800138006', img_code_id: 'X', img_code: 'Y', sms_type: 'LOGIN' })).body.code).toBe('404');
  });

  it('keeps the resend cooldown: a second send to the phone within a minute is refused', async () => {
    const app = await createSmsApp(t);
    const first = await solvedCaptcha(t, app.appkey);
    await send(app.appkey, { mobile: '13800138007', img_code_id: first.id, img_code: first.answer, sms_type: 'LOGIN' });
    const second = await solvedCaptcha(t, app.appkey);
    const res = await send(app.appkey, { mobile: '13800138007', img_code_id: second.id, img_code: second.answer, sms_type: 'LOGIN' });
    expect(res.body).toMatchObject({ code: '731', data: { retry_after: expect.any(Number) } });
    expect(recorder.messages).toHaveLength(1);
  });
});

describe('v1 sends of an app with captcha_required', () => {
  const recorder = new RecordingSmsProvider();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ override: withRecordingSms(recorder) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('demands a solved captcha, then sends', async () => {
    const app = await createSmsApp(t, { code_policy: { captcha_required: true } });
    const without = await t.http.post('/v1/login/verify_code').type('form').send({ ...signParams(t, app), mcode: '+86', mobile: '13800138010' }).expect(200);
    expect(without.body).toEqual({ code: 400186, msg: 'a solved image captcha is required' });
    const wrong = await solvedCaptcha(t, app.appkey);
    const bad = await t.http
      .post('/v1/login/verify_code')
      .send({ ...signParams(t, app), mcode: '+86', mobile: '13800138010', img_code_id: wrong.id, img_code: wrong.answer === 'AAAA' ? 'BBBB' : 'AAAA' })
      .expect(200);
    expect(bad.body.code).toBe(400187);
    expect(recorder.messages).toHaveLength(0);
    const captcha = await solvedCaptcha(t, app.appkey);
    const ok = await t.http
      .post('/v1/login/verify_code')
      .send({ ...signParams(t, app), mcode: '+86', mobile: '13800138010', img_code_id: captcha.id, img_code: captcha.answer })
      .expect(200);
    expect(ok.body).toEqual({ code: 200, msg: 'success' });
    expect(recorder.messages).toHaveLength(1);
  });

  it('does not ask apps without the policy for a captcha', async () => {
    const app = await createSmsApp(t);
    const ok = await t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile: '13800138011' }).expect(200);
    expect(ok.body.code).toBe(200);
  });
});
