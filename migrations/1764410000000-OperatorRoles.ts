import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operator roles (src/operators/operator-access.ts): every operator so far could
 * do everything, so each existing one becomes an owner. An admin's apps are rows
 * of operator_apps (gone with the operator or the app). A token carries its
 * operator's `token_generation`; a password change or a disable counts it up,
 * which ends every token issued before.
 */
export class OperatorRoles1764410000000 implements MigrationInterface {
  name = 'OperatorRoles1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE operators
        ADD COLUMN role varchar(16) NOT NULL DEFAULT 'owner' CONSTRAINT chk_operators_role CHECK (role IN ('owner', 'admin', 'viewer')),
        ADD COLUMN token_generation integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE operators ALTER COLUMN role DROP DEFAULT`);
    await q.query(`
      CREATE TABLE operator_apps (
        operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
        app_id uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
        PRIMARY KEY (operator_id, app_id)
      )`);
    await q.query(`CREATE INDEX idx_operator_apps_app ON operator_apps (app_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE operator_apps`);
    await q.query(`ALTER TABLE operators DROP COLUMN token_generation, DROP COLUMN role`);
  }
}
