import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../common/clock/clock.js';
import { PeriodicTask } from '../common/periodic-task.js';
import { SmsRepository } from './sms.repository.js';

/** A live provider call ends within its account's timeout (at most 60 s) and a little slack; a row this old has no process. */
export const ORPHANED_AFTER_MS = 10 * 60_000;
export const SWEEP_EVERY_MS = 60_000;

/**
 * Closes send-log rows that a process left `sending` because it stopped during the
 * provider call (a crash, a kill): after {@link ORPHANED_AFTER_MS} they become
 * `unknown`, so the log and its filters tell them from sends still under way.
 * Every instance sweeps once a minute; the update is idempotent. The sweeper
 * stops, its sweep in flight ended, before the database closes ({@link PeriodicTask}).
 */
@Injectable()
export class SendLogSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task = new PeriodicTask(SWEEP_EVERY_MS, () => this.sweep(), (err) => this.logger.warn({ err }, 'send-log sweep failed'));

  constructor(
    private readonly repo: SmsRepository,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('SendLogSweeper');
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /** Closes the orphaned rows now; answers how many. */
  async sweep(): Promise<number> {
    const closed = await this.repo.closeOrphanedMessages(new Date(this.clock.nowMs() - ORPHANED_AFTER_MS), this.clock.now());
    if (closed) this.logger.warn({ closed }, 'send-log rows left sending by a stopped process marked unknown');
    return closed;
  }
}
