import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';

/** Counts a hit in a fixed window and opens a block once the limit is passed; one round trip, atomic. */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local block = redis.call('PTTL', KEYS[2])
if block <= 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  block = tonumber(ARGV[3])
end
return {hits, ttl, block}
`;

type HitResult = [number, number, number];

/**
 * @nestjs/throttler storage shared by every instance through Redis, so a client's
 * budget holds across instances. The Nest-ecosystem package for this does not
 * accept Nest 12 yet, and the whole job is the script above.
 *
 * Fails open: when Redis is unreachable the request is let through (and logged),
 * because the limits that protect SMS spending are enforced in the database anyway.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly logger = new Logger('RedisThrottler');
  private lastErrorLog = 0;
  private closed = false;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    // disconnectTimeout: on shutdown, a socket that never connected is given half a second to close, not two.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false, disconnectTimeout: 500 });
    this.redis.on('error', (err: Error) => this.logSometimes(err));
    this.redis.defineCommand('passcodeHit', { numberOfKeys: 2, lua: HIT });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    const base = `${this.prefix}throttle:${throttlerName}:${key}`;
    try {
      const [hits, ttlMs, blockMs] = (await (this.redis as Redis & { passcodeHit(...args: unknown[]): Promise<HitResult> }).passcodeHit(
        `${base}:hits`,
        `${base}:block`,
        ttl,
        limit,
        blockDuration,
      )) as HitResult;
      return {
        totalHits: hits,
        timeToExpire: Math.max(0, Math.ceil(ttlMs / 1000)),
        isBlocked: blockMs > 0,
        timeToBlockExpire: Math.max(0, Math.ceil(blockMs / 1000)),
      };
    } catch (err) {
      this.logSometimes(err as Error);
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /** Closes the connection once (the instance is registered twice: as a provider and as the throttler's storage). */
  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private logSometimes(err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLog < 10_000) return;
    this.lastErrorLog = now;
    this.logger.warn(`Redis unavailable for throttling, letting requests through: ${err.message}`);
  }
}
