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
