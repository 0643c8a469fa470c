// What happened to an accepted SMS afterwards (delivered, failed, unknown), from Aliyun's status reports and QuerySendDetails polls.
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every column is nullable without a default, so adding it rewrites no row. The
 * two partial indexes hold only rows awaiting an outcome (`pending`, bounded by the
 * delivery deadline): the send path pays one entry in each when an accepted send
 * is completed, nothing when its row is inserted.
 */
export class SmsDeliveryReceipts1764330000000 implements MigrationInterface {
  name = 'SmsDeliveryReceipts1764330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sms_messages
      ADD COLUMN delivery_status varchar(16) CONSTRAINT sms_messages_delivery_status_check CHECK (delivery_status IN ('pending', 'delivered', 'failed', 'unknown')),
      ADD COLUMN delivery_code varchar(64),
      ADD COLUMN delivery_reported_at timestamptz,
      ADD COLUMN delivery_checked_at timestamptz`);
    // The poller and the deadline walk the pending rows oldest first.
    await q.query(`CREATE INDEX idx_sms_messages_delivery_pending_created_at ON sms_messages (created_at) WHERE delivery_status = 'pending'`);
    // A pushed status report finds its row by the provider's message id.
    await q.query(`CREATE INDEX idx_sms_messages_delivery_pending_biz_id ON sms_messages (biz_id) WHERE delivery_status = 'pending'`);
    await q.query(`ALTER TABLE sms_accounts ADD COLUMN receipt_token_hash varchar(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sms_accounts DROP COLUMN receipt_token_hash`);
    await q.query(`DROP INDEX idx_sms_messages_delivery_pending_biz_id`);
    await q.query(`DROP INDEX idx_sms_messages_delivery_pending_created_at`);
    await q.query(`ALTER TABLE sms_messages DROP COLUMN delivery_checked_at, DROP COLUMN delivery_reported_at, DROP COLUMN delivery_code, DROP COLUMN delivery_status`);
  }
}
