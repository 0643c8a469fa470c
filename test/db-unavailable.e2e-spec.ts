import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Response } from 'supertest';
import { expectServiceUnavailable, expectServing, probeDialects, probeUntilServing, useGatedApp } from './support/db-outage.js';
import { enduserSendParams } from './support/enduser.js';
import { FreezableProxy } from './support/freezable-proxy.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { createTestDatabase, ensurePgliteTemplate, pgliteTemplateDir, POSTGRES_URL, SHARED_POSTGRES_URL } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, signParams } from './support/v1.js';

/**
 * A database the app cannot reach is SERVICE_UNAVAILABLE in every dialect (503),
 * not an internal error. Here the app's own database stops taking connections and
 * its backends are terminated, so the pool cannot reconnect; test/abuse/
 * db-restart.abuse-spec.ts restarts a real cluster.
 */
(SHARED_POSTGRES_URL ? describe : describe.skip)('a database that cannot be reached (needs Postgres: PGlite runs in the process and cannot go away; TEST_DATABASE_URL, or one reachable at 127.0.0.1:5432)', () => {
  const g = useGatedApp();

  it('answers 503 in every dialect while connections are refused, and serves again once they are not', async () => {
    const app = await createSmsApp(g.t, { code_policy: { per_ip_hourly: 1_000_000 } });
    const token = await g.t.adminToken();
    expectServing(await probeDialects(g.t, app, token));

    await g.gate.close();
    const refused = await probeDialects(g.t, app, token);
    expectServiceUnavailable(refused);
    // Readiness says why: the pool's connections were ended (57P01, or lost), new ones are barred.
    expect(refused.ready.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', msg: expect.stringMatching(/^the database cannot serve: (not accepting connections|connection lost|shutting down \(57P01\))$/) });
    // Not one of those answers was an internal error, and the outage is a warning for each way it showed (backends
    // terminated, connections barred), not a stack per request.
    expect(g.t.logs.lines().filter((l) => String(l.msg).includes('request failed'))).toEqual([]);
    const warnings = g.t.logs.lines().filter((l) => String(l.msg).startsWith('database unavailable'));
    expect(warnings).toContainEqual(
      expect.objectContaining({ level: 40, reason: 'not accepting connections', msg: 'database unavailable (not accepting connections): answering SERVICE_UNAVAILABLE', refusedSinceLastLine: 0 }),
    );
    expect(new Set(warnings.map((l) => l.reason)).size).toBe(warnings.length);

    await g.gate.open();
    expectServing(await probeUntilServing(g.t, app, token));
  });
});

/**
 * A database that takes reads but no writes: a standby a failover left the app
 * pointed at, or a primary turned read-only. Every write failed with SQLSTATE 25006
 * and was answered as an internal error (500), while /health/ready said 200; now a
 * write is SERVICE_UNAVAILABLE in its dialect, reads still answer, and readiness
 * says 503 naming the cause, so a load balancer stops sending requests here. A
 * database renamed (or dropped) under the app failed every new connection with
 * 3D000, also a 500 before.
 */
(SHARED_POSTGRES_URL ? describe : describe.skip)('a database that turns read-only, or is renamed away (needs Postgres: TEST_DATABASE_URL, or one reachable at 127.0.0.1:5432)', () => {
  const g = useGatedApp();

  /** Readiness until it answers `status` and, for a 503, `msg` (the pool's ended connections replaced), or the deadline passes. */
  async function readyUntil(status: number, msg?: string): Promise<Response> {
    for (const deadline = Date.now() + 10_000; ; ) {
      const res = await g.t.http.get('/health/ready');
      if ((res.status === status && (msg === undefined || res.body.msg === msg)) || Date.now() > deadline) return res;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('answers every write 503 in its dialect and readiness 503, serves reads, and serves writes again once it is writable', async () => {
    const app = await createSmsApp(g.t, { code_policy: { per_ip_hourly: 1_000_000 } });
    const token = await g.t.adminToken();
    expectServing(await probeDialects(g.t, app, token));

    await g.gate.readOnly();
    expect((await readyUntil(503, 'the database is read-only (a standby?): no write can be made')).body).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      msg: 'the database is read-only (a standby?): no write can be made',
      data: {},
      request_id: expect.any(String),
    });
    const p = await probeDialects(g.t, app, token);
    // The admin read answers; every other probe writes (a check counts its attempt, a send takes its slot, a captcha is stored).
    expect(p.admin.status).toBe(200);
    expectServiceUnavailable({ ...p, admin: { status: 503, body: { code: 'SERVICE_UNAVAILABLE', msg: 'service unavailable' } } as Response });
    expect(g.t.logs.lines().filter((l) => String(l.msg).includes('request failed'))).toEqual([]);
    expect(g.t.logs.lines().filter((l) => String(l.msg).startsWith('database unavailable'))).toContainEqual(
      expect.objectContaining({ reason: 'read-only (25006)', cause: expect.stringContaining('read-only transaction') }),
    );

    await g.gate.writable();
    expect((await readyUntil(200)).body).toEqual({ status: 'ok', database: 'up' });
    expectServing(await probeUntilServing(g.t, app, token));
  });

  it('answers 503 in every dialect while its database is renamed away (3D000 on every new connection), and serves again once it is back', async () => {
    const app = await createSmsApp(g.t, { code_policy: { per_ip_hourly: 1_000_000 } });
    const token = await g.t.adminToken();
    expectServing(await probeUntilServing(g.t, app, token));

    await g.gate.renameAway();
    try {
      expect((await readyUntil(503, 'the database cannot serve: database does not exist (3D000)')).body.msg).toBe('the database cannot serve: database does not exist (3D000)');
      expectServiceUnavailable(await probeDialects(g.t, app, token));
      expect(g.t.logs.lines().filter((l) => String(l.msg).includes('request failed'))).toEqual([]);
    } finally {
      await g.gate.renameBack();
    }
    expectServing(await probeUntilServing(g.t, app, token));
  });
});

/**
 * A database that turns the app's role away: its password rotated before the
 * app's configuration, its login revoked. Every new connection failed with class
 * 28 (28000, 28P01) and every request that needed one answered 500 INTERNAL; now
 * SERVICE_UNAVAILABLE in its dialect, and the service serves again once the role
 * may log in, without a restart.
 */
(SHARED_POSTGRES_URL ? describe : describe.skip)('a database that refuses the app\'s role (needs Postgres: TEST_DATABASE_URL, or one reachable at 127.0.0.1:5432)', () => {
  const role = `pc_test_role_${process.pid}`;
  let admin: pg.Client;
  let t: TestApp;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: SHARED_POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.query(`CREATE ROLE ${role} LOGIN SUPERUSER`);
    const db = await createTestDatabase({ postgres: true });
    const url = new URL(db.url!);
    url.username = role;
    url.password = '';
    t = await startTestApp({ db, env: { DATABASE_URL: url.toString() }, override: withRecordingSms(new RecordingSmsProvider()) });
  });
  afterAll(async () => {
    await admin.query(`ALTER ROLE ${role} LOGIN`).catch(() => undefined);
    await t?.close();
    await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await admin.end();
  });

  it('answers 503 in every dialect while the role may not log in, and serves again once it may', async () => {
    const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1_000_000 } });
    const token = await t.adminToken();
    expectServing(await probeDialects(t, app, token));

    await admin.query(`ALTER ROLE ${role} NOLOGIN`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
    // Readiness names it once the pool's ended connections are gone (the next ones are refused).
    let ready = await t.http.get('/health/ready');
    for (const deadline = Date.now() + 10_000; ready.body.msg !== 'the database cannot serve: role refused (28000)' && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await t.http.get('/health/ready');
    }
    expect(ready.status).toBe(503);
    expect(ready.body.msg).toBe('the database cannot serve: role refused (28000)');
    expectServiceUnavailable(await probeDialects(t, app, token));
    expect(t.logs.lines().filter((l) => String(l.msg).includes('request failed'))).toEqual([]);

    await admin.query(`ALTER ROLE ${role} LOGIN`);
    expectServing(await probeUntilServing(t, app, token));
  });
});

