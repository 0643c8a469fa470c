import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks to tenant apps (src/events/): each app's endpoints, with their signing
 * secret sealed as app secrets are, and one delivery row per (event, endpoint),
 * written in the transaction of the change it reports. The row is the outbox and
 * the delivery record at once: its job on the pg-boss queue (schema `pgboss`,
 * which pg-boss creates and versions itself, see docs/design-changes.md) is
 * written in the same transaction. `event_id` is the `webhook-id` of every
 * attempt. An app's endpoints are read on each publish (cached); its deliveries
 * are listed newest first.
 */
export class Webhooks1764360000000 implements MigrationInterface {
  name = 'Webhooks1764360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
        url varchar(2048) NOT NULL,
        secret_enc text NOT NULL,
        event_types text[] NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'enabled' CONSTRAINT chk_webhook_endpoints_status CHECK (status IN ('enabled', 'disabled')),
        consecutive_failures integer NOT NULL DEFAULT 0,
        disabled_reason varchar(200),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX idx_webhook_endpoints_app ON webhook_endpoints (app_id)`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        type varchar(64) NOT NULL,
        occurred_at timestamptz NOT NULL,
        payload jsonb NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending' CONSTRAINT chk_webhook_deliveries_status CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error varchar(300),
        next_attempt_at timestamptz,
        last_attempt_at timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL,
        CONSTRAINT uq_webhook_deliveries_event_endpoint UNIQUE (event_id, endpoint_id)
      )`);
    await q.query(`CREATE INDEX idx_webhook_deliveries_app_created ON webhook_deliveries (app_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX idx_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_endpoints`);
  }
}
