import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { poolOf } from '../database/pg-transaction.js';
import { type SqlClient } from '../database/sql-client.js';

/** The schema pg-boss keeps its queues and jobs in (it creates and migrates it itself: docs/design-changes.md). */
export const JOB_SCHEMA = 'pgboss';

/** Postgres's SQLSTATE for a transaction aborted to break a deadlock. */
const DEADLOCK_DETECTED = '40P01';
const CREATE_QUEUE_TRIES = 5;

/**
 * The job engine: pg-boss on the DataSource's own pg pool (so PGlite's single
 * connection serves it too), its queues, retries with backoff and SKIP LOCKED
 * claims shared by every instance on the database. A job can be written in the
 * caller's transaction ({@link insert}), so it exists exactly when the change
 * that asked for it commits.
 */
@Injectable()
export class JobEngine implements OnModuleDestroy {
  private started?: Promise<PgBoss>;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('JobEngine');
  }

  /**
   * Creates the queue if it does not exist (starting the engine first).
   * Instances starting together on a new database all create it: pg-boss's
   * create_queue then adds the same partition under locks taken in different
   * orders, and Postgres aborts one as a deadlock. Its transaction rolled back
   * whole, so that instance tries again (at most {@link CREATE_QUEUE_TRIES} times).
   */
  async createQueue(name: string, options: Omit<PgBoss.Queue, 'name'> = {}): Promise<void> {
    const boss = await this.boss();
    for (let attempt = 1; ; attempt++) {
      if (await boss.getQueue(name)) return;
      try {
        await boss.createQueue(name, { name, ...options });
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== DEADLOCK_DETECTED || attempt >= CREATE_QUEUE_TRIES) throw err;
        this.logger.warn({ queue: name, attempt }, 'job queue creation raced another instance; trying again');
        await sleep(50 + Math.random() * 200);
      }
    }
  }

  /** Writes jobs with `q`, the client of the caller's transaction: they are claimable once it commits, and never if it rolls back. */
  async insert(q: SqlClient, jobs: PgBoss.JobInsert[]): Promise<void> {
    await (await this.boss()).insert(jobs, { db: { executeSql: (text, values) => q.query(text, values) } });
  }

  /**
   * Queues one job outside any transaction. On a `stately` queue a job already
   * waiting under the same singleton key makes this a no-op (pg-boss's unique
   * index decides, across instances): answers whether a job was queued.
   */
  async send(name: string, data: object, options: PgBoss.SendOptions = {}): Promise<boolean> {
    return (await (await this.boss()).send(name, data, options)) !== null;
  }

  /** Runs `handler` on the queue's jobs, one at a time, `concurrency` at once in this instance, asking for work every `pollingIntervalSeconds` when idle. A handler that throws fails the attempt. */
  async work<T extends object>(
    name: string,
    concurrency: number,
    handler: (job: PgBoss.JobWithMetadata<T>) => Promise<void>,
    pollingIntervalSeconds = this.config.webhooks.pollIntervalMs / 1000,
  ): Promise<void> {
    const boss = await this.boss();
    const options = { batchSize: 1, includeMetadata: true as const, pollingIntervalSeconds };
    for (let i = 0; i < concurrency; i++) await boss.work<T>(name, options, async ([job]) => handler(job));
  }

  /** Stops claiming; waits for running jobs (a delivery's timeout and a margin), then fails what still runs so another attempt takes it. */
  async onModuleDestroy(): Promise<void> {
    if (!this.started) return;
    const boss = await this.started.catch(() => undefined);
    await boss?.stop({ graceful: true, wait: true, timeout: this.config.webhooks.timeoutMs + 5000 });
  }

  private boss(): Promise<PgBoss> {
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<PgBoss> {
    const pool = poolOf(this.ds);
    const boss = new PgBoss({
      db: { executeSql: (text, values) => pool.query(text, values) },
      schema: JOB_SCHEMA,
      // No cron schedules are used; their clock monitor would only add queries.
      schedule: false,
      // Maintenance fails jobs active past their expiry (their instance died), so they are retried.
      maintenanceIntervalSeconds: this.config.webhooks.maintenanceIntervalS,
    });
    boss.on('error', (err) => this.logger.error({ err }, 'job engine error'));
    await boss.start();
    return boss;
  }
}