/**
 * A Postgres that stops answering but keeps its connections open (stopped with
 * SIGSTOP, a hung host, a network that drops packets): a proxy between the app and
 * Postgres stops passing bytes. A request whose statement had been sent waited
 * for as long as it lasted; now the statement's connection is given up after
 * DB_QUERY_TIMEOUT_MS and the request is SERVICE_UNAVAILABLE, and the connections
 * that waited are not handed out again once Postgres answers.
 */
(SHARED_POSTGRES_URL ? describe : describe.skip)('a database that stops answering (needs Postgres: TEST_DATABASE_URL, or one reachable at 127.0.0.1:5432)', () => {
  let t: TestApp;
  let proxy: FreezableProxy;

  beforeAll(async () => {
    const db = await createTestDatabase({ postgres: true });
    proxy = await FreezableProxy.start(db.url!);
    t = await startTestApp({ db, env: { DATABASE_URL: proxy.urlFor(db.url!), DB_QUERY_TIMEOUT_MS: '1000' }, override: withRecordingSms(new RecordingSmsProvider()) });
  });
  afterAll(async () => {
    proxy?.thaw();
    await t?.close();
    await proxy?.close();
  });

  it('answers 503 in every dialect while it is silent, and serves again once it answers', async () => {
    const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1_000_000 } });
    const token = await t.adminToken();
    expectServing(await probeDialects(t, app, token));

    proxy.freeze();
    const silent = await probeDialects(t, app, token);
    expectServiceUnavailable(silent);
    // Its 2 s, or the statement's DB_QUERY_TIMEOUT_MS when that ends first.
    expect(silent.ready.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', msg: expect.stringMatching(/^the database (did not answer within 2 s|is unreachable)$/) });
    expect(t.logs.lines().filter((l) => String(l.msg).includes('request failed'))).toEqual([]);
    expect(t.logs.text()).toContain('the database did not answer within 1000 ms');

    proxy.thaw();
    expectServing(await probeUntilServing(t, app, token));
  }, 90_000);
});

