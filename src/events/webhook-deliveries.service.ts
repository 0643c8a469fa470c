import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppsService } from '../apps/apps.service.js';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { sqlClientOf } from '../database/sql-client.js';
import { WebhookDeliverer } from './webhook-deliverer.js';
import { type WebhookDeliveryStatus } from './webhook-rows.js';
import { deliveryView, type WebhookDeliveryView } from './webhook.views.js';
import { WebhooksRepository } from './webhooks.repository.js';

export interface DeliveryListRequest {
  status?: WebhookDeliveryStatus;
  endpoint_id?: string;
  page: number;
  page_size: number;
}

/** The delivery records of an app's events, as operators read them, and redelivery of one. */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: WebhooksRepository,
    private readonly apps: AppsService,
    private readonly deliverer: WebhookDeliverer,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** The app's deliveries, newest first, by status and endpoint. APP_NOT_FOUND for an unknown app. */
  async list(appId: string, query: DeliveryListRequest): Promise<{ items: WebhookDeliveryView[]; total: number; page: number; page_size: number }> {
    await this.apps.get(appId);
    const { items, total } = await this.repo.listDeliveries({ appId, status: query.status, endpointId: query.endpoint_id, page: query.page, pageSize: query.page_size });
    return { items: items.map(deliveryView), total, page: query.page, page_size: query.page_size };
  }

  /**
   * Sends the delivery's event again, with its event id, whatever became of it:
   * pending again, with a fresh run of retries. WEBHOOK_DELIVERY_NOT_FOUND for an
   * unknown one.
   */
  async redeliver(actor: Actor, appId: string, id: string): Promise<WebhookDeliveryView> {
    const row = await this.ds.transaction(async (m) => {
      const q = await sqlClientOf(m);
      const found = await this.repo.findDelivery(q, appId, id, true);
      if (!found) throw new DomainError('WEBHOOK_DELIVERY_NOT_FOUND');
      const queued = await this.repo.requeue(q, id, this.clock.now());
      await this.deliverer.enqueue(q, [id]);
      await this.audit.record(m, actor, {
        action: 'webhook_delivery.redeliver',
        targetType: 'webhook_delivery',
        targetId: id,
        details: { app_id: appId, event_id: found.event_id, previous_status: found.status },
      });
      return queued;
    });
    return deliveryView(row);
  }
}
