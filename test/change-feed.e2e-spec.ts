import pg from 'pg';
import { AppsService } from '../src/apps/apps.service.js';
import { CHANGE_FEED_APPLICATION_NAME, ChangeFeed } from '../src/database/change-feed.js';
import { createApp } from './support/admin.js';
import { SHARED_POSTGRES_URL } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done` holds or the deadline passes; answers the last value read. */
async function poll<T>(read: () => Promise<T>, done: (v: T) => boolean, deadlineMs = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(100);
    value = await read();
  }
  return value;
}

// PGlite serves one process and has no LISTEN connection to lose: the listener exists only on Postgres.
(SHARED_POSTGRES_URL ? describe : describe.skip)('change feed: one LISTEN connection per instance, whatever happens to it (needs Postgres: on PGlite there is no LISTEN connection; TEST_DATABASE_URL, or one reachable at 127.0.0.1:5432)', () => {
  let t: TestApp;
  let admin: pg.Client;
  let database: string;

  beforeAll(async () => {
    t = await startTestApp({ postgres: true });
    database = new URL(t.db.url!).pathname.slice(1);
    admin = new pg.Client({ connectionString: SHARED_POSTGRES_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await t.close();
  });

  /** The backends of this app's database that are listening for changes (found by their last statement, whatever their name). */
  const listeners = async (): Promise<Array<{ pid: number; application_name: string }>> =>
    (
      await admin.query(
        `SELECT pid, application_name FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN passcode_changed' AND pid <> pg_backend_pid()`,
        [database],
      )
    ).rows;

  it('after five terminations of its backend there is exactly one listener, named, and a later change still reaches the instance', async () => {
    const missed: number[] = [];
    const changed: string[] = [];
    t.app.get(ChangeFeed).subscribe('test', { changed: (key) => changed.push(key), missed: () => missed.push(Date.now()) });

    let current = await poll(listeners, (l) => l.length === 1);
    expect(current).toHaveLength(1);
    expect(current[0].application_name).toBe(CHANGE_FEED_APPLICATION_NAME);

    for (let round = 0; round < 5; round++) {
      const gone = new Set(current.map((l) => l.pid));
      for (const pid of gone) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      // Wait until a listener other than the terminated ones is back.
      current = await poll(listeners, (l) => l.length > 0 && l.every((x) => !gone.has(x.pid)));
      expect(current.length).toBeGreaterThan(0);
    }
    // Give doubled listeners, if any, time to show up: count again until only one stays.
    const settled = await poll(
      async () => {
        await sleep(1000);
        return listeners();
      },
      (l) => l.length === 1,
      10_000,
    );
    expect(settled).toHaveLength(1);
    expect(settled[0].application_name).toBe(CHANGE_FEED_APPLICATION_NAME);
    expect(missed.length).toBeGreaterThanOrEqual(5);

    // A change announced after the reconnects reaches this instance: a raw notification, and an admin change made by another instance.
    const notifier = new pg.Client({ connectionString: t.db.url });
    await notifier.connect();
    await notifier.query(`SELECT pg_notify('passcode_changed', 'test:after-reconnects')`).finally(() => notifier.end());
    expect(await poll(async () => changed, (c) => c.includes('after-reconnects'), 10_000)).toContain('after-reconnects');

    const other = await startTestApp({ db: t.db });
    try {
      const app = await createApp(t);
      const apps = t.app.get(AppsService);
      expect((await apps.findByAppkey(app.appkey))?.status).toBe('enabled');
      await other.http.post(`/admin/apps/${app.id}/disable`).set('authorization', `Bearer ${await other.adminToken()}`).expect(200);
      // The cache keeps an entry 30 s: seeing the change well before that means the notification arrived.
      const status = await poll(async () => (await apps.findByAppkey(app.appkey))?.status, (s) => s === 'disabled', 10_000);
      expect(status).toBe('disabled');
    } finally {
      await other.close(true);
    }
  });
});

/**
 * A listener is idle by trade: an `idle_session_timeout` set on the database ended
 * its session every time it ran out, and each reconnect told every cache it may
 * have missed changes (dropping them all) and logged a warning.
 */
(SHARED_POSTGRES_URL ? describe : describe.skip)('change feed under an idle_session_timeout set on the database (needs Postgres)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ postgres: true, databaseSettings: { idle_session_timeout: '300ms' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps its one listening session for ten times the timeout, and misses nothing', async () => {
    const missed: number[] = [];
    t.app.get(ChangeFeed).subscribe('test', { changed: () => undefined, missed: () => missed.push(Date.now()) });
    const admin = new pg.Client({ connectionString: SHARED_POSTGRES_URL });
    await admin.connect();
    try {
      const listening = async () =>
        (await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query = 'LISTEN passcode_changed'`, [new URL(t.db.url!).pathname.slice(1)])).rows;
      const first = await poll(listening, (l) => l.length === 1);
      expect(first).toHaveLength(1);
      await sleep(3000);
      expect(await listening()).toEqual(first);
      expect(missed).toEqual([]);
    } finally {
      await admin.end();
    }
  });
});
