import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { sqlRows } from '../database/sql-rows.js';
import { type UserPhone } from './users.repository.js';

/** A token to store: only its hash, bound to the app, the user and both numbers. */
export interface NewUpdatePhoneTokenRow {
  tokenHash: string;
  appId: string;
  userId: string;
  oldPhoneE164: string;
  /** As the users row will keep it: E.164, the normalised mcode and the national number. */
  newPhone: UserPhone;
  createdAt: Date;
  expiresAt: Date;
}

/** What a redeemed token proved: the user's number when it was issued, and the number to move to. */
export interface TakenUpdatePhoneToken {
  oldPhoneE164: string;
  newPhone: UserPhone;
}

interface TakenRow {
  old_phone_e164: string;
  new_phone_e164: string;
  new_mcode: string;
  new_mobile: string;
}

/** The only code that touches `update_phone_tokens` (Authing's two-step phone change, seed 002). */
@Injectable()
export class UpdatePhoneTokensRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async insert(t: NewUpdatePhoneTokenRow, m?: EntityManager): Promise<void> {
    await (m ?? this.ds).query(
      `INSERT INTO update_phone_tokens (token_hash, app_id, user_id, old_phone_e164, new_phone_e164, new_mcode, new_mobile, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [t.tokenHash, t.appId, t.userId, t.oldPhoneE164, t.newPhone.e164, t.newPhone.mcode, t.newPhone.national, t.createdAt, t.expiresAt],
    );
  }

  /**
   * Marks the token of this app and user used, if it is neither used nor expired at
   * `now`, and answers what it proved; null otherwise. One conditional UPDATE: of
   * concurrent redemptions of one token exactly one gets the row.
   */
  async take(m: EntityManager, tokenHash: string, appId: string, userId: string, now: Date): Promise<TakenUpdatePhoneToken | null> {
    const [row] = sqlRows<TakenRow>(await m.query(
      `UPDATE update_phone_tokens SET used_at = $4
        WHERE token_hash = $1 AND app_id = $2 AND user_id = $3 AND used_at IS NULL AND expires_at > $4
       RETURNING user_id, old_phone_e164, new_phone_e164, new_mcode, new_mobile`,
      [tokenHash, appId, userId, now],
    ));
    if (!row) return null;
    return { oldPhoneE164: row.old_phone_e164, newPhone: { e164: row.new_phone_e164, mcode: row.new_mcode, national: row.new_mobile } };
  }
}
