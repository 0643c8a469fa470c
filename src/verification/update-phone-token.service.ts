import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type AppEntity } from '../apps/app.entity.js';
import { Clock } from '../common/clock/clock.js';
import { hmacSha256Hex } from '../common/crypto/hashing.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type ParsedPhone } from '../common/phone/phone.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { isUniqueViolation, sqlRows } from '../database/sql-rows.js';

export interface NewUpdatePhoneToken {
  app: AppEntity;
  userId: string;
  oldPhoneE164: string;
  /** Stored as the users row will keep it: E.164, the normalised mcode and the national number. */
  newPhone: Pick<ParsedPhone, 'e164' | 'mcode' | 'national'>;
  ttlS: number;
}

interface TokenRow {
  user_id: string;
  old_phone_e164: string;
  new_phone_e164: string;
  new_mcode: string;
  new_mobile: string;
}

/**
 * Update-phone tokens (Authing v3, seed 002): proof that both codes were right,
 * redeemable once. Only HMAC(pepper, token) is stored.
 */
@Injectable()
export class UpdatePhoneTokenService {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Issues a token once the codes of a phone change were checked; the caller gets it once, in clear. */
  async issue(req: NewUpdatePhoneToken): Promise<{ token: string; expiresInS: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.ds.query(
      `INSERT INTO update_phone_tokens (token_hash, app_id, user_id, old_phone_e164, new_phone_e164, new_mcode, new_mobile, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [this.hash(token), req.app.id, req.userId, req.oldPhoneE164, req.newPhone.e164, req.newPhone.mcode, req.newPhone.national, now, new Date(now.getTime() + req.ttlS * 1000)],
    );
    return { token, expiresInS: req.ttlS };
  }

  /**
   * Redeems a token of this user and app: in one transaction, marks it used (one
   * conditional UPDATE, so of concurrent redemptions one wins), swaps the number only
   * while the user still has the token's old number, and revokes every other session
   * of the user but `keepJti`.
   */
  async redeem(app: AppEntity, userId: string, keepJti: string, token: string): Promise<void> {
    const now = this.clock.now();
    try {
      await this.ds.transaction(async (m) => {
        const [row] = sqlRows<TokenRow>(await m.query(
          `UPDATE update_phone_tokens SET used_at = $4
            WHERE token_hash = $1 AND app_id = $2 AND user_id = $3 AND used_at IS NULL AND expires_at > $4
           RETURNING user_id, old_phone_e164, new_phone_e164, new_mcode, new_mobile`,
          [this.hash(token), app.id, userId, now],
        ));
        if (!row) throw new DomainError('UPDATE_PHONE_TOKEN_INVALID');
        const changed = sqlRows(await m.query(
          `UPDATE users SET phone_e164 = $3, mcode = $4, mobile = $5, updated_at = $6
            WHERE id = $1 AND status = 'active' AND phone_e164 = $2 RETURNING id`,
          [userId, row.old_phone_e164, row.new_phone_e164, row.new_mcode, row.new_mobile, now],
        ));
        // The number changed elsewhere since the codes were checked (or the user is gone): the token proves nothing now.
        if (!changed.length) throw new DomainError('UPDATE_PHONE_TOKEN_INVALID', { message: 'the phone number changed since the token was issued' });
        await m.query(`UPDATE user_sessions SET revoked_at = $3 WHERE user_id = $1 AND jti <> $2 AND revoked_at IS NULL`, [userId, keepJti, now]);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError('PHONE_TAKEN');
      throw err;
    }
  }

  private hash(token: string): string {
    return hmacSha256Hex(this.config.secrets.codePepper, `update_phone_token|${token}`);
  }
}
