import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock/clock.js';
import { PeriodicTask } from '../common/periodic-task.js';
import { dayOf, StatsRepository } from './stats.repository.js';

const DAY_MS = 86_400_000;
/** Today and yesterday (UTC) still change: codes are approved and messages delivered after the day they were sent. */
export const OPEN_DAYS = 2;
export const ROLLUP_EVERY_MS = 10 * 60_000;

/**
 * Stores the counts of each finished day in `daily_stats`, one day per
 * transaction, so statistics read a few rows per day instead of the send log,
 * and keep their counts when old rows are purged. A day is finished once it is
 * more than {@link OPEN_DAYS} old; the first run goes back to the first row.
 * Every instance runs it every ten minutes; a day stored twice is stored the same.
 * It stops, its run in flight ended, before the database closes ({@link PeriodicTask}).
 */
@Injectable()
export class StatsRollup implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task = new PeriodicTask(ROLLUP_EVERY_MS, () => this.run(), (err) => this.logger.warn({ err }, 'statistics roll-up failed'));

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: StatsRepository,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('StatsRollup');
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /** The last finished day: days up to it no longer change. */
  closedThrough(): string {
    return dayOf(this.clock.nowMs() - OPEN_DAYS * DAY_MS);
  }

  /** The last day whose counts are stored for good (rows up to its end may go); null before the first roll-up. */
  storedThrough(): Promise<string | null> {
    return this.repo.finalThrough();
  }

  /** Stores every finished day not stored yet; answers how many days it stored. */
  async run(): Promise<number> {
    const closed = this.closedThrough();
    const final = await this.repo.finalThrough();
    if (final !== null && final >= closed) return 0;
    let day = final !== null ? nextDay(final) : await this.repo.firstDay(this.ds.manager);
    let stored = 0;
    if (day === null || day > closed) {
      await this.ds.transaction((m) => this.repo.storeFinal(m, [], closed));
      return 0;
    }
    for (; day <= closed; day = nextDay(day)) {
      const d = day;
      await this.ds.transaction(async (m) => this.repo.storeFinal(m, await this.repo.countRows(d, nextDay(d), undefined, m), d));
      stored++;
    }
    this.logger.info({ through: closed, days: stored }, 'statistics stored for finished days');
    return stored;
  }
}

export function nextDay(day: string): string {
  return dayOf(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS);
}
