// Authing v3 update-phone tokens (seed 002): single-use, short-lived, stored hashed, bound to user, app, old and new number.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class UpdatePhoneTokens1764100000000 implements MigrationInterface {
  name = 'UpdatePhoneTokens1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE update_phone_tokens (
        token_hash char(64) NOT NULL,
        app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        old_phone_e164 varchar(20) NOT NULL,
        new_phone_e164 varchar(20) NOT NULL,
        new_mcode varchar(8) NOT NULL,
        new_mobile varchar(32) NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CONSTRAINT pk_update_phone_tokens PRIMARY KEY (token_hash)
      )`);
    await q.query(`CREATE INDEX idx_update_phone_tokens_user_id ON update_phone_tokens (user_id)`);
    await q.query(`CREATE INDEX idx_update_phone_tokens_expires_at ON update_phone_tokens (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE update_phone_tokens`);
  }
}
