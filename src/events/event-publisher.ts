import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock.js';
import { poolOf, type PgTransaction } from '../database/pg-transaction.js';
import { sqlClientOf } from '../database/sql-client.js';
import { type WebhookEventType } from './event-types.js';
import { WebhookDeliverer } from './webhook-deliverer.js';
import { WebhookSubscriptionsCache } from './webhook-subscriptions-cache.js';
import { WebhooksRepository } from './webhooks.repository.js';

/**
 * The one way a feature tells tenant apps what happened. Called inside the
 * transaction of the change it reports, it writes one delivery row (the outbox)
 * and one queued job per enabled endpoint of the app that subscribes to the type,
 * so the event goes out exactly when the change commits, and never for one
 * rolled back.
 */
@Injectable()
export class EventPublisher {
  constructor(
    private readonly repo: WebhooksRepository,
    private readonly cache: WebhookSubscriptionsCache,
    private readonly deliverer: WebhookDeliverer,
    private readonly clock: Clock,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /**
   * Whether an enabled endpoint of the app subscribes to one of `types`: a path
   * that publishes only inside a transaction it would not otherwise open asks
   * first. Cached like {@link publish}'s lookup, and answered without a promise
   * when cached.
   */
  subscribed(appId: string, types: readonly WebhookEventType[]): boolean | Promise<boolean> {
    const hit = this.cache.peek(appId);
    if (hit) return subscribes(hit.value, types);
    return this.cache.get(appId, () => this.repo.subscriptions(poolOf(this.ds), appId)).then((subscriptions) => subscribes(subscriptions, types));
  }

  /**
   * Publishes `type` with `data` for the app's subscribed endpoints, in `tx`'s
   * transaction. Every delivery of the event carries one event id. An app with
   * no endpoint costs at most one indexed lookup, cached per app.
   */
  async publish(tx: EntityManager | PgTransaction, appId: string, type: WebhookEventType, data: Record<string, unknown>): Promise<void> {
    const q = await sqlClientOf(tx);
    // Loaded on the transaction's own connection, not joining a load through the pool: on PGlite the pool has no other.
    const subscriptions = await this.cache.get(appId, () => this.repo.subscriptions(q, appId), { inTransaction: true });
    const endpointIds = subscriptions.filter((s) => s.eventTypes.includes(type)).map((s) => s.id);
    if (!endpointIds.length) return;
    const occurredAt = this.clock.now();
    const ids = endpointIds.map(() => randomUUID());
    await this.repo.insertDeliveries(q, {
      ids,
      eventId: randomUUID(),
      appId,
      endpointIds,
      type,
      occurredAt,
      payload: { type, timestamp: occurredAt.toISOString(), data },
    });
    await this.deliverer.enqueue(q, ids);
  }
}

function subscribes(subscriptions: Array<{ eventTypes: readonly WebhookEventType[] }>, types: readonly WebhookEventType[]): boolean {
  return subscriptions.some((s) => s.eventTypes.some((t) => types.includes(t)));
}
