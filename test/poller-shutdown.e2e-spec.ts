import { DataSource } from 'typeorm';
import { type AppConfig } from '../src/config/app-config.js';
import { createDataSource } from '../src/database/data-source.factory.js';
import { EMBEDDED_VACUUM_EVERY_MS } from '../src/database/embedded-vacuum.js';
import { poolOf } from '../src/database/pg-transaction.js';
import { JOB_SCHEMA } from '../src/events/job-engine.js';
import { PURGE_QUEUE } from '../src/retention/retention-purge.js';
import { POLL_EVERY_MS } from '../src/sms/delivery-poller.js';
import { type SmsDeliveryReport } from '../src/sms/providers/sms-provider.js';
import { SWEEP_EVERY_MS } from '../src/sms/send-log-sweeper.js';
import { ROLLUP_EVERY_MS } from '../src/stats/stats-rollup.js';
import { createApp } from './support/admin.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { POSTGRES_URL } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, signParams } from './support/v1.js';

/**
 * The four background pollers stop before the database closes: when app.close()
 * reaches the DataSource, none of their timers is armed and the run each had in
 * flight has ended, its work committed (or, a round told to stop, left whole to
 * the next run) and nothing logged as failed.
 *
 * A run is kept in flight with the real database: the test holds every connection
 * of the app's pool, fires the poller's timer (its run waits for a connection) and
 * starts the close. It lets the connections go when the poller clears its timer,
 * which a stop that waits for its run does before waiting, or else when the pool
 * starts ending (seen by wrapping `pool.end`, which still ends it): a run not
 * waited for then meets a closing pool, and its work is lost.
 */

interface ManualInterval {
  ms: number;
  fire: () => void;
  cleared: boolean;
  whenCleared: Promise<void>;
}

/**
 * setInterval and clearInterval in the test's hands while an app runs: no interval
 * fires by itself, so a poller runs exactly when the test fires its timer, and the
 * test sees when each is cleared. setTimeout stays real (the database drivers and
 * the HTTP stack run on it).
 */
class ManualIntervals {
  readonly timers: ManualInterval[] = [];
  private readonly handles = new Map<object, ManualInterval & { onCleared: () => void }>();
  private readonly realSet = global.setInterval;
  private readonly realClear = global.clearInterval;

  install(): void {
    this.timers.length = 0;
    this.handles.clear();
    global.setInterval = ((fire: () => void, ms: number) => {
      let onCleared = () => {};
      const timer = { ms, fire, cleared: false, whenCleared: new Promise<void>((resolve) => (onCleared = resolve)) };
      const handle = { unref: () => handle, ref: () => handle, hasRef: () => false, refresh: () => handle, [Symbol.toPrimitive]: () => this.timers.length };
      this.timers.push(timer);
      this.handles.set(handle, Object.assign(timer, { onCleared }));
      return handle;
    }) as unknown as typeof setInterval;
    global.clearInterval = ((handle?: object) => {
      const timer = handle && this.handles.get(handle);
      if (!timer) return this.realClear(handle as NodeJS.Timeout);
      timer.cleared = true;
      timer.onCleared();
    }) as typeof clearInterval;
  }

  restore(): void {
    global.setInterval = this.realSet;
    global.clearInterval = this.realClear;
  }

  /** The one interval of this period (the pollers' periods differ, and differ from pg-boss's maintenance here). */
  every(ms: number): ManualInterval {
    const found = this.timers.filter((t) => t.ms === ms);
    expect(found).toHaveLength(1);
    return found[0];
  }
}

/** The recorder, also answering delivery queries (so DeliveryPoller polls it): every message delivered. */
class TrackingSmsProvider extends RecordingSmsProvider {
  override async queryDelivery(): Promise<SmsDeliveryReport> {
    return { status: 'delivered', code: 'DELIVRD', reportedAt: null };
  }
}

interface PollerCase {
  name: string;
  every(config: AppConfig): number;
  /** Data the run has work on. */
  arrange(t: TestApp): Promise<void>;
  /** The run's work, seen in the database after the app closed: committed, or left whole for the next run. */
  committed(ds: DataSource): Promise<unknown>;
}

