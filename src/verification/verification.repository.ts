import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import type { Scene } from '../common/scenes.js';
import { type PgTransaction, pgTransaction } from '../database/pg-transaction.js';
import { sqlClientOf } from '../database/sql-client.js';
import { messageRowValues } from '../sms/sms-log.statements.js';
import type { NewSmsMessage } from '../sms/sms-message.entity.js';
import { type VerificationCodeRow } from './verification-code.js';
import { CHECK_CODE, type SlotRow, takeSendSlotStatement } from './verification.statements.js';

export type CounterScope = 'phone_day' | 'country_day' | 'ip_hour' | 'app_day' | 'test_miss_day';

export interface CounterKey {
  scope: CounterScope;
  subject: string;
  windowStart: Date;
}

/** What {@link VerificationRepository.takeSendSlot} takes for one send. */
export interface SendSlot {
  now: Date;
  /** The end of the cooldown this send starts. */
  until: Date;
  /** Marks the cooldown as this send's, so a failed send gives back only its own. */
  holder: string;
  /** Each window's key and limit, checked in this order. */
  counters: Array<[CounterKey, number]>;
  code: Omit<VerificationCodeRow, 'attempts' | 'consumed_at' | 'superseded_at' | 'created_at'> & { ip: string | null; country: string | null };
  /** The send-log row of the code's SMS, written with it. */
  message: NewSmsMessage;
}

/** What {@link VerificationRepository.check} found and did. */
export interface CheckedCode {
  /**
   * The newest code, as it was before this check; null when there is none. `country`
   * is the ISO region it was sent to (null when unknown), for the fraud guard.
   */
  latest: (Pick<VerificationCodeRow, 'id' | 'code_hash' | 'expires_at' | 'attempts' | 'max_attempts' | 'consumed_at' | 'superseded_at'> & { country: string | null }) | null;
  /** An older, superseded code had this hash: the client used a stale SMS. */
  staleHash: boolean;
  /** This check consumed the newest code. */
  consumed: boolean;
  /** The newest code's attempts after this check counted a wrong one (null when it counted none). */
  attemptsAfter: number | null;
}

export type SendSlotAnswer =
  /** The send-log row got `messageId`. */
  | { status: 'taken'; messageId: string }
  /** Another send holds the cooldown until then. */
  | { status: 'cooldown'; until: Date }
  /** `counters[counter]` is at its limit. */
  | { status: 'limit'; counter: number };

/**
 * The only code that touches `verification_codes`, `send_cooldowns` and
 * `send_counters`. Every limit is one conditional upsert, so concurrent requests
 * on any number of instances cannot both pass it.
 */
