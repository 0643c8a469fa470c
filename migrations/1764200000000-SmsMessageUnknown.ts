// Send-log rows a stopped process left `sending` are closed as `unknown` (SendLogSweeper); a partial index finds them.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SmsMessageUnknown1764200000000 implements MigrationInterface {
  name = 'SmsMessageUnknown1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sms_messages DROP CONSTRAINT sms_messages_status_check`);
    await q.query(`ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_status_check CHECK (status IN ('sending', 'sent', 'failed', 'unknown'))`);
    await q.query(`CREATE INDEX idx_sms_messages_sending_created_at ON sms_messages (created_at) WHERE status = 'sending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_sms_messages_sending_created_at`);
    await q.query(`UPDATE sms_messages SET status = 'failed' WHERE status = 'unknown'`);
    await q.query(`ALTER TABLE sms_messages DROP CONSTRAINT sms_messages_status_check`);
    await q.query(`ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_status_check CHECK (status IN ('sending', 'sent', 'failed'))`);
  }
}
