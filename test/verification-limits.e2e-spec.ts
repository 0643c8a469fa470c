import { DataSource } from 'typeorm';
import { type CreatedApp } from './support/admin.js';
import { itRaces, raceBehindLock } from './support/race.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { POSTGRES_URL } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, signParams, useSmsTestApp } from './support/v1.js';

/**
 * The suite runs again on a database whose sessions default to SERIALIZABLE, as an
 * operator may set it (`ALTER DATABASE … SET default_transaction_isolation`):
 * Passcode's statements are written for READ COMMITTED, and there the losers of each
 * race failed to serialize and answered 503 instead of their cooldown or outcome.
 */
const DEFAULTS: Array<[string, Record<string, string> | undefined]> = [
  ['', undefined],
  ...(POSTGRES_URL ? [[' (a database whose transactions default to SERIALIZABLE)', { default_transaction_isolation: 'serializable' }] as [string, Record<string, string>]] : []),
];

describe.each(DEFAULTS)('verification: codes, limits and concurrency%s', (_name, databaseSettings) => {
  const s = useSmsTestApp({ databaseSettings });
  let seq = 0;
  const nextMobile = () => `1370000${String(++seq).padStart(4, '0')}`;

  beforeEach(() => s.t.clock.reset());

  const send = (a: CreatedApp, mobile: string, scene = 'login') =>
    s.t.http.post('/v1/sms/verify_code').send({ ...signParams(s.t, a), mcode: '+86', mobile, scene }).expect(200);
  const check = async (a: CreatedApp, mobile: string, code: string, scene = 'login'): Promise<string> => {
    const res = await s.t.http.post('/v1/sms/check_code').send({ ...signParams(s.t, a), mcode: '+86', mobile, scene, verify_code: code }).expect(200);
    expect(res.body.code).toBe(200);
    return res.body.data.result;
  };
  const codeOf = (mobile: string) => s.sms.lastCodeFor(`+86${mobile}`)!;
  const wrongFor = (code: string) => (code === '000000' ? '111111' : '000000');
  /** For raceBehindLock: the phone's live code, which the check statement updates. */
  const liveCode = (mobile: string) => ({
    sql: 'SELECT 1 FROM verification_codes WHERE phone_e164 = $1 AND consumed_at IS NULL AND superseded_at IS NULL FOR UPDATE',
    params: [`+86${mobile}`],
  });

  /**
   * Sends to one phone at one frozen instant, `perApp` from each of `apps` (each its own pool on one
   * database), all held at the phone's cooldown row (inserted and not committed) until they are all
   * waiting there: their answers.
   */
  async function concurrentSends(apps: TestApp[], mobile: string, perApp: number) {
    const at = apps[0].clock.nowMs();
    // All at one instant: with time moving, a request that read the clock before the winner did would
    // rightly be told 61 s (the cooldown ends 60 s after the winner's clock reading, rounded up).
    for (const t of apps) t.clock.freezeAt(at);
    const cooldownRow = {
      sql: `INSERT INTO send_cooldowns (app_id, phone_e164, next_allowed_at, holder) VALUES ($1, $2, 'epoch', gen_random_uuid())`,
      params: [s.app.id, `+86${mobile}`],
    };
    try {
      const { result, queued } = await raceBehindLock(
        apps[0],
        cooldownRow,
        () =>
          Promise.all(
            apps.flatMap((t) =>
              Array.from({ length: perApp }, () => t.http.post('/v1/sms/verify_code').send({ ...signParams(t, s.app), mcode: '+86', mobile, scene: 'login' }).expect(200)),
            ),
          ),
        apps.reduce((n, t) => n + Math.min(perApp, t.config.db.poolSize), 0),
      );
      expect(queued).toBeGreaterThan(1);
      return result;
    } finally {
      for (const t of apps) t.clock.reset();
    }
  }

  /** One SMS, one code row and one accepted answer; every other answer the cooldown with the full wait. */
  async function expectOneSend(answers: Awaited<ReturnType<typeof concurrentSends>>, mobile: string) {
    const ok = answers.filter((r) => r.body.code === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0].body.data).toEqual({ expires_in: 300, resend_in: 60 });
    const refused = answers.filter((x) => x.body.code !== 200).map((r) => r.body);
    expect(refused).toEqual(Array(answers.length - 1).fill({ code: 429, msg: 'Too Many Requests', data: { retry_after: 60 } }));
    expect(s.sms.messages.filter((m) => m.phone === `+86${mobile}`)).toHaveLength(1);
    const [{ n }] = await s.t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM verification_codes WHERE phone_e164 = $1`, [`+86${mobile}`]);
    expect(n).toBe(1);
  }

  itRaces('20 concurrent sends to one phone: one SMS, one accepted answer, the rest told how long to wait', async () => {
    const mobile = nextMobile();
    await expectOneSend(await concurrentSends([s.t], mobile, 20), mobile);
  });

  itRaces('10 concurrent sends to one phone on each of two instances: one SMS in all, the rest told how long to wait', async () => {
    const second = await startTestApp({ db: s.t.db, override: withRecordingSms(s.sms) });
    try {
      const mobile = nextMobile();
      await expectOneSend(await concurrentSends([s.t, second], mobile, 10), mobile);
    } finally {
      await second.close(true);
    }
  });

  it('answers a send within the cooldown with the wait, and sends again once it ends (seed 000: one send a minute)', async () => {
    const mobile = nextMobile();
    s.t.clock.freeze();
    expect((await send(s.app, mobile)).body).toMatchObject({ code: 200, data: { expires_in: 300, resend_in: 60 } });
    expect((await send(s.app, mobile)).body).toEqual({ code: 429, msg: 'Too Many Requests', data: { retry_after: 60 } });
    s.t.clock.advanceSeconds(30);
    expect((await send(s.app, mobile)).body).toMatchObject({ code: 429, data: { retry_after: 30 } });
    // A send the cooldown refused wrote nothing: one code, one send-log row, one count.
    const [written] = await s.t.app.get(DataSource).query(
      `SELECT (SELECT count(*)::int FROM verification_codes WHERE phone_e164 = $1) AS codes, (SELECT count(*)::int FROM sms_messages WHERE phone = $1) AS rows,
              (SELECT sum(count)::int FROM send_counters WHERE scope = 'phone_day' AND subject = $1) AS counted`,
      [`+86${mobile}`],
    );
    expect(written).toEqual({ codes: 1, rows: 1, counted: 1 });
    s.t.clock.advanceSeconds(30);
    expect((await send(s.app, mobile)).body.code).toBe(200);
    expect(s.sms.messages.filter((m) => m.phone === `+86${mobile}`)).toHaveLength(2);
  });

  itRaces('20 concurrent logins with one code: exactly one token', async () => {
    const mobile = nextMobile();
    await s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, s.app), mcode: '+86', mobile }).expect(200, { code: 200, msg: 'success' });
    const code = codeOf(mobile);
    const { result: answers, queued } = await raceBehindLock(s.t, liveCode(mobile), () =>
      Promise.all(
        Array.from({ length: 20 }, () =>
          s.t.http.post('/v1/login/mobile').send({ ...signParams(s.t, s.app), mcode: '+86', mobile, verify_code: code, version_number: 1, channel: 'c' }).expect(200),
        ),
      ),
    );
    expect(queued).toBeGreaterThan(1);
    expect(answers.filter((r) => r.body.code === 200)).toHaveLength(1);
    for (const r of answers.filter((x) => x.body.code !== 200)) expect(r.body.code).toBe(400195);
    const [{ n }] = await s.t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE u.phone_e164 = $1`, [`+86${mobile}`]);
    expect(n).toBe(1);
  });

  itRaces('20 concurrent checks of one code: exactly one approved, the rest not_found', async () => {
    const mobile = nextMobile();
    await send(s.app, mobile);
    const { result: results, queued } = await raceBehindLock(s.t, liveCode(mobile), () => Promise.all(Array.from({ length: 20 }, () => check(s.app, mobile, codeOf(mobile)))));
    expect(queued).toBeGreaterThan(1);
    expect(results.filter((r) => r === 'approved')).toHaveLength(1);
    expect(results.filter((r) => r !== 'approved')).toEqual(Array(19).fill('not_found'));
    const [{ n }] = await s.t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM verification_codes WHERE phone_e164 = $1 AND consumed_at IS NOT NULL`, [`+86${mobile}`]);
    expect(n).toBe(1);
  });

  itRaces('20 concurrent wrong checks of one code (5 attempts): exactly 5 answer wrong_code, the rest attempts_exhausted', async () => {
    const mobile = nextMobile();
    await send(s.app, mobile);
    const wrong = wrongFor(codeOf(mobile));
    const { result: results, queued } = await raceBehindLock(s.t, liveCode(mobile), () => Promise.all(Array.from({ length: 20 }, () => check(s.app, mobile, wrong))));
    expect(queued).toBeGreaterThan(1);
    // wrong_code says an attempt was counted: as many as were, no more.
    expect(results.filter((r) => r === 'wrong_code')).toHaveLength(5);
    expect(results.filter((r) => r !== 'wrong_code')).toEqual(Array(15).fill('attempts_exhausted'));
    const [row] = await s.t.app.get(DataSource).query(`SELECT attempts FROM verification_codes WHERE phone_e164 = $1`, [`+86${mobile}`]);
    expect(row.attempts).toBe(5);
  });

  it('after 5 wrong checks the 6th fails even with the right code', async () => {
    const mobile = nextMobile();
    await send(s.app, mobile);
    const code = codeOf(mobile);
    for (let i = 0; i < 5; i++) expect(await check(s.app, mobile, wrongFor(code))).toBe('wrong_code');
    expect(await check(s.app, mobile, code)).toBe('attempts_exhausted');
    const [row] = await s.t.app.get(DataSource).query(`SELECT attempts, consumed_at FROM verification_codes WHERE phone_e164 = $1`, [`+86${mobile}`]);
    expect(row).toEqual({ attempts: 5, consumed_at: null });
  });

  it('answers every check outcome: approved, then not_found; expired; superseded', async () => {
    const mobile = nextMobile();
    expect(await check(s.app, mobile, '123456')).toBe('not_found');
    await send(s.app, mobile);
    const first = codeOf(mobile);
    // A fresh code equals the one it supersedes once in a million sends: then send again.
    let second = first;
    for (let i = 0; i < 3 && second === first; i++) {
      s.t.clock.advanceSeconds(61);
      await send(s.app, mobile);
      second = codeOf(mobile);
    }
    expect(second).not.toBe(first);
    expect(await check(s.app, mobile, first)).toBe('superseded');
    expect(await check(s.app, mobile, second)).toBe('approved');
    expect(await check(s.app, mobile, second)).toBe('not_found');

    const other = nextMobile();
    await send(s.app, other);
    s.t.clock.advanceSeconds(301);
    expect(await check(s.app, other, codeOf(other))).toBe('expired');
  });

  it('a code is bound to its scene, app and phone', async () => {
    const mobile = nextMobile();
    await send(s.app, mobile, 'login');
    const code = codeOf(mobile);
    expect(await check(s.app, mobile, code, 'update_phone')).toBe('not_found');
    const other = await createSmsApp(s.t);
    expect(await check(other, mobile, code)).toBe('not_found');
    expect(await check(s.app, nextMobile(), code)).toBe('not_found');
    expect(await check(s.app, mobile, code, 'login')).toBe('approved');
  });

  it('enforces the per-phone daily, per-IP hourly and per-app daily caps with the wait', async () => {
    const phoneCapped = await createSmsApp(s.t, { code_policy: { per_phone_daily: 2, resend_interval_s: 10 } });
    s.t.clock.toNextUtcNoon(); // no hour or day window ends midway
    const mobile = nextMobile();
    for (let i = 0; i < 2; i++) {
      expect((await send(phoneCapped, mobile)).body.code).toBe(200);
      s.t.clock.advanceSeconds(11);
    }
    const refused = await send(phoneCapped, mobile);
    expect(refused.body).toMatchObject({ code: 429, data: { retry_after: expect.any(Number) } });
    expect(refused.body.data.retry_after).toBeLessThanOrEqual(86_400);

    const ipCapped = await createSmsApp(s.t, { code_policy: { per_ip_hourly: 2 } });
    expect((await send(ipCapped, nextMobile())).body.code).toBe(200);
    expect((await send(ipCapped, nextMobile())).body.code).toBe(200);
    expect((await send(ipCapped, nextMobile())).body.code).toBe(429);

    const appCapped = await createSmsApp(s.t, { code_policy: { per_app_daily: 1 } });
    expect((await send(appCapped, nextMobile())).body.code).toBe(200);
    const third = nextMobile();
    expect((await send(appCapped, third)).body.code).toBe(429);
    // A refused send leaves nothing behind of what the statement that refused wrote: no code, send-log row,
    // cooldown, or count of the caps that had room (the phone's, the IP's).
    const [left] = await s.t.app.get(DataSource).query(
      `SELECT (SELECT count(*)::int FROM verification_codes WHERE phone_e164 = $1) AS codes, (SELECT count(*)::int FROM sms_messages WHERE phone = $1) AS rows,
              (SELECT count(*)::int FROM send_cooldowns WHERE phone_e164 = $1) AS cooldowns,
              (SELECT sum(count)::int FROM send_counters WHERE app_id = $2 AND scope IN ('phone_day', 'ip_hour', 'app_day')) AS counted`,
      [`+86${third}`, appCapped.id],
    );
    expect(left).toEqual({ codes: 0, rows: 0, cooldowns: 0, counted: 3 });
  });

  itRaces('20 concurrent sends to 20 phones with room for 4 in the app day: 4 sent, 16 refused, nothing of theirs left', async () => {
    const capped = await createSmsApp(s.t, { code_policy: { per_app_daily: 5 } });
    s.t.clock.toNextUtcNoon();
    expect((await send(capped, nextMobile())).body.code).toBe(200);
    const mobiles = Array.from({ length: 20 }, nextMobile);
    const appDay = { sql: `SELECT 1 FROM send_counters WHERE app_id = $1 AND scope = 'app_day' FOR UPDATE`, params: [capped.id] };
    const { result: answers, queued } = await raceBehindLock(s.t, appDay, () => Promise.all(mobiles.map((mobile) => send(capped, mobile))));
    expect(queued).toBeGreaterThan(1);
    expect(answers.filter((r) => r.body.code === 200)).toHaveLength(4);
    for (const r of answers.filter((x) => x.body.code !== 200)) expect(r.body).toMatchObject({ code: 429, data: { retry_after: expect.any(Number) } });
    // Each refused statement undid its cooldown, its phone's count, its code and its send-log row.
    const phones = mobiles.map((m) => `+86${m}`);
    const [left] = await s.t.app.get(DataSource).query(
      `SELECT (SELECT count(*)::int FROM verification_codes WHERE phone_e164 = ANY($1)) AS codes, (SELECT count(*)::int FROM sms_messages WHERE phone = ANY($1)) AS rows,
              (SELECT count(*)::int FROM send_cooldowns WHERE phone_e164 = ANY($1)) AS cooldowns,
              (SELECT sum(count)::int FROM send_counters WHERE app_id = $2 AND scope = 'phone_day' AND subject = ANY($1)) AS phone_days,
              (SELECT count::int FROM send_counters WHERE app_id = $2 AND scope = 'app_day') AS app_day`,
      [phones, capped.id],
    );
    expect(left).toEqual({ codes: 4, rows: 4, cooldowns: 4, phone_days: 4, app_day: 5 });
    expect(s.sms.messages.filter((m) => phones.includes(m.phone))).toHaveLength(4);
  });

  it('refuses numbers outside the country allow-list (400184)', async () => {
    const cnOnly = await createSmsApp(s.t, { code_policy: { allowed_country_codes: ['CN'] } });
    const res = await s.t.http.post('/v1/sms/verify_code').send({ ...signParams(s.t, cnOnly), mcode: '+1', mobile: '2015550123', scene: 'login' }).expect(200);
    expect(res.body).toEqual({ code: 400184, msg: 'mobile region not allowed' });
    expect((await send(cnOnly, nextMobile())).body.code).toBe(200);
  });

  it('refuses an unknown scene (400121) and a missing one (400120)', async () => {
    expect((await send(s.app, nextMobile(), 'nope')).body.code).toBe(400121);
    const res = await s.t.http.post('/v1/sms/verify_code').send({ ...signParams(s.t, s.app), mcode: '+86', mobile: nextMobile() }).expect(200);
    expect(res.body.code).toBe(400120);
  });
});

describe('verification: test numbers', () => {
  let t: TestApp;
  const sms = new RecordingSmsProvider();

  beforeAll(async () => {
    t = await startTestApp({ override: withRecordingSms(sms) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends nothing to a test number and accepts its fixed code, repeatedly and without cooldown', async () => {
    const app = await createSmsApp(t, { code_policy: { test_numbers: [{ phone: '+8613800000000', code: '123456' }] } });
    for (let i = 0; i < 3; i++) {
      await t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile: '13800000000' }).expect(200, { code: 200, msg: 'success' });
      const res = await t.http
        .post('/v1/login/mobile')
        .send({ ...signParams(t, app), mcode: '+86', mobile: '13800000000', verify_code: '123456', version_number: 1, channel: 'review' })
        .expect(200);
      expect(res.body.code).toBe(200);
    }
    const wrong = await t.http.post('/v1/login/mobile').send({ ...signParams(t, app), mcode: '+86', mobile: '13800000000', verify_code: '654321', version_number: 1, channel: 'review' }).expect(200);
    expect(wrong.body.code).toBe(400194);
    expect(sms.messages).toHaveLength(0);
  });

  it('takes max_attempts wrong guesses of a test number\'s code a UTC day, as of a sent code; then refuses even the right one until the day ends', async () => {
    const app = await createSmsApp(t, { code_policy: { max_attempts: 3, test_numbers: [{ phone: '+8613800000001', code: '123456' }] } });
    t.clock.freezeAt(Date.UTC(2026, 11, 5, 10));
    const check = async (code: string, scene = 'login') =>
      (await t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode: '+86', mobile: '13800000001', scene, verify_code: code }).expect(200)).body.data?.result;
    expect(await check('123456')).toBe('approved');
    // Across scenes, as one number.
    expect([await check('000001'), await check('000002', 'register'), await check('000003')]).toEqual(['wrong_code', 'wrong_code', 'wrong_code']);
    expect(await check('000004')).toBe('attempts_exhausted');
    expect(await check('123456')).toBe('attempts_exhausted');
    const login = await t.http.post('/v1/login/mobile').send({ ...signParams(t, app), mcode: '+86', mobile: '13800000001', verify_code: '123456', version_number: 1, channel: 'review' }).expect(200);
    expect(login.body.code).not.toBe(200);
    t.clock.freezeAt(Date.UTC(2026, 11, 6, 0, 0, 1));
    expect(await check('123456')).toBe('approved');
    t.clock.reset();
  });

  it('keeps test numbers out of the audit log: masked, their fixed codes not at all', async () => {
    const app = await createSmsApp(t, { code_policy: { test_numbers: [{ phone: '+8613800000077', code: '135790' }] } });
    const auth = { authorization: `Bearer ${await t.adminToken()}` };
    await t.http.patch(`/admin/apps/${app.id}`).set(auth).send({ code_policy: { test_numbers: [{ phone: '+8613800000078', code: '246801' }] } }).expect(200);
    const log = await t.http.get('/admin/audit-log').query({ target_id: app.id }).set(auth).expect(200);
    const text = JSON.stringify(log.body.data);
    expect(text).toContain('+86138****0077');
    for (const secret of ['+8613800000077', '135790', '+8613800000078', '246801']) expect(text).not.toContain(secret);
  });

  it('is off by default and validated by the admin API', async () => {
    const app = await createSmsApp(t);
    expect(app.code_policy).toMatchObject({ test_numbers: [] });
    const token = await t.adminToken();
    const res = await t.http.patch(`/admin/apps/${app.id}`).set({ authorization: `Bearer ${token}` }).send({ code_policy: { test_numbers: [{ phone: '13800000000', code: '1' }] } }).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });
});
