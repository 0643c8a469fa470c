import { connect } from 'node:net';
import pg from 'pg';

/** Where a newcomer's machine usually has them; TEST_POSTGRES_PROBE_URL / TEST_REDIS_PROBE_URL say otherwise, `off` not to look. */
const PROBE_POSTGRES = process.env.TEST_POSTGRES_PROBE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const PROBE_REDIS = process.env.TEST_REDIS_PROBE_URL || 'redis://127.0.0.1:6379';
/** The database the shared Postgres's templates and test databases are named after. */
const SHARED_DATABASE = 'passcode_test';

/**
 * Runs once before any test file (jest globalSetup). The tests that need several
 * instances on one Postgres, or Redis, run whenever one is reachable, not only
 * when the run's backend is Postgres: without TEST_DATABASE_URL the local Postgres
 * is looked for (and a `passcode_test` database created there to name test
 * databases after), without REDIS_URL the local Redis. What is found goes to the
 * test workers through the environment; what is not is said here, and the tests
 * that needed it are reported skipped with the reason in their names.
 */
export default async function globalSetup(): Promise<void> {
  const notes: string[] = [];
  if (!process.env.TEST_DATABASE_URL && PROBE_POSTGRES !== 'off') {
    const url = await sharedPostgres(PROBE_POSTGRES);
    if (url) process.env.PASSCODE_TEST_REACHABLE_POSTGRES = url;
    else notes.push(`no Postgres at ${PROBE_POSTGRES}: the tests that need one are skipped`);
  }
  if (!process.env.TEST_REDIS_URL && !process.env.REDIS_URL && PROBE_REDIS !== 'off') {
    if (await redisAnswers(PROBE_REDIS)) process.env.TEST_REDIS_URL = PROBE_REDIS;
    else notes.push(`no Redis at ${PROBE_REDIS}: the Redis throttling tests are skipped`);
  }
  for (const note of notes) process.stdout.write(`\npasscode tests: ${note}\n`);
}

/** A URL of the `passcode_test` database on the Postgres at `url`, if it answers and lets us create databases. */
async function sharedPostgres(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    const { rows } = await client.query(`SELECT rolcreatedb OR rolsuper AS can FROM pg_roles WHERE rolname = current_user`);
    if (!rows[0]?.can) return undefined;
    if (!(await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [SHARED_DATABASE])).rowCount) {
      await client.query(`CREATE DATABASE ${SHARED_DATABASE}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another run
      });
    }
    const shared = new URL(url);
    shared.pathname = `/${SHARED_DATABASE}`;
    return shared.toString();
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether a Redis answers PING at `url` within a second. */
function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
