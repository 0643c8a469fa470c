import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { md5Hex } from '../src/common/crypto/hashing.js';
import { loadConfig } from '../src/config/app-config.js';
import { createDataSource } from '../src/database/data-source.factory.js';
import { checkKeys, keyChecks, KeyMismatchError } from '../src/database/key-check.js';
import { poolOf } from '../src/database/pg-transaction.js';
import { withFraudGuardOff } from './support/admin.js';
import { callServer, type ServerProcess, type ServerStart, serving, startServer } from './support/server-process.js';
import { createTestDatabase, ensurePgliteTemplate, NEEDS_POSTGRES, pgliteTemplateDir, SHARED_POSTGRES_URL, type TestDatabase } from './support/test-database.js';

/**
 * Every instance on one database needs the same ENCRYPTION_KEY, JWT_SECRET and
 * CODE_PEPPER. Real `dist/` servers, each with a DATA_DIR of its own and the default
 * NODE_ENV, as on two hosts: the second used to generate keys of its own and serve
 * (a 500 for every v1 request, the first's tokens refused, its codes never checking)
 * while /health/ready said 200. It now refuses to start, saying which keys differ.
 */

// A start takes seconds, but a minute on a loaded two-core machine.
const START_TIMEOUT = 120_000;
const TEST_TIMEOUT = 4 * START_TIMEOUT;

const ADMIN_PASSWORD = randomBytes(12).toString('hex');


const running: ServerProcess[] = [];
const dirs: string[] = [];
const dbs: TestDatabase[] = [];

beforeAll(() => ensurePgliteTemplate(), 120_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  await Promise.all(dbs.splice(0).map((db) => db.drop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'passcode-key-check-e2e-'));
  dirs.push(dir);
  return dir;
}

async function postgresDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ postgres: true });
  dbs.push(db);
  return db;
}

/**
 * Starts `node dist/src/main.js` on `DATA_DIR` (and `DATABASE_URL` when given), with the
 * default NODE_ENV and no keys but those in `env`: the others are generated into
 * DATA_DIR/keys.json unless it holds them. Resolves once it serves or has exited.
 */
async function start(dataDir: string, env: Record<string, string> = {}): Promise<ServerStart> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: '', REDIS_URL: '', DATA_DIR: dataDir, ADMIN_PASSWORD, LOG_LEVEL: 'info', ...env };
  for (const name of ['NODE_ENV', 'ENCRYPTION_KEY', 'JWT_SECRET', 'CODE_PEPPER']) if (!(name in env)) delete childEnv[name];
  const started = await startServer({ env: childEnv, timeoutMs: START_TIMEOUT });
  if ('server' in started) running.push(started.server);
  return started;
}

/** The refused start's last line, the operator's message; it must have exited 1 having never served. */
async function refusal(started: ServerStart): Promise<string> {
  if ('server' in started) {
    await started.server.stop();
    throw new Error(`the server started and served:\n${started.server.output()}`);
  }
  expect(started.exitCode).toBe(1);
  return started.output.trimEnd().split('\n').at(-1)!;
}

function call(server: ServerProcess, method: string, path: string, body?: unknown, token?: string) {
  return callServer(server.url, method, path, body, token);
}

async function adminToken(server: ServerProcess): Promise<string> {
  const res = await call(server, 'POST', '/admin/login', { username: 'admin', password: ADMIN_PASSWORD });
  expect(res.status).toBe(200);
  return res.body.data.access_token;
}

/** An app whose `login` scene sends through the console provider (its message, code included, is logged outside production). */
async function createLoginApp(server: ServerProcess, token: string): Promise<{ id: string; appkey: string; secret: string }> {
  const ok = async (method: string, path: string, body: unknown, status: number) => {
    const res = await call(server, method, path, body, token);
    expect(res.status).toBe(status);
    return res.body.data;
  };
  const app = await ok('POST', '/admin/apps', withFraudGuardOff({ name: 'Key Check App' }), 201);
  const account = await ok('POST', '/admin/sms/accounts', { name: 'Console', provider: 'console' }, 201);
  const signature = await ok('POST', `/admin/sms/accounts/${account.id}/signatures`, { sign_name: 'Passcode', type: 'verification' }, 201);
  const template = await ok(
    'POST',
    `/admin/sms/accounts/${account.id}/templates`,
    { template_code: 'TPL_LOGIN', scene: 'login', code_param: 'code', type: 'verification', content: 'Your login code is ${code}.' },
    201,
  );
  await ok('PUT', `/admin/apps/${app.id}/sms/bindings/login`, { template_id: template.id, signature_id: signature.id }, 200);
  return { id: app.id, appkey: app.appkey, secret: app.secret };
}