(SHARED_POSTGRES_URL ? describe : describe.skip)('statements the database gives up (needs Postgres: lock_timeout is set on the database)', () => {
  let t: TestApp;
  let sms: RecordingSmsProvider;
  let admin: pg.Client;
  let locker: pg.Client;
  let database: string;

  beforeAll(async () => {
    sms = new RecordingSmsProvider();
    t = await startTestApp({ postgres: true, override: withRecordingSms(sms) });
    database = new URL(t.db.url!).pathname.slice(1);
    admin = new pg.Client({ connectionString: SHARED_POSTGRES_URL });
    await admin.connect();
    // The app's connections give up a lock after 300 ms: new ones take the setting, so the pool's are ended.
    await admin.query(`ALTER DATABASE "${database}" SET lock_timeout = '300ms'`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    locker = new pg.Client({ connectionString: t.db.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.end();
    await admin.end();
    await t.close();
  });

  const check = async (app: { appkey: string; secret: string }, mobile: string, code: string) =>
    (await t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login', verify_code: code }).expect(200)).body;

  /** Runs `run` while `table` is locked from another connection. */
  async function whileLocked<T>(table: string, run: () => Promise<T>): Promise<T> {
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    try {
      return await run();
    } finally {
      await locker.query('ROLLBACK');
    }
  }

  it('a lock timeout is SERVICE_UNAVAILABLE, not an internal error, and the code is still there for the retry', async () => {
    const app = await createSmsApp(t);
    await probeUntilServing(t, app, await t.adminToken());
    await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile: '18800000901', scene: 'login' }).expect(200);
    const code = sms.lastCodeFor('+8618800000901')!;
    t.clock.freeze(); // the log's 5 s are the app's clock's
    const firstAt = new Date(t.clock.nowMs()).toISOString();
    expect(await whileLocked('verification_codes', () => check(app, '18800000901', code))).toEqual({ code: 503, msg: expect.any(String) });
    expect(t.logs.lines().filter((l) => String(l.msg).includes('request failed'))).toEqual([]);
    // The database serves: its warning says it gave up one statement, not that it is unavailable.
    const lines = () => t.logs.lines().filter((l) => String(l.msg).startsWith('database '));
    expect(lines()).toEqual([
      expect.objectContaining({ level: 40, reason: 'lock not available (55P03)', msg: 'database gave up the statement (lock not available (55P03)): answering SERVICE_UNAVAILABLE', refusedSinceLastLine: 0 }),
    ]);
    expect(lines()[0]).not.toHaveProperty('lastLineAt');
    // Refused again within 5 s: counted, not logged; once they have passed, the next line counts it and says since when.
    expect(await whileLocked('verification_codes', () => check(app, '18800000901', code))).toEqual({ code: 503, msg: expect.any(String) });
    expect(lines()).toHaveLength(1);
    t.clock.advanceSeconds(6);
    expect(await whileLocked('verification_codes', () => check(app, '18800000901', code))).toEqual({ code: 503, msg: expect.any(String) });
    expect(lines()).toEqual([expect.anything(), expect.objectContaining({ reason: 'lock not available (55P03)', refusedSinceLastLine: 1, lastLineAt: firstAt })]);
    t.clock.thaw();
    expect(await check(app, '18800000901', code)).toMatchObject({ code: 200, data: { result: 'approved' } });
  });

  it('an approval the fraud guard cannot count does not fail the check that consumed the code', async () => {
    const app = await createSmsApp(t, { code_policy: { fraud_guard: { enabled: true } } });
    await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile: '18800000902', scene: 'login' }).expect(200);
    const code = sms.lastCodeFor('+8618800000902')!;
    // It answered 503 with the code spent: the retry found not_found.
    expect(await whileLocked('fraud_buckets', () => check(app, '18800000902', code))).toMatchObject({ code: 200, data: { result: 'approved' } });
    expect(t.logs.lines().find((l) => l.msg === 'an approval was not counted by the fraud guard')).toMatchObject({ level: 40 });
  });
});

