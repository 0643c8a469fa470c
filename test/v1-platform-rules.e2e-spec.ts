import { createHash } from 'node:crypto';
import { type CreatedApp } from './support/admin.js';
import { enduserSendParams } from './support/enduser.js';
import { createSmsApp, signParams, useSmsTestApp } from './support/v1.js';

/** intro.md's and code.md's rules, as the documents' examples exercise them. */
describe('v1: the rules of intro.md and code.md', () => {
  const s = useSmsTestApp();
  let seq = 0;
  const nextMobile = () => `1350000${String(++seq).padStart(4, '0')}`;

  describe.each(['form', 'json'] as const)('signature (%s body)', (type) => {
    const send = (params: Record<string, string>) =>
      s.t.http.post('/v1/login/verify_code').type(type).send({ ...params, mcode: '+86', mobile: nextMobile() }).expect(200);

    it.each([119, -119])('accepts a timestamp %i s from the server clock (intro.md: ±120 s)', async (skew) => {
      s.t.clock.freeze();
      try {
        expect((await send(signParams(s.t, s.app, skew))).body).toEqual({ code: 200, msg: 'success' });
      } finally {
        s.t.clock.thaw();
      }
    });

    it.each([121, -121])('refuses a timestamp %i s from the server clock with 400182', async (skew) => {
      s.t.clock.freeze();
      try {
        expect((await send(signParams(s.t, s.app, skew))).body).toEqual({ code: 400182, msg: 'timestamp expired' });
      } finally {
        s.t.clock.thaw();
      }
    });

    it('accepts the signature in uppercase hex: the same digest (documented as Passcode’s choice)', async () => {
      const params = signParams(s.t, s.app);
      expect(params.sign).toBe(createHash('md5').update(s.app.appkey + params.timestamp + s.app.secret).digest('hex'));
      expect((await send({ ...params, sign: params.sign.toUpperCase() })).body).toEqual({ code: 200, msg: 'success' });
    });
  });

  describe('the user endpoints need login enabled for the app', () => {
    /** A logged-in user of a fresh app, whose login config is then set to `config`. */
    async function userOfAppWith(config: Record<string, unknown> | null): Promise<{ auth: { authorization: string }; app: CreatedApp }> {
      const app = await createSmsApp(s.t);
      const mobile = nextMobile();
      await s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, app), mcode: '+86', mobile }).expect(200, { code: 200, msg: 'success' });
      const res = await s.t.http
        .post('/v1/login/mobile')
        .send({ ...signParams(s.t, app), mcode: '+86', mobile, verify_code: s.sms.lastCodeFor(`+86${mobile}`), version_number: 1, channel: 'test' })
        .expect(200);
      const admin = { authorization: `Bearer ${await s.t.adminToken()}` };
      await s.t.http.patch(`/admin/apps/${app.id}`).set(admin).send({ login_config: config }).expect(200);
      return { auth: { authorization: `Bearer ${res.body.data.access_token}` }, app };
    }

    it.each([
      { what: 'login config missing', config: null, code: 400198, msg: 'login config not found' },
      { what: 'login off', config: { enabled: false }, code: 400197, msg: 'login interface disabled' },
    ])('$what: user/info, user/mobile (both encodings) and user/cancel answer $code; logout still works', async ({ config, code, msg }) => {
      const { auth } = await userOfAppWith(config);
      expect((await s.t.http.get('/v1/user/info').set(auth).expect(200)).body).toEqual({ code, msg });
      for (const type of ['form', 'json'] as const) {
        const res = await s.t.http.post('/v1/user/mobile').type(type).set(auth).send({ mcode: '+86', mobile: nextMobile(), verify_code: '123456' }).expect(200);
        expect(res.body).toEqual({ code, msg });
      }
      expect((await s.t.http.post('/v1/user/cancel').set(auth).expect(200)).body).toEqual({ code, msg });
      // user/verify_code (seed 000) answers 400198 for every login check.
      expect((await s.t.http.post('/v1/user/verify_code').set(auth).send({ mcode: '+86', mobile: nextMobile() }).expect(200)).body.code).toBe(400198);
      await s.t.http.get('/v1/user/logout').set(auth).expect(200, { code: 200, msg: 'success' });
      await s.t.http.get('/v1/user/info').set(auth).expect(200, { code: 401, msg: 'Unauthorized' });
    });

    it('SMS login off: the account still works (user/info, user/cancel); the SMS phone change answers 400196', async () => {
      const { auth } = await userOfAppWith({ mobile_login_enabled: false });
      expect((await s.t.http.get('/v1/user/info').set(auth).expect(200)).body.code).toBe(200);
      for (const type of ['form', 'json'] as const) {
        const res = await s.t.http.post('/v1/user/mobile').type(type).set(auth).send({ mcode: '+86', mobile: nextMobile(), verify_code: '123456' }).expect(200);
        expect(res.body).toEqual({ code: 400196, msg: 'mobile login disabled' });
      }
      await s.t.http.post('/v1/user/cancel').set(auth).expect(200, { code: 200, msg: 'success' });
    });
  });

  describe('content types (intro.md lists form, multipart and JSON; code.md 406 for the rest)', () => {
    it('refuses a text/plain body with 406 before reading it as an empty body', async () => {
      const fields = { ...signParams(s.t, s.app), mcode: '+86', mobile: nextMobile() };
      const asText = new URLSearchParams(fields).toString();
      const inBody = await s.t.http.post('/v1/login/verify_code').set('content-type', 'text/plain').send(asText).expect(200);
      expect(inBody.body).toEqual({ code: 406, msg: 'Not Acceptable' });
      const signedInQuery = await s.t.http.post('/v1/login/verify_code').query(signParams(s.t, s.app)).set('content-type', 'text/plain; charset=utf-8').send('mcode=+86').expect(200);
      expect(signedInQuery.body).toEqual({ code: 406, msg: 'Not Acceptable' });
      expect(s.sms.messages.filter((m) => m.phone === `+86${fields.mobile}`)).toEqual([]);
    });

    it('answers 415 in the other dialects', async () => {
      const admin = { authorization: `Bearer ${await s.t.adminToken()}` };
      const res = await s.t.http.post('/admin/apps').set(admin).set('content-type', 'text/plain').send('name=x').expect(415);
      expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
      const enduser = await s.t.http.post('/v2/sms/enduserapi/v2/sendPhoneSmsCode').query({ ...enduserSendParams(s.t, s.app, nextMobile()) }).set('content-type', 'text/plain').send('x').expect(200);
      expect(enduser.body).toMatchObject({ code: 415 });
    });

    it.each(['text/plain', 'application/json', 'application/xml'])('takes a request with a %s header and no body (seed 003 has everything in the query)', async (contentType) => {
      const mobile = nextMobile();
      const res = await s.t.http.post('/v2/sms/enduserapi/v2/sendPhoneSmsCode').query({ ...enduserSendParams(s.t, s.app, mobile) }).set('content-type', contentType).send('').expect(200);
      expect(res.body).toEqual({ code: 200, msg: 'success', extMsg: '', data: {} });
      expect(s.sms.lastCodeFor(`+86${mobile}`)).toMatch(/^\d{6}$/);
      // On v1 such a request is one without fields (its parameters belong in the body): the first missing one is named.
      const v1 = await s.t.http.post('/v1/login/verify_code').query({ ...signParams(s.t, s.app), mcode: '+86', mobile: nextMobile() }).set('content-type', contentType).send('').expect(200);
      expect(v1.body).toEqual({ code: 400104, msg: 'mcode should not be empty' });
    });
  });
});
