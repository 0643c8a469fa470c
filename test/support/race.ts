import pg from 'pg';
import { DataSource } from 'typeorm';
import { POSTGRES_URL } from './test-database.js';
import type { TestApp } from './test-app.js';

/** Why a race test is skipped without Postgres; part of its name, so a run on PGlite says what it did not test. */
export const POSTGRES_ONLY = '(Postgres only: PGlite serialises every statement)';

/**
 * A race test: concurrent requests contend for one row and the code must let a
 * fixed number win. PGlite runs the statements of every request one after
 * another on its one connection, where no race can happen and such a test passes
 * whatever the code does: there it is reported skipped, not passed. It runs on
 * Postgres (TEST_DATABASE_URL).
 */
export function itRaces(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  (POSTGRES_URL ? it : it.skip)(`${name} ${POSTGRES_ONLY}`, fn, timeout);
}

/**
 * Opens every connection of the test app's pool before a race. A cold pool opens
 * its connections one by one as the racers ask for them, and the first racer's
 * statement can be over before the second has a connection: the racers then
 * run one after another, as on PGlite.
 */
export async function warmPool(t: TestApp): Promise<void> {
  const ds = t.app.get(DataSource);
  await Promise.all(Array.from({ length: t.config.db.poolSize }, () => ds.query('SELECT pg_sleep(0.05)')));
}

/**
 * Runs `race` while another connection holds a lock the racers' statements must
 * wait for, and lets them all go at once when `queue` of them are waiting (by
 * default as many as the pool holds): each of those statements started before
 * any could finish, the schedule a race must survive. `lock` matches or writes
 * one row in a transaction that is rolled back to let the racers go: a SELECT …
 * FOR UPDATE of the row they update, or an INSERT of the row they would insert,
 * so that they all meet at its key. Answers the race's result and how many
 * racers had queued; a test asserts that more than one had, or it raced nothing.
 */
export async function raceBehindLock<T>(
  t: TestApp,
  lock: { sql: string; params: unknown[] },
  race: () => Promise<T>,
  queue = t.config.db.poolSize,
): Promise<{ result: T; queued: number }> {
  const client = new pg.Client({ connectionString: t.db.url });
  await client.connect();
  try {
    await client.query('BEGIN');
    const locked = await client.query(lock.sql, lock.params);
    if (locked.rowCount !== 1) throw new Error(`raceBehindLock: the lock matched ${locked.rowCount} rows, not 1`);
    const running = race();
    running.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    const waiting = async () => {
      await client.query('SELECT pg_stat_clear_snapshot()'); // else a transaction sees the activity of its first look throughout
      return (await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0].n as number;
    };
    let queued = 0;
    for (const deadline = Date.now() + 5000; queued < queue && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 10));
      queued = await waiting();
    }
    await client.query('ROLLBACK');
    return { result: await running, queued };
  } finally {
    await client.end();
  }
}
