// Provider-neutral SMS accounts (tencent, twilio beside aliyun and console, with per-type settings) and per-scene routes by destination.
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routes: `sms_routes` (one row per position; an operator replaces a scene's list
 * whole). `settings` holds a provider type's plain settings (Tencent's SdkAppId, Twilio's
 * sender); the credentials stay sealed in `credentials_enc`, their JSON now per
 * type. The default fills existing rows without rewriting them (Postgres 11+ keeps
 * a constant default in the catalogue).
 */
export class SmsProviderTypes1764400000000 implements MigrationInterface {
  name = 'SmsProviderTypes1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sms_accounts DROP CONSTRAINT sms_accounts_provider_check`);
    await q.query(`ALTER TABLE sms_accounts ADD CONSTRAINT sms_accounts_provider_check CHECK (provider IN ('aliyun', 'tencent', 'twilio', 'console'))`);
    await q.query(`ALTER TABLE sms_accounts ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb`);
    // An app's scene sends by its routes, in position order, each optionally for some destination regions only.
    await q.query(`
      CREATE TABLE sms_routes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        app_id uuid NOT NULL CONSTRAINT fk_sms_routes_app REFERENCES apps (id) ON DELETE CASCADE,
        scene varchar(32) NOT NULL,
        position smallint NOT NULL CONSTRAINT ck_sms_routes_position CHECK (position BETWEEN 1 AND 10),
        template_id uuid NOT NULL CONSTRAINT fk_sms_routes_template REFERENCES sms_templates (id) ON DELETE RESTRICT,
        signature_id uuid CONSTRAINT fk_sms_routes_signature REFERENCES sms_signatures (id) ON DELETE RESTRICT,
        countries varchar(2)[],
        created_at timestamptz NOT NULL,
        CONSTRAINT uq_sms_routes_app_scene_position UNIQUE (app_id, scene, position)
      )`);
    // A template's language (BCP 47: zh-CN, en): a route sends the one of the destination's language among its account's templates of the scene.
    await q.query(`ALTER TABLE sms_templates ADD COLUMN locale varchar(16)`);
    // A send may now try as many accounts as its routes name (a binding tried two).
    await q.query(`ALTER TABLE sms_messages DROP CONSTRAINT sms_messages_attempt_check`);
    await q.query(`ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_attempt_check CHECK (attempt BETWEEN 1 AND 10)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM sms_messages WHERE attempt > 2`);
    await q.query(`ALTER TABLE sms_messages DROP CONSTRAINT sms_messages_attempt_check`);
    await q.query(`ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_attempt_check CHECK (attempt IN (1, 2))`);
    await q.query(`ALTER TABLE sms_templates DROP COLUMN locale`);
    await q.query(`DROP TABLE sms_routes`);
    await q.query(`ALTER TABLE sms_accounts DROP COLUMN settings`);
    await q.query(`DELETE FROM sms_accounts WHERE provider IN ('tencent', 'twilio')`);
    await q.query(`ALTER TABLE sms_accounts DROP CONSTRAINT sms_accounts_provider_check`);
    await q.query(`ALTER TABLE sms_accounts ADD CONSTRAINT sms_accounts_provider_check CHECK (provider IN ('aliyun', 'console'))`);
  }
}
