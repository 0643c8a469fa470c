import type { ThrottlerStorage } from '@nestjs/throttler';
import { type Clock } from '../common/clock/clock.js';

interface Window {
  hits: number;
  endsAt: number;
  blockedUntil: number;
}

/** What a count answers (the package does not export its type from its entry point). */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const SWEEP_EVERY = 10_000;

/**
 * In-process @nestjs/throttler storage with the fixed-window rule of
 * {@link RedisThrottlerStorage}: count hits until the window ends, and once the
 * limit is passed refuse the key for `blockDuration`.
 *
 * The package's own in-memory storage keeps one timestamp per hit and filters
 * that list on every request, so its cost grows with the traffic it is meant to
 * cap; this one is O(1) per request. Ended windows are dropped every
 * {@link SWEEP_EVERY} increments.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  /** Each throttler's windows by key. */
  private readonly windows = new Map<string, Map<string, Window>>();
  private sinceSweep = 0;

  constructor(private readonly clock: Clock) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    return this.count(key, ttl, limit, blockDuration, throttlerName);
  }

  /** {@link increment} without the promise: the guard counts in-process hits synchronously. */
  count(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): ThrottlerStorageRecord {
    const now = this.clock.nowMs();
    if (++this.sinceSweep >= SWEEP_EVERY) this.sweep(now);
    let windows = this.windows.get(throttlerName);
    if (!windows) this.windows.set(throttlerName, (windows = new Map()));
    let w = windows.get(key);
    if (!w || (w.endsAt <= now && w.blockedUntil <= now)) {
      w = { hits: 0, endsAt: now + ttl, blockedUntil: 0 };
      windows.set(key, w);
    } else if (w.endsAt <= now) {
      w.hits = 0;
      w.endsAt = now + ttl;
    }
    w.hits++;
    if (w.blockedUntil <= now && w.hits > limit) w.blockedUntil = now + blockDuration;
    const blockedMs = Math.max(0, w.blockedUntil - now);
    return {
      totalHits: w.hits,
      timeToExpire: Math.ceil((w.endsAt - now) / 1000),
      isBlocked: blockedMs > 0,
      timeToBlockExpire: Math.ceil(blockedMs / 1000),
    };
  }

  private sweep(now: number): void {
    this.sinceSweep = 0;
    for (const windows of this.windows.values()) {
      for (const [key, w] of windows) if (w.endsAt <= now && w.blockedUntil <= now) windows.delete(key);
    }
  }
}