const TMPFS_UNAVAILABLE =
  process.platform !== 'linux'
    ? 'tmpfs is Linux only'
    : process.getuid?.() !== 0
      ? 'mounting a tmpfs needs root'
      : undefined;
if (TMPFS_UNAVAILABLE && !POSTGRES_URL) console.warn(`db-unavailable e2e: skipping the full disk: ${TMPFS_UNAVAILABLE}`);

/**
 * A database whose disk is full: PGlite's directory on a tmpfs of its own, filled
 * by a file beside it. A write that needs a new page fails (53100); it was an
 * internal error (v1 code 500) before.
 */
(POSTGRES_URL || TMPFS_UNAVAILABLE ? describe.skip : describe)('a database whose disk is full (PGlite on a small tmpfs)', () => {
  let mountPoint: string;
  let t: TestApp;

  beforeAll(async () => {
    await ensurePgliteTemplate();
    mountPoint = mkdtempSync(join(tmpdir(), 'passcode-full-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=128m', 'tmpfs', mountPoint], { encoding: 'utf8' });
    if (mounted.status !== 0) throw new Error(`mount: ${mounted.stderr}`);
    const dataDir = join(mountPoint, 'data');
    cpSync(pgliteTemplateDir(), dataDir, { recursive: true });
    t = await startTestApp({ db: { dataDir, drop: async () => undefined }, env: { DATA_DIR_MIN_FREE_MB: '16' }, override: withRecordingSms(new RecordingSmsProvider()) });
  }, 120_000);
  afterAll(async () => {
    if (mountPoint) rmSync(join(mountPoint, 'filler'), { force: true }); // room for the closing checkpoint, should the test have failed
    await t?.close();
    if (mountPoint) {
      spawnSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });

  it('answers every dialect\'s 503 to a send that cannot be written, keeps no part of it, and sends again once there is room', async () => {
    const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1_000_000 } });
    const token = await t.adminToken();
    let mobiles = 0;
    const mobile = () => `1391000${String(++mobiles).padStart(4, '0')}`;
    const v1Send = () => t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile: mobile(), scene: 'login' });
    const logged = async () =>
      (await t.http.get('/admin/sms/messages').query({ app_id: app.id, page_size: 1 }).set('authorization', `Bearer ${token}`).expect(200)).body.data.total as number;
    expect((await v1Send()).body).toMatchObject({ code: 200 });

    const filler = openSync(join(mountPoint, 'filler'), 'w');
    try {
      const block = Buffer.alloc(1 << 20);
      for (;;) writeSync(filler, block);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(filler);
    }
    // Pages with room left take a few more sends; then a send needs a new page.
    let accepted = 1;
    let refused: Response | undefined;
    for (let i = 0; i < 2000 && !refused; i++) {
      const res = await v1Send();
      if (res.body.code === 200) accepted++;
      else refused = res;
    }
    expect(refused?.status).toBe(200);
    expect(refused?.body).toEqual({ code: 503, msg: 'Service Unavailable' });
    const enduser = await t.http.post('/v2/sms/enduserapi/v2/sendPhoneSmsCode').query({ ...enduserSendParams(t, app, mobile()) });
    expect(enduser.body).toMatchObject({ code: 503, msg: '服务暂不可用' });
    const authing = await t.http.post('/api/v3/send-sms').set('x-authing-app-id', app.appkey).send({ channel: 'CHANNEL_LOGIN', phoneNumber: mobile() });
    expect(authing.body).toMatchObject({ statusCode: 503, apiCode: 50002 });
    expect(await logged()).toBe(accepted); // reads still answer, and a refused send left no row
    expect(t.logs.lines().filter((l) => String(l.msg).includes('request failed'))).toEqual([]);
    // Readiness said 200 throughout: a load balancer kept sending requests here.
    const ready = await t.http.get('/health/ready').expect(503);
    expect(ready.body.msg).toBe("the data directory's file system has 0 MB free, under DATA_DIR_MIN_FREE_MB (16)");

    rmSync(join(mountPoint, 'filler'));
    await t.http.get('/health/ready').expect(200, { status: 'ok', database: 'up' });
    expect((await v1Send()).body).toMatchObject({ code: 200 });
    expect(await logged()).toBe(accepted + 1);
  }, 120_000);
});
