// Failed operator logins counted per (username, client IP), unknown usernames too, in place of a per-operator count.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OperatorLoginFailures1764310000000 implements MigrationInterface {
  name = 'OperatorLoginFailures1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE operator_login_failures (
        username varchar(64) NOT NULL,
        ip text NOT NULL,
        failures integer NOT NULL,
        locks integer NOT NULL,
        locked_until timestamptz,
        forget_at timestamptz NOT NULL,
        CONSTRAINT pk_operator_login_failures PRIMARY KEY (username, ip)
      )`);
    await q.query(`CREATE INDEX idx_operator_login_failures_forget_at ON operator_login_failures (forget_at)`);
    await q.query(`ALTER TABLE operators DROP COLUMN failed_logins, DROP COLUMN locked_until`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE operators ADD COLUMN failed_logins integer NOT NULL DEFAULT 0, ADD COLUMN locked_until timestamptz`);
    await q.query(`DROP TABLE operator_login_failures`);
  }
}
