import pg from 'pg';
import { createSmsApp } from './support/v1.js';
import { expectServiceUnavailable, expectServing, probeDialects, probeUntilServing } from './support/db-outage.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { SHARED_POSTGRES_URL } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * A database the app cannot reach is SERVICE_UNAVAILABLE in every dialect (503),
 * not an internal error. Here the app's own database stops taking connections and
 * its backends are terminated, so the pool cannot reconnect; test/abuse/
 * db-restart.abuse-spec.ts restarts a real cluster.
 */
(SHARED_POSTGRES_URL ? describe : describe.skip)('a database that cannot be reached (needs Postgres: PGlite runs in the process and cannot go away; TEST_DATABASE_URL, or one reachable at 127.0.0.1:5432)', () => {
  let t: TestApp;
  let admin: pg.Client;
  let database: string;

  beforeAll(async () => {
    t = await startTestApp({ postgres: true, override: withRecordingSms(new RecordingSmsProvider()) });
    database = new URL(t.db.url!).pathname.slice(1);
    admin = new pg.Client({ connectionString: SHARED_POSTGRES_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await admin.end();
    await t.close();
  });

  it('answers 503 in every dialect while connections are refused, and serves again once they are not', async () => {
    const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1_000_000 } });
    const token = await t.adminToken();
    expectServing(await probeDialects(t, app, token));

    await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
    expectServiceUnavailable(await probeDialects(t, app, token));
    // Not one of those answers was an internal error, and the outage is one warning, not a stack per request.
    expect(t.logs.lines().filter((l) => String(l.msg).includes('request failed'))).toEqual([]);
    expect(t.logs.lines().filter((l) => String(l.msg).startsWith('database unreachable'))).toEqual([
      expect.objectContaining({ level: 40, cause: expect.any(String), refusedSinceLastLine: 0 }),
    ]);

    await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
    expectServing(await probeUntilServing(t, app, token));
  });
});
