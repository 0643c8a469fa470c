import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { itRaces } from './support/race.js';
import { gateRowWrites } from './support/row-gate.js';
import { loginWithSms, signParams, useSmsTestApp } from './support/v1.js';

/**
 * A login takes its code's row, then the user's; a send, the number's cooldown,
 * then its codes; an update-phone redemption, its token, then the user. A
 * deregistration (or an operator's erasure) that took the user first and the
 * number's rows after closed a cycle with each of them: Postgres aborted one side
 * (40P01), answered 503. Each test holds the first request at a row it has
 * locked (a gate) until the second is seen waiting for it: the order a race hits
 * once in many tries.
 */
describe('a deregistration racing a login, a send or a phone change of its number', () => {
  const s = useSmsTestApp();
  beforeEach(() => {
    s.sms.clear();
  });

  const db = () => s.t.app.get(DataSource);
  const e164 = (mobile: string) => `+86${mobile}`;
  /** The request sent now, its answer awaited later. */
  const started = (req: PromiseLike<Response>): Promise<Response> => Promise.resolve(req);

  async function sendLoginCode(mobile: string): Promise<string> {
    s.t.clock.advanceSeconds(61);
    await s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, s.app), mcode: '+86', mobile }).expect(200, { code: 200, msg: 'success' });
    return s.sms.lastCodeFor(e164(mobile))!;
  }

  const login = (mobile: string, code: string) =>
    started(s.t.http.post('/v1/login/mobile').send({ ...signParams(s.t, s.app), mcode: '+86', mobile, verify_code: code, version_number: '1', channel: 'test', need_user_detail: '0' }));
  const cancel = (token: string) => started(s.t.http.post('/v1/user/cancel').set('authorization', `Bearer ${token}`).send({}));
  const info = async (token: string) => (await s.t.http.get('/v1/user/info').set('authorization', `Bearer ${token}`).expect(200)).body as { code: number };

  async function liveCodeId(mobile: string): Promise<string> {
    const rows = (await db().query(`SELECT id FROM verification_codes WHERE app_id = $1 AND phone_e164 = $2 AND consumed_at IS NULL AND superseded_at IS NULL`, [
      s.app.id,
      e164(mobile),
    ])) as Array<{ id: string }>;
    expect(rows).toHaveLength(1);
    return rows[0].id;
  }

  /** The user is cancelled, its number replaced by `replacement`, and no session of theirs is live. */
  async function expectCancelled(uid: number, replacement: RegExp) {
    const [user] = await db().query(`SELECT status, phone_e164 FROM users WHERE id = $1`, [uid]);
    expect(user).toEqual({ status: 'cancelled', phone_e164: expect.stringMatching(replacement) });
    expect(await db().query(`SELECT jti FROM user_sessions WHERE user_id = $1 AND revoked_at IS NULL`, [uid])).toEqual([]);
  }

  /** Codes of the number that still show it. */
  const codesShowing = async (mobile: string) =>
    (await db().query(`SELECT consumed_at, superseded_at FROM verification_codes WHERE app_id = $1 AND phone_e164 = $2`, [s.app.id, e164(mobile)])) as Array<{
      consumed_at: Date | null;
      superseded_at: Date | null;
    }>;

  itRaces('a login holding its code when the deregistration starts commits first; the deregistration then cancels the user it logged in', async () => {
    const mobile = '18700000001';
    const me = await loginWithSms(s.t, s.sms, s.app, mobile);
    const code = await sendLoginCode(mobile);
    const codeId = await liveCodeId(mobile);
    // The login is held once it has consumed its code, before it writes the user.
    const gate = await gateRowWrites(s.t, { table: 'verification_codes', event: 'UPDATE', when: `OLD.id = '${codeId}' AND NEW.consumed_at IS NOT NULL` });
    let loggedIn: Response, cancelled: Response;
    try {
      const loggingIn = login(mobile, code);
      await gate.held();
      const cancelling = cancel(me.token);
      await gate.rowWaited();
      await gate.open();
      [loggedIn, cancelled] = await Promise.all([loggingIn, cancelling]);
    } finally {
      await gate.close();
    }
    expect(loggedIn.body).toMatchObject({ code: 200, data: { uid: me.uid, access_token: expect.any(String) } });
    expect(cancelled.body).toEqual({ code: 200, msg: 'success' });
    await expectCancelled(me.uid, /^h:/);
    expect((await info(loggedIn.body.data.access_token)).code).toBe(401);
    expect(await codesShowing(mobile)).toEqual([]);
    const [spent] = await db().query(`SELECT consumed_at FROM verification_codes WHERE id = $1`, [codeId]);
    expect(spent.consumed_at).not.toBeNull();
  });

  itRaces('a deregistration holding the user when the login starts commits first; the login then registers the number anew', async () => {
    const mobile = '18700000002';
    const me = await loginWithSms(s.t, s.sms, s.app, mobile);
    const code = await sendLoginCode(mobile);
    // The deregistration is held once it has locked the user's row, before it writes it.
    const gate = await gateRowWrites(s.t, { table: 'users', event: 'UPDATE', when: `OLD.id = ${me.uid} AND NEW.status = 'cancelled'` });
    let loggedIn: Response, cancelled: Response;
    try {
      const cancelling = cancel(me.token);
      await gate.held();
      const loggingIn = login(mobile, code);
      await gate.rowWaited();
      await gate.open();
      [loggedIn, cancelled] = await Promise.all([loggingIn, cancelling]);
    } finally {
      await gate.close();
    }
    expect(cancelled.body).toEqual({ code: 200, msg: 'success' });
    // As a login after a deregistration: a new user of the number (its code was live when the login checked it).
    expect(loggedIn.body).toMatchObject({ code: 200, data: { uid: expect.any(Number), access_token: expect.any(String) } });
    expect(loggedIn.body.data.uid).not.toBe(me.uid);
    await expectCancelled(me.uid, /^h:/);
    expect(await info(loggedIn.body.data.access_token)).toMatchObject({ code: 200, data: { uid: loggedIn.body.data.uid, mobile } });
    expect(await db().query(`SELECT id::int AS id FROM users WHERE app_id = $1 AND phone_e164 = $2 AND status = 'active'`, [s.app.id, e164(mobile)])).toEqual([
      { id: loggedIn.body.data.uid },
    ]);
    // The deregistration forgot the number in every code it saw; none is spent without its login.
    expect(await codesShowing(mobile)).toEqual([]);
  });

  itRaces("an operator's erasure of the number waits for a login holding its code, then deregisters the user it logged in", async () => {
    const mobile = '18700000003';
    const me = await loginWithSms(s.t, s.sms, s.app, mobile);
    const code = await sendLoginCode(mobile);
    const codeId = await liveCodeId(mobile);
    const admin = { authorization: `Bearer ${await s.t.adminToken()}` };
    const gate = await gateRowWrites(s.t, { table: 'verification_codes', event: 'UPDATE', when: `OLD.id = '${codeId}' AND NEW.consumed_at IS NOT NULL` });
    let loggedIn: Response, erased: Response;
    try {
      const loggingIn = login(mobile, code);
      await gate.held();
      const erasing = started(s.t.http.post('/admin/erasures').set(admin).send({ phone: e164(mobile), app_id: s.app.id }));
      await gate.rowWaited();
      await gate.open();
      [loggedIn, erased] = await Promise.all([loggingIn, erasing]);
    } finally {
      await gate.close();
    }
    expect(loggedIn.body).toMatchObject({ code: 200, data: { uid: me.uid } });
    expect(erased.status).toBe(200);
    expect(erased.body.data.erased).toMatchObject({ users: 1, verification_codes: 2 });
    await expectCancelled(me.uid, /^erased$/);
    expect((await info(loggedIn.body.data.access_token)).code).toBe(401);
    expect(await codesShowing(mobile)).toEqual([]);
  });

  itRaces('a send to the number waits for the deregistration that holds its cooldown, then sends a fresh code', async () => {
    const mobile = '18700000004';
    const me = await loginWithSms(s.t, s.sms, s.app, mobile);
    await sendLoginCode(mobile);
    const codeId = await liveCodeId(mobile);
    // Past the cooldown: the send renews the number's cooldown row, which the deregistration deletes.
    s.t.clock.advanceSeconds(61);
    // The deregistration is held as it forgets the number in the live code (the user and the code locked).
    const gate = await gateRowWrites(s.t, { table: 'verification_codes', event: 'UPDATE', when: `OLD.id = '${codeId}' AND NEW.phone_e164 <> OLD.phone_e164` });
    let sent: Response, cancelled: Response;
    try {
      const cancelling = cancel(me.token);
      await gate.held();
      const sending = started(s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, s.app), mcode: '+86', mobile }));
      await gate.rowWaited();
      await gate.open();
      [sent, cancelled] = await Promise.all([sending, cancelling]);
    } finally {
      await gate.close();
    }
    expect(cancelled.body).toEqual({ code: 200, msg: 'success' });
    expect(sent.body).toEqual({ code: 200, msg: 'success' });
    await expectCancelled(me.uid, /^h:/);
    // Only the code sent after the deregistration shows the number, live.
    expect(await codesShowing(mobile)).toEqual([{ consumed_at: null, superseded_at: null }]);
    expect(s.sms.lastCodeFor(e164(mobile))).toMatch(/^\d{6}$/);
  });

  itRaces('a deregistration waits for an update-phone redemption holding its token, then cancels the user at the new number', async () => {
    const mobile = '18700000005';
    const newMobile = '18700000015';
    const me = await loginWithSms(s.t, s.sms, s.app, mobile);
    const authing = (path: string, body: Record<string, unknown>) =>
      started(s.t.http.post(`/api/v3/${path}`).set('x-authing-app-id', s.app.appkey).set('authorization', `Bearer ${me.token}`).send(body));
    s.t.clock.advanceSeconds(61);
    expect((await authing('send-sms', { channel: 'CHANNEL_BIND_PHONE', phoneNumber: newMobile, phoneCountryCode: '+86' })).body.statusCode).toBe(200);
    const newPhonePassCode = s.sms.lastCodeFor(e164(newMobile));
    const requested = await authing('verify-update-phone-request', {
      verifyMethod: 'PHONE_PASSCODE',
      phonePassCodePayload: { newPhoneNumber: newMobile, newPhonePassCode, newPhoneCountryCode: '+86' },
    });
    expect(requested.body.statusCode).toBe(200);
    // The redemption is held once it has taken its token, before it moves the user.
    const gate = await gateRowWrites(s.t, { table: 'update_phone_tokens', event: 'UPDATE', when: `OLD.user_id = ${me.uid} AND NEW.used_at IS NOT NULL` });
    let redeemed: Response, cancelled: Response;
    try {
      const redeeming = authing('update-phone', { updatePhoneToken: requested.body.data.updatePhoneToken });
      await gate.held();
      const cancelling = cancel(me.token);
      await gate.rowWaited();
      await gate.open();
      [redeemed, cancelled] = await Promise.all([redeeming, cancelling]);
    } finally {
      await gate.close();
    }
    expect(redeemed.body).toMatchObject({ statusCode: 200, data: { success: true } });
    expect(cancelled.body).toEqual({ code: 200, msg: 'success' });
    // Cancelled at the number it had moved to: that number is the one forgotten.
    await expectCancelled(me.uid, /^h:/);
    expect(await codesShowing(newMobile)).toEqual([]);
    expect(await db().query(`SELECT 1 FROM update_phone_tokens WHERE user_id = $1`, [me.uid])).toEqual([]);
  });
});
