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
 *
 * The workers are this class's own loops over pg-boss's fetch, complete and
 * fail, not pg-boss's `work()`, so that stopping is complete: pg-boss's `stop()`
 * waits only for workers holding a job, not for one whose fetch is still waiting
 * for the connection, and then polls every second, on a timer of its own, for
 * those workers to end. When the database closed first, such a fetch was never
 * answered and that poll ran forever, after the app had closed (under Jest, past
 * the environment's teardown). {@link onModuleDestroy} ends every loop, stops
 * pg-boss's maintenance and waits for its last statement, so nothing of the
 * engine runs or is scheduled once it returns, and the database closes after it.
 */
@Injectable()
export class JobEngine implements OnModuleDestroy {
  private started?: Promise<PgBoss>;
  /** Aborted when the engine stops: the loops ask for no more jobs, and an idle one wakes at once. */
  private readonly stopping = new AbortController();
  /** Every worker loop; each ends after the job it holds, if any. */
  private readonly loops = new Set<Promise<void>>();
  /** Jobs being handled, by id, so those still running when the engine stops can be failed. */
  private readonly running = new Map<string, string>();
  /** pg-boss's own statements in flight (maintenance runs on its timer, not in a loop). */
  private statements = 0;
  private statementsDone?: () => void;

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

  /**
   * Runs `handler` on the queue's jobs, one at a time, `concurrency` at once in
   * this instance. A loop that handled a job asks for the next at once; one that
   * found none (or could not ask: the database) asks again once
   * `pollingIntervalSeconds` since its last ask have passed. A handler that throws
   * fails the attempt; one that outlives the job's expiry is failed as pg-boss
   * fails it, and its loop moves on.
   */
  async work<T extends object>(
    name: string,
    concurrency: number,
    handler: (job: PgBoss.JobWithMetadata<T>) => Promise<void>,
    pollingIntervalSeconds = this.config.webhooks.pollIntervalMs / 1000,
  ): Promise<void> {
    const boss = await this.boss();
    for (let i = 0; i < concurrency; i++) {
      const loop = this.serve(boss, name, handler, pollingIntervalSeconds * 1000);
      this.loops.add(loop);
      void loop.finally(() => this.loops.delete(loop));
    }
  }

  /**
   * Stops the engine before the database closes (Nest destroys modules before it
   * shuts the DataSource down): the loops ask for no more jobs and end after the
   * one they hold, waited for up to a delivery's timeout and a margin; a job
   * still running then is failed, so another attempt takes it. pg-boss then stops
   * its maintenance timer, and its statement in flight, if any, is awaited.
   */
  async onModuleDestroy(): Promise<void> {
    if (!this.started) return;
    this.stopping.abort();
    const boss = await this.started.catch(() => undefined);
    if (!boss) return;
    const patience = this.config.webhooks.timeoutMs + 5000;
    const timer = new AbortController();
    const ended = await Promise.race([
      Promise.all(this.loops).then(() => true),
      sleep(patience, false, { signal: timer.signal }).catch(() => false),
    ]);
    timer.abort();
    if (!ended) {
      this.logger.warn({ jobs: this.running.size }, `jobs still running ${patience} ms after the engine stopped: failed, to be retried`);
      for (const [id, name] of this.running) await boss.fail(name, id, { message: 'the instance stopped while the job ran' }).catch(() => undefined);
    }
    // Not graceful: no worker of pg-boss's own is left to wait for, and its graceful stop would poll on a timer.
    await boss.stop({ graceful: false, close: false });
    await this.statementsSettled();
  }

  private boss(): Promise<PgBoss> {
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<PgBoss> {
    const pool = poolOf(this.ds);
    const boss = new PgBoss({
      db: { executeSql: (text, values) => this.track(pool.query(text, values)) },
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

  /**
   * One worker, until the engine stops: fetch a job, handle it, complete or fail it,
   * and fetch again at once; after an empty fetch, or a statement that failed, wait
   * out the polling interval. Waiting after every job, as pg-boss's own workers do,
   * capped an instance at `concurrency` jobs per interval (2 webhook deliveries a
   * second by default) however fast the receivers answered, and a backlog grew.
   * pg-boss's fetch answers an empty list when its statement fails, so a database
   * that is down makes every loop wait, never spin.
   */
  private async serve<T extends object>(boss: PgBoss, name: string, handler: (job: PgBoss.JobWithMetadata<T>) => Promise<void>, intervalMs: number): Promise<void> {
    const { signal } = this.stopping;
    while (!signal.aborted) {
      const asked = Date.now();
      let handled = false;
      try {
        const [job] = await boss.fetch<T>(name, { batchSize: 1, includeMetadata: true });
        if (job) {
          await this.handle(boss, name, job, handler);
          handled = true;
        }
      } catch (err) {
        this.logger.error({ err, queue: name }, 'job engine error');
      }
      if (handled) continue;
      const wait = intervalMs - (Date.now() - asked);
      if (!signal.aborted && wait > 100) await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }

  private async handle<T extends object>(boss: PgBoss, name: string, job: PgBoss.JobWithMetadata<T>, handler: (job: PgBoss.JobWithMetadata<T>) => Promise<void>): Promise<void> {
    const expiryMs = Math.max(1, (job as { expireInSeconds?: number }).expireInSeconds ?? 0) * 1000;
    let expiry: NodeJS.Timeout | undefined;
    const run = handler(job);
    // A handler that ends after its job expired has no one left to hear it.
    run.catch(() => undefined);
    this.running.set(job.id, name);
    try {
      await Promise.race([
        run,
        new Promise<never>((_, reject) => {
          expiry = setTimeout(() => reject(new Error(`handler execution exceeded ${expiryMs}ms`)), expiryMs);
        }),
      ]);
    } catch (err) {
      await boss.fail(name, job.id, err as object);
      return;
    } finally {
      clearTimeout(expiry);
      this.running.delete(job.id);
    }
    await boss.complete(name, job.id);
  }

  /** Counts a pg-boss statement until it settles, so stopping can wait for the last. */
  private track<R>(statement: Promise<R>): Promise<R> {
    this.statements++;
    return statement.finally(() => {
      if (--this.statements === 0) this.statementsDone?.();
    });
  }

  private async statementsSettled(): Promise<void> {
    while (this.statements > 0) await new Promise<void>((resolve) => (this.statementsDone = resolve));
  }
}
