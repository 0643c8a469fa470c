import type { QueryResultRow } from 'pg';
import { type DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { type PgTransaction } from './pg-transaction.js';
import { sqlClientOf } from './sql-client.js';

/**
 * A statement of a hot path (send, check), run as a named prepared statement:
 * Postgres parses and plans it once per connection (and after five runs keeps a
 * generic plan) instead of on every request. For a check that planning was two
 * thirds of Postgres's CPU per request.
 *
 * TypeORM's `query()` cannot name a statement, so this goes to the pg pool under
 * the DataSource, to the pg client of a {@link PgTransaction}, or to the one of
 * the transaction an EntityManager belongs to. Errors come back wrapped as TypeORM's QueryFailedError, like `query()`'s.
 * The name must be unique per text in the process: a pg connection refuses one
 * name for two texts.
 */
export class PreparedStatement<R extends QueryResultRow> {
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  /** Runs on the DataSource's pool, in `on`'s transaction when it is one (a PgTransaction, or a transaction's EntityManager). */
  async rows(on: DataSource | EntityManager | PgTransaction, values: unknown[]): Promise<R[]> {
    const client = sqlClientOf(on);
    // Awaiting a client that is already here would still cost a turn of the microtask queue.
    const target = client instanceof Promise ? await client : client;
    try {
      return (await target.query<R>({ name: this.name, text: this.text, values })).rows;
    } catch (err) {
      throw new QueryFailedError(this.text, values, err as Error);
    }
  }
}
