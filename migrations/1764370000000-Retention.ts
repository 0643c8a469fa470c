import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention and erasure (src/retention/): each app's retention policy, whole,
 * with the defaults of the day written for the apps that exist (and as the
 * column's default, for rows inserted without one; the admin API always writes
 * it whole); and how far the purge has pseudonymised each app's rows, so a run
 * starts where the last one stopped instead of walking the hashed rows again.
 * Adding a column with a constant default rewrites no table; `apps` is small.
 */
export class Retention1764370000000 implements MigrationInterface {
  name = 'Retention1764370000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE apps ADD COLUMN retention jsonb NOT NULL
      DEFAULT '{"codes_days": 7, "captchas_days": 1, "send_log_hash_days": 30, "send_log_delete_days": 365}'::jsonb`);
    await q.query(`
      CREATE TABLE retention_marks (
        app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
        step varchar(32) NOT NULL,
        done_through timestamptz NOT NULL,
        PRIMARY KEY (app_id, step)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE retention_marks`);
    await q.query(`ALTER TABLE apps DROP COLUMN retention`);
  }
}
