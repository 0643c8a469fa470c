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
  let rival: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase({ postgres: true });
    ds = createDataSource({ url: db.url, dataDir: db.dataDir });
    await ds.initialize();
    const env: Record<string, string> = { NODE_ENV: 'test' };
    ensureGeneratedKeys(env);
    logger = new RecordingLogger();
    engine = new JobEngine(ds, loadConfig(env), logger as unknown as PinoLogger);
    rival = new pg.Client({ connectionString: db.url });
    await rival.connect();
  });
  afterAll(async () => {
    await rival.end();
    await engine.onModuleDestroy();
    await ds.destroy();
    await db.drop();
  });

  /** The backends of this database waiting for a lock. */
  const waitingForLock = async (): Promise<number> => {
    const { rows } = await rival.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return rows[0].n as number;
  };

  // CI found it: three instances deployed at once on a fresh database, and one failed to start with
  // "deadlock detected" in pg-boss's create_queue. Each inserts the queue's row, then adds its partition,
  // whose foreign key wants the queue table locked against inserts: one instance's insert waits for the
  // other's row while holding exactly the lock the other's foreign key waits for. Here the other instance
  // is played by hand at that point, so the deadlock happens every time; it then gives up (rolls back).
  it('an instance whose queue creation deadlocks with another instance tries again and starts; the queue is whole', async () => {
    await engine.createQueue('first'); // installs pg-boss's schema
    await rival.query('BEGIN');
    await rival.query(`INSERT INTO ${JOB_SCHEMA}.queue (name, policy, partition_name) VALUES ('race', 'standard', 'j' || encode(sha224('race'::bytea), 'hex'))`);
    const outcome = engine.createQueue('race').then(
      () => 'started',
      (err: Error) => err.message,
    );
    // The engine's insert now waits for the rival's row; the rival then takes the foreign key's lock.
    for (let i = 0; i < 100 && (await waitingForLock()) === 0; i++) await sleep(20);
    expect(await waitingForLock()).toBe(1);
    await rival.query(`LOCK TABLE ${JOB_SCHEMA}.queue IN SHARE ROW EXCLUSIVE MODE`);
    await rival.query('ROLLBACK');

    expect(await outcome).toBe('started');
    expect(logger.warnings).toEqual([expect.objectContaining({ queue: 'race', attempt: 1 })]);
    const { rows } = await rival.query(`SELECT to_regclass('${JOB_SCHEMA}.' || partition_name) AS partition FROM ${JOB_SCHEMA}.queue WHERE name = 'race'`);
    expect(rows).toEqual([{ partition: expect.any(String) }]);
  });
});
