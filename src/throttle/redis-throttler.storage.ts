import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { SystemClock } from '../common/clock/clock.js';
import { MemoryThrottlerStorage, type ThrottlerStorageRecord } from './memory-throttler.storage.js';

/**
 * Counts a hit in a fixed window and opens a block once the limit is passed; one
 * round trip, atomic. A counter that is no integer (another program's key under
 * the prefix, a value past 2^63) starts again at 1 rather than failing every
 * count; a counter without an expiry gets one, so a window always ends.
 */
const HIT = `
local ok, hits = pcall(redis.call, 'INCR', KEYS[1])
if not ok then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
  hits = 1
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local block = redis.call('PTTL', KEYS[2])
if block == -1 then
  redis.call('DEL', KEYS[2])
  block = -2
end
if block <= 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  block = tonumber(ARGV[3])
end
return {hits, ttl, block}
`;

type HitResult = [number, number, number];

/** How long Redis is left alone after it failed to count, before one request tries it again. */
export const REDIS_RETRY_AFTER_MS = 5_000;

/** How long, at most, closing waits for Redis to acknowledge QUIT. */
const QUIT_WAIT_MS = 500;

/**
 * @nestjs/throttler storage shared by every instance through Redis, so a client's
 * budget holds across instances. The Nest-ecosystem package for this does not
 * accept Nest 12 yet, and the whole job is the script above.
 *
 * When Redis cannot count — down, refusing, answering errors, or not answering
 * within `timeoutMs` (a frozen Redis held every request for as long as it stayed
 * frozen) — this instance counts in its own memory instead, as it would without
 * Redis: the budget is per instance until Redis answers again. Redis is then left
 * alone for {@link REDIS_RETRY_AFTER_MS}, after which one request tries it while
 * the others keep counting locally. Each change is logged once.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly logger = new Logger('RedisThrottler');
  private readonly local = new MemoryThrottlerStorage(new SystemClock());
  /** Whether Redis failed its last count; until it counts again, requests are counted locally. */
  private failing = false;
  /** Before this time (epoch ms), a failing Redis is not tried. */
  private retryAt = 0;
  /** Whether a request is trying a failing Redis now. */
  private trying = false;
  private closed = false;

  constructor(
    url: string,
    private readonly prefix: string,
    timeoutMs: number,
  ) {
    // commandTimeout: a Redis that takes the command and never answers (stopped, a network black hole) fails it in time.
    // disconnectTimeout: on shutdown, a socket that never connected is given half a second to close, not two.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false, commandTimeout: timeoutMs, disconnectTimeout: 500 });
    // Connection errors are also each count's failure, logged there; ioredis needs a listener to not throw them.
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('passcodeHit', { numberOfKeys: 2, lua: HIT });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (this.failing && (this.trying || Date.now() < this.retryAt)) return this.local.count(key, ttl, limit, blockDuration, throttlerName);
    const probe = this.failing;
    this.trying ||= probe;
    const base = `${this.prefix}throttle:${throttlerName}:${key}`;
    try {
      const [hits, ttlMs, blockMs] = await (this.redis as Redis & { passcodeHit(...args: unknown[]): Promise<HitResult> }).passcodeHit(
        `${base}:hits`,
        `${base}:block`,
        ttl,
        limit,
        blockDuration,
      );
      if (this.failing) {
        this.failing = false;
        this.logger.log('Redis counts again: request throttling is shared across instances');
      }
      return {
        totalHits: hits,
        timeToExpire: Math.max(0, Math.ceil(ttlMs / 1000)),
        isBlocked: blockMs > 0,
        timeToBlockExpire: Math.max(0, Math.ceil(blockMs / 1000)),
      };
    } catch (err) {
      this.retryAt = Date.now() + REDIS_RETRY_AFTER_MS;
      if (!this.failing) {
        this.failing = true;
        this.logger.warn(`Redis cannot count (${(err as Error).message}): this instance throttles requests by its own counts until it can`);
      }
      return this.local.count(key, ttl, limit, blockDuration, throttlerName);
    } finally {
      if (probe) this.trying = false;
    }
  }

  /**
   * Closes the connection once (the instance is registered twice: as a provider and
   * as the throttler's storage). A Redis that never acknowledges QUIT (stopped) is
   * given {@link QUIT_WAIT_MS}, then the socket is dropped: it held the shutdown, and
   * the data directory's lock with it, for as long as Redis stayed stopped.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_WAIT_MS)));
    await Promise.race([this.redis.quit().catch(() => undefined), waited]);
    clearTimeout(timer);
    this.redis.disconnect();
  }
}
