// Request nonces (seed 003's `random`): each is accepted once per app within the timestamp window.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RequestNonces1763900910000 implements MigrationInterface {
  name = 'RequestNonces1763900910000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE request_nonces (
        app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
        nonce varchar(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT pk_request_nonces PRIMARY KEY (app_id, nonce)
      )`);
    await q.query(`CREATE INDEX idx_request_nonces_expires_at ON request_nonces (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE request_nonces`);
  }
}
