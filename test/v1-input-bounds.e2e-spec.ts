import { DataSource } from 'typeorm';
import { signParams, useSmsTestApp } from './support/v1.js';

/** `a` and a variation selector: one character to class-validator's MaxLength, two to Postgres. */
const WIDE = 'a\uFE0F';

describe('v1: input bounds and spellings (issues 12 and 13)', () => {
  const s = useSmsTestApp();
  const db = () => s.t.app.get(DataSource);
  let seq = 0;
  const nextMobile = () => `1390008${String(++seq).padStart(4, '0')}`;

  /** A login code sent to `mobile` (past any cooldown). */
  async function sendLoginCode(mobile: string): Promise<string> {
    s.t.clock.advanceSeconds(61);
    await s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, s.app), mcode: '+86', mobile }).expect(200, { code: 200, msg: 'success' });
    return s.sms.lastCodeFor(`+86${mobile}`)!;
  }

  describe.each(['form', 'json'] as const)('%s body', (type) => {
    const login = (fields: Record<string, unknown>) =>
      s.t.http.post('/v1/login/mobile').type(type).send({ ...signParams(s.t, s.app), mcode: '+86', version_number: '12', channel: 'vivo', ...fields }).expect(200);

    it('refuses a mobile padded with separators (issue 12) with 400107, before the code is spent', async () => {
      const mobile = nextMobile();
      const code = await sendLoginCode(mobile);
      const padded = `${mobile.slice(0, 3)}-${mobile.slice(3, 7)}-${'-'.repeat(25)}${mobile.slice(7)}`;
      expect((await login({ mobile: padded, verify_code: code })).body).toEqual({ code: 400107, msg: expect.stringContaining('mobile') });
      expect((await login({ mobile, verify_code: code })).body).toMatchObject({ code: 200 });
    });

    it.each([
      ['mcode', '+86      ', 400105],
      ['channel', WIDE.repeat(32), 400114],
      ['oaid', WIDE.repeat(128), 400114],
      ['device_id', WIDE.repeat(128), 400116],
    ])('refuses a %s longer than its column (counted as Postgres counts) with its code, before the code is spent', async (field, value, code) => {
      const mobile = nextMobile();
      const verify_code = await sendLoginCode(mobile);
      expect((await login({ mobile, verify_code, [field]: value })).body).toEqual({ code, msg: expect.stringContaining(field) });
      expect((await login({ mobile, verify_code })).body).toMatchObject({ code: 200 });
    });

    it('takes values exactly as long as their columns', async () => {
      const mobile = nextMobile();
      const verify_code = await sendLoginCode(mobile);
      const fields = { channel: WIDE.repeat(16), oaid: WIDE.repeat(64), device_id: WIDE.repeat(64) };
      const res = await login({ mobile: `${mobile.slice(0, 3)}${'-'.repeat(21)}${mobile.slice(3)}`, verify_code, ...fields, need_user_detail: '1' });
      expect(res.body).toMatchObject({ code: 200, data: { mobile, ...fields } });
      const [row] = await db().query(`SELECT channel, oaid, device_id FROM users WHERE phone_e164 = $1`, [`+86${mobile}`]);
      expect(row).toEqual(fields);
    });
  });

  describe('mcode=+86 in a form body sent without URL-encoding (issue 13) reads as +86', () => {
    const literal = (fields: Record<string, string>) => Object.entries(fields).map(([k, v]) => `${k}=${v}`).join('&');

    it('on the login endpoints', async () => {
      const mobile = nextMobile();
      s.t.clock.advanceSeconds(61);
      const sent = await s.t.http.post('/v1/login/verify_code').type('form').send(literal({ ...signParams(s.t, s.app), mcode: '+86', mobile })).expect(200);
      expect(sent.body).toEqual({ code: 200, msg: 'success' });
      const verify_code = s.sms.lastCodeFor(`+86${mobile}`)!;
      const res = await s.t.http
        .post('/v1/login/mobile')
        .type('form')
        .send(literal({ ...signParams(s.t, s.app), mcode: '+86', mobile, verify_code, version_number: '12', channel: 'vivo', need_user_detail: '1' }))
        .expect(200);
      expect(res.body).toMatchObject({ code: 200, data: { mcode: '+86', mobile } });
    });

    it('on the user endpoints, while 86 without the + is still refused (400105)', async () => {
      const mobile = nextMobile();
      const verify_code = await sendLoginCode(mobile);
      const me = await s.t.http.post('/v1/login/mobile').send({ ...signParams(s.t, s.app), mcode: '+86', mobile, verify_code, version_number: 1, channel: 'vivo' }).expect(200);
      const auth = { authorization: `Bearer ${me.body.data.access_token}` };
      const newMobile = nextMobile();
      await s.t.http.post('/v1/user/verify_code').type('form').set(auth).send(literal({ mcode: '+86', mobile: newMobile })).expect(200, { code: 200, msg: 'success' });
      const code = s.sms.lastCodeFor(`+86${newMobile}`)!;
      await s.t.http.post('/v1/user/mobile').type('form').set(auth).send(literal({ mcode: '+86', mobile: newMobile, verify_code: code })).expect(200, { code: 200, msg: 'success' });
      expect((await s.t.http.get('/v1/user/info').set(auth).expect(200)).body.data).toMatchObject({ mcode: '+86', mobile: newMobile });

      const bare = await s.t.http.post('/v1/user/verify_code').type('form').set(auth).send(literal({ mcode: '86', mobile: nextMobile() })).expect(200);
      expect(bare.body.code).toBe(400105);
    });
  });
});
