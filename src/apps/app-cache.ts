import { Injectable } from '@nestjs/common';
import { ChangeFeedCache } from '../common/cache/change-feed-cache.js';
import { Clock } from '../common/clock/clock.js';
import { ChangeFeed } from '../database/change-feed.js';
import { Metrics } from '../metrics/metrics.js';
import type { AppEntity } from './app.entity.js';

/**
 * Apps by appkey, for the request paths that resolve one on every call. An admin
 * change drops the app's entry here and, through the change feed, in every other
 * instance.
 */
@Injectable()
export class AppCache extends ChangeFeedCache<string, AppEntity | null> {
  constructor(clock: Clock, feed: ChangeFeed, metrics: Metrics) {
    super(clock, feed, { topic: 'app', key: (appkey) => appkey });
    metrics.countCache('app', this);
  }
}