function signed(app: { appkey: string; secret: string }, body: Record<string, string>): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return { appkey: app.appkey, timestamp, sign: md5Hex(app.appkey + timestamp + app.secret), ...body };
}

/** The code of the one message the server's console provider logged; its log line may come a moment after the answer. */
async function loggedCode(server: ServerProcess): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = server.output().split('\n').slice(0, -1).find((l) => l.includes('"console SMS"'));
    if (line) return (JSON.parse(line) as { params: { code: string } }).params.code;
    if (Date.now() > deadline) throw new Error(`no console SMS logged:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The key checks a database holds, by key name. */
async function recordedChecks(query: (sql: string) => Promise<{ rows: Array<{ name: string; check_value: string }> }>): Promise<Record<string, string>> {
  const { rows } = await query('SELECT name, check_value FROM key_checks ORDER BY name');
  return Object.fromEntries(rows.map((r) => [r.name, r.check_value]));
}

async function postgresChecks(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await recordedChecks((sql) => client.query(sql));
  } finally {
    await client.end();
  }
}

/** Opened once the server on `dataDir` has stopped (one process per data directory). */
async function embeddedChecks(dataDir: string): Promise<Record<string, string>> {
  const ds = createDataSource({ dataDir });
  await ds.initialize();
  try {
    return await recordedChecks((sql) => poolOf(ds).query(sql));
  } finally {
    await ds.destroy();
  }
}

/** The check values of the keys a server with this DATA_DIR (and environment) uses. */
function checksOf(dataDir: string, env: Record<string, string> = {}): Record<string, string> {
  return keyChecks(loadConfig({ DATA_DIR: dataDir, ...env }).secrets);
}

(SHARED_POSTGRES_URL ? describe : describe.skip)(`instances on one Postgres ${NEEDS_POSTGRES}`, () => {
  it('refuses a second instance that generated keys of its own, naming all three and what to do; the first keeps serving', async () => {
    const db = await postgresDatabase();
    const first = serving(await start(tempDir(), { DATABASE_URL: db.url! }));
    const secondDir = tempDir();

    const message = await refusal(await start(secondDir, { DATABASE_URL: db.url! }));

    expect(message).toBe(
      "passcode: this instance's ENCRYPTION_KEY, JWT_SECRET and CODE_PEPPER differ from those this database was first used with " +
        '(table key_checks holds a check value of each key), so the app secrets and SMS credentials stored with the recorded key would not decrypt, ' +
        'tokens issued with the recorded key would be refused and codes sent with the recorded key would never check. ' +
        "Every instance on one database needs the same ENCRYPTION_KEY, JWT_SECRET and CODE_PEPPER: give this one the others', by setting the variables " +
        `to their values or by copying keys.json from the DATA_DIR of the instance that generated them into this one's (${secondDir}).`,
    );
    await adminToken(first);
  }, TEST_TIMEOUT);

  it('names only the key that differs', async () => {
    const db = await postgresDatabase();
    const firstDir = tempDir();
    serving(await start(firstDir, { DATABASE_URL: db.url! }));
    const secondDir = tempDir();
    copyFileSync(join(firstDir, 'keys.json'), join(secondDir, 'keys.json'));

    // The variable wins over keys.json.
    const message = await refusal(await start(secondDir, { DATABASE_URL: db.url!, JWT_SECRET: randomBytes(24).toString('hex') }));

    expect(message).toMatch(/^passcode: this instance's JWT_SECRET differs from the one this database was first used with /);
    expect(message).toContain('so tokens issued with the recorded key would be refused.');
    expect(message).not.toMatch(/ENCRYPTION_KEY (and|differ)|CODE_PEPPER (and|differ)|decrypt|never check/);
  }, TEST_TIMEOUT);

  it('with the same keys both serve: the first\'s token, an app made on it and a code sent through it are good on the second', async () => {
    const db = await postgresDatabase();
    const firstDir = tempDir();
    const first = serving(await start(firstDir, { DATABASE_URL: db.url! }));
    const secondDir = tempDir();
    copyFileSync(join(firstDir, 'keys.json'), join(secondDir, 'keys.json'));
    const second = serving(await start(secondDir, { DATABASE_URL: db.url! }));

    // Recorded once, by the first: the checks of the keys both use.
    expect(await postgresChecks(db.url!)).toEqual(checksOf(firstDir, { DATABASE_URL: db.url! }));
    const token = await adminToken(first);
    const app = await createLoginApp(first, token);
    expect((await call(second, 'GET', `/admin/apps/${app.id}`, undefined, token)).status).toBe(200);
    const phone = { mcode: '+86', mobile: '13800138000' };
    const sent = await call(first, 'POST', '/v1/sms/verify_code', signed(app, { ...phone, scene: 'login' }));
    expect(sent.body).toMatchObject({ code: 200, msg: 'success' });
    const checked = await call(second, 'POST', '/v1/sms/check_code', signed(app, { ...phone, scene: 'login', verify_code: await loggedCode(first) }));
    expect(checked.body).toMatchObject({ code: 200, data: { result: 'approved' } });
  }, TEST_TIMEOUT);

  it('checks nothing, and says so, on a database whose migrations were not applied (DB_MIGRATE_ON_START=false)', async () => {
    const db = await postgresDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(`DROP TABLE key_checks`);
      await client.query(`DELETE FROM schema_migrations WHERE name = 'KeyCheck1764440000000'`);
    } finally {
      await client.end();
    }

    const server = serving(await start(tempDir(), { DATABASE_URL: db.url!, DB_MIGRATE_ON_START: 'false' }));

    const warning = server.output().split('\n').find((l) => l.includes('keys not checked'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({ level: 40, msg: 'keys not checked against the database: its key_checks table is missing (apply the migrations)' });
  }, TEST_TIMEOUT);

  it('of two instances checking at once with different keys, one records its checks and the other is refused', async () => {
    const db = await postgresDatabase();
    const configs = [tempDir(), tempDir()].map((dir) => {
      const env = { NODE_ENV: 'test', DATA_DIR: dir, DATABASE_URL: db.url!, ENCRYPTION_KEY: randomBytes(32).toString('hex'), JWT_SECRET: randomBytes(24).toString('hex'), CODE_PEPPER: randomBytes(24).toString('hex') };
      return loadConfig(env);
    });
    const sources = configs.map((c) => createDataSource({ url: c.db.url, dataDir: c.db.dataDir, poolSize: 2 }));
    await Promise.all(sources.map((ds) => ds.initialize()));
    try {
      // Each round on an empty table: a check that reads before it records lets both believe they were first.
      for (let round = 0; round < 20; round++) {
        await poolOf(sources[0]).query('DELETE FROM key_checks');
        const outcomes = await Promise.allSettled(sources.map((ds, i) => checkKeys(ds, configs[i])));
        const won = outcomes.findIndex((o) => o.status === 'fulfilled');
        expect(won).toBeGreaterThanOrEqual(0);
        expect(outcomes[won]).toEqual({ status: 'fulfilled', value: { recorded: ['ENCRYPTION_KEY', 'JWT_SECRET', 'CODE_PEPPER'] } });
        const lost = outcomes[1 - won];
        expect(lost.status).toBe('rejected');
        const refused = (lost as PromiseRejectedResult).reason as KeyMismatchError;
        expect(refused).toBeInstanceOf(KeyMismatchError);
        expect(refused.keys).toEqual(['ENCRYPTION_KEY', 'JWT_SECRET', 'CODE_PEPPER']);
        expect(await postgresChecks(db.url!)).toEqual(keyChecks(configs[won].secrets));
      }
    } finally {
      await Promise.all(sources.map((ds) => ds.destroy()));
    }
  }, TEST_TIMEOUT);
});

