import { Injectable } from '@nestjs/common';
import { PhonePseudonyms } from '../retention/phone-pseudonyms.js';
import { ListSmsMessagesQuery } from './sms.dto.js';
import { SmsRepository } from './sms.repository.js';
import { smsMessageView } from './sms.views.js';

/** The send log as operators read it: one row per provider call (or refusal before one). */
@Injectable()
export class SmsLogService {
  constructor(
    private readonly repo: SmsRepository,
    private readonly pseudonyms: PhonePseudonyms,
  ) {}

  /** The send log, newest first, filtered and paged. */
  async list(q: ListSmsMessagesQuery) {
    const { items, total } = await this.repo.listMessages({
      page: q.page,
      pageSize: q.page_size,
      appId: q.app_id,
      phones: q.phone ? await this.phonesMatching(q.phone, q.app_id) : undefined,
      status: q.status,
      deliveryStatus: q.delivery_status,
      scene: q.scene,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
    });
    return { items: items.map(smsMessageView), total, page: q.page, page_size: q.page_size };
  }

  /**
   * What a row of `phone` may hold: the number, or (once the retention purge hashed
   * it) its pseudonym in the row's app — in `appId`, or in each app when the search
   * spans them all. Passcode holds the key, so an operator with the number still
   * finds its rows; nobody without the number can read one back.
   */
  private async phonesMatching(phone: string, appId: string | undefined): Promise<string[]> {
    const apps = appId ? [appId] : await this.repo.allAppIds();
    return [phone, ...apps.map((id) => this.pseudonyms.of(id, phone))];
  }
}
