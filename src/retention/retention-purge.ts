import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { FRAUD_GUARD_RANGES, type RetentionPolicy } from '../apps/app-settings.js';
import { AppsService } from '../apps/apps.service.js';
import { Clock } from '../common/clock/clock.js';
import { PeriodicTask } from '../common/periodic-task.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { JobEngine } from '../events/job-engine.js';
import { nextDay, StatsRollup } from '../stats/stats-rollup.js';
import { startOf } from '../stats/stats.repository.js';
import { PhonePseudonyms } from './phone-pseudonyms.js';
import { type AppCutoffs, EXPIRING, type ExpiringTableName, type HashedTable, RetentionRepository } from './retention.repository.js';

/** The purge's queue: `stately`, so at most one purge job waits and one runs, across every instance. */
export const PURGE_QUEUE = 'retention-purge';
const PURGE_KEY = 'purge';
/** An idle instance asks for the purge job this often: it comes once per interval. */
const PURGE_POLL_S = 60;
/** A limit table's page holds about 90 rows: a statement takes the pages of about one batch. */
const LIMIT_ROWS_PER_PAGE = 100;
const DAY_MS = 86_400_000;

/** What one run did, per table: rows deleted, numbers hashed. */
export interface PurgeReport {
  deleted: Record<ExpiringTableName | 'send_cooldowns' | 'send_counters' | 'fraud_buckets', number>;
  hashed: Record<HashedTable, number>;
}

/**
 * The retention purge: every app's expired codes, captchas, nonces, update-phone
 * tokens, ended end-user sessions, send-log rows and finished webhook deliveries
 * deleted after their app's windows, send-log numbers (and webhook payloads'
 * numbers) replaced by their keyed hash and masked in the provider's message (the
 * receiver's answer) of their row, limit rows whose window has passed and fraud
 * guard buckets idle in the normal state for two of the longest windows deleted. Runs as a
 * pg-boss job that queues the next one when it ends (the engine keeps no cron
 * schedule); the queue's `stately` policy keeps one waiting and one running per
 * database, whatever the number of instances, and every instance offers one at
 * start and once per interval, so a broken chain mends itself. Statistics first store every
 * finished day, and send-log rows and codes are deleted only from days stored:
 * the counts outlive the rows.
 */
