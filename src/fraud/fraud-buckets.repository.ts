import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { sqlClientOf } from '../database/sql-client.js';
import { type BucketKind, type BucketState, type FraudBucketRow } from './fraud-bucket.js';

/**
 * A window's roll, for the upsert and the approval: counts of a window that ended
 * become the previous window's (or nothing, when more than one window passed).
 * $ws is the current window's start, $wsec its length in seconds.
 */
const ROLL = (t: string) => `
  prev_sends = CASE WHEN ${t}.window_start = $ws THEN ${t}.prev_sends WHEN ${t}.window_start = $ws - make_interval(secs => $wsec) THEN ${t}.sends ELSE 0 END,
  prev_approvals = CASE WHEN ${t}.window_start = $ws THEN ${t}.prev_approvals WHEN ${t}.window_start = $ws - make_interval(secs => $wsec) THEN ${t}.approvals ELSE 0 END`;

function numbered(sql: string): string {
  return sql.replaceAll('$wsec', '$5').replaceAll('$ws', '$4');
}

/**
 * Counts one send in each bucket (one statement, both rows, in a fixed order so
 * concurrent sends cannot deadlock) and answers the rows as they now are.
 * $1 app, $2 country key, $3 prefix key, $4 window start, $5 window seconds, $6 now.
 */
const COUNT_SEND = numbered(`
  INSERT INTO fraud_buckets AS b (app_id, kind, key, window_start, sends, approvals, prev_sends, prev_approvals, state, updated_at)
  VALUES ($1, 'country', $2, $ws, 1, 0, 0, 0, 'normal', $6), ($1, 'prefix', $3, $ws, 1, 0, 0, 0, 'normal', $6)
  ON CONFLICT (app_id, kind, key) DO UPDATE SET
    ${ROLL('b')},
    sends = CASE WHEN b.window_start = $ws THEN b.sends + 1 ELSE 1 END,
    approvals = CASE WHEN b.window_start = $ws THEN b.approvals ELSE 0 END,
    window_start = $ws,
    updated_at = $6
  RETURNING *`);

/**
 * Counts one approval in the buckets that exist (a code approved whose send was
 * counted), locking them in the send's order. Same parameters as COUNT_SEND.
 */
const COUNT_APPROVAL = numbered(`
  WITH locked AS (
    SELECT kind, key FROM fraud_buckets
    WHERE app_id = $1 AND ((kind = 'country' AND key = $2) OR (kind = 'prefix' AND key = $3))
    ORDER BY kind FOR UPDATE)
  UPDATE fraud_buckets b SET
    ${ROLL('b')},
    approvals = CASE WHEN b.window_start = $ws THEN b.approvals + 1 ELSE 1 END,
    sends = CASE WHEN b.window_start = $ws THEN b.sends ELSE 0 END,
    window_start = $ws,
    updated_at = $6
  FROM locked WHERE b.app_id = $1 AND b.kind = locked.kind AND b.key = locked.key`);

/** The only code that touches `fraud_buckets`. */
@Injectable()
export class FraudBucketsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async countSend(appId: string, country: string, prefix: string, windowStart: Date, windowS: number, now: Date): Promise<FraudBucketRow[]> {
    const q = await sqlClientOf(this.ds);
    const { rows } = await q.query<FraudBucketRow>(COUNT_SEND, [appId, country, prefix, windowStart, windowS, now]);
    return rows;
  }

  /** Takes back a send counted in the current window (a send its range refused). */
  async uncountSend(appId: string, country: string, windowStart: Date): Promise<void> {
    const q = await sqlClientOf(this.ds);
    await q.query(`UPDATE fraud_buckets SET sends = sends - 1 WHERE app_id = $1 AND kind = 'country' AND key = $2 AND window_start = $3 AND sends > 0`, [appId, country, windowStart]);
  }

  async countApproval(appId: string, country: string, prefix: string, windowStart: Date, windowS: number, now: Date): Promise<void> {
    const q = await sqlClientOf(this.ds);
    await q.query(COUNT_APPROVAL, [appId, country, prefix, windowStart, windowS, now]);
  }

  /**
   * Moves a bucket from the state it was seen in to `to`, in `m`'s transaction,
   * unless another instance moved it meanwhile (then null): of concurrent sends
   * that see the same change, one makes it, and only that one reports it. Leaving
   * a flag for normal starts the bucket's counts afresh.
   */
  async transition(
    m: EntityManager,
    seen: Pick<FraudBucketRow, 'app_id' | 'kind' | 'key' | 'state' | 'state_changed_at'>,
    to: BucketState,
    until: Date | null,
    now: Date,
  ): Promise<FraudBucketRow | null> {
    const q = await sqlClientOf(m);
    const reset = to === 'normal' ? ', sends = 0, approvals = 0, prev_sends = 0, prev_approvals = 0' : '';
    const { rows } = await q.query<FraudBucketRow>(
      `UPDATE fraud_buckets SET state = $4, state_until = $5, state_changed_at = $6, updated_at = $6${reset}
       WHERE app_id = $1 AND kind = $2 AND key = $3 AND state = $7 AND state_changed_at IS NOT DISTINCT FROM $8
       RETURNING *`,
      [seen.app_id, seen.kind, seen.key, to, until, now, seen.state, seen.state_changed_at],
    );
    return rows[0] ?? null;
  }

  async findOne(appId: string, kind: BucketKind, key: string): Promise<FraudBucketRow | null> {
    const q = await sqlClientOf(this.ds);
    const { rows } = await q.query<FraudBucketRow>(`SELECT * FROM fraud_buckets WHERE app_id = $1 AND kind = $2 AND key = $3`, [appId, kind, key]);
    return rows[0] ?? null;
  }

  /** The app's buckets in a state other than normal (or in `state`), most recently changed first. */
  async listFlagged(appId: string, state: BucketState | undefined, limit: number): Promise<FraudBucketRow[]> {
    const q = await sqlClientOf(this.ds);
    const { rows } = await q.query<FraudBucketRow>(
      `SELECT * FROM fraud_buckets WHERE app_id = $1 AND state <> 'normal' AND ($2::text IS NULL OR state = $2)
       ORDER BY state_changed_at DESC, kind, key LIMIT $3`,
      [appId, state ?? null, limit],
    );
    return rows;
  }
}
