// End users and their sessions, verification codes, and the sending-limit tables (cooldowns, windowed counters).
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class UsersSessionsCodesLimits1764000000000 implements MigrationInterface {
  name = 'UsersSessionsCodesLimits1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id bigint GENERATED ALWAYS AS IDENTITY (START WITH 1000000001) PRIMARY KEY,
        app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        phone_e164 varchar(20) NOT NULL,
        mcode varchar(8) NOT NULL,
        mobile varchar(32) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
        version_number integer,
        channel varchar(32),
        oaid varchar(128),
        device_id varchar(128),
        reg_ip varchar(64),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        cancelled_at timestamptz
      )`);
    // A deregistered user frees the number for a new account.
    await q.query(`CREATE UNIQUE INDEX uq_users_app_phone_active ON users (app_id, phone_e164) WHERE status = 'active'`);
    await q.query(`
      CREATE TABLE user_sessions (
        jti uuid PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        device_id varchar(128),
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX idx_user_sessions_user_live ON user_sessions (user_id, created_at DESC) WHERE revoked_at IS NULL`);
    await q.query(`
      CREATE TABLE verification_codes (
        id uuid PRIMARY KEY,
        app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        scene varchar(32) NOT NULL,
        phone_e164 varchar(20) NOT NULL,
        code_hash varchar(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        consumed_at timestamptz,
        superseded_at timestamptz,
        ip varchar(64),
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX idx_verification_codes_lookup ON verification_codes (app_id, phone_e164, scene, created_at DESC)`);
    // One row per (app, phone): the send cooldown is taken by a conditional upsert on it.
    await q.query(`
      CREATE TABLE send_cooldowns (
        app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        phone_e164 varchar(20) NOT NULL,
        next_allowed_at timestamptz NOT NULL,
        holder uuid NOT NULL,
        CONSTRAINT pk_send_cooldowns PRIMARY KEY (app_id, phone_e164)
      )`);
    // Fixed-window counters (per-phone daily, per-IP hourly, per-app daily), incremented by a conditional upsert.
    await q.query(`
      CREATE TABLE send_counters (
        app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        scope varchar(16) NOT NULL,
        subject varchar(64) NOT NULL,
        window_start timestamptz NOT NULL,
        count integer NOT NULL,
        CONSTRAINT pk_send_counters PRIMARY KEY (app_id, scope, subject, window_start)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE send_counters`);
    await q.query(`DROP TABLE send_cooldowns`);
    await q.query(`DROP TABLE verification_codes`);
    await q.query(`DROP TABLE user_sessions`);
    await q.query(`DROP TABLE users`);
  }
}
