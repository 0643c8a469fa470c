import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { ShortCache } from '../common/cache/short-cache.js';
import { Clock } from '../common/clock/clock.js';
import { type Scene } from '../common/scenes.js';
import { ChangeFeed } from '../database/change-feed.js';
import { type BindingRoute } from './sms.repository.js';

const TOPIC = 'sms';
const TTL_MS = 30_000;

/**
 * Each app's binding for a scene with its template, signature and account, as
 * the send path reads them on every code. Any SMS configuration change drops
 * every entry, here at once and in the other instances through the
 * {@link ChangeFeed}: changes are rare and a route depends on four tables.
 */
@Injectable()
export class SmsRouteCache {
  private readonly routes: ShortCache<BindingRoute | null>;

  constructor(
    clock: Clock,
    private readonly feed: ChangeFeed,
  ) {
    this.routes = new ShortCache(clock, TTL_MS);
    feed.subscribe(TOPIC, { changed: () => this.routes.clear(), missed: () => this.routes.clear() });
  }

  get(appId: string, scene: Scene, load: () => Promise<BindingRoute | null>): Promise<BindingRoute | null> {
    return this.routes.get(`${appId}|${scene}`, load);
  }

  /** Once `m`'s transaction commits, every instance drops its routes. */
  async announceChange(m: EntityManager): Promise<void> {
    await this.feed.announce(m, TOPIC, '*');
  }

  clear(): void {
    this.routes.clear();
  }
}
