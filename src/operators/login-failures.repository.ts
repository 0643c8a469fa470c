import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { sqlRows } from '../database/sql-rows.js';

/** How {@link LoginFailuresRepository.recordFailure} counts and locks. */
export interface FailurePolicy {
  /** Failures in a row that lock the pair. */
  maxFailures: number;
  /** The first lock's length; each further lock of the pair doubles it, up to {@link MAX_LOCK_S}. */
  lockS: number;
}

/** The longest lock (the doubling stops there). */
export const MAX_LOCK_S = 86_400;
/** How long a pair is remembered after its last failure, or after its lock ends. */
export const FORGET_AFTER_S = 86_400;

// Fragments of RECORD_FAILURE. `f` is the pair's row as it was.
const NOW = `$3::timestamptz`;
/** The row is past forgetting: it counts as no row at all. */
const STALE = `f.forget_at <= ${NOW}`;
/** This failure's number in the pair's current run: a lock that has ended starts a new run. */
const FAILURES = `CASE WHEN ${STALE} OR f.locked_until <= ${NOW} THEN 1 ELSE f.failures + 1 END`;
const PRIOR_LOCKS = `CASE WHEN ${STALE} THEN 0 ELSE f.locks END`;
const LOCKING = `(${FAILURES}) >= $4::int`;
const LOCK_END = `${NOW} + make_interval(secs => least($5::int * power(2, least(${PRIOR_LOCKS}, 30)), $6::int))`;
/** A pair's first failure locks it only when one failure is the limit. */
const FIRST_LOCKS = `$4::int <= 1`;
const FIRST_LOCK_END = `${NOW} + make_interval(secs => $5::int)`;
const FORGET = `make_interval(secs => $7::int)`;

/**
 * Counts one failed login of a (username, IP) pair in one statement, so
 * concurrent failures on any instance all count: $1 username, $2 ip, $3 now,
 * $4 failures that lock, $5 the first lock's seconds, $6 the longest lock's,
 * $7 seconds to remember the pair. The failure that completes a run locks the
 * pair, for twice as long as its previous lock. A failure that arrives while the
 * pair is locked (it passed the lock check just before the lock was taken)
 * changes nothing.
 */
const RECORD_FAILURE = `
  INSERT INTO operator_login_failures AS f (username, ip, failures, locks, locked_until, forget_at)
  VALUES ($1, $2, 1,
    CASE WHEN ${FIRST_LOCKS} THEN 1 ELSE 0 END,
    CASE WHEN ${FIRST_LOCKS} THEN ${FIRST_LOCK_END} END,
    CASE WHEN ${FIRST_LOCKS} THEN ${FIRST_LOCK_END} ELSE ${NOW} END + ${FORGET})
  ON CONFLICT (username, ip) DO UPDATE SET
    failures = ${FAILURES},
    locks = CASE WHEN ${LOCKING} THEN ${PRIOR_LOCKS} + 1 ELSE ${PRIOR_LOCKS} END,
    locked_until = CASE WHEN ${LOCKING} THEN ${LOCK_END} END,
    forget_at = CASE WHEN ${LOCKING} THEN ${LOCK_END} ELSE ${NOW} END + ${FORGET}
  WHERE f.locked_until IS NULL OR f.locked_until <= ${NOW}`;

/**
 * The only code that touches `operator_login_failures`: failed operator logins
 * per (username, client IP), for known and unknown usernames alike, and the
 * pair's lock.
 */
@Injectable()
export class LoginFailuresRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** When the pair's lock ends, if it is locked at `now`. */
  async lockedUntil(username: string, ip: string, now: Date): Promise<Date | null> {
    const [row] = sqlRows<{ locked_until: Date }>(
      await this.ds.query(`SELECT locked_until FROM operator_login_failures WHERE username = $1 AND ip = $2 AND locked_until > $3`, [username, ip, now]),
    );
    return row ? new Date(row.locked_until) : null;
  }

  /** Counts a failure; the one that completes a run of `maxFailures` locks the pair. */
  async recordFailure(username: string, ip: string, now: Date, policy: FailurePolicy): Promise<void> {
    await this.ds.query(RECORD_FAILURE, [username, ip, now, policy.maxFailures, policy.lockS, Math.max(MAX_LOCK_S, policy.lockS), FORGET_AFTER_S]);
  }

  /** Forgets the pair: a successful login starts it over. */
  async clear(username: string, ip: string): Promise<void> {
    await this.ds.query(`DELETE FROM operator_login_failures WHERE username = $1 AND ip = $2`, [username, ip]);
  }

  /** Drops the pairs past forgetting. */
  async sweep(now: Date): Promise<void> {
    await this.ds.query(`DELETE FROM operator_login_failures WHERE forget_at <= $1`, [now]);
  }
}
