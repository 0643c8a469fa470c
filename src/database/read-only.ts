import { type DataSource } from 'typeorm';

/**
 * Whether the database takes no writes: a standby (during a failover, the old
 * primary) or one set `default_transaction_read_only`. Every send and check
 * writes, so the start waits for a primary and readiness answers 503.
 */
export async function takesNoWrites(ds: Pick<DataSource, 'query'>): Promise<boolean> {
  const [{ read_only: readOnly }] = (await ds.query(`SELECT current_setting('transaction_read_only') = 'on' AS read_only`)) as Array<{ read_only: boolean }>;
  return readOnly;
}
