import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { ShortCache } from '../common/cache/short-cache.js';
import { Clock } from '../common/clock/clock.js';
import { ChangeFeed } from '../database/change-feed.js';
import type { AppEntity } from './app.entity.js';

const TOPIC = 'app';
const TTL_MS = 30_000;

/**
 * Apps by appkey, for the request paths that resolve one on every call. An admin
 * change evicts the entry here and, through the {@link ChangeFeed}, in every other
 * instance. The TTL bounds staleness should a notification be lost while the
 * listener reconnects.
 */
@Injectable()
export class AppCache {
  private readonly entries: ShortCache<AppEntity | null>;

  constructor(
    clock: Clock,
    private readonly feed: ChangeFeed,
  ) {
    this.entries = new ShortCache(clock, TTL_MS);
    feed.subscribe(TOPIC, { changed: (appkey) => this.entries.delete(appkey), missed: () => this.entries.clear() });
  }

  /** The cached lookup, or `load()` (whose answer, null included, is cached). */
  get(appkey: string, load: () => Promise<AppEntity | null>): Promise<AppEntity | null> {
    return this.entries.get(appkey, load);
  }

  /** Drops the app here at once and, once `m`'s transaction commits, in every instance. */
  async announceChange(m: EntityManager, appkey: string): Promise<void> {
    await this.feed.announce(m, TOPIC, appkey);
  }

  evict(appkey: string): void {
    this.entries.delete(appkey);
  }
}
