// Image captchas (seed 004): single-use, short-lived, answers stored only as keyed hashes.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Captchas1763900900000 implements MigrationInterface {
  name = 'Captchas1763900900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE captchas (
        id varchar(16) PRIMARY KEY,
        app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
        answer_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX idx_captchas_expires_at ON captchas (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE captchas`);
  }
}
