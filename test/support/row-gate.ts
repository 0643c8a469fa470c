import pg from 'pg';
import type { TestApp } from './test-app.js';

/** A gate on one kind of row write, installed by {@link gateRowWrites}. */
export interface RowGate {
  /** Resolves once a statement waits at the gate (it holds the row it is writing); throws after 5 s. */
  held(): Promise<void>;
  /** Resolves once another statement waits for a row or transaction lock (not the gate's); throws after 5 s. */
  rowWaited(): Promise<void>;
  /** Lets the held statement go on; writes through the gate pass freely from now on. */
  open(): Promise<void>;
  /** Drops the trigger and its function and closes the gate's connection (opening it first if still shut). */
  close(): Promise<void>;
}

/** The advisory lock key the gate's holder takes: one database per test app, so one key is enough. */
const GATE_KEY = 727_001;

let gates = 0;

/**
 * Holds each write of a row of `table` that `when` matches (a trigger condition on
 * OLD and NEW) after the row is locked and before it is written, until the test
 * opens the gate: a BEFORE trigger waits for an advisory lock the gate's own
 * connection holds. Two requests can so be made to take their locks in a chosen
 * order, the one a race would need many tries to hit: the first is held at the
 * gate, the second started and seen waiting for it, then the gate opened. Postgres
 * only (PGlite runs one statement at a time: the second request would never start).
 */
export async function gateRowWrites(t: TestApp, on: { table: string; event: 'UPDATE' | 'DELETE'; when: string }): Promise<RowGate> {
  const name = `test_gate_${++gates}`;
  const holder = new pg.Client({ connectionString: t.db.url });
  await holder.connect();
  let shut = true;
  try {
    await holder.query('SELECT pg_advisory_lock($1)', [GATE_KEY]);
    await holder.query(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock_shared(${GATE_KEY});
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await holder.query(`CREATE TRIGGER ${name} BEFORE ${on.event} ON ${on.table} FOR EACH ROW WHEN (${on.when}) EXECUTE FUNCTION ${name}()`);
  } catch (err) {
    await holder.end();
    throw err;
  }
  const waiting = async (events: string[]): Promise<number> => {
    await holder.query('SELECT pg_stat_clear_snapshot()'); // a fresh look at the activity each time
    const { rows } = await holder.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = ANY($1)`,
      [events],
    );
    return rows[0].n;
  };
  const until = async (what: string, events: string[]): Promise<void> => {
    for (const deadline = Date.now() + 5000; (await waiting(events)) === 0; ) {
      if (Date.now() > deadline) throw new Error(`gateRowWrites(${on.table}): no statement ${what} within 5 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const open = async (): Promise<void> => {
    if (!shut) return;
    shut = false;
    await holder.query('SELECT pg_advisory_unlock($1)', [GATE_KEY]);
  };
  return {
    held: () => until('held at the gate', ['advisory']),
    rowWaited: () => until('waiting for a row', ['transactionid', 'tuple']),
    open,
    async close() {
      try {
        await open();
        await holder.query(`DROP TRIGGER IF EXISTS ${name} ON ${on.table}`);
        await holder.query(`DROP FUNCTION IF EXISTS ${name}()`);
      } finally {
        await holder.end();
      }
    },
  };
}
