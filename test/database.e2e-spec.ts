import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../src/config/app-config.js';
import { createDataSource, MIGRATION_LOCK_KEY, runMigrations } from '../src/database/data-source.factory.js';
import { DataDirLockedError } from '../src/database/data-dir-lock.js';
import { MIGRATIONS } from '../migrations/index.js';
import { createApp, expectAppAfterRestart } from './support/admin.js';
import { itRaces, warmPool } from './support/race.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { createTestDatabase, POSTGRES_URL, SHARED_POSTGRES_URL } from './support/test-database.js';
import { freePort } from './support/free-port.js';
import { callServer, serving, startServer } from './support/server-process.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, loginWithSms, signParams } from './support/v1.js';

type PoolClientLike = { emit(event: string, err: Error): boolean; release(): void };

describe('database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  itRaces('keeps concurrent transactions isolated: 20 parallel increments, one rolled back, leave 19', async () => {
    const ds = t.app.get(DataSource);
    await ds.query('CREATE TABLE IF NOT EXISTS test_counter (id int PRIMARY KEY, n int NOT NULL)');
    await ds.query('INSERT INTO test_counter (id, n) VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET n = 0');
    await warmPool(t);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        ds.transaction(async (m) => {
          const [{ n }] = await m.query('SELECT n FROM test_counter WHERE id = 1 FOR UPDATE');
          await new Promise((r) => setTimeout(r, 2));
          await m.query('UPDATE test_counter SET n = $1 WHERE id = 1', [n + 1]);
          if (i === 7) throw new Error('deliberate rollback');
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    const [{ n }] = await ds.query('SELECT n FROM test_counter WHERE id = 1');
    expect(n).toBe(19);
  });

  it('rolls a transaction back when it throws: nothing it wrote remains', async () => {
    const ds = t.app.get(DataSource);
    await ds.query('CREATE TABLE IF NOT EXISTS test_rollback (id int PRIMARY KEY)');
    const failed = ds.transaction(async (m) => {
      await m.query('INSERT INTO test_rollback (id) VALUES (1)');
      expect(await m.query('SELECT id FROM test_rollback')).toEqual([{ id: 1 }]);
      throw new Error('deliberate rollback');
    });
    await expect(failed).rejects.toThrow('deliberate rollback');
    expect(await ds.query('SELECT id FROM test_rollback')).toEqual([]);
  });

  it('survives a connection error the pool hands over between owners (no unhandled error event)', async () => {
    // pg-pool removes its idle listener when it hands a client out, and TypeORM adds its own a
    // microtask later; a connection error read in between (a FATAL in the same TCP read as the
    // last reply, when Postgres terminates the backend) was an unhandled 'error' event: a crash.
    const pool = (t.app.get(DataSource).driver as unknown as { master: { connect(): Promise<PoolClientLike> } }).master;
    const client = await pool.connect();
    try {
      expect(() => client.emit('error', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).not.toThrow();
    } finally {
      // Only the event was simulated: the connection itself is fine (and PGlite's one connection cannot be reopened).
      client.release();
    }
    expect((await t.app.get(DataSource).query('SELECT 1 AS one'))[0].one).toBe(1);
  });

  it('has applied every migration, once each, in order', async () => {
    const rows = await t.app.get(DataSource).query('SELECT name FROM schema_migrations ORDER BY id');
    expect(rows.map((r: { name: string }) => r.name)).toEqual(MIGRATIONS.map((M) => new M().name));
  });
});

