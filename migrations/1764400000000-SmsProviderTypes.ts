// Provider-neutral SMS accounts (tencent, twilio beside aliyun and console, with per-type settings) and per-scene routes by destination.
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `settings` holds a provider type's plain settings (Tencent's SdkAppId, Twilio's
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
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sms_accounts DROP COLUMN settings`);
    await q.query(`DELETE FROM sms_accounts WHERE provider IN ('tencent', 'twilio')`);
    await q.query(`ALTER TABLE sms_accounts DROP CONSTRAINT sms_accounts_provider_check`);
    await q.query(`ALTER TABLE sms_accounts ADD CONSTRAINT sms_accounts_provider_check CHECK (provider IN ('aliyun', 'console'))`);
  }
}
