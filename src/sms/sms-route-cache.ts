import { Injectable } from '@nestjs/common';
import { ChangeFeedCache } from '../common/cache/change-feed-cache.js';
import { Clock } from '../common/clock/clock.js';
import { type Scene } from '../common/scenes.js';
import { ChangeFeed } from '../database/change-feed.js';
import { Metrics } from '../metrics/metrics.js';
import { type SendPlan } from './sms.repository.js';

/**
 * Each app's send plan for a scene (its routes, or its binding) with templates,
 * signatures and accounts, as the send path reads them on every code. Any SMS configuration change drops
 * every entry (announced without a key), here at once and in the other instances
 * through the change feed: changes are rare and a route depends on four tables.
 */
@Injectable()
export class SmsRouteCache extends ChangeFeedCache<{ appId: string; scene: Scene }, SendPlan | null> {
  constructor(clock: Clock, feed: ChangeFeed, metrics: Metrics) {
    super(clock, feed, { topic: 'sms', key: ({ appId, scene }) => `${appId}|${scene}` });
    metrics.countCache('sms_route', this);
  }
}
