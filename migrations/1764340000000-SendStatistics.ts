import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the per-app statistics need (src/stats/): the destination country of each
 * message and code (ISO region, null when the number has none or the row predates
 * this), a BRIN index to find a day's codes (a few pages, kept up at almost no cost
 * by an append-mostly table; a B-tree would add an index insert to every send), and
 * the table of finished days, which keeps their counts after purges remove rows.
 * Adding nullable columns without a default rewrites no table.
 */
export class SendStatistics1764340000000 implements MigrationInterface {
  name = 'SendStatistics1764340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sms_messages ADD COLUMN country varchar(2)`);
    await q.query(`ALTER TABLE verification_codes ADD COLUMN country varchar(2)`);
    await q.query(`CREATE INDEX idx_verification_codes_created_brin ON verification_codes USING brin (created_at)`);
    await q.query(`
      CREATE TABLE daily_stats (
        app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
        day date NOT NULL,
        country varchar(2) NOT NULL,
        sent integer NOT NULL,
        delivered integer NOT NULL,
        failed integer NOT NULL,
        failures jsonb NOT NULL,
        approved integer NOT NULL,
        approval_buckets integer[] NOT NULL,
        PRIMARY KEY (app_id, day, country)
      )`);
    await q.query(`CREATE INDEX idx_daily_stats_day ON daily_stats (day)`);
    await q.query(`CREATE TABLE stats_rollup_state (id smallint PRIMARY KEY CHECK (id = 1), final_through date NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stats_rollup_state`);
    await q.query(`DROP TABLE daily_stats`);
    await q.query(`DROP INDEX idx_verification_codes_created_brin`);
    await q.query(`ALTER TABLE verification_codes DROP COLUMN country`);
    await q.query(`ALTER TABLE sms_messages DROP COLUMN country`);
  }
}
