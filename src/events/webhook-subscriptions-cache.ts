import { Injectable } from '@nestjs/common';
import { ChangeFeedCache } from '../common/cache/change-feed-cache.js';
import { Clock } from '../common/clock/clock.js';
import { ChangeFeed } from '../database/change-feed.js';
import { Metrics } from '../metrics/metrics.js';
import { type Subscription } from './webhooks.repository.js';

/**
 * Each app's enabled webhook endpoints and their event types, as every publish
 * reads them: an app without endpoints costs a publish no query at all while
 * cached (the send path publishes on every code). An endpoint change drops the
 * app's entry here and, through the change feed, in every other instance.
 */
@Injectable()
export class WebhookSubscriptionsCache extends ChangeFeedCache<string, Subscription[]> {
  constructor(clock: Clock, feed: ChangeFeed, metrics: Metrics) {
    super(clock, feed, { topic: 'webhooks', key: (appId) => appId });
    metrics.countCache('webhook_endpoints', this);
  }
}
