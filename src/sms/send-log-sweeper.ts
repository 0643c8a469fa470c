import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Clock } from '../common/clock/clock.js';
import { SmsRepository } from './sms.repository.js';

/** A live provider call ends within its account's timeout (at most 60 s) and a little slack; a row this old has no process. */
export const ORPHANED_AFTER_MS = 10 * 60_000;
const SWEEP_EVERY_MS = 60_000;

/**
 * Closes send-log rows that a process left `sending` because it stopped during the
 * provider call (a crash, a kill): after {@link ORPHANED_AFTER_MS} they become
 * `unknown`, so the log and its filters tell them from sends still under way.
 * Every instance sweeps once a minute; the update is idempotent.
 */
@Injectable()
export class SendLogSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repo: SmsRepository,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('SendLogSweeper');
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.logger.warn({ err }, 'send-log sweep failed'));
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Closes the orphaned rows now; answers how many. */
  async sweep(): Promise<number> {
    const closed = await this.repo.closeOrphanedMessages(new Date(this.clock.nowMs() - ORPHANED_AFTER_MS), this.clock.now());
    if (closed) this.logger.warn({ closed }, 'send-log rows left sending by a stopped process marked unknown');
    return closed;
  }
}
