import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fraud guard's conversion buckets (src/fraud/): per app, one row per
 * destination country and per number prefix, holding the sends and approvals of
 * the current and the previous window (a sliding-window estimate) and the
 * bucket's state (normal, challenge, blocked) with its end. One row per bucket
 * keeps the send path at one upsert; the partial index lists the buckets an
 * operator must see without reading the normal ones.
 */
export class FraudBuckets1764380000000 implements MigrationInterface {
  name = 'FraudBuckets1764380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fraud_buckets (
        app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
        kind varchar(8) NOT NULL CHECK (kind IN ('country', 'prefix')),
        key varchar(16) NOT NULL,
        window_start timestamptz NOT NULL,
        sends integer NOT NULL,
        approvals integer NOT NULL,
        prev_sends integer NOT NULL,
        prev_approvals integer NOT NULL,
        state varchar(9) NOT NULL CHECK (state IN ('normal', 'challenge', 'blocked')),
        state_until timestamptz,
        state_changed_at timestamptz,
        updated_at timestamptz NOT NULL,
        CONSTRAINT pk_fraud_buckets PRIMARY KEY (app_id, kind, key)
      )`);
    await q.query(`CREATE INDEX idx_fraud_buckets_flagged ON fraud_buckets (app_id, state_changed_at) WHERE state <> 'normal'`);
    await q.query(`CREATE INDEX idx_fraud_buckets_updated ON fraud_buckets (updated_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE fraud_buckets`);
  }
}
