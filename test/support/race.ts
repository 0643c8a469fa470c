import { POSTGRES_URL } from './test-database.js';

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
