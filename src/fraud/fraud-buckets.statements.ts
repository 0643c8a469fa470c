// The fraud guard's statements on every send and every approved check, as named
// prepared statements (bench/bare-server.mjs sends these very texts, from the build).
//
// Each commits without waiting for the WAL flush: `set_config(…, true)` in the
// statement turns synchronous_commit off for its own implicit transaction only
// (the connection keeps its setting; as COMPLETE_MESSAGES in sms-log.statements.ts),
// so a send makes one durable commit (its code and send-log row), not two. The
// counts are advisory: a crash of Postgres may lose the counts of its last moment
// (up to three times wal_writer_delay, 0.6 s by default; embedded, the PGlite
// worker's flush, see pglite-worker.source.ts), which only delays a
// bucket's judgement by as many sends. A bucket's change of state is not written
// here: it stays a durable transaction with its audit entry and its event.
import { PreparedStatement } from '../database/prepared-statement.js';
import { type FraudBucketRow } from './fraud-bucket.js';

/** This statement's transaction commits without waiting for the WAL flush (see above). */
const RELAXED = `set_config('synchronous_commit', 'off', true) IS NOT NULL`;

/**
 * A window's roll, for the upsert and the approval: counts of a window that ended
 * become the previous window's (or nothing, when more than one window passed).
 * $4 is the current window's start, $5 its length in seconds.
 */
const ROLL = (t: string) => `
    prev_sends = CASE WHEN ${t}.window_start = $4 THEN ${t}.prev_sends WHEN ${t}.window_start = $4 - make_interval(secs => $5) THEN ${t}.sends ELSE 0 END,
    prev_approvals = CASE WHEN ${t}.window_start = $4 THEN ${t}.prev_approvals WHEN ${t}.window_start = $4 - make_interval(secs => $5) THEN ${t}.approvals ELSE 0 END`;

/**
 * Counts one send in each bucket (one statement, both rows, in a fixed order so
 * concurrent sends cannot deadlock) and answers the rows as they now are.
 * $1 app, $2 country key, $3 prefix key, $4 window start, $5 window seconds, $6 now.
 * The rows come from a VALUES list under a WHERE, for the WHERE to relax the commit
 * on the first send of a bucket too (an INSERT … VALUES has none).
 */
export const COUNT_SEND = new PreparedStatement<FraudBucketRow>(
  'passcode_fraud_count_send',
  `INSERT INTO fraud_buckets AS b (app_id, kind, key, window_start, sends, approvals, prev_sends, prev_approvals, state, updated_at)
   SELECT $1, k.kind, k.key, $4, 1, 0, 0, 0, 'normal', $6
   FROM (VALUES ('country', $2::text), ('prefix', $3::text)) k (kind, key)
   WHERE ${RELAXED}
   ON CONFLICT (app_id, kind, key) DO UPDATE SET
    ${ROLL('b')},
    sends = CASE WHEN b.window_start = $4 THEN b.sends + 1 ELSE 1 END,
    approvals = CASE WHEN b.window_start = $4 THEN b.approvals ELSE 0 END,
    window_start = $4,
    updated_at = $6
   RETURNING *`,
);

/** Takes back a send counted in the current window of a country ($1 app, $2 country key, $3 window start). */
export const UNCOUNT_SEND = new PreparedStatement(
  'passcode_fraud_uncount_send',
  `UPDATE fraud_buckets SET sends = sends - 1
   WHERE app_id = $1 AND kind = 'country' AND key = $2 AND window_start = $3 AND sends > 0 AND ${RELAXED}`,
);

/**
 * Counts one approval in the buckets that exist (a code approved whose send was
 * counted), locking them in the send's order. Same parameters as COUNT_SEND.
 */
export const COUNT_APPROVAL = new PreparedStatement(
  'passcode_fraud_count_approval',
  `WITH locked AS (
     SELECT kind, key FROM fraud_buckets
     WHERE app_id = $1 AND ((kind = 'country' AND key = $2) OR (kind = 'prefix' AND key = $3))
     ORDER BY kind FOR UPDATE)
   UPDATE fraud_buckets b SET
    ${ROLL('b')},
    approvals = CASE WHEN b.window_start = $4 THEN b.approvals + 1 ELSE 1 END,
    sends = CASE WHEN b.window_start = $4 THEN b.sends ELSE 0 END,
    window_start = $4,
    updated_at = $6
   FROM locked WHERE b.app_id = $1 AND b.kind = locked.kind AND b.key = locked.key AND ${RELAXED}`,
);
