import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { EventPublisher } from './event-publisher.js';
import { JobEngine } from './job-engine.js';
import { WebhookDeliverer } from './webhook-deliverer.js';
import { WebhookDeliveriesService } from './webhook-deliveries.service.js';
import { WebhookEndpointsService } from './webhook-endpoints.service.js';
import { WebhookSubscriptionsCache } from './webhook-subscriptions-cache.js';
import { WebhookTargets } from './webhook-targets.js';
import { WebhooksAdminController } from './webhooks-admin.controller.js';
import { WebhooksRepository } from './webhooks.repository.js';

/** Events to tenant apps: the outbox, the job engine that drains it, webhook endpoints, signing and delivery records. */
@Module({
  imports: [AppsModule, AuditModule],
  controllers: [WebhooksAdminController],
  providers: [JobEngine, WebhooksRepository, WebhookSubscriptionsCache, WebhookTargets, WebhookDeliverer, EventPublisher, WebhookEndpointsService, WebhookDeliveriesService],
  exports: [EventPublisher, JobEngine],
})
export class EventsModule {}
