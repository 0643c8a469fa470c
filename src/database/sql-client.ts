import type { PoolClient, QueryConfig, QueryResultRow } from 'pg';
import { type DataSource, EntityManager } from 'typeorm';
import { PgTransaction, poolOf } from './pg-transaction.js';

/** Where a statement runs: a pg pool, or the one connection of a transaction. */
export interface SqlClient {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  /** A named statement (`{ name, text, values }`): parsed and planned once per connection. */
  query<R extends QueryResultRow>(config: QueryConfig): Promise<{ rows: R[] }>;
}

/**
 * The pg connection of `on`'s transaction (a {@link PgTransaction}, or a TypeORM
 * transaction's EntityManager), or the DataSource's pool outside one. Statements
 * of a feature that another feature's transaction calls must run on that
 * connection: on PGlite the pool holds one, and asking it for another would wait
 * for ever. A promise only when TypeORM's query runner has to connect (callers off the hot paths simply await it).
 */
export function sqlClientOf(on: DataSource | EntityManager | PgTransaction): SqlClient | Promise<SqlClient> {
  if (on instanceof PgTransaction) return on.client;
  if (on instanceof EntityManager) return on.queryRunner ? (on.queryRunner.connect() as Promise<PoolClient>) : poolOf(on.connection);
  return poolOf(on);
}