(POSTGRES_URL ? describe : describe.skip)('Postgres pool', () => {
  it('holds at most DB_POOL_SIZE connections; further requests wait for one instead of failing', async () => {
    const t = await startTestApp({ env: { DB_POOL_SIZE: '2' } });
    const probe = new pg.Client({ connectionString: t.db.url });
    await probe.connect();
    try {
      const token = await t.adminToken();
      const ds = t.app.get(DataSource);
      // 20 requests at once while the pool's two connections are busy sleeping.
      const sleepers = Promise.all([ds.query('SELECT pg_sleep(0.3)'), ds.query('SELECT pg_sleep(0.3)')]);
      const answers = await Promise.all(Array.from({ length: 20 }, () => t.http.get('/admin/apps').set('authorization', `Bearer ${token}`)));
      await sleepers;
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      const { rows } = await probe.query(
        `SELECT count(*) FILTER (WHERE query NOT LIKE 'LISTEN %')::int AS pooled, count(*) FILTER (WHERE query LIKE 'LISTEN %')::int AS listening
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(rows[0]).toEqual({ pooled: 2, listening: 1 }); // and the change feed's own connection
    } finally {
      await probe.end();
      await t.close();
    }
  });
});

(POSTGRES_URL ? it : it.skip)('migrates an empty database with a pool of one connection (DB_POOL_SIZE=1)', async () => {
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  const name = `pc_test_pool1_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${name}`;
  const ds = createDataSource({ url: url.toString(), poolSize: 1, dataDir: '' });
  try {
    await ds.initialize();
    // The migration lock held the pool's only connection, and the migrations waited for one until the pool gave up.
    expect(await runMigrations(ds)).toHaveLength(MIGRATIONS.length);
  } finally {
    await ds.destroy().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
});

it('refuses a pool size outside 1..1000 at start', () => {
  const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/passcode', ENCRYPTION_KEY: 'a'.repeat(64), JWT_SECRET: 'j'.repeat(16), CODE_PEPPER: 'p'.repeat(16) };
  expect(loadConfig(production).db.poolSize).toBe(10);
  expect(loadConfig({ ...production, DB_POOL_SIZE: '40' }).db.poolSize).toBe(40);
  for (const bad of ['0', '1001', '2.5', 'ten']) {
    expect(() => loadConfig({ ...production, DB_POOL_SIZE: bad })).toThrow(new ConfigError(`DB_POOL_SIZE must be an integer in [1, 1000], got "${bad}"`));
  }
});

it('reads how long a start waits for its database (DB_START_WAIT_S, 0..3600 s), 30 s unless set', () => {
  const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/passcode', ENCRYPTION_KEY: 'a'.repeat(64), JWT_SECRET: 'j'.repeat(16), CODE_PEPPER: 'p'.repeat(16) };
  expect(loadConfig(production).db.startWaitMs).toBe(30_000);
  expect(loadConfig({ ...production, DB_START_WAIT_S: '0' }).db.startWaitMs).toBe(0);
  expect(loadConfig({ ...production, DB_START_WAIT_S: '600' }).db.startWaitMs).toBe(600_000);
  for (const bad of ['-1', '3601', '1.5', 'a minute']) {
    expect(() => loadConfig({ ...production, DB_START_WAIT_S: bad })).toThrow(new ConfigError(`DB_START_WAIT_S must be an integer in [0, 3600], got "${bad}"`));
  }
});

(POSTGRES_URL ? describe.skip : describe)('embedded PGlite', () => {
  it('keeps data across a restart', async () => {
    const first = await startTestApp();
    const app = await createApp(first);
    await first.close(true);
    await expectAppAfterRestart(first, app);
  });

  it('refuses a second opener of the same data directory, then lets it in once the first has closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passcode-lock-'));
    try {
      const first = createDataSource({ dataDir: dir });
      await first.initialize();
      expect(() => createDataSource({ dataDir: dir })).toThrow(DataDirLockedError);
      expect(() => createDataSource({ dataDir: dir })).toThrow(/already open in this process/);
      await first.destroy();
      const second = createDataSource({ dataDir: dir });
      await second.initialize();
      expect(await second.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await second.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens a directory whose lock file names a live process, this one included: only a held lock refuses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passcode-lock-'));
    try {
      // Left by a crash: the PID now belongs to another process, or to this one (PID 1 in a container).
      for (const stale of [String(process.ppid), String(process.pid), '1 other-host']) {
        writeFileSync(join(dir, 'passcode.lock'), stale);
        const ds = createDataSource({ dataDir: dir });
        await ds.initialize();
        await ds.destroy();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

(POSTGRES_URL ? describe.skip : describe)('migration CLI', () => {
  it('refuses to open a data directory a running server holds', async () => {
    const t = await startTestApp();
    try {
      const result = spawnSync(process.execPath, ['dist/src/database/migrate-cli.js'], {
        env: { ...process.env, DATA_DIR: t.db.dataDir, DATABASE_URL: '' },
        encoding: 'utf8',
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`in use by process ${process.pid}`);
    } finally {
      await t.close();
    }
  });

  it('migrates a fresh data directory, then finds it up to date', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passcode-cli-'));
    try {
      const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: '' };
      const first = spawnSync(process.execPath, ['dist/src/database/migrate-cli.js'], { env, encoding: 'utf8' });
      expect(first.stdout).toContain(`applied: ${MIGRATIONS.map((M) => new M().name).join(', ')}\n`);
      const second = spawnSync(process.execPath, ['dist/src/database/migrate-cli.js'], { env, encoding: 'utf8' });
      expect(second.stdout).toContain('the schema is up to date');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A database whose sessions print dates in another style than ISO (`DateStyle`
 * set on the database, the role or the server: `SQL, DMY` prints `06/12/2026
 * 14:13:54 UTC`). pg reads only ISO dates: every timestamp the service read came
 * back null.
 */
(SHARED_POSTGRES_URL ? describe : describe.skip)('a database whose DateStyle is not ISO (needs Postgres)', () => {
  let t: TestApp;
  let sms: RecordingSmsProvider;
  beforeAll(async () => {
    const db = await createTestDatabase({ postgres: true });
    const admin = new pg.Client({ connectionString: SHARED_POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${new URL(db.url!).pathname.slice(1)}" SET datestyle = 'SQL, DMY'`);
    } finally {
      await admin.end();
    }
    sms = new RecordingSmsProvider();
    t = await startTestApp({ db, override: withRecordingSms(sms) });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends, checks and logs in with codes, and reads back what it wrote, as on ISO', async () => {
    const ds = t.app.get(DataSource);
    // The database's style, as any other connection to it sees it; the app's sessions print ISO.
    const other = new pg.Client({ connectionString: t.db.url });
    await other.connect();
    try {
      expect((await other.query(`SELECT now()::text AS now`)).rows[0].now).toMatch(/^\d\d\/\d\d\/\d{4} /);
    } finally {
      await other.end();
    }
    expect((await ds.query(`SELECT now()::text AS now`))[0].now).toMatch(/^\d{4}-\d\d-\d\d /);
    const app = await createSmsApp(t);
    const send = (mobile: string, scene = 'login') => t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene }).expect(200);
    const check = (mobile: string, code: string) =>
      t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login', verify_code: code }).expect(200);
    expect((await send('13900000301')).body).toMatchObject({ code: 200 });
    const code = sms.lastCodeFor('+8613900000301')!;
    expect((await check('13900000301', code === '000000' ? '111111' : '000000')).body).toMatchObject({ code: 200, data: { result: 'wrong_code' } });
    expect((await check('13900000301', code)).body).toMatchObject({ code: 200, data: { result: 'approved' } });
    expect((await check('13900000301', code)).body).toMatchObject({ code: 200, data: { result: 'not_found' } });
    // A second send within the cooldown is refused by the time read back from its row.
    expect((await send('13900000302')).body).toMatchObject({ code: 200 });
    expect((await send('13900000302')).body).toMatchObject({ code: 429 });
    const me = await loginWithSms(t, sms, app, '13900000303');
    expect((await t.http.get('/v1/user/info').set('authorization', `Bearer ${me.token}`).expect(200)).body).toMatchObject({ code: 200 });
    const token = await t.adminToken();
    const messages = await t.http.get('/admin/sms/messages').query({ app_id: app.id }).set('authorization', `Bearer ${token}`).expect(200);
    for (const m of messages.body.data.items) expect(m.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const read = await t.http.get(`/admin/apps/${app.id}`).set('authorization', `Bearer ${token}`).expect(200);
    expect(read.body.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

/** Runs `statements` in turn on a connection of the shared Postgres's own. */
async function asAdmin(...statements: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: SHARED_POSTGRES_URL });
  await admin.connect();
  try {
    for (const statement of statements) await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** The URL of the shared Postgres's database `name`. */
function sharedUrlOf(name: string): string {
  const u = new URL(SHARED_POSTGRES_URL!);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A database created in another encoding than UTF-8 (LATIN1 here, as legacy
 * clusters are): every app, sign name or template in Chinese answered 500.
 * The server and the migration CLI refuse it at start, saying what to do.
 */
(SHARED_POSTGRES_URL ? describe : describe.skip)('a database not in UTF-8 (needs Postgres)', () => {
  const name = `pc_test_latin1_${process.pid}`;
  let url: string;
  let dataDir: string;
  beforeAll(async () => {
    await asAdmin(`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
    url = sharedUrlOf(name);
    dataDir = mkdtempSync(join(tmpdir(), 'passcode-latin1-'));
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  const refusal = `the database ${name} keeps its text in LATIN1; Passcode needs UTF8 (apps, sign names, templates and user names are often Chinese): ` +
    "create one with CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0 and point DATABASE_URL at it";

  it('the server refuses to start on it, saying why and what to do', async () => {
    const started = await startServer({ env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, NODE_ENV: 'development', LOG_LEVEL: 'warn' }, timeoutMs: 60_000 });
    expect(started).toMatchObject({ exitCode: 1 });
    const output = (started as { output: string }).output.trim().split('\n');
    expect(output[output.length - 1]).toBe(`passcode: ${refusal}`);
  });

  it('the migration CLI refuses it, and leaves it empty', async () => {
    const result = spawnSync(process.execPath, ['dist/src/database/migrate-cli.js'], { env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`migration failed: ${refusal}\n`);
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    try {
      expect((await probe.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows).toEqual([{ n: 0 }]);
    } finally {
      await probe.end();
    }
  });
});

/**
 * Operators often set a `statement_timeout` on the app's role or database, as a
 * safety net for its queries. A migration may rightly run longer (an index built on
 * a large table), and an instance starting meanwhile waits for it as long: the wait
 * was canceled after the timeout, and the start failed with a stack.
 */
(SHARED_POSTGRES_URL ? describe : describe.skip)('migrations under a statement_timeout set on the database (needs Postgres)', () => {
  const name = `pc_test_timeout_${process.pid}`;
  let url: string;
  let dataDir: string;
  beforeAll(async () => {
    await asAdmin(`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`, `ALTER DATABASE ${name} SET statement_timeout = '300ms'`);
    url = sharedUrlOf(name);
    dataDir = mkdtempSync(join(tmpdir(), 'passcode-timeout-'));
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  /** A session of the test's own on the database, which none of its timeouts end. */
  async function ownSession(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url, options: '-c statement_timeout=0 -c idle_session_timeout=0' });
    client.on('error', () => undefined); // a session lost fails its next query, which says so
    await client.connect();
    return client;
  }

  /** Runs the migration CLI while `hold` keeps what it waits for, until `during` is done (1.5 s: five times the timeout). */
  async function migrateWhileHeld(hold: string, during = () => new Promise((resolve) => setTimeout(resolve, 1500))): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const holder = await ownSession();
    try {
      await holder.query('BEGIN');
      await holder.query(hold);
      const cli = spawn(process.execPath, ['dist/src/database/migrate-cli.js'], { env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir } });
      let stdout = '';
      let stderr = '';
      cli.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => cli.once('close', resolve));
      await during();
      await holder.query('COMMIT');
      return { status: await exited, stdout, stderr };
    } finally {
      await holder.end();
    }
  }

  it('an instance waits for another\'s migrations past the timeout, then applies them', async () => {
    // Another instance migrating holds the migration lock (here for the transaction).
    const result = await migrateWhileHeld(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^applied: InitialSchema\d+, /);
  });

  it('an instance keeps the migration lock while its migrations run, however long its session sits idle', async () => {
    await asAdmin(`ALTER DATABASE ${name} SET idle_session_timeout = '1s'`);
    const other = await ownSession();
    try {
      let taken: boolean | undefined;
      // The migrations wait on a table; meanwhile, well past the timeout after the instance took the lock, another asks for it.
      const result = await migrateWhileHeld('LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE', async () => {
        // This database's lock: other tests' instances take the same key in theirs.
        const held =
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = $1 ` +
          `AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
        for (let waited = 0; (await other.query<{ n: number }>(held, [MIGRATION_LOCK_KEY])).rows[0].n === 0; waited += 50) {
          if (waited > 20_000) throw new Error('the migration CLI never took the lock');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await new Promise((resolve) => setTimeout(resolve, 2500));
        ({ rows: [{ taken }] } = await other.query<{ taken: boolean }>('SELECT pg_try_advisory_lock($1) AS taken', [MIGRATION_LOCK_KEY]));
        if (taken) await other.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      });
      expect(result).toMatchObject({ status: 0, stdout: 'the schema is up to date\n', stderr: '' });
      expect(taken).toBe(false);
    } finally {
      await other.end();
      await asAdmin(`ALTER DATABASE ${name} RESET idle_session_timeout`);
    }
  });

  it('a migration\'s own statements run past the timeout', async () => {
    // A statement the migrations make waits on a lock for longer than the timeout (as a long one would run).
    const result = await migrateWhileHeld('LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE');
    expect(result).toMatchObject({ status: 0, stdout: 'the schema is up to date\n', stderr: '' });
  });
});

/**
 * A DATABASE_URL the database turns away for good (a role it does not know, a
 * database that does not exist, SSL it does not speak) was retried for half a
 * minute, a stack printed for each try, and the start ended with another stack.
 * It is refused at the first try, in one line saying what to correct.
 */
(SHARED_POSTGRES_URL ? describe : describe.skip)('a DATABASE_URL the database turns away (needs Postgres)', () => {
  let dataDir: string;
  const urlWith = (change: (u: URL) => void) => {
    const u = new URL(SHARED_POSTGRES_URL!);
    change(u);
    return u.toString();
  };
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'passcode-refused-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the server: a database that does not exist, at the first try', async () => {
    const url = urlWith((u) => (u.pathname = '/pc_test_no_such_database'));
    const started = await startServer({ env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, NODE_ENV: 'development', LOG_LEVEL: 'warn' }, timeoutMs: 60_000 });
    expect(started).toMatchObject({ exitCode: 1 });
    const output = (started as { output: string }).output.trim();
    expect(output).not.toContain('Retrying');
    expect(output.split('\n').pop()).toBe(
      `passcode: the database pc_test_no_such_database does not exist on ${new URL(url).host} (3D000); create it (CREATE DATABASE … ENCODING 'UTF8') or correct DATABASE_URL`,
    );
  });

  it('the migration CLI: a role the database does not know', () => {
    const url = urlWith((u) => (u.username = 'pc_test_no_such_role'));
    const result = spawnSync(process.execPath, ['dist/src/database/migrate-cli.js'], { env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'migration failed: the database turned away pc_test_no_such_role: role "pc_test_no_such_role" does not exist (28000); ' +
        "correct the role or password in DATABASE_URL, or the server's pg_hba.conf\n",
    );
  });

  it('the migration CLI: a server parameter the database rejects (options=-c …)', () => {
    const url = urlWith((u) => u.searchParams.set('options', '-c statement_timeout=abc'));
    const result = spawnSync(process.execPath, ['dist/src/database/migrate-cli.js'], { env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `migration failed: the database on ${new URL(url).host} refused the start: invalid value for parameter "statement_timeout": "abc" (22023); ` +
        'correct DATABASE_URL (its options and parameters) or the database\n',
    );
  });

  it('the migration CLI: SSL asked of a server without it', async () => {
    const probe = new pg.Client({ connectionString: SHARED_POSTGRES_URL });
    await probe.connect();
    const { rows } = await probe.query<{ ssl: string }>('SHOW ssl').finally(() => probe.end());
    if (rows[0].ssl === 'on') return; // this server speaks SSL: nothing to refuse
    const url = urlWith((u) => u.searchParams.set('sslmode', 'verify-full'));
    const result = spawnSync(process.execPath, ['dist/src/database/migrate-cli.js'], { env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `migration failed: ${new URL(url).host} does not take SSL connections, which DATABASE_URL asks for (sslmode); remove sslmode, or turn SSL on in the server\n`,
    );
  });
});

/**
 * A Postgres that cannot serve when Passcode starts: not up yet (a container
 * started before its database's), or a standby while a failover ends. The start
 * waited 30 s in silence (Nest held its lines until the application was built),
 * then printed ten stacks at once, all stamped with the same second, Nest's
 * error handler's copy of the last, and the stack again; it retried anything,
 * a migration's own error included. A migrated database set read-only failed the
 * start at once, with a stack, at the key check's write.
 */
describe('a Postgres that cannot serve yet at start', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'passcode-start-wait-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the server tells each try as it fails, then ends in one line once DB_START_WAIT_S has passed', async () => {
    const port = await freePort(); // nothing listens there
    const env = { ...process.env, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/passcode`, DATA_DIR: dataDir, NODE_ENV: 'development', LOG_LEVEL: 'info' };
    const started = await startServer({ env: { ...env, DB_START_WAIT_S: '2' }, timeoutMs: 60_000 });
    expect(started).toMatchObject({ exitCode: 1 });
    const lines = (started as { output: string }).output.trim().split('\n');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        level: 40,
        context: 'Database',
        attempt: 1,
        reason: 'connection refused (ECONNREFUSED)',
        msg: expect.stringMatching(/^database cannot serve yet \(connection refused \(ECONNREFUSED\)\): trying again in 2 s$/),
      }),
    ]);
    expect(lines[lines.length - 1]).toBe(
      `passcode: the database passcode on 127.0.0.1:${port} could not serve after 2 s of tries: connection refused (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:${port}; ` +
        'check that Postgres is running there and that DATABASE_URL names it; DB_START_WAIT_S sets how long a start waits',
    );

    // The try is told as it fails, while the start waits (the old start held its lines until it gave up): a server
    // stopped as its first try is told has not given up.
    const stopped = await startServer({
      env: { ...env, DB_START_WAIT_S: '60' },
      timeoutMs: 60_000,
      onOutput: (output, child) => {
        if (output.includes('cannot serve yet')) child.kill('SIGTERM');
      },
    });
    expect(stopped).toMatchObject({ exitCode: null, output: expect.stringContaining('trying again in 3 s') });
    expect((stopped as { output: string }).output).not.toContain('could not serve after');
  }, 90_000);

  (SHARED_POSTGRES_URL ? it : it.skip)('the server waits for a Postgres not up yet (a container started before its database\'s), then serves (needs Postgres)', async () => {
    const name = `pc_test_late_${process.pid}`;
    await asAdmin(`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`);
    const target = new URL(sharedUrlOf(name));
    const port = await freePort(); // where Postgres will be: nothing listens there until the server has tried once
    const late = new URL(target);
    late.hostname = '127.0.0.1';
    late.port = String(port);
    const sockets = new Set<Socket>();
    const postgres = createServer((client) => {
      const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        sockets.add(a);
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => b.destroy());
      }
    });
    let up: Promise<void> | undefined;
    try {
      const started = await startServer({
        env: { ...process.env, DATABASE_URL: late.toString(), DATA_DIR: dataDir, DB_START_WAIT_S: '60', NODE_ENV: 'development', LOG_LEVEL: 'info' },
        timeoutMs: 90_000,
        onOutput: (output) => {
          if (!up && output.includes('"reason":"connection refused (ECONNREFUSED)"')) up = new Promise((resolve) => postgres.listen(port, '127.0.0.1', resolve));
        },
      });
      await up;
      const server = serving(started);
      try {
        expect(server.output()).toContain('database cannot serve yet (connection refused (ECONNREFUSED)): trying again in 3 s');
        expect(server.output()).toContain('"msg":"connected to Postgres"');
        expect((await callServer(server.url, 'GET', '/health/ready')).status).toBe(200);
      } finally {
        await server.stop();
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => postgres.close(resolve));
      await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }, 120_000);

  (SHARED_POSTGRES_URL ? describe : describe.skip)('a standby, or a database set read-only (needs Postgres)', () => {
    const name = `pc_test_readonly_${process.pid}`;
    let url: string;
    beforeAll(async () => {
      await asAdmin(`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`);
      url = sharedUrlOf(name);
      const migrated = spawnSync(process.execPath, ['dist/src/database/migrate-cli.js'], { env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir }, encoding: 'utf8' });
      expect(migrated.status).toBe(0);
      await asAdmin(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    });
    afterAll(async () => {
      await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });

    it('the migration CLI told not to wait: one line naming it read-only', () => {
      const result = spawnSync(process.execPath, ['dist/src/database/migrate-cli.js'], { env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, DB_START_WAIT_S: '0' }, encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        `migration failed: the database ${name} on ${new URL(url).host} could not serve at the first try (DB_START_WAIT_S=0): read-only (25006): ` +
          'the database takes no writes (transaction_read_only is on: a standby, or default_transaction_read_only is set); ' +
          'DATABASE_URL names a standby or a database set read-only: point it at the primary\n',
      );
    });

    it('the server waits for it to take writes (a failover ending), then serves', async () => {
      let promoted: Promise<void> | undefined;
      const started = await startServer({
        env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, DB_START_WAIT_S: '60', NODE_ENV: 'development', LOG_LEVEL: 'info' },
        timeoutMs: 90_000,
        onOutput: (output) => {
          if (!promoted && output.includes('"reason":"read-only (25006)"')) promoted = asAdmin(`ALTER DATABASE ${name} RESET default_transaction_read_only`);
        },
      });
      await promoted;
      const server = serving(started);
      try {
        expect(server.output()).toContain('database cannot serve yet (read-only (25006)): trying again in 3 s');
        expect((await callServer(server.url, 'GET', '/health/ready')).status).toBe(200);
      } finally {
        await server.stop();
      }
    }, 120_000);

    // Opened, checked and migrated, the database then fails the key check, the start's first write: here another
    // session holds key_checks locked for longer than a statement may wait. One line, as a start that waited says it.
    it('a database that fails the key check after it opened: one line naming the reason', async () => {
      await asAdmin(`ALTER DATABASE ${name} RESET default_transaction_read_only`);
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE key_checks IN ACCESS EXCLUSIVE MODE');
        const started = await startServer({
          env: { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, DB_QUERY_TIMEOUT_MS: '1000', NODE_ENV: 'development', LOG_LEVEL: 'warn' },
          timeoutMs: 60_000,
        });
        expect(started).toMatchObject({ exitCode: 1 });
        expect((started as { output: string }).output).toBe(
          'passcode: the database could not serve the start: connection timed out (ETIMEDOUT): the database did not answer within 1000 ms\n',
        );
      } finally {
        await holder.end();
        await asAdmin(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
      }
    }, 90_000);
  });
});