const POLLERS: PollerCase[] = [
  {
    name: 'StatsRollup',
    every: () => ROLLUP_EVERY_MS,
    arrange: async () => {},
    committed: async (ds) => ((await ds.query(`SELECT final_through IS NOT NULL AS stored FROM stats_rollup_state WHERE id = 1`)) as Array<{ stored: boolean }>)[0]?.stored ?? false,
  },
  {
    name: 'RetentionPurge',
    every: (config) => config.retention.purgeIntervalS * 1000,
    // The purge the instance offered at start is withdrawn, so the next offer queues one.
    arrange: async (t) => {
      await t.app.get(DataSource).query(`DELETE FROM ${JOB_SCHEMA}.job WHERE name = $1`, [PURGE_QUEUE]);
    },
    committed: async (ds) => ((await ds.query(`SELECT count(*)::int = 1 AS queued FROM ${JOB_SCHEMA}.job WHERE name = $1 AND state = 'created'`, [PURGE_QUEUE])) as Array<{ queued: boolean }>)[0].queued,
  },
  {
    name: 'SendLogSweeper',
    every: () => SWEEP_EVERY_MS,
    // What a process that died during the provider call leaves behind, past the sweeper's ten minutes.
    arrange: async (t) => {
      const app = await createApp(t);
      await t.app.get(DataSource).query(
        `INSERT INTO sms_messages (app_id, scene, phone, origin, attempt, provider, status, created_at) VALUES ($1, 'login', '+8618500000009', 'v1', 1, 'aliyun', 'sending', $2)`,
        [app.id, new Date(t.clock.nowMs() - 11 * 60_000)],
      );
    },
    committed: async (ds) => ((await ds.query(`SELECT status FROM sms_messages WHERE phone = '+8618500000009'`)) as Array<{ status: string }>)[0].status === 'unknown',
  },
  {
    name: 'DeliveryPoller',
    every: () => POLL_EVERY_MS,
    arrange: async (t) => {
      const app = await createSmsApp(t);
      const res = await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile: '13700000001', scene: 'login' }).expect(200);
      expect(res.body.code).toBe(200);
    },
    // A round told to stop claims nothing more: the message is left, unclaimed, to the next round (test/sms-receipts).
    committed: async (ds) =>
      ((await ds.query(`SELECT delivery_status = 'pending' AND delivery_checked_at IS NULL AS left FROM sms_messages WHERE phone = '+8613700000001'`)) as Array<{ left: boolean }>)[0].left,
  },
];

describe('background pollers at shutdown', () => {
  const intervals = new ManualIntervals();
  let t: TestApp | undefined;
  let closed = false;

  beforeEach(async () => {
    intervals.install();
    t = await startTestApp({
      override: withRecordingSms(new TrackingSmsProvider()),
      env: {
        // The job engine's workers fetch at start and then not again while a test runs: the held connections stall no one else.
        WEBHOOK_POLL_INTERVAL_MS: '60000',
        // pg-boss's maintenance period, apart from the pollers' (its interval is under the test's hand too).
        WEBHOOK_MAINTENANCE_INTERVAL_S: '45',
      },
    });
  });
  afterEach(async () => {
    intervals.restore();
    if (t && !closed) await t.app.close();
    await t?.db.drop();
    t = undefined;
    closed = false;
  });

  async function close(app: TestApp): Promise<void> {
    closed = true;
    await app.app.close();
  }

  /** Calls `then` as the app's pool starts ending: the DataSource is being destroyed. */
  function onPoolEnd(app: TestApp, then: () => void): void {
    const pool = poolOf(app.app.get(DataSource));
    const end = pool.end.bind(pool) as (...args: unknown[]) => unknown;
    (pool as unknown as { end: (...args: unknown[]) => unknown }).end = (...args) => {
      const ended = end(...args);
      then();
      return ended;
    };
  }

  /** Opens the closed app's database again, to see what was committed. */
  async function reopened<T>(app: TestApp, read: (ds: DataSource) => Promise<T>): Promise<T> {
    const ds = createDataSource({ url: app.db.url, dataDir: app.db.dataDir });
    await ds.initialize();
    try {
      return await read(ds);
    } finally {
      await ds.destroy();
    }
  }

  /** The poller's lines that carry an error (its run failed); not its warnings of work done (the sweeper's rows marked unknown). */
  const failures = (app: TestApp, context: string) => app.logs.lines().filter((l) => (l.level as number) >= 40 && l.context === context && l.err !== undefined);

  it('has stopped every poller\'s timer when the DataSource starts closing', async () => {
    const app = t!;
    const names = new Map<number, string>([
      [ROLLUP_EVERY_MS, 'StatsRollup'],
      [app.config.retention.purgeIntervalS * 1000, 'RetentionPurge'],
      [SWEEP_EVERY_MS, 'SendLogSweeper'],
      [POLL_EVERY_MS, 'DeliveryPoller'],
      // Autovacuum's stand-in runs on the embedded database only.
      ...(POSTGRES_URL ? [] : [[EMBEDDED_VACUUM_EVERY_MS, 'EmbeddedVacuum'] as const]),
    ]);
    for (const ms of names.keys()) intervals.every(ms);
    let armed: string[] | undefined;
    onPoolEnd(app, () => (armed = intervals.timers.filter((i) => !i.cleared && names.has(i.ms)).map((i) => names.get(i.ms)!)));
    await close(app);
    expect(armed).toEqual([]);
  });

  it.each(POLLERS)('$name: a run in flight when the app closes ends before the database closes, its work committed or left whole to the next run', async (c) => {
    const app = t!;
    await c.arrange(app);
    const timer = intervals.every(c.every(app.config));
    let ending!: () => void;
    const poolEnding = new Promise<void>((resolve) => (ending = resolve));
    onPoolEnd(app, ending);

    // Every connection of the app's pool, held (PGlite's pool has one): the run fired next waits for one, in flight.
    const pool = poolOf(app.app.get(DataSource));
    const held = await Promise.all(Array.from({ length: pool.options.max }, () => pool.connect()));
    timer.fire();
    const closing = close(app);
    // Let the run go once its poller has stopped its timer (a stop that waits for it then sees it end),
    // or else once the database is closing (a stop that did not wait: the run finds it closed).
    await Promise.race([timer.whenCleared, poolEnding]);
    for (const client of held) client.release();
    await closing;

    expect(failures(app, c.name)).toEqual([]);
    expect(await reopened(app, c.committed)).toBe(true);
  });
});
