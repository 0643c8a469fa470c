import { type CreatedApp } from './support/admin.js';
import { solvedCaptcha } from './support/captcha.js';
import { createSmsApp, signParams, useSmsTestApp } from './support/v1.js';

describe('v1 error codes: 400188 and 406', () => {
  const s = useSmsTestApp();
  let seq = 0;
  const nextMobile = () => `1330000${String(++seq).padStart(4, '0')}`;
  const sendCode = (a: CreatedApp, fields: Record<string, unknown>) =>
    s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, a), mcode: '+86', mobile: nextMobile(), ...fields }).expect(200);

  beforeEach(() => {
    s.sms.clear();
    s.t.clock.reset();
  });

  it.each([
    ['unknown', async () => ({ img_code_id: 'NOSUCH', img_code: 'ABCD' })],
    ['already used', async (a: CreatedApp) => {
      const captcha = await solvedCaptcha(s.t, a.appkey);
      // Spent by a wrong guess: a captcha takes exactly one.
      expect((await sendCode(a, { img_code_id: captcha.id, img_code: captcha.answer === 'AAAA' ? 'BBBB' : 'AAAA' })).body.code).toBe(400187);
      return { img_code_id: captcha.id, img_code: captcha.answer };
    }],
    ['expired', async (a: CreatedApp) => {
      const captcha = await solvedCaptcha(s.t, a.appkey);
      s.t.clock.advanceSeconds(301);
      return { img_code_id: captcha.id, img_code: captcha.answer };
    }],
  ])('answers 400188 for a captcha that is %s, when the app requires one', async (_what, captcha) => {
    const a = await createSmsApp(s.t, { code_policy: { captcha_required: true } });
    const res = await sendCode(a, await captcha(a));
    expect(res.body).toEqual({ code: 400188, msg: 'the image captcha is unknown, expired or already used' });
    expect(s.sms.messages).toEqual([]);
  });

  it('answers 406 for a body of an unsupported content type', async () => {
    const res = await s.t.http.post('/v1/login/verify_code').query(signParams(s.t, s.app)).set('content-type', 'text/xml').send('<mobile>13300009999</mobile>').expect(200);
    expect(res.body).toEqual({ code: 406, msg: 'Not Acceptable' });
    expect(s.sms.messages).toEqual([]);
  });
});