@Injectable()
export class VerificationRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Takes what one send needs in one statement (one round trip, and its own
   * commit when no `tx` is given): the (app, phone) cooldown until `until` unless
   * it is still held at `now`, then, only if it was taken, one count in each
   * window unless that count already reached its limit, and the new code
   * (superseding every live one of its app, phone and scene), with the send-log
   * row of its SMS. A held cooldown writes nothing; a refusing counter fails the
   * statement (SQLSTATE PC429), which undoes everything it wrote, and fails the
   * transaction `tx` when given: the caller then rolls it back.
   *
   * The caps that every send of an app or an IP shares are single hot rows; taken
   * in the statement's last step, their row locks are held until its commit,
   * with no round trip to the client in between when the statement runs alone.
   */
  async takeSendSlot(slot: SendSlot, tx?: PgTransaction): Promise<SendSlotAnswer> {
    const { code, counters } = slot;
    const on = tx ?? this.ds;
    const params: unknown[] = [code.app_id, code.phone_e164, slot.until, slot.holder, slot.now];
    for (const [key, limit] of counters) params.push(key.scope, key.subject, key.windowStart, limit);
    params.push(code.id, code.scene, code.code_hash, code.expires_at, code.max_attempts, code.ip, code.country, ...messageRowValues(slot.message));
    let row: SlotRow;
    try {
      [row] = await takeSendSlotStatement(counters.length).rows(on, params);
    } catch (err) {
      const refused = refusedCounter(err);
      if (refused === undefined) throw err;
      return { status: 'limit', counter: refused };
    }
    if (!row.taken) {
      // The statement's snapshot may predate a holder that committed meanwhile: then ask again.
      const heldUntil = row.held_until ?? (await this.cooldownEnd(on, code.app_id, code.phone_e164));
      return { status: 'cooldown', until: heldUntil ? new Date(heldUntil) : slot.now };
    }
    return { status: 'taken', messageId: row.message_id };
  }

  private async cooldownEnd(on: PgTransaction | DataSource, appId: string, phone: string): Promise<Date | null> {
    const { rows } = await (await sqlClientOf(on)).query<{ next_allowed_at: Date }>(`SELECT next_allowed_at FROM send_cooldowns WHERE app_id = $1 AND phone_e164 = $2`, [appId, phone]);
    return rows[0]?.next_allowed_at ?? null;
  }

  /** Gives the cooldown back after a failed send, unless a later send took it meanwhile. */
  async releaseCooldown(tx: PgTransaction, appId: string, phone: string, holder: string, now: Date): Promise<void> {
    await tx.client.query(`UPDATE send_cooldowns SET next_allowed_at = $4 WHERE app_id = $1 AND phone_e164 = $2 AND holder = $3`, [appId, phone, holder, now]);
  }

  async decrement(tx: PgTransaction, appId: string, key: CounterKey): Promise<void> {
    await tx.client.query(
      `UPDATE send_counters SET count = count - 1 WHERE app_id = $1 AND scope = $2 AND subject = $3 AND window_start = $4 AND count > 0`,
      [appId, key.scope, key.subject, key.windowStart],
    );
  }

  /**
   * A test number's misses in the window (its fixed code has no row to count
   * them on): one more counted when `miss`, unless `limit` are counted already.
   * Answers whether the number may still be checked: a counted miss, or a right
   * code while fewer than `limit` misses are counted. In `tx`, the caller's transaction, when given.
   */
  async testNumberCheckable(appId: string, phone: string, windowStart: Date, limit: number, miss: boolean, tx?: EntityManager): Promise<boolean> {
    const client = await sqlClientOf(tx ?? this.ds);
    if (miss) {
      const { rows } = await client.query(
        `INSERT INTO send_counters AS c (app_id, scope, subject, window_start, count) VALUES ($1, 'test_miss_day', $2, $3, 1)
         ON CONFLICT (app_id, scope, subject, window_start) DO UPDATE SET count = c.count + 1 WHERE c.count < $4 RETURNING count`,
        [appId, phone, windowStart, limit],
      );
      return rows.length > 0;
    }
    const { rows } = await client.query<{ count: number }>(
      `SELECT count FROM send_counters WHERE app_id = $1 AND scope = 'test_miss_day' AND subject = $2 AND window_start = $3`,
      [appId, phone, windowStart],
    );
    return (rows[0]?.count ?? 0) < limit;
  }

  /** Kills a code whose SMS never went out. */
  async kill(tx: PgTransaction, id: string, now: Date): Promise<void> {
    await tx.client.query(`UPDATE verification_codes SET superseded_at = $2 WHERE id = $1 AND superseded_at IS NULL`, [id, now]);
  }

  /**
   * Checks a code in one statement (one round trip) and answers what the caller
   * needs to name the outcome: the newest code of (app, phone, scene) as it was
   * when the statement began, whether an older superseded code had this hash,
   * and whether this check consumed the code. In the same statement the newest
   * code is consumed when the hash matches and it is live, or counted one more
   * failed attempt when it does not match and no superseded code did (a stale
   * SMS is not a guess). Each update re-checks liveness on the row itself, so of
   * concurrent checks of one right code at most one consumes it.
   */
  async check(appId: string, phone: string, scene: Scene, hash: string, now: Date, tx?: PgTransaction | EntityManager): Promise<CheckedCode> {
    const [row] = await CHECK_CODE.rows(tx ?? this.ds, [appId, phone, scene, hash, now]);
    const { id, code_hash, expires_at, attempts, max_attempts, consumed_at, superseded_at, country } = row;
    return {
      latest: id === null ? null : { id, code_hash, expires_at, attempts, max_attempts, consumed_at, superseded_at, country },
      staleHash: row.stale,
      consumed: row.consumed,
      attemptsAfter: row.attempts_after,
    };
  }

  /**
   * The code `id` of `phone` as it is now (after concurrent checks committed), in {@link CheckedCode.latest}'s shape;
   * null once purged, or once it no longer shows the number (a deregistration or an erasure rewrote it).
   */
  async current(id: string, phone: string): Promise<CheckedCode['latest']> {
    const { rows } = await (await sqlClientOf(this.ds)).query<NonNullable<CheckedCode['latest']>>(
      `SELECT id, code_hash, expires_at, attempts, max_attempts, consumed_at, superseded_at, country FROM verification_codes WHERE id = $1 AND phone_e164 = $2`,
      [id, phone],
    );
    return rows[0] ?? null;
  }

  /** A transaction for the statements above, straight on the pg pool (see pgTransaction). */
  transaction<T>(work: (tx: PgTransaction) => Promise<T>): Promise<T> {
    return pgTransaction(this.ds, work);
  }

  /** A TypeORM transaction, for a caller whose work goes on through its EntityManager (a login's user and session). */
  managerTransaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }
}

/** The first counter that refused, when `err` is the slot statement's refusal (PC429, its detail the counts, `{1,0,…}`). */
function refusedCounter(err: unknown): number | undefined {
  const cause = err instanceof QueryFailedError ? (err.driverError as { code?: string; detail?: string }) : undefined;
  if (cause?.code !== 'PC429' || !cause.detail) return undefined;
  const refused = cause.detail.replace(/[{}]/g, '').split(',').indexOf('0');
  return refused >= 0 ? refused : undefined;
}