describe('the embedded PGlite', () => {
  /** A data directory holding a migrated database (a copy of the tests' template) and no keys yet. */
  function embeddedDataDir(): string {
    const dir = tempDir();
    cpSync(pgliteTemplateDir(), dir, { recursive: true });
    return dir;
  }

  it('starts twice in a row with the keys.json it generated, and keeps the checks of those keys', async () => {
    const dataDir = embeddedDataDir();
    await serving(await start(dataDir)).stop();
    const keys = readFileSync(join(dataDir, 'keys.json'), 'utf8');

    await serving(await start(dataDir)).stop();

    expect(readFileSync(join(dataDir, 'keys.json'), 'utf8')).toBe(keys);
    expect(await embeddedChecks(dataDir)).toEqual(checksOf(dataDir));
  }, TEST_TIMEOUT);

  it('refuses to start without the keys.json it was used with, and starts again once it is back', async () => {
    const dataDir = embeddedDataDir();
    await serving(await start(dataDir)).stop();
    renameSync(join(dataDir, 'keys.json'), join(dataDir, 'keys.json.kept'));

    const message = await refusal(await start(dataDir));

    expect(message).toMatch(/^passcode: this instance's ENCRYPTION_KEY, JWT_SECRET and CODE_PEPPER differ from those this database was first used with /);
    expect(message).toContain(`Start it with the keys it was used with: the keys.json it had in DATA_DIR (${dataDir}), or the variables set then.`);
    renameSync(join(dataDir, 'keys.json.kept'), join(dataDir, 'keys.json'));
    await serving(await start(dataDir)).stop();
  }, TEST_TIMEOUT);
});
