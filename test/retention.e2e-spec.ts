import { DataSource } from 'typeorm';
import { DEFAULT_RETENTION } from '../src/apps/app-settings.js';
import { hmacSha256Hex } from '../src/common/crypto/hashing.js';
import { PURGE_QUEUE, RetentionPurge } from '../src/retention/retention-purge.js';
import { StatsRepository } from '../src/stats/stats.repository.js';
import { type CreatedApp } from './support/admin.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, loginWithSms, signParams } from './support/v1.js';

const DAY_MS = 86_400_000;
/** Noon UTC of 2026-11-10: the sends of each test fall on a day of their own. */
const NOON = Date.UTC(2026, 10, 10, 12);

describe('retention and erasure', () => {
  const sms = new RecordingSmsProvider();
  let t: TestApp;
  let token: string;
  let ds: DataSource;
  beforeAll(async () => {
    // Batches of 10, so a dozen rows take the purge more than one batch.
    t = await startTestApp({ override: withRecordingSms(sms), env: { RETENTION_BATCH_SIZE: '10' } });
    token = await t.adminToken();
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t.close();
  });

  const admin = () => ({ authorization: `Bearer ${token}` });
  const send = (app: CreatedApp, mobile: string) =>
    t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login' }).expect(200);
  const check = (app: CreatedApp, mobile: string, code: string) =>
    t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login', verify_code: code }).expect(200);
  const stats = (app: CreatedApp, day: string) => t.http.get(`/admin/apps/${app.id}/stats`).set(admin()).query({ from: day, to: day }).expect(200);
  const sendLog = async (app: CreatedApp, phone?: string) =>
    (await t.http.get('/admin/sms/messages').set(admin()).query({ app_id: app.id, page_size: 100, ...(phone ? { phone } : {}) }).expect(200)).body.data;
  const purge = () => t.app.get(RetentionPurge).run();
  /** Rows of the app holding `value` in each table that can hold a number. */
  async function holding(appId: string, value: string): Promise<Record<string, number>> {
    const [row] = (await ds.query(
      `SELECT (SELECT count(*) FROM sms_messages WHERE app_id = $1 AND phone = $2)::int AS sms_messages,
              (SELECT count(*) FROM verification_codes WHERE app_id = $1 AND phone_e164 = $2)::int AS verification_codes,
              (SELECT count(*) FROM users WHERE app_id = $1 AND phone_e164 = $2)::int AS users,
              (SELECT count(*) FROM webhook_deliveries WHERE app_id = $1 AND payload->'data'->>'phone' = $2)::int AS webhook_deliveries,
              (SELECT count(*) FROM send_cooldowns WHERE app_id = $1 AND phone_e164 = $2)::int AS send_cooldowns,
              (SELECT count(*) FROM send_counters WHERE app_id = $1 AND subject = $2)::int AS send_counters`,
      [appId, value],
    )) as Array<Record<string, number>>;
    return row;
  }

  describe('the retention policy', () => {
    it('is part of an app, with documented defaults, merged on change and refused out of range naming the field', async () => {
      const app = await createSmsApp(t);
      expect(app.retention).toEqual({ codes_days: 7, captchas_days: 1, send_log_hash_days: 30, send_log_delete_days: 365 });
      expect(app.retention).toEqual(DEFAULT_RETENTION);
      const changed = await t.http.patch(`/admin/apps/${app.id}`).set(admin()).send({ retention: { send_log_hash_days: 10 } }).expect(200);
      expect(changed.body.data.retention).toEqual({ ...DEFAULT_RETENTION, send_log_hash_days: 10 });
      for (const [retention, field] of [
        [{ send_log_hash_days: 2 }, 'retention.send_log_hash_days'],
        [{ codes_days: 0 }, 'retention.codes_days'],
        [{ send_log_delete_days: 'soon' }, 'retention.send_log_delete_days'],
        [{ forever: true }, 'retention.forever'],
      ] as const) {
        const res = await t.http.patch(`/admin/apps/${app.id}`).set(admin()).send({ retention }).expect(400);
        expect({ code: res.body.code, field: res.body.data?.field }).toEqual({ code: 'VALIDATION_FAILED', field });
      }
      expect((await t.http.get(`/admin/apps/${app.id}`).set(admin()).expect(200)).body.data.retention.send_log_hash_days).toBe(10);
    });
  });

  describe('the purge', () => {
    it('hashes send-log numbers, then deletes codes and rows after their windows, per app, in batches; statistics keep their counts', async () => {
      t.clock.freezeAt(NOON);
      const day = '2026-11-10';
      const short = await createSmsApp(t, { retention: { codes_days: 1, send_log_hash_days: 3, send_log_delete_days: 10 } });
      const usual = await createSmsApp(t);
      // Its webhook payloads carry the numbers too (nothing listens: the deliveries stay pending, holding them).
      await t.http.post(`/admin/apps/${short.id}/webhook-endpoints`).set(admin()).send({ url: 'http://127.0.0.1:9/hook', event_types: ['verification.sent'] }).expect(201);
      expect((await t.http.get('/oauth/api/account/imgCode').set('x-app-key', short.appkey).expect(200)).body.code).toBe('000');
      const numbers = Array.from({ length: 12 }, (_, i) => `1390000${String(i).padStart(4, '0')}`);
      for (const mobile of numbers) expect((await send(short, mobile)).body.code).toBe(200);
      expect(await holding(short.id, `+86${numbers[0]}`)).toMatchObject({ sms_messages: 1, verification_codes: 1, webhook_deliveries: 1 });
      const code = sms.lastCodeFor(`+86${numbers[0]}`)!;
      expect((await send(usual, numbers[0])).body.code).toBe(200);
      t.clock.advanceSeconds(15);
      expect((await check(short, numbers[0], code)).body.data.result).toBe('approved');
      const before = (await stats(short, day)).body.data;
      expect(before.totals).toMatchObject({ sent: 12, approved: 1 });

      // Four days on: past `short`'s hash (3) and code (1) windows, within `usual`'s (30, 7).
      t.clock.advance(4 * DAY_MS);
      // Two runs at once (two instances): each row is taken by one of them.
      const [first, other] = await Promise.all([purge(), purge()]);
      expect(first.hashed.sms_messages + other.hashed.sms_messages).toBe(12);
      expect(first.hashed.webhook_deliveries + other.hashed.webhook_deliveries).toBe(12);
      expect(first.deleted.verification_codes + other.deleted.verification_codes).toBe(12);
      expect(first.deleted.captchas + other.deleted.captchas).toBe(1);
      expect(await holding(short.id, `+86${numbers[0]}`)).toMatchObject({ webhook_deliveries: 0 });
      const [payload] = (await ds.query(`SELECT payload->'data'->>'phone' AS phone FROM webhook_deliveries WHERE app_id = $1 LIMIT 1`, [short.id])) as Array<{ phone: string }>;
      expect(payload.phone).toMatch(/^h:/);
      const log = await sendLog(short);
      expect(log.total).toBe(12);
      expect(log.items.every((m: { phone: string }) => /^h:[A-Za-z0-9_-]{18}$/.test(m.phone))).toBe(true);
      // The number still finds its rows, hashed: Passcode holds the key (searching all apps, or the app's).
      const [hashed] = (await sendLog(short, `+86${numbers[0]}`)).items as Array<{ phone: string }>;
      expect(hashed.phone).toMatch(/^h:/);
      expect((await sendLog(short, `+86${numbers[0]}`)).total).toBe(1);
      const everywhere = (await t.http.get('/admin/sms/messages').set(admin()).query({ phone: `+86${numbers[0]}`, page_size: 100 }).expect(200)).body.data;
      expect(everywhere.items.map((m: { app_id: string; phone: string }) => [m.app_id, m.phone])).toEqual(
        expect.arrayContaining([[short.id, hashed.phone], [usual.id, `+86${numbers[0]}`]]),
      );
      expect((await sendLog(short, `+86${numbers[1]}`)).items.map((m: { phone: string }) => m.phone)).not.toContain(hashed.phone);
      expect(await holding(short.id, `+86${numbers[0]}`)).toMatchObject({ sms_messages: 0, verification_codes: 0 });
      expect(await holding(usual.id, `+86${numbers[0]}`)).toMatchObject({ sms_messages: 1, verification_codes: 1 });
      expect((await stats(short, day)).body.data).toEqual(before);
      // An instance whose roll-up of that day lagged behind (it counted the rows after the purge) does not overwrite it.
      const rollup = t.app.get(StatsRepository);
      await ds.transaction(async (m) => rollup.storeFinal(m, await rollup.countRows(day, '2026-11-11', short.id, m), day));
      expect((await stats(short, day)).body.data).toEqual(before);
      // Nothing left to do: a second run changes nothing.
      const again = await purge();
      expect(again.hashed.sms_messages + again.deleted.sms_messages + again.deleted.verification_codes).toBe(0);

      // Eleven days on: past `short`'s row window (10); `usual` keeps its row, now hashed only at 30.
      t.clock.advance(7 * DAY_MS);
      const second = await purge();
      expect(second.deleted.sms_messages).toBeGreaterThanOrEqual(12);
      expect((await sendLog(short)).total).toBe(0);
      expect((await sendLog(usual)).items.map((m: { phone: string }) => m.phone)).toEqual([`+86${numbers[0]}`]);
      expect((await stats(short, day)).body.data).toEqual(before);
      // The limit rows of those sends ended long ago: gone too.
      expect(await holding(short.id, `+86${numbers[1]}`)).toMatchObject({ send_cooldowns: 0, send_counters: 0 });
    });

    it('deletes codes only from days whose statistics are stored', async () => {
      t.clock.freezeAt(NOON + 40 * DAY_MS);
      const day = '2026-12-20';
      const app = await createSmsApp(t, { retention: { codes_days: 1 } });
      expect((await send(app, '13911110000')).body.code).toBe(200);
      t.clock.advanceSeconds(20);
      expect((await check(app, '13911110000', sms.lastCodeFor('+8613911110000')!)).body.data.result).toBe('approved');
      const codes = async () => ((await ds.query(`SELECT count(*)::int AS n FROM verification_codes WHERE app_id = $1`, [app.id])) as Array<{ n: number }>)[0].n;
      // 23:00 the next day: the code is past its one day, but its day is still open (approvals may come), so not stored.
      t.clock.freezeAt(Date.UTC(2026, 11, 21, 23));
      await purge();
      expect(await codes()).toBe(1);
      // Two hours later the day is stored, and the code goes; its approval stays counted.
      t.clock.advance(2 * 3_600_000);
      expect((await purge()).deleted.verification_codes).toBeGreaterThanOrEqual(1);
      expect(await codes()).toBe(0);
      expect((await stats(app, day)).body.data.totals).toMatchObject({ sent: 1, approved: 1, median_approval_s: expect.any(Number) });
    });

    it('queues itself on the job engine once, however many instances ask', async () => {
      const queued = async () =>
        ((await ds.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'created'`, [PURGE_QUEUE])) as Array<{ n: number }>)[0].n;
      expect(await queued()).toBe(1);
      // What another instance's start (or its hourly offer) does.
      const offer = () => (t.app.get(RetentionPurge) as unknown as { scheduleNext: () => Promise<void> }).scheduleNext();
      await offer();
      expect(await queued()).toBe(1);
      // A chain broken (the waiting job gone) is mended by the next offer.
      await ds.query(`DELETE FROM pgboss.job WHERE name = $1 AND state = 'created'`, [PURGE_QUEUE]);
      await offer();
      expect(await queued()).toBe(1);
      // One queued under a longer interval (a week, before a restart with this one) is brought forward to it.
      await ds.query(`UPDATE pgboss.job SET start_after = now() + interval '7 days' WHERE name = $1 AND state = 'created'`, [PURGE_QUEUE]);
      await offer();
      const [{ within }] = await ds.query(
        `SELECT start_after <= now() + make_interval(secs => $2 + 5) AS within FROM pgboss.job WHERE name = $1 AND state = 'created'`,
        [PURGE_QUEUE, t.config.retention.purgeIntervalS],
      );
      expect(within).toBe(true);
    });

    it('deletes fraud guard buckets idle in the normal state for two of the longest windows; flagged and recent ones stay', async () => {
      const guarded = await createSmsApp(t, { code_policy: { fraud_guard: { enabled: true } } });
      const buckets = async () =>
        (await ds.query(`SELECT kind, key, state FROM fraud_buckets WHERE app_id = $1 ORDER BY kind, key`, [guarded.id])) as Array<{ kind: string; key: string; state: string }>;
      for (const mobile of ['13900001111', '13800002222']) expect((await send(guarded, mobile)).body.code).toBe(200);
      // One range flagged (as the guard leaves it when it blocks): an operator must still see it, however old.
      await ds.query(`UPDATE fraud_buckets SET state = 'blocked', state_until = $2 WHERE app_id = $1 AND key = '+861380000'`, [guarded.id, t.clock.now()]);
      t.clock.advance(2 * DAY_MS + 60_000);
      expect((await send(guarded, '13700003333')).body.code).toBe(200);

      const report = await purge();
      expect(report.deleted.fraud_buckets).toBe(1);
      expect(await buckets()).toEqual([
        { kind: 'country', key: 'CN', state: 'normal' },
        { kind: 'prefix', key: '+861370000', state: 'normal' },
        { kind: 'prefix', key: '+861380000', state: 'blocked' },
      ]);
    });

    it("deletes end users' sessions the app's codes_days after they ended, revoked or expired; live and recently ended ones stay", async () => {
      t.clock.freezeAt(NOON + 50 * DAY_MS);
      const app = await createSmsApp(t, { retention: { codes_days: 1 }, login_config: { token_ttl_days: 1 } });
      const logout = (user: { token: string }) => t.http.get('/v1/user/logout').set('authorization', `Bearer ${user.token}`).expect(200);
      const sessions = async () =>
        ((await ds.query(`SELECT user_id FROM user_sessions WHERE app_id = $1 ORDER BY user_id`, [app.id])) as Array<{ user_id: string }>).map((s) => Number(s.user_id));
      const revokedLongAgo = await loginWithSms(t, sms, app, '13755550001');
      expect((await logout(revokedLongAgo)).body.code).toBe(200);
      // Never revoked: its token's day runs out.
      const expiredLongAgo = await loginWithSms(t, sms, app, '13755550002');
      t.clock.advance(1.5 * DAY_MS);
      const revokedLately = await loginWithSms(t, sms, app, '13755550003');
      expect((await logout(revokedLately)).body.code).toBe(200);
      const live = await loginWithSms(t, sms, app, '13755550004');
      expect(await sessions()).toEqual([revokedLongAgo.uid, expiredLongAgo.uid, revokedLately.uid, live.uid]);

      // A day and a quarter on from the first two ends: past the app's one day for them, not for the others.
      t.clock.advance(0.75 * DAY_MS);
      expect((await purge()).deleted.user_sessions).toBeGreaterThanOrEqual(2);
      expect(await sessions()).toEqual([revokedLately.uid, live.uid]);
      expect((await t.http.get('/v1/user/info').set('authorization', `Bearer ${live.token}`).expect(200)).body.code).toBe(200);
    });
  });

  describe('deregistration', () => {
    it('replaces the number by its keyed hash everywhere but the open limits, which still hold it until they end', async () => {
      t.clock.freezeAt(NOON + 60 * DAY_MS);
      const app = await createSmsApp(t);
      await t.http.post(`/admin/apps/${app.id}/webhook-endpoints`).set(admin()).send({ url: 'http://127.0.0.1:9/hook', event_types: ['user.registered'] }).expect(201);
      const mobile = '13722220000';
      const phone = `+86${mobile}`;
      const user = await loginWithSms(t, sms, app, mobile);
      expect(await holding(app.id, phone)).toMatchObject({ users: 1, sms_messages: 1, verification_codes: 1, webhook_deliveries: 1, send_cooldowns: 1, send_counters: 1 });
      const cancelled = await t.http.post('/v1/user/cancel').set('authorization', `Bearer ${user.token}`).send({}).expect(200);
      expect(cancelled.body.code).toBe(200);

      expect(await holding(app.id, phone)).toEqual({ users: 0, sms_messages: 0, verification_codes: 0, webhook_deliveries: 0, send_cooldowns: 1, send_counters: 1 });
      const [row] = (await ds.query(`SELECT phone_e164, mcode, mobile, status FROM users WHERE app_id = $1`, [app.id])) as Array<Record<string, string>>;
      expect(row).toEqual({ phone_e164: expect.stringMatching(/^h:/), mcode: '', mobile: '', status: 'cancelled' });
      expect(await holding(app.id, row.phone_e164)).toMatchObject({ users: 1, sms_messages: 1, verification_codes: 1, webhook_deliveries: 1 });
      // The send log shows only the hash; an operator holding the number still finds the row (an erasure removes even that).
      expect((await sendLog(app, phone)).items.map((m: { phone: string }) => m.phone)).toEqual([row.phone_e164]);
      // The cooldown the login code started still refuses a send to the number.
      const refused = await t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile }).expect(200);
      expect(refused.body.code).not.toBe(200);

      // Once the windows have passed, the purge takes the limit rows too.
      t.clock.advance(2 * DAY_MS);
      await purge();
      expect(await holding(app.id, phone)).toMatchObject({ send_cooldowns: 0, send_counters: 0 });
      // The number is free again: a new login registers a new user.
      const again = await loginWithSms(t, sms, app, mobile);
      expect(again.uid).not.toBe(user.uid);
    });
  });

  describe('an erasure request', () => {
    it('erases the number from the send log, codes, users and webhook payloads of every app, deregisters its user, and is audited', async () => {
      t.clock.freezeAt(NOON + 80 * DAY_MS);
      const mobile = '13733330000';
      const phone = `+86${mobile}`;
      const a = await createSmsApp(t);
      const b = await createSmsApp(t);
      // App a reports registrations to a webhook (nothing listens: the payload stays in its delivery row).
      await t.http.post(`/admin/apps/${a.id}/webhook-endpoints`).set(admin()).send({ url: 'http://127.0.0.1:9/hook', event_types: ['user.registered'] }).expect(201);
      const user = await loginWithSms(t, sms, a, mobile);
      // In app b the number registered and deregistered: its rows hold the keyed hash.
      const gone = await loginWithSms(t, sms, b, mobile);
      await t.http.post('/v1/user/cancel').set('authorization', `Bearer ${gone.token}`).send({}).expect(200);
      const [hashed] = (await ds.query(`SELECT phone_e164 FROM users WHERE app_id = $1`, [b.id])) as Array<{ phone_e164: string }>;
      expect(await holding(a.id, phone)).toMatchObject({ users: 1, sms_messages: 1, verification_codes: 1, webhook_deliveries: 1 });
      expect(await holding(b.id, hashed.phone_e164)).toMatchObject({ users: 1, sms_messages: 1, verification_codes: 1 });

      const res = await t.http.post('/admin/erasures').set(admin()).send({ phone }).expect(200);
      expect(res.body.code).toBe('OK');
      const { fingerprint, apps, erased } = res.body.data;
      expect(fingerprint).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(apps).toBeGreaterThanOrEqual(2);
      // Limits: a's cooldown ended when b's login came 61 s later (deleted); a's daily count, b's cooldown and daily count are open (kept).
      expect(erased).toEqual({ users: 2, sms_messages: 2, verification_codes: 2, update_phone_tokens: 0, webhook_deliveries: 1, expired_limits: 1, open_limits_kept: 3 });

      for (const [app, value] of [[a, phone], [b, phone], [b, hashed.phone_e164]] as const) {
        expect(await holding(app.id, value)).toMatchObject({ users: 0, sms_messages: 0, verification_codes: 0, webhook_deliveries: 0 });
      }
      expect(await holding(a.id, 'erased')).toMatchObject({ users: 1, sms_messages: 1, verification_codes: 1, webhook_deliveries: 1 });
      expect(await holding(b.id, 'erased')).toMatchObject({ users: 1, sms_messages: 1, verification_codes: 1 });
      expect((await sendLog(a)).items.map((m: { phone: string }) => m.phone)).toEqual(['erased']);
      // Not even the number finds an erased row again, in its app or across all.
      expect((await sendLog(a, phone)).total).toBe(0);
      expect((await sendLog(b, phone)).total).toBe(0);
      // Its active user is deregistered: the token stops working.
      expect((await t.http.get('/v1/user/info').set('authorization', `Bearer ${user.token}`).expect(200)).body.code).not.toBe(200);

      const audit = await t.http.get('/admin/audit-log').set(admin()).query({ action: 'phone.erase', target_id: fingerprint }).expect(200);
      expect(audit.body.data.items).toEqual([
        expect.objectContaining({ action: 'phone.erase', target_type: 'phone', target_id: fingerprint, operator: 'admin', details: { app_id: null, apps, erased } }),
      ]);
      expect(JSON.stringify(audit.body.data)).not.toContain(mobile);
      // The same number erased again: nothing left but the open limits.
      const again = await t.http.post('/admin/erasures').set(admin()).send({ phone, app_id: a.id }).expect(200);
      expect(again.body.data).toMatchObject({ fingerprint, apps: 1, erased: { users: 0, sms_messages: 0, verification_codes: 0, webhook_deliveries: 0 } });
    });

    it("clears what else ties its rows to the person: its users' device ids and registration IP, their sessions' device ids, its codes' IPs and hashes", async () => {
      t.clock.freezeAt(NOON + 90 * DAY_MS);
      const app = await createSmsApp(t);
      const mobile = '13744440000';
      const phone = `+86${mobile}`;
      await t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile }).expect(200);
      const login = await t.http
        .post('/v1/login/mobile')
        .send({ ...signParams(t, app), mcode: '+86', mobile, verify_code: sms.lastCodeFor(phone), version_number: '1', channel: 'test', oaid: 'oaid-of-the-phone', device_id: 'device-of-the-phone' })
        .expect(200);
      expect(login.body.code).toBe(200);
      // A code sent and not used: with the pepper, its hash would give the number back from a million tries of each number.
      t.clock.advanceSeconds(61);
      expect((await send(app, mobile)).body.code).toBe(200);
      const code = sms.lastCodeFor(phone)!;
      const codeHash = hmacSha256Hex(t.config.secrets.codePepper, `${app.id}|login|${phone}|${code}`);
      const personal = async () =>
        (
          (await ds.query(
            `SELECT (SELECT json_agg(json_build_object('oaid', oaid, 'device_id', device_id, 'reg_ip', reg_ip)) FROM users WHERE app_id = $1) AS users,
                    (SELECT json_agg(device_id) FROM user_sessions WHERE app_id = $1) AS sessions,
                    (SELECT json_agg(ip) FROM verification_codes WHERE app_id = $1) AS code_ips,
                    (SELECT count(*) FROM verification_codes WHERE code_hash = $2)::int AS codes_of_hash`,
            [app.id, codeHash],
          )) as Array<Record<string, unknown>>
        )[0];
      expect(await personal()).toEqual({
        users: [{ oaid: 'oaid-of-the-phone', device_id: 'device-of-the-phone', reg_ip: expect.any(String) }],
        sessions: ['device-of-the-phone'],
        code_ips: [expect.any(String), expect.any(String)],
        codes_of_hash: 1,
      });

      await t.http.post('/admin/erasures').set(admin()).send({ phone, app_id: app.id }).expect(200);
      expect(await personal()).toEqual({
        users: [{ oaid: null, device_id: null, reg_ip: null }],
        sessions: [null],
        code_ips: [null, null],
        codes_of_hash: 0,
      });
      // The erased code is no code: checking it answers as for one never sent.
      expect((await check(app, mobile, code)).body.data.result).toBe('not_found');
    });

    it('erases a number written with its trunk prefix as sends store it (+44 07911… is +44 7911…), with the same fingerprint', async () => {
      const app = await createSmsApp(t);
      await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+44', mobile: '7911123456', scene: 'login' }).expect(200);
      const [sent] = await ds.query(`SELECT phone FROM sms_messages WHERE app_id = $1`, [app.id]);
      expect(sent.phone).toBe('+447911123456');
      const res = await t.http.post('/admin/erasures').set(admin()).send({ phone: '+4407911123456', app_id: app.id }).expect(200);
      // It answered success and matched nothing.
      expect(res.body.data.erased).toMatchObject({ sms_messages: 1, verification_codes: 1 });
      expect(await ds.query(`SELECT phone FROM sms_messages WHERE app_id = $1`, [app.id])).toEqual([{ phone: 'erased' }]);
      const same = await t.http.post('/admin/erasures').set(admin()).send({ phone: '+447911123456', app_id: app.id }).expect(200);
      expect(same.body.data.fingerprint).toBe(res.body.data.fingerprint);
    });

    it.each([
      [{ phone: '13800000000' }, 'phone'],
      [{ phone: '+86 138 0000 0000' }, 'phone'],
      [{}, 'phone'],
      [{ phone: '+8613800000000', app_id: 'my-app' }, 'app_id'],
      [{ phone: '+8613800000000', scope: 'all' }, 'scope'],
    ])('refuses %j with a 400 naming %s', async (body, field) => {
      const res = await t.http.post('/admin/erasures').set(admin()).send(body).expect(400);
      expect({ code: res.body.code, field: res.body.data?.field }).toEqual({ code: 'VALIDATION_FAILED', field });
    });

    it('answers APP_NOT_FOUND for an unknown app and 401 without an operator token', async () => {
      const res = await t.http.post('/admin/erasures').set(admin()).send({ phone: '+8613800000000', app_id: '00000000-0000-4000-8000-000000000000' }).expect(404);
      expect(res.body.code).toBe('APP_NOT_FOUND');
      await t.http.post('/admin/erasures').send({ phone: '+8613800000000' }).expect(401);
    });
  });
});
