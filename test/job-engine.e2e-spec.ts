import pg from 'pg';
import { type PinoLogger } from 'nestjs-pino';
import { ensureGeneratedKeys, loadConfig } from '../src/config/app-config.js';
import { createDataSource, type PasscodeDataSource } from '../src/database/data-source.factory.js';
import { JOB_SCHEMA, JobEngine } from '../src/events/job-engine.js';
import { createTestDatabase, NEEDS_POSTGRES, SHARED_POSTGRES_URL, type TestDatabase } from './support/test-database.js';

/** What the engine logs, kept to be asserted on. */
class RecordingLogger {
  readonly warnings: unknown[] = [];
  setContext(): void {}
  warn(obj: unknown): void {
    this.warnings.push(obj);
  }
  error(obj: unknown): void {
    throw new Error(`job engine logged an error: ${JSON.stringify(obj)}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Several instances on one database exist only on Postgres; PGlite serves one process.
(SHARED_POSTGRES_URL ? describe : describe.skip)(`job engine: instances starting together on one database ${NEEDS_POSTGRES}`, () => {
  let db: TestDatabase;
  let ds: PasscodeDataSource;
  let engine: JobEngine;
  let logger: RecordingLogger;
  let holder: pg.Client;
  let rival: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase({ postgres: true });
    ds = createDataSource({ url: db.url, dataDir: db.dataDir });
    await ds.initialize();
    const env: Record<string, string> = { NODE_ENV: 'test' };
    ensureGeneratedKeys(env);
    logger = new RecordingLogger();
    engine = new JobEngine(ds, loadConfig(env), logger as unknown as PinoLogger);
    holder = new pg.Client({ connectionString: db.url });
    rival = new pg.Client({ connectionString: db.url });
    await Promise.all([holder.connect(), rival.connect()]);
  });
  afterAll(async () => {
    await Promise.all([holder.end(), rival.end()]);
    await engine.onModuleDestroy();
    await ds.destroy();
    await db.drop();
  });

  /** The backends of this database waiting for a lock. */
  const waitingForLock = async (): Promise<number[]> => {
    const { rows } = await holder.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    return rows.map((r: { pid: number }) => r.pid);
  };
  const waitUntilWaiting = async (waits: (pids: number[]) => boolean): Promise<void> => {
    for (let i = 0; i < 250 && !waits(await waitingForLock()); i++) await sleep(20);
    expect(waits(await waitingForLock())).toBe(true);
  };
  const pidOf = (client: pg.Client) => (client as unknown as { processID: number }).processID;

  // CI found it: three instances deployed at once on a fresh database, and one failed to start with
  // "deadlock detected" in pg-boss's create_queue. Each inserts the queue's row, then adds its partition,
  // whose foreign key wants the queue table locked against inserts (SHARE ROW EXCLUSIVE): one instance's
  // foreign key waits for a lock that another, itself waiting for that lock, holds. The other instances are
  // played by hand: `holder` holds the queue's row, so the engine's insert waits; `rival` holds the queue
  // table against that lock and queues for it, so it waits for the engine. When `holder` gives up its
  // row, the engine's foreign key must wait for `rival` while `rival` waits for the engine, and Postgres
  // fails the engine's statement at once (the deadlock is seen as its lock is queued, with no timer: an
  // earlier version of this test left the choice of victim to the deadlock timer, and CI saw the rival
  // chosen once). The engine then tries again and starts.
  it('an instance whose queue creation deadlocks with another instance tries again and starts; the queue is whole', async () => {
    await engine.createQueue('first'); // installs pg-boss's schema
    await holder.query('BEGIN');
    await holder.query(`INSERT INTO ${JOB_SCHEMA}.queue (name, policy, partition_name) VALUES ('race', 'standard', 'j' || encode(sha224('race'::bytea), 'hex'))`);
    const outcome = engine.createQueue('race').then(
      () => 'started',
      (err: Error) => err.message,
    );
    await waitUntilWaiting((pids) => pids.some((pid) => pid !== pidOf(holder) && pid !== pidOf(rival))); // the engine's insert, for the holder's row

    await rival.query('BEGIN');
    await rival.query(`LOCK TABLE ${JOB_SCHEMA}.queue IN ROW EXCLUSIVE MODE`);
    const rivalLock = rival.query(`LOCK TABLE ${JOB_SCHEMA}.queue IN SHARE ROW EXCLUSIVE MODE`);
    await waitUntilWaiting((pids) => pids.includes(pidOf(rival))); // and the rival, for the engine's hold on the table
    await holder.query('ROLLBACK');

    await rivalLock; // granted once the engine's first try rolled back
    await rival.query('ROLLBACK');
    expect(await outcome).toBe('started');
    expect(logger.warnings).toEqual([expect.objectContaining({ queue: 'race', attempt: 1 })]);
    const { rows } = await holder.query(`SELECT to_regclass('${JOB_SCHEMA}.' || partition_name) AS partition FROM ${JOB_SCHEMA}.queue WHERE name = 'race'`);
    expect(rows).toEqual([{ partition: expect.any(String) }]);
  });
});
