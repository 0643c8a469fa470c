import { Injectable } from '@nestjs/common';
import { ChangeFeedCache } from '../common/cache/change-feed-cache.js';
import { Clock } from '../common/clock/clock.js';
import { type Scene } from '../common/scenes.js';
import { ChangeFeed } from '../database/change-feed.js';
import { Metrics } from '../metrics/metrics.js';
import { type BindingRoute } from './sms.repository.js';

/**
 * Each app's binding for a scene with its template, signature and account, as
 * the send path reads them on every code. Any SMS configuration change drops
 * every entry (announced without a key), here at once and in the other instances
 * through the change feed: changes are rare and a route depends on four tables.
 */
@Injectable()
export class SmsRouteCache extends ChangeFeedCache<{ appId: string; scene: Scene }, BindingRoute | null> {
  constructor(clock: Clock, feed: ChangeFeed, metrics: Metrics) {
    super(clock, feed, { topic: 'sms', key: ({ appId, scene }) => `${appId}|${scene}` });
    metrics.countCache('sms_route', this);
  }
}