@Injectable()
export class RetentionPurge implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  /** The offer once per interval; it stops, its offer in flight ended, before the database closes. */
  private readonly offer: PeriodicTask;

  constructor(
    private readonly repo: RetentionRepository,
    private readonly apps: AppsService,
    private readonly stats: StatsRollup,
    private readonly pseudonyms: PhonePseudonyms,
    private readonly engine: JobEngine,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('RetentionPurge');
    this.offer = new PeriodicTask(config.retention.purgeIntervalS * 1000, () => this.scheduleNext(), (err) => this.logger.warn({ err }, 'retention purge could not be queued'));
  }

  async onModuleInit(): Promise<void> {
    await this.engine.createQueue(PURGE_QUEUE, { policy: 'stately' });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.engine.work(PURGE_QUEUE, 1, () => this.job(), PURGE_POLL_S);
    // Every instance asks, at start and once per interval; the queue keeps one. A chain
    // broken (a run whose next could not be queued: the database was down) mends itself.
    await this.scheduleNext();
    this.offer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.offer.stop();
  }

  private async job(): Promise<void> {
    try {
      await this.run();
    } finally {
      await this.scheduleNext();
    }
  }

  private async scheduleNext(): Promise<void> {
    const intervalS = this.config.retention.purgeIntervalS;
    await this.engine.send(PURGE_QUEUE, {}, { singletonKey: PURGE_KEY, startAfter: intervalS, retryLimit: 0 });
    // The queue keeps the job that waits already: one queued under a longer interval (before a restart with a
    // shorter RETENTION_PURGE_INTERVAL_S) kept its start, up to a week away, and the new setting did nothing till then.
    await this.repo.startQueuedWithin(PURGE_QUEUE, intervalS);
  }

  /** Runs the purge now, to the end: every batch until none is left. */
  async run(): Promise<PurgeReport> {
    await this.stats.run();
    const storedThrough = await this.stats.storedThrough();
    // Rows counted by statistics may go only from days whose counts are stored.
    const statsCap = storedThrough === null ? new Date(0) : startOf(nextDay(storedThrough));
    const now = this.clock.now();
    const policies = await this.apps.retentionPolicies();
    const before = (days: (r: RetentionPolicy) => number, cap?: Date): AppCutoffs => ({
      appIds: policies.map((p) => p.id),
      cutoffs: policies.map((p) => {
        const cutoff = new Date(now.getTime() - days(p.retention) * DAY_MS);
        return cap && cap < cutoff ? cap : cutoff;
      }),
    });
    const windows: Record<ExpiringTableName, AppCutoffs> = {
      verification_codes: before((r) => r.codes_days, statsCap),
      update_phone_tokens: before((r) => r.codes_days),
      captchas: before((r) => r.captchas_days),
      request_nonces: before((r) => r.captchas_days),
      sms_messages: before((r) => r.send_log_delete_days, statsCap),
      webhook_deliveries: before((r) => r.send_log_delete_days),
      // An ended session is a credential nobody can use any more, as an expired code is: it goes after as many days.
      user_sessions: before((r) => r.codes_days),
    };
    const report: PurgeReport = {
      deleted: {
        verification_codes: 0,
        update_phone_tokens: 0,
        captchas: 0,
        request_nonces: 0,
        sms_messages: 0,
        webhook_deliveries: 0,
        user_sessions: 0,
        send_cooldowns: 0,
        send_counters: 0,
        fraud_buckets: 0,
      },
      hashed: { sms_messages: 0, webhook_deliveries: 0 },
    };
    const limit = this.config.retention.batchSize;
    for (const name of Object.keys(EXPIRING) as ExpiringTableName[]) {
      for (let n = limit; n >= limit; ) report.deleted[name] += n = await this.repo.deleteExpired(name, windows[name], limit);
    }
    for (const { id, retention } of policies) {
      const cutoff = new Date(now.getTime() - retention.send_log_hash_days * DAY_MS);
      for (const table of ['sms_messages', 'webhook_deliveries'] as const) report.hashed[table] += await this.hashNumbers(table, id, cutoff, limit);
    }
    const step = Math.max(1, Math.ceil(limit / LIMIT_ROWS_PER_PAGE));
    for (const table of ['send_cooldowns', 'send_counters'] as const) {
      const pages = await this.repo.pages(table);
      for (let from = 0; from < pages; from += step) report.deleted[table] += await this.repo.deleteClosedLimits(table, from, from + step, now);
    }
    // Two of the longest fraud guard window: a normal bucket idle that long counts nothing any more.
    const idleSince = new Date(now.getTime() - 2 * FRAUD_GUARD_RANGES.window_s[1] * 1000);
    for (let n = limit; n >= limit; ) report.deleted.fraud_buckets += n = await this.repo.deleteIdleBuckets(idleSince, limit);
    this.logger.info(report, 'retention purge done');
    return report;
  }

  /** Hashes the numbers of the app's rows written before `cutoff`, from where the last run stopped; answers how many. */
  private async hashNumbers(table: HashedTable, appId: string, cutoff: Date, limit: number): Promise<number> {
    const step = `${table}.hash`;
    let from = (await this.repo.mark(appId, step)) ?? new Date(0);
    if (from >= cutoff) return 0;
    let hashed = 0;
    for (;;) {
      const rows = await this.repo.numberedRows(table, appId, from, cutoff, limit);
      const changed = await this.repo.replaceNumbers(table, rows.map((r) => ({ ...r, hash: this.pseudonyms.of(appId, r.phone) })));
      hashed += changed;
      if (rows.length < limit) break;
      const last = new Date(rows[rows.length - 1].created_at);
      // Rows of one instant beyond a batch that changed under us: leave them to the next run rather than loop.
      if (!changed && last.getTime() === from.getTime()) return hashed;
      from = last;
    }
    await this.repo.setMark(appId, step, cutoff);
    return hashed;
  }
}
