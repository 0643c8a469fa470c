import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../common/clock/clock.js';
import { PeriodicTask } from '../common/periodic-task.js';
import { Metrics } from '../metrics/metrics.js';
import { SmsProviderRegistry } from './providers/sms-provider.registry.js';
import { type SmsAccountEntity } from './sms-account.entity.js';
import { SmsConnections } from './sms-connections.js';
import { reportTime, SmsReceiptsService } from './sms-receipts.service.js';
import { type DeliveryOutcome, type PendingDelivery, SmsRepository } from './sms.repository.js';

/** A message with no delivery outcome this long after its send is `unknown`: carriers stop retrying by then. */
export const DELIVERY_DEADLINE_MS = 72 * 3600_000;
export const POLL_EVERY_MS = 30_000;
/** Rows claimed per statement, and provider queries in flight at once. */
const BATCH = 100;
const CONCURRENCY = 8;
/** A round stops claiming after this long, so a slow provider does not stack rounds. */
const ROUND_BUDGET_MS = 20_000;
/** The wait from a message's send to its first poll, and the shortest between two; it grows to a quarter of the message's age. */
const MIN_GAP_S = 30;
const EXPIRE_BATCH = 1000;

/**
 * Asks providers what became of accepted messages still `pending` (each
 * provider's `queryDelivery`: Aliyun's QuerySendDetails, Tencent's
 * PullSmsSendStatusByPhoneNumber, Twilio's Message fetch), and marks `unknown` those with no outcome by
 * {@link DELIVERY_DEADLINE_MS}. Every instance polls every 30 s; rows are claimed
 * with `FOR UPDATE SKIP LOCKED`, so instances share the work without asking twice,
 * and every update is conditional on the row still being pending (a report pushed
 * meanwhile wins, and is counted once). The poller stops, its round in flight
 * ended, before the database closes ({@link PeriodicTask}).
 */
@Injectable()
export class DeliveryPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task = new PeriodicTask(POLL_EVERY_MS, (stopping) => this.poll(stopping), (err) => this.logger.warn({ err }, 'delivery poll failed'));

  constructor(
    private readonly repo: SmsRepository,
    private readonly providers: SmsProviderRegistry,
    private readonly connections: SmsConnections,
    private readonly receipts: SmsReceiptsService,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('DeliveryPoller');
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /**
   * One round: expires what is past the deadline, then polls what is due. Answers the
   * counts. Once `stopping` is aborted (the service is shutting down) the round claims
   * no more rows and asks about no more, and records what it has: rows claimed and not
   * asked about are asked about in a later round, here or on another instance.
   */
  async poll(stopping?: AbortSignal): Promise<{ expired: number; checked: number; recorded: number }> {
    const started = this.clock.nowMs();
    const expiredAccounts = await this.repo.expireDeliveries(new Date(started - DELIVERY_DEADLINE_MS), EXPIRE_BATCH);
    for (const account of expiredAccounts) this.metrics.smsDelivered(account, 'unknown');

    const names = this.providers.tracking();
    let checked = 0;
    let recorded = 0;
    if (!names.length) return { expired: expiredAccounts.length, checked, recorded };
    while (!stopping?.aborted) {
      const now = this.clock.now();
      const due = await this.repo.claimPendingDeliveries(now, new Date(now.getTime() - DELIVERY_DEADLINE_MS), names, MIN_GAP_S, BATCH);
      const asked = await this.check(due, stopping);
      checked += asked.checked;
      recorded += asked.recorded;
      if (due.length < BATCH || this.clock.nowMs() - started > ROUND_BUDGET_MS) break;
    }
    return { expired: expiredAccounts.length, checked, recorded };
  }

  /** Queries the provider about each claimed row, a few at a time, until `stopping`; records the outcomes. */
  private async check(due: PendingDelivery[], stopping?: AbortSignal): Promise<{ checked: number; recorded: number }> {
    const accounts = new Map<string, Promise<SmsAccountEntity | null>>();
    const outcomes = new Map<string, DeliveryOutcome[]>();
    let next = 0;
    const worker = async () => {
      while (next < due.length && !stopping?.aborted) {
        const row = due[next++];
        let loaded = accounts.get(row.accountId);
        if (!loaded) accounts.set(row.accountId, (loaded = this.repo.findAccount(row.accountId)));
        const account = await loaded;
        const provider = this.providers.get(row.provider);
        if (!account || !provider.queryDelivery) continue;
        let connection;
        try {
          connection = this.connections.get(account);
        } catch {
          continue; // credentials that do not decrypt: the deadline settles these rows
        }
        const report = await provider.queryDelivery({ account: connection, phone: row.phone, bizId: row.bizId, sentAt: row.createdAt });
        if (report.status === 'pending') continue;
        const list = outcomes.get(row.accountId) ?? [];
        outcomes.set(row.accountId, list);
        list.push({ bizId: row.bizId, phones: [row.phone], status: report.status, code: report.code, reportedAt: reportTime(report.reportedAt, this.clock.now()) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
    let recorded = 0;
    for (const [accountId, list] of outcomes) {
      recorded += await this.receipts.record(accountId, list);
    }
    return { checked: next, recorded };
  }
}
