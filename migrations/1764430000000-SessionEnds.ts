import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The retention purge deletes end users' sessions some days after they ended
 * (src/retention/retention.repository.ts EXPIRING): an index on when each ended,
 * its expiry or its revocation when earlier (least() passes over a null
 * `revoked_at`), finds them without reading the table for each batch. It costs a
 * login and a revocation one index entry each, not a send.
 */
export class SessionEnds1764430000000 implements MigrationInterface {
  name = 'SessionEnds1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idx_user_sessions_ended_at ON user_sessions ((least(expires_at, revoked_at)))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_user_sessions_ended_at`);
  }
}
