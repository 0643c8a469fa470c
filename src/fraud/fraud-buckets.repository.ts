import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { sqlClientOf } from '../database/sql-client.js';
import { type BucketKind, type BucketState, type FraudBucketRow } from './fraud-bucket.js';
import { COUNT_APPROVAL, COUNT_SEND, UNCOUNT_SEND } from './fraud-buckets.statements.js';

/** The only code that touches `fraud_buckets`. */
@Injectable()
export class FraudBucketsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Counts a send in its two buckets and answers them. Like the two methods below,
   * it commits without waiting for the WAL flush: the counts are advisory, and a
   * crash may lose the last few (fraud-buckets.statements.ts).
   */
  countSend(appId: string, country: string, prefix: string, windowStart: Date, windowS: number, now: Date): Promise<FraudBucketRow[]> {
    return COUNT_SEND.rows(this.ds, [appId, country, prefix, windowStart, windowS, now]);
  }

  /** Takes back a send counted in the current window (a send its range refused). */
  async uncountSend(appId: string, country: string, windowStart: Date): Promise<void> {
    await UNCOUNT_SEND.rows(this.ds, [appId, country, windowStart]);
  }

  async countApproval(appId: string, country: string, prefix: string, windowStart: Date, windowS: number, now: Date): Promise<void> {
    await COUNT_APPROVAL.rows(this.ds, [appId, country, prefix, windowStart, windowS, now]);
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
