import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { CHECK_CODE } from '../src/verification/verification.statements.js';
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
 * once in many tries. A login that waited for its code's row while a
 * deregistration or an erasure held it finds the code gone once that commits
 * (its number rewritten, an erasure's hash too): the check re-reads both on the
 * row itself, so the login is refused and registers no one.
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

  /** The code row `id` as it is now. */
  const codeRow = async (id: string) =>
    (
      (await db().query(`SELECT phone_e164, code_hash, consumed_at, attempts FROM verification_codes WHERE id = $1`, [id])) as Array<{
        phone_e164: string;
        code_hash: string;
        consumed_at: Date | null;
        attempts: number;
      }>
    )[0];

  /** A code one off the right one. */
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  /** The app's users of the number, whatever their status. */
  const usersOf = async (mobile: string) => await db().query(`SELECT id::int AS id, status FROM users WHERE app_id = $1 AND phone_e164 = $2`, [s.app.id, e164(mobile)]);

  /**
   * Resolves once a code check (CHECK_CODE, the login's) waits for a code row another transaction holds: it holds
   * that row's tuple lock and waits for the holder's transaction. Throws after 5 s.
   */
  async function checkWaitsForCodeRow(): Promise<void> {
    for (const deadline = Date.now() + 5000; ; ) {
      const [{ n }] = (await db().query(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE a.datname = current_database() AND l.locktype = 'tuple' AND l.relation = 'verification_codes'::regclass AND l.granted
            AND a.wait_event_type = 'Lock' AND a.wait_event = 'transactionid' AND left(a.query, 200) = left($1, 200)`,
        [CHECK_CODE.text],
      )) as Array<{ n: number }>;
      if (n > 0) return;
      if (Date.now() > deadline) throw new Error('no code check waited for a code row within 5 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

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

  /**
   * The user of `mobile` deregistering, held once it has locked the number's rows (the live code among them) and the
   * user's row, before it writes the user, and a login with the code `guess` makes of the live one, seen waiting for
   * that code's row; then the deregistration goes on.
   */
  async function loginDuringDeregistration(mobile: string, guess: (code: string) => string) {
    const me = await loginWithSms(s.t, s.sms, s.app, mobile);
    const code = await sendLoginCode(mobile);
    const codeId = await liveCodeId(mobile);
    const gate = await gateRowWrites(s.t, { table: 'users', event: 'UPDATE', when: `OLD.id = ${me.uid} AND NEW.status = 'cancelled'` });
    try {
      const cancelling = cancel(me.token);
      await gate.held();
      const loggingIn = login(mobile, guess(code));
      await checkWaitsForCodeRow();
      await gate.open();
      const [loggedIn, cancelled] = await Promise.all([loggingIn, cancelling]);
      return { me, codeId, loggedIn, cancelled };
    } finally {
      await gate.close();
    }
  }

  itRaces('a login waiting for the code a deregistration holds finds it gone once the deregistration commits: it is refused and registers no one', async () => {
    const mobile = '18700000002';
    const { me, codeId, loggedIn, cancelled } = await loginDuringDeregistration(mobile, (code) => code);
    expect(cancelled.body).toEqual({ code: 200, msg: 'success' });
    await expectCancelled(me.uid, /^h:/);
    // The code the login read was live, but by the time it could take it the deregistration had moved it off the number.
    expect(loggedIn.body).toEqual({ code: 400195, msg: 'verify_code not found or expired' });
    expect(await usersOf(mobile)).toEqual([]);
    expect(await codesShowing(mobile)).toEqual([]);
    expect(await codeRow(codeId)).toMatchObject({ phone_e164: expect.stringMatching(/^h:/), consumed_at: null, attempts: 0 });
  });

  itRaces('a wrong code waiting for the code a deregistration holds is told the code is gone, and counts no attempt on it', async () => {
    const mobile = '18700000008';
    const { me, codeId, loggedIn, cancelled } = await loginDuringDeregistration(mobile, wrong);
    expect(cancelled.body).toEqual({ code: 200, msg: 'success' });
    await expectCancelled(me.uid, /^h:/);
    // Not 400194 (wrong code): that says an attempt was counted, and the code it would count against is no longer the number's.
    expect(loggedIn.body).toEqual({ code: 400195, msg: 'verify_code not found or expired' });
    expect(await usersOf(mobile)).toEqual([]);
    expect(await codeRow(codeId)).toMatchObject({ phone_e164: expect.stringMatching(/^h:/), consumed_at: null, attempts: 0 });
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

  /**
   * An operator's erasure of `mobile`, held once it has locked the number's rows, as it cancels the user (its first
   * write), and a login with the code `guess` makes of the live one, seen waiting for that code's row; then the erasure goes on.
   */
  async function loginDuringErasure(mobile: string, guess: (code: string) => string) {
    const me = await loginWithSms(s.t, s.sms, s.app, mobile);
    const code = await sendLoginCode(mobile);
    const codeId = await liveCodeId(mobile);
    const admin = { authorization: `Bearer ${await s.t.adminToken()}` };
    const gate = await gateRowWrites(s.t, { table: 'users', event: 'UPDATE', when: `OLD.id = ${me.uid} AND NEW.status = 'cancelled'` });
    try {
      const erasing = started(s.t.http.post('/admin/erasures').set(admin).send({ phone: e164(mobile), app_id: s.app.id }));
      await gate.held();
      const loggingIn = login(mobile, guess(code));
      await checkWaitsForCodeRow();
      await gate.open();
      const [loggedIn, erased] = await Promise.all([loggingIn, erasing]);
      return { me, codeId, loggedIn, erased };
    } finally {
      await gate.close();
    }
  }

  itRaces("a login waiting for the code an operator's erasure holds finds it erased once the erasure commits: it is refused and registers no one", async () => {
    const mobile = '18700000006';
    const { me, codeId, loggedIn, erased } = await loginDuringErasure(mobile, (code) => code);
    expect(erased.status).toBe(200);
    expect(erased.body.data.erased).toMatchObject({ users: 1, verification_codes: 2 });
    await expectCancelled(me.uid, /^erased$/);
    expect(loggedIn.body).toEqual({ code: 400195, msg: 'verify_code not found or expired' });
    expect(await usersOf(mobile)).toEqual([]);
    expect(await codesShowing(mobile)).toEqual([]);
    expect(await codeRow(codeId)).toEqual({ phone_e164: 'erased', code_hash: 'erased', consumed_at: null, attempts: 0 });
  });

  itRaces("a wrong code waiting for the code an operator's erasure holds is told the code is gone, and counts no attempt on the erased code", async () => {
    const mobile = '18700000007';
    const { me, codeId, loggedIn, erased } = await loginDuringErasure(mobile, wrong);
    expect(erased.status).toBe(200);
    await expectCancelled(me.uid, /^erased$/);
    expect(loggedIn.body).toEqual({ code: 400195, msg: 'verify_code not found or expired' });
    expect(await usersOf(mobile)).toEqual([]);
    expect(await codeRow(codeId)).toEqual({ phone_e164: 'erased', code_hash: 'erased', consumed_at: null, attempts: 0 });
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
