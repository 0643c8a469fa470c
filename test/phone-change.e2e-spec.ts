import { DataSource } from 'typeorm';
import { type CreatedApp } from './support/admin.js';
import { freePort } from './support/free-port.js';
import { itRaces, raceBehindLock, warmPool } from './support/race.js';
import { createSmsApp, loginWithSms, signParams, useSmsTestApp } from './support/v1.js';

/** PhoneChangeService through the three dialects that call it: what a refused change answers, and which codes it spends. */
describe('phone change (PhoneChangeService) across v1, Authing and enduser', () => {
  const s = useSmsTestApp();
  let strict: CreatedApp;
  let seq = 0;
  const nextPhone = () => `1390000${String(++seq).padStart(4, '0')}`;
  const db = () => s.t.app.get(DataSource);
  const login = async (a: CreatedApp, phone: string) => (await loginWithSms(s.t, s.sms, a, phone)).token;
  const wrong = (code: string) => (code === '000000' ? '111111' : '000000');
  /** Enduser setPhone's answer (HTTP 200 whatever its code). */
  const setPhone = async (token: string, mine: string, newPhone: string, oldPhoneCode: string, newPhoneCode: string) =>
    (
      await s.t.http
        .put('/v2/enduser/enduserapi/setPhone')
        .set('authorization', `Bearer ${token}`)
        .query({ newInternationalCode: '+86', newPhone, newPhoneCode, oldInternationalCode: '+86', oldPhone: mine, oldPhoneCode })
        .expect(200)
    ).body;

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
      // A fresh old-phone code for each attempt: the answers compared depend on the new number and its code alone.
      const change = async (newPhone: string, newPhoneCode: string) => setPhone(token, mine, newPhone, await codeFor(s.app, mine, 'verify_old_phone'), newPhoneCode);
      expect(await change(free, '123456')).toMatchObject({ code: 5169 });
      expect(await change(taken, '123456')).toEqual(await change(free, '123456'));
      const [takenCode, freeCode] = [await codeFor(s.app, taken, 'update_phone'), await codeFor(s.app, free, 'update_phone')];
      expect(await change(free, wrong(freeCode))).toMatchObject({ code: 5169 });
      expect(await change(taken, wrong(takenCode))).toEqual(await change(free, wrong(freeCode)));
    });
  });

  describe('the old number’s code is spent only with the new one: a failed change leaves it for the retry', () => {

    /** A user of `a` logged in with a fresh number, a free number to move to, and the right code of each. */
    async function ready(a: CreatedApp): Promise<{ token: string; mine: string; free: string; oldCode: string; newCode: string }> {
      const mine = nextPhone();
      const token = await login(a, mine);
      const free = nextPhone();
      return { token, mine, free, oldCode: await codeFor(a, mine, 'verify_old_phone'), newCode: await codeFor(a, free, 'update_phone') };
    }

    /** The newest code of the number and scene as stored: attempts counted, consumed or not. */
    async function codeRow(a: CreatedApp, phone: string, scene: string): Promise<{ attempts: number; consumed: boolean }> {
      const [row] = await db().query(
        `SELECT attempts, consumed_at IS NOT NULL AS consumed FROM verification_codes WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 ORDER BY created_at DESC LIMIT 1`,
        [a.id, `+86${phone}`, scene],
      );
      return row;
    }

    const requestToken = async (token: string, mine: string, newPhoneNumber: string, oldPhonePassCode: string, newPhonePassCode: string) => {
      const res = await s.t.http
        .post('/api/v3/verify-update-phone-request')
        .set('x-authing-app-id', strict.appkey)
        .set('authorization', `Bearer ${token}`)
        .send({ verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber, newPhonePassCode, oldPhoneNumber: mine, oldPhonePassCode } })
        .expect(200);
      return res.body;
    };

    /** Runs `work` while every `event` of `table` fails as a restarting server fails it (57P01): after the codes are checked. */
    async function refusing<T>(table: string, event: 'INSERT' | 'UPDATE', work: () => Promise<T>): Promise<T> {
      await db().query(`CREATE FUNCTION test_refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01'; END $$`);
      await db().query(`CREATE TRIGGER test_refuse_write BEFORE ${event} ON ${table} FOR EACH ROW EXECUTE FUNCTION test_refuse_write()`);
      try {
        return await work();
      } finally {
        await db().query(`DROP TRIGGER test_refuse_write ON ${table}`);
        await db().query(`DROP FUNCTION test_refuse_write()`);
      }
    }

    it('enduser setPhone: a wrong new code answers 5169 and counts its attempt only; the retry with the right one moves the user', async () => {
      const { token, mine, free, oldCode, newCode } = await ready(s.app);
      expect(await setPhone(token, mine, free, oldCode, wrong(newCode))).toEqual({ code: 5169, msg: '新手机验证码错误', extMsg: '', data: {} });
      expect(await codeRow(s.app, mine, 'verify_old_phone')).toEqual({ attempts: 0, consumed: false });
      expect(await codeRow(s.app, free, 'update_phone')).toEqual({ attempts: 1, consumed: false });
      expect(await setPhone(token, mine, free, oldCode, newCode)).toEqual({ code: 200, msg: 'success', extMsg: '', data: {} });
      expect(await codeRow(s.app, mine, 'verify_old_phone')).toEqual({ attempts: 0, consumed: true });
      expect(await codeRow(s.app, free, 'update_phone')).toEqual({ attempts: 1, consumed: true });
      expect((await s.t.http.get('/v1/user/info').set('authorization', `Bearer ${token}`).expect(200)).body.data.mobile).toBe(free);
    });

    it('enduser setPhone: a wrong old code counts its attempt and leaves the new code untouched', async () => {
      const { token, mine, free, oldCode, newCode } = await ready(s.app);
      expect(await setPhone(token, mine, free, wrong(oldCode), newCode)).toEqual({ code: 5168, msg: '旧手机验证码错误', extMsg: '', data: {} });
      expect(await codeRow(s.app, mine, 'verify_old_phone')).toEqual({ attempts: 1, consumed: false });
      expect(await codeRow(s.app, free, 'update_phone')).toEqual({ attempts: 0, consumed: false });
      expect(await setPhone(token, mine, free, oldCode, newCode)).toMatchObject({ code: 200 });
    });

    it('enduser setPhone: a swap the database fails answers 503 and spends neither code; the retry with the same two moves the user', async () => {
      const { token, mine, free, oldCode, newCode } = await ready(s.app);
      expect(await refusing('users', 'UPDATE', () => setPhone(token, mine, free, oldCode, newCode))).toMatchObject({ code: 503 });
      expect(await codeRow(s.app, mine, 'verify_old_phone')).toEqual({ attempts: 0, consumed: false });
      expect(await codeRow(s.app, free, 'update_phone')).toEqual({ attempts: 0, consumed: false });
      expect(await setPhone(token, mine, free, oldCode, newCode)).toEqual({ code: 200, msg: 'success', extMsg: '', data: {} });
      expect((await s.t.http.get('/v1/user/info').set('authorization', `Bearer ${token}`).expect(200)).body.data.mobile).toBe(free);
    });

    it('Authing with old-phone verification: a wrong new code answers 30007 and counts its attempt only; the retry with the right one gets a token', async () => {
      const { token, mine, free, oldCode, newCode } = await ready(strict);
      expect(await requestToken(token, mine, free, oldCode, wrong(newCode))).toMatchObject({ statusCode: 400, apiCode: 30007 });
      expect(await codeRow(strict, mine, 'verify_old_phone')).toEqual({ attempts: 0, consumed: false });
      expect(await codeRow(strict, free, 'update_phone')).toEqual({ attempts: 1, consumed: false });
      const res = await requestToken(token, mine, free, oldCode, newCode);
      expect(res).toMatchObject({ statusCode: 200, data: { updatePhoneToken: expect.any(String) } });
      expect(await codeRow(strict, mine, 'verify_old_phone')).toEqual({ attempts: 0, consumed: true });
      expect(await codeRow(strict, free, 'update_phone')).toEqual({ attempts: 1, consumed: true });
    });

    it('Authing with old-phone verification: a token the database could not write spends neither code; the retry with the same two gets one', async () => {
      const { token, mine, free, oldCode, newCode } = await ready(strict);
      expect(await refusing('update_phone_tokens', 'INSERT', () => requestToken(token, mine, free, oldCode, newCode))).toMatchObject({ statusCode: 503, apiCode: 50002 });
      expect(await codeRow(strict, mine, 'verify_old_phone')).toEqual({ attempts: 0, consumed: false });
      expect(await codeRow(strict, free, 'update_phone')).toEqual({ attempts: 0, consumed: false });
      const res = await requestToken(token, mine, free, oldCode, newCode);
      expect(res).toMatchObject({ statusCode: 200, data: { updatePhoneToken: expect.any(String) } });
    });

    itRaces('enduser setPhone: of concurrent changes with one right old code, one moves the user; a wrong new code does not spend it', async () => {
      const { token, mine, free, oldCode, newCode } = await ready(s.app);
      const oldRow = {
        sql: `SELECT 1 FROM verification_codes WHERE app_id = $1 AND phone_e164 = $2 AND scene = 'verify_old_phone' AND consumed_at IS NULL FOR UPDATE`,
        params: [s.app.id, `+86${mine}`],
      };
      // Three with a wrong new code, three with the right one, a wrong one first in line: whichever takes the old code's row
      // first, a right pair wins.
      const codes = [wrong(newCode), newCode, wrong(newCode), newCode, wrong(newCode), newCode];
      await warmPool(s.t);
      const { result, queued } = await raceBehindLock(s.t, oldRow, () => Promise.all(codes.map((c) => setPhone(token, mine, free, oldCode, c))), codes.length);
      expect(queued).toBeGreaterThan(1);
      const answers = result.map((r) => r.code as number);
      expect(answers.filter((c) => c === 200)).toHaveLength(1);
      expect(answers.every((c) => [200, 5168, 5169].includes(c))).toBe(true);
      expect(codes.filter((c, i) => c !== newCode && answers[i] === 200)).toEqual([]);
      expect(await codeRow(s.app, mine, 'verify_old_phone')).toEqual({ attempts: 0, consumed: true });
      // Only a 5169 counts an attempt, on the new code: one each, unless the code was consumed before its attempt was counted.
      const newRow = await codeRow(s.app, free, 'update_phone');
      expect(newRow.consumed).toBe(true);
      expect(newRow.attempts).toBeLessThanOrEqual(answers.filter((c) => c === 5169).length);
      expect((await s.t.http.get('/v1/user/info').set('authorization', `Bearer ${token}`).expect(200)).body.data.mobile).toBe(free);
    });

    it('publishes an approval of the old code only with the change that commits it, and a new code’s exhaustion once', async () => {
      // One attempt a code: the wrong new code below spends the last.
      const hooked = await createSmsApp(s.t, { code_policy: { max_attempts: 1 } });
      const admin = { authorization: `Bearer ${await s.t.adminToken()}` };
      // Nobody listens there: the deliveries' rows are what this test reads.
      const url = `http://127.0.0.1:${await freePort()}/hooks`;
      await s.t.http.post(`/admin/apps/${hooked.id}/webhook-endpoints`).set(admin).send({ url, event_types: ['verification.approved', 'verification.failed'] }).expect(201);
      const events = async () =>
        (await db().query(`SELECT type, payload FROM webhook_deliveries WHERE app_id = $1`, [hooked.id]))
          .map((r: { type: string; payload: { data: { scene: string; phone: string; reason?: string } } }) =>
            [r.type, r.payload.data.scene, r.payload.data.phone, r.payload.data.reason].filter(Boolean).join(' '),
          )
          .sort();
      const { token, mine, free, oldCode, newCode } = await ready(hooked);
      const afterLogin = await events();
      expect(await setPhone(token, mine, free, oldCode, wrong(newCode))).toMatchObject({ code: 5169 });
      expect(await events()).toEqual([...afterLogin, `verification.failed update_phone +86${free} attempts_exhausted`].sort());
      const again = await codeFor(hooked, free, 'update_phone');
      expect(await setPhone(token, mine, free, oldCode, again)).toMatchObject({ code: 200 });
      expect(await events()).toEqual(
        [...afterLogin, `verification.failed update_phone +86${free} attempts_exhausted`, `verification.approved update_phone +86${free}`, `verification.approved verify_old_phone +86${mine}`].sort(),
      );
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
