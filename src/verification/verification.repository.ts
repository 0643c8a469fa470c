import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Scene } from '../common/scenes.js';
import { sqlRows } from '../database/sql-rows.js';
import { type VerificationCodeRow } from './verification-code.js';

export type CounterScope = 'phone_day' | 'ip_hour' | 'app_day';

export interface CounterKey {
  scope: CounterScope;
  subject: string;
  windowStart: Date;
}

/**
 * The only code that touches `verification_codes`, `send_cooldowns` and
 * `send_counters`. Every limit is one conditional upsert, so concurrent requests
 * on any number of instances cannot both pass it.
 */
@Injectable()
export class VerificationRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Takes the (app, phone) cooldown until `until` unless it is still held at `now`.
   * Returns null when taken, or the time the current holder's cooldown ends.
   */
  async takeCooldown(m: EntityManager, appId: string, phone: string, now: Date, until: Date, holder: string): Promise<Date | null> {
    const taken = await m.query(
      `INSERT INTO send_cooldowns (app_id, phone_e164, next_allowed_at, holder) VALUES ($1, $2, $3, $4)
       ON CONFLICT (app_id, phone_e164) DO UPDATE SET next_allowed_at = EXCLUDED.next_allowed_at, holder = EXCLUDED.holder
       WHERE send_cooldowns.next_allowed_at <= $5
       RETURNING holder`,
      [appId, phone, until, holder, now],
    );
    if (sqlRows(taken).length) return null;
    const [row] = sqlRows<{ next_allowed_at: Date }>(
      await m.query(`SELECT next_allowed_at FROM send_cooldowns WHERE app_id = $1 AND phone_e164 = $2`, [appId, phone]),
    );
    return row ? new Date(row.next_allowed_at) : now;
  }

  /** Gives the cooldown back after a failed send, unless a later send took it meanwhile. */
  async releaseCooldown(m: EntityManager, appId: string, phone: string, holder: string, now: Date): Promise<void> {
    await m.query(`UPDATE send_cooldowns SET next_allowed_at = $4 WHERE app_id = $1 AND phone_e164 = $2 AND holder = $3`, [appId, phone, holder, now]);
  }

  /** Counts one send in a window unless the count already reached `limit`; false when it did. */
  async increment(m: EntityManager, appId: string, key: CounterKey, limit: number): Promise<boolean> {
    const rows = await m.query(
      `INSERT INTO send_counters (app_id, scope, subject, window_start, count) VALUES ($1, $2, $3, $4, 1)
       ON CONFLICT (app_id, scope, subject, window_start) DO UPDATE SET count = send_counters.count + 1
       WHERE send_counters.count < $5
       RETURNING count`,
      [appId, key.scope, key.subject, key.windowStart, limit],
    );
    return sqlRows(rows).length > 0;
  }

  /**
   * {@link increment} of every counter in one statement (one round trip): answers the
   * index of the first counter already at its limit, or -1 when all were counted.
   * The caller throws on a refusal, so the transaction undoes the others.
   */
  async incrementAll(m: EntityManager, appId: string, counters: Array<[CounterKey, number]>): Promise<number> {
    if (!counters.length) return -1;
    const params: unknown[] = [appId];
    const ctes = counters.map(([key, limit], i) => {
      const at = params.length;
      params.push(key.scope, key.subject, key.windowStart, limit);
      return `c${i} AS (INSERT INTO send_counters (app_id, scope, subject, window_start, count) VALUES ($1, $${at + 1}, $${at + 2}, $${at + 3}, 1)
        ON CONFLICT (app_id, scope, subject, window_start) DO UPDATE SET count = send_counters.count + 1
        WHERE send_counters.count < $${at + 4}::int RETURNING 1)`;
    });
    const select = counters.map((_, i) => `(SELECT count(*) FROM c${i})::int AS n${i}`).join(', ');
    const [row] = sqlRows<Record<string, number>>(await m.query(`WITH ${ctes.join(', ')} SELECT ${select}`, params));
    return counters.findIndex((_, i) => row[`n${i}`] === 0);
  }

  async decrement(m: EntityManager, appId: string, key: CounterKey): Promise<void> {
    await m.query(
      `UPDATE send_counters SET count = count - 1 WHERE app_id = $1 AND scope = $2 AND subject = $3 AND window_start = $4 AND count > 0`,
      [appId, key.scope, key.subject, key.windowStart],
    );
  }

  /** Marks every live code of (app, phone, scene) superseded: only the newest code is ever valid. */
  async supersede(m: EntityManager, appId: string, phone: string, scene: Scene, now: Date): Promise<void> {
    await m.query(
      `UPDATE verification_codes SET superseded_at = $4
       WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 AND consumed_at IS NULL AND superseded_at IS NULL`,
      [appId, phone, scene, now],
    );
  }

  /** {@link supersede} then {@link insert} in one statement: the new code becomes the only live one. */
  async supersedeAndInsert(
    m: EntityManager,
    row: Omit<VerificationCodeRow, 'attempts' | 'consumed_at' | 'superseded_at'> & { ip: string | null },
  ): Promise<void> {
    await m.query(
      `WITH old AS (
         UPDATE verification_codes SET superseded_at = $9
         WHERE app_id = $2 AND phone_e164 = $4 AND scene = $3 AND consumed_at IS NULL AND superseded_at IS NULL
       )
       INSERT INTO verification_codes (id, app_id, scene, phone_e164, code_hash, expires_at, max_attempts, ip, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [row.id, row.app_id, row.scene, row.phone_e164, row.code_hash, row.expires_at, row.max_attempts, row.ip, row.created_at],
    );
  }

  async insert(m: EntityManager, row: Omit<VerificationCodeRow, 'attempts' | 'consumed_at' | 'superseded_at'> & { ip: string | null }): Promise<void> {
    await m.query(
      `INSERT INTO verification_codes (id, app_id, scene, phone_e164, code_hash, expires_at, max_attempts, ip, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [row.id, row.app_id, row.scene, row.phone_e164, row.code_hash, row.expires_at, row.max_attempts, row.ip, row.created_at],
    );
  }

  /** Kills a code whose SMS never went out. */
  async kill(m: EntityManager, id: string, now: Date): Promise<void> {
    await m.query(`UPDATE verification_codes SET superseded_at = $2 WHERE id = $1 AND superseded_at IS NULL`, [id, now]);
  }

  /** The newest code of (app, phone, scene), whatever its state. */
  async findLatest(appId: string, phone: string, scene: Scene): Promise<VerificationCodeRow | null> {
    const [row] = sqlRows<VerificationCodeRow>(
      await this.ds.query(
        `SELECT * FROM verification_codes WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 ORDER BY created_at DESC, id LIMIT 1`,
        [appId, phone, scene],
      ),
    );
    return row ?? null;
  }

  /** Whether an older, superseded code of (app, phone, scene) had this hash: the client used a stale SMS. */
  async isSupersededHash(appId: string, phone: string, scene: Scene, hash: string): Promise<boolean> {
    const rows = sqlRows(
      await this.ds.query(
        `SELECT 1 FROM verification_codes WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 AND code_hash = $4 AND superseded_at IS NOT NULL LIMIT 1`,
        [appId, phone, scene, hash],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Consumes a code in one statement: of any number of concurrent consumers, at
   * most one gets `true`.
   */
  async consume(id: string, now: Date): Promise<boolean> {
    const rows = await this.ds.query(
      `UPDATE verification_codes SET consumed_at = $2
       WHERE id = $1 AND consumed_at IS NULL AND superseded_at IS NULL AND expires_at > $2 AND attempts < max_attempts
       RETURNING id`,
      [id, now],
    );
    return sqlRows(rows).length > 0;
  }

  /** Counts a failed attempt on a live code. */
  async countAttempt(id: string, now: Date): Promise<void> {
    await this.ds.query(
      `UPDATE verification_codes SET attempts = attempts + 1
       WHERE id = $1 AND consumed_at IS NULL AND superseded_at IS NULL AND expires_at > $2 AND attempts < max_attempts`,
      [id, now],
    );
  }

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }
}
