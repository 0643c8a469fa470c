import { Injectable } from '@nestjs/common';
import { ChangeFeedCache } from '../common/cache/change-feed-cache.js';
import { Clock } from '../common/clock/clock.js';
import { ChangeFeed } from '../database/change-feed.js';
import { isUuid } from '../database/find-by-uuid.js';
import { Metrics } from '../metrics/metrics.js';
import { type SmsAccountEntity } from './sms-account.entity.js';
import { SmsRepository } from './sms.repository.js';

/**
 * SMS accounts by id, for the status reports providers push: Twilio calls back
 * for each status of each Message (two or three per SMS), and each call read its
 * account and decrypted its Auth Token anew. A cached row keeps its decrypted
 * credentials ({@link SmsConnections}). Every SMS configuration change drops
 * every entry, with the send routes (topic `sms`), here at once and in the
 * other instances through the change feed.
 */
@Injectable()
export class SmsAccountCache extends ChangeFeedCache<string, SmsAccountEntity | null> {
  constructor(
    clock: Clock,
    feed: ChangeFeed,
    metrics: Metrics,
    private readonly repo: SmsRepository,
  ) {
    super(clock, feed, { topic: 'sms', key: (id) => id.toLowerCase() });
    metrics.countCache('sms_account', this);
  }

  /** The account `id`; null when there is none, or when `id` is no uuid (then nothing is kept: any string may come in a URL). */
  account(id: string): Promise<SmsAccountEntity | null> {
    return isUuid(id) ? this.get(id, () => this.repo.findAccount(id)) : Promise.resolve(null);
  }
}
