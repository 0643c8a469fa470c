// SMS delivery: provider accounts (encrypted credentials), signatures, templates, per-app scene bindings and the send log.
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class SmsDelivery1763900100000 implements MigrationInterface {
  name = 'SmsDelivery1763900100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sms_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        provider varchar(16) NOT NULL CHECK (provider IN ('aliyun', 'console')),
        credentials_enc text,
        access_key_id_masked varchar(64),
        endpoint varchar(255),
        protocol varchar(8) NOT NULL DEFAULT 'https' CHECK (protocol IN ('http', 'https')),
        timeout_ms integer,
        status varchar(16) NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX idx_sms_accounts_created_at ON sms_accounts (created_at DESC, id)`);
    await q.query(`
      CREATE TABLE sms_signatures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL CONSTRAINT fk_sms_signatures_account REFERENCES sms_accounts (id) ON DELETE CASCADE,
        sign_name varchar(64) NOT NULL,
        type varchar(16) NOT NULL CHECK (type IN ('verification', 'notification')),
        status varchar(16) NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT uq_sms_signatures_account_sign_name UNIQUE (account_id, sign_name)
      )`);
    await q.query(`
      CREATE TABLE sms_templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL CONSTRAINT fk_sms_templates_account REFERENCES sms_accounts (id) ON DELETE CASCADE,
        template_code varchar(64) NOT NULL,
        scene varchar(32),
        code_param varchar(64) NOT NULL DEFAULT 'code',
        content text,
        type varchar(16) NOT NULL CHECK (type IN ('verification', 'notification')),
        status varchar(16) NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT uq_sms_templates_account_code UNIQUE (account_id, template_code)
      )`);
    await q.query(`
      CREATE TABLE sms_bindings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        app_id uuid NOT NULL CONSTRAINT fk_sms_bindings_app REFERENCES apps (id) ON DELETE CASCADE,
        scene varchar(32) NOT NULL,
        template_id uuid NOT NULL CONSTRAINT fk_sms_bindings_template REFERENCES sms_templates (id) ON DELETE RESTRICT,
        signature_id uuid NOT NULL CONSTRAINT fk_sms_bindings_signature REFERENCES sms_signatures (id) ON DELETE RESTRICT,
        fallback_template_id uuid CONSTRAINT fk_sms_bindings_fallback_template REFERENCES sms_templates (id) ON DELETE RESTRICT,
        fallback_signature_id uuid CONSTRAINT fk_sms_bindings_fallback_signature REFERENCES sms_signatures (id) ON DELETE RESTRICT,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT uq_sms_bindings_app_scene UNIQUE (app_id, scene),
        CONSTRAINT ck_sms_bindings_fallback_pair CHECK ((fallback_template_id IS NULL) = (fallback_signature_id IS NULL))
      )`);
    await q.query(`
      CREATE TABLE sms_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        app_id uuid NOT NULL CONSTRAINT fk_sms_messages_app REFERENCES apps (id) ON DELETE CASCADE,
        scene varchar(32) NOT NULL,
        phone varchar(20) NOT NULL,
        origin varchar(32) NOT NULL,
        attempt smallint NOT NULL CHECK (attempt IN (1, 2)),
        provider varchar(16),
        account_id uuid CONSTRAINT fk_sms_messages_account REFERENCES sms_accounts (id) ON DELETE SET NULL,
        template_code varchar(64),
        sign_name varchar(64),
        status varchar(16) NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
        biz_id varchar(128),
        error varchar(64),
        provider_code varchar(128),
        provider_message text,
        latency_ms integer,
        created_at timestamptz NOT NULL,
        completed_at timestamptz
      )`);
    await q.query(`CREATE INDEX idx_sms_messages_app_created_at ON sms_messages (app_id, created_at DESC)`);
    await q.query(`CREATE INDEX idx_sms_messages_phone_created_at ON sms_messages (phone, created_at DESC)`);
    await q.query(`CREATE INDEX idx_sms_messages_created_at ON sms_messages (created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sms_messages`);
    await q.query(`DROP TABLE sms_bindings`);
    await q.query(`DROP TABLE sms_templates`);
    await q.query(`DROP TABLE sms_signatures`);
    await q.query(`DROP TABLE sms_accounts`);
  }
}
