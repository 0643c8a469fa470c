import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A check value of each key every instance on one database must share
 * (ENCRYPTION_KEY, JWT_SECRET, CODE_PEPPER): an HMAC keyed by the key over a label
 * naming it (src/database/key-check.ts), never the key. The first instance to
 * start records them; one whose key gives another value refuses to start, where it
 * used to serve 500s and refuse the others' tokens and codes. Read once per start.
 */
export class KeyCheck1764440000000 implements MigrationInterface {
  name = 'KeyCheck1764440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE key_checks (
        name varchar(32) NOT NULL,
        check_value varchar(64) NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_key_checks PRIMARY KEY (name)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE key_checks`);
  }
}
