import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * A transaction of a hot path (the send) on one pooled pg connection. Its
 * statements are {@link PreparedStatement}s run on {@link client}.
 */
export class PgTransaction {
  constructor(readonly client: PoolClient) {}
}

/** The pg pool under a TypeORM DataSource (Postgres, or PGlite through its node-postgres adapter). */
export function poolOf(ds: DataSource): Pool {
  return (ds.driver as unknown as { master: Pool }).master;
}

/**
 * Runs `work` in a transaction straight on the DataSource's pg pool: BEGIN, the
 * work, COMMIT, or ROLLBACK when it throws. TypeORM's `ds.transaction` does the
 * same through a query runner, its events and its result mapping; on the send
 * path that machinery cost about a sixth of the request's CPU. A connection that
 * fails its ROLLBACK is destroyed, not handed back to the pool.
 */
export async function pgTransaction<T>(ds: DataSource, work: (tx: PgTransaction) => Promise<T>): Promise<T> {
  const client = await poolOf(ds).connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(new PgTransaction(client));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackFailed: Error) => (broken = rollbackFailed));
    throw err;
  } finally {
    client.release(broken);
  }
}
