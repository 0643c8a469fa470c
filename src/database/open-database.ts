import { setTimeout as sleep } from 'node:timers/promises';
import { type DataSourceOptions } from 'typeorm';
import { type DbUnavailable, dbUnavailable, describeUnavailable } from '../common/errors/db-unavailable.js';
import { OperatorError } from '../common/errors/operator-error.js';
import { databaseNames, initializeExplained } from './connect-refusal.js';
import { createDataSource, type DatabaseTarget, type PasscodeDataSource, runMigrations } from './data-source.factory.js';
import { checkEncoding } from './encoding-check.js';
import { takesNoWrites } from './read-only.js';

/** A Postgres that could not serve for as long as a start waits for it (DB_START_WAIT_S). */
export class DatabaseUnavailableError extends OperatorError {}

/** How long a start waits between two tries at a Postgres that cannot serve yet. */
export const START_RETRY_EVERY_MS = 3000;

/** A try that failed for a reason that may pass: the start tries again in `retryInMs`. */
export interface StartWait {
  attempt: number;
  /** `connection refused (ECONNREFUSED)`, `read-only (25006)`, … */
  reason: string;
  /** The driver's message. */
  cause: string;
  retryInMs: number;
}

export interface OpenDatabaseOptions {
  entities?: DataSourceOptions['entities'];
  /** Apply the pending migrations. */
  migrate: boolean;
  /** How long to keep trying a Postgres that cannot serve yet; 0: one try. */
  waitMs: number;
  /** Told of each try that failed and will be tried again, as it happens. */
  onWait: (wait: StartWait) => void;
}

/**
 * Opens the database of `target`, checks its encoding and applies the pending
 * migrations (when asked). A Postgres that cannot serve yet, as
 * {@link dbUnavailable} judges (not running, starting up, a name not yet
 * resolved, read-only while a failover ends), is tried again every 3 s for up to
 * `waitMs`, each failed try reported through `onWait`; then the start ends in one
 * line naming the reason ({@link DatabaseUnavailableError}). Anything else ends it
 * at once: a refusal no retry mends (connect-refusal.ts), a migration's error,
 * the embedded database's (nothing to wait for in this process).
 */
export async function openDatabase(target: DatabaseTarget, options: OpenDatabaseOptions): Promise<{ ds: PasscodeDataSource; applied: string[] }> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const ds = createDataSource(target, options.entities);
    try {
      await initializeExplained(ds, target.url);
      await checkEncoding(ds);
      if (target.url) await assertWritable(ds);
      return { ds, applied: options.migrate ? await runMigrations(ds) : [] };
    } catch (err) {
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
      // Only a Postgres may come to serve; an operator's error (a refusal explained) is final.
      if (!target.url || err instanceof OperatorError) throw err;
      const unavailable = dbUnavailable(err);
      if (!unavailable) throw err;
      const cause = err instanceof Error ? err.message : String(err);
      const retryInMs = Math.min(START_RETRY_EVERY_MS, options.waitMs - (Date.now() - started));
      if (retryInMs <= 0) throw new DatabaseUnavailableError(gaveUp(target.url, options.waitMs, unavailable, cause));
      options.onWait({ attempt, reason: describeUnavailable(unavailable), cause, retryInMs });
      await sleep(retryInMs);
    }
  }
}

/**
 * Fails as a write would (25006) when the database {@link takesNoWrites}. A start
 * with no migration pending wrote nothing before its key check, which then failed
 * with a stack; now the start waits for the primary, as for one not yet up.
 */
async function assertWritable(ds: PasscodeDataSource): Promise<void> {
  if (await takesNoWrites(ds)) {
    throw Object.assign(new Error('the database takes no writes (transaction_read_only is on: a standby, or default_transaction_read_only is set)'), { code: '25006' });
  }
}

/** The start's last line: what stayed wrong, and what to look at. */
function gaveUp(url: string, waitMs: number, unavailable: DbUnavailable, cause: string): string {
  const { host, database } = databaseNames(url);
  const waited = waitMs ? `after ${Math.round(waitMs / 1000)} s of tries` : 'at the first try (DB_START_WAIT_S=0)';
  const hint = unavailable.code === '25006'
    ? 'DATABASE_URL names a standby or a database set read-only: point it at the primary'
    : `check that Postgres is running there and that DATABASE_URL names it; DB_START_WAIT_S sets how long a start waits`;
  return `the database ${database} on ${host} could not serve ${waited}: ${describeUnavailable(unavailable)}: ${cause}; ${hint}`;
}
