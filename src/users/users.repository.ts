import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type ParsedPhone } from '../common/phone/phone.js';
import { sqlRows } from '../database/sql-rows.js';
import { type UserRow, type UserSessionRow } from './user.js';

/** The number columns of `users`: E.164, and its normalised parts (`+86`, the national number). */
export type UserPhone = Pick<ParsedPhone, 'e164' | 'mcode' | 'national'>;

export interface NewUser {
  appId: string;
  phone: UserPhone;
  versionNumber: number | null;
  channel: string | null;
  oaid: string | null;
  deviceId: string | null;
  ip: string | null;
  now: Date;
}

/** The only code that touches `users` and `user_sessions`. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /**
   * The active user of (app, phone), created if there is none, locked for the rest
   * of the transaction. Concurrent first logins of one number end in one user.
   */
  async upsertByPhone(m: EntityManager, u: NewUser): Promise<UserRow & { created: boolean }> {
    const [row] = sqlRows<UserRow & { created: boolean }>(
      await m.query(
        `INSERT INTO users (app_id, phone_e164, mcode, mobile, version_number, channel, oaid, device_id, reg_ip, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         ON CONFLICT (app_id, phone_e164) WHERE status = 'active'
         DO UPDATE SET updated_at = EXCLUDED.updated_at,
           version_number = COALESCE(EXCLUDED.version_number, users.version_number),
           channel = COALESCE(EXCLUDED.channel, users.channel),
           oaid = COALESCE(EXCLUDED.oaid, users.oaid),
           device_id = COALESCE(EXCLUDED.device_id, users.device_id)
         RETURNING *, (xmax = 0) AS created`,
        [u.appId, u.phone.e164, u.phone.mcode, u.phone.national, u.versionNumber, u.channel, u.oaid, u.deviceId, u.ip, u.now],
      ),
    );
    return { ...row, id: String(row.id) };
  }

  async findActive(id: string, m: EntityManager = this.ds.manager): Promise<UserRow | null> {
    const [row] = sqlRows<UserRow>(await m.query(`SELECT * FROM users WHERE id = $1 AND status = 'active'`, [id]));
    return row ? { ...row, id: String(row.id) } : null;
  }

  async findActiveByPhone(appId: string, phoneE164: string, m?: EntityManager): Promise<UserRow | null> {
    const [row] = sqlRows<UserRow>(await (m ?? this.ds).query(`SELECT * FROM users WHERE app_id = $1 AND phone_e164 = $2 AND status = 'active'`, [appId, phoneE164]));
    return row ? { ...row, id: String(row.id) } : null;
  }

  /** Changes the number (stored normalised, as at login); a unique violation means another active user holds it. */
  async setPhone(m: EntityManager, id: string, phone: UserPhone, now: Date): Promise<boolean> {
    const rows = await m.query(
      `UPDATE users SET phone_e164 = $2, mcode = $3, mobile = $4, updated_at = $5 WHERE id = $1 AND status = 'active' RETURNING id`,
      [id, phone.e164, phone.mcode, phone.national, now],
    );
    return sqlRows(rows).length > 0;
  }

  /**
   * Moves the user from `from` (E.164) to `to`, only while the user is active and
   * still has `from`: false when the number changed meanwhile or the user is gone.
   * A unique violation means another active user holds `to`.
   */
  async swapPhone(m: EntityManager, id: string, from: string, to: UserPhone, now: Date): Promise<boolean> {
    const rows = await m.query(
      `UPDATE users SET phone_e164 = $3, mcode = $4, mobile = $5, updated_at = $6
        WHERE id = $1 AND status = 'active' AND phone_e164 = $2 RETURNING id`,
      [id, from, to.e164, to.mcode, to.national, now],
    );
    return sqlRows(rows).length > 0;
  }

  /**
   * Cancels the user while active with the number `phoneE164` (E.164); false when
   * the user is gone, or has another number by now (a phone change committed
   * since the caller read it).
   */
  async cancel(m: EntityManager, id: string, phoneE164: string, now: Date): Promise<boolean> {
    const rows = await m.query(
      `UPDATE users SET status = 'cancelled', cancelled_at = $3, updated_at = $3 WHERE id = $1 AND status = 'active' AND phone_e164 = $2 RETURNING id`,
      [id, phoneE164, now],
    );
    return sqlRows(rows).length > 0;
  }

  async insertSession(m: EntityManager, s: Omit<UserSessionRow, 'revoked_at'> & { device_id: string | null }): Promise<void> {
    await m.query(
      `INSERT INTO user_sessions (jti, user_id, app_id, device_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [s.jti, s.user_id, s.app_id, s.device_id, s.created_at, s.expires_at],
    );
  }

  /** Revokes the oldest live sessions of a user beyond the newest `keep`. */
  async revokeBeyond(m: EntityManager, userId: string, keep: number, now: Date): Promise<number> {
    const rows = await m.query(
      `UPDATE user_sessions SET revoked_at = $3 WHERE jti IN (
         SELECT jti FROM user_sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $3
         ORDER BY created_at DESC, jti OFFSET $2)
       RETURNING jti`,
      [userId, keep, now],
    );
    return sqlRows(rows).length;
  }

  async revokeSession(jti: string, now: Date): Promise<void> {
    await this.ds.query(`UPDATE user_sessions SET revoked_at = $2 WHERE jti = $1 AND revoked_at IS NULL`, [jti, now]);
  }

  async revokeAll(m: EntityManager, userId: string, now: Date): Promise<void> {
    await m.query(`UPDATE user_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, [userId, now]);
  }

  /** Revokes every live session of a user but `keepJti`. */
  async revokeAllBut(m: EntityManager, userId: string, keepJti: string, now: Date): Promise<void> {
    await m.query(`UPDATE user_sessions SET revoked_at = $3 WHERE user_id = $1 AND jti <> $2 AND revoked_at IS NULL`, [userId, keepJti, now]);
  }

  async findSession(jti: string): Promise<UserSessionRow | null> {
    const [row] = sqlRows<UserSessionRow>(await this.ds.query(`SELECT * FROM user_sessions WHERE jti = $1`, [jti]));
    return row ? { ...row, user_id: String(row.user_id) } : null;
  }
}
