import { Injectable } from '@nestjs/common';
import { ListSmsMessagesQuery } from './sms.dto.js';
import { SmsRepository } from './sms.repository.js';
import { smsMessageView } from './sms.views.js';

/** The send log as operators read it: one row per provider call (or refusal before one). */
@Injectable()
export class SmsLogService {
  constructor(private readonly repo: SmsRepository) {}

  /** The send log, newest first, filtered and paged. */
  async list(q: ListSmsMessagesQuery) {
    const { items, total } = await this.repo.listMessages({
      page: q.page,
      pageSize: q.page_size,
      appId: q.app_id,
      phone: q.phone,
      status: q.status,
      deliveryStatus: q.delivery_status,
      scene: q.scene,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
    });
    return { items: items.map(smsMessageView), total, page: q.page, page_size: q.page_size };
  }
}
