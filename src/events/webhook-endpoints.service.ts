import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppsService } from '../apps/apps.service.js';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type SqlClient, sqlClientOf } from '../database/sql-client.js';
import { type WebhookEventType } from './event-types.js';
import { newSigningSecret } from './webhook-signature.js';
import { type WebhookEndpointRow, type WebhookEndpointStatus } from './webhook-rows.js';
import { WebhookSubscriptionsCache } from './webhook-subscriptions-cache.js';
import { WebhookTargets } from './webhook-targets.js';
import { endpointView, type WebhookEndpointView } from './webhook.views.js';
import { WebhooksRepository } from './webhooks.repository.js';

export interface EndpointChange {
  url?: string;
  event_types?: WebhookEventType[];
  status?: WebhookEndpointStatus;
}

/** The associated data binding an endpoint's sealed secret to its row. */
export function endpointSecretAad(endpointId: string): string {
  return `webhook_endpoint:${endpointId}:secret`;
}

/** Apps' webhook endpoints as operators manage them: create, list, change, rotate the secret, delete; each change audited. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: WebhooksRepository,
    private readonly apps: AppsService,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly cache: WebhookSubscriptionsCache,
    private readonly targets: WebhookTargets,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Adds an endpoint to the app, enabled; the answer holds its signing secret, shown this once. APP_NOT_FOUND for an unknown app;
   * VALIDATION_FAILED for a URL no delivery may go to ({@link WebhookTargets}); WEBHOOK_ENDPOINT_LIMIT when the app has as many as allowed.
   */
  async create(actor: Actor, appId: string, dto: { url: string; event_types: WebhookEventType[] }): Promise<WebhookEndpointView & { secret: string }> {
    this.targets.assertAllowed(dto.url);
    await this.apps.get(appId);
    const secret = newSigningSecret();
    const endpoint = await this.inTransaction(actor, appId, async (q, record) => {
      const limit = this.config.webhooks.endpointsPerApp;
      if ((await this.repo.countEndpointsForInsert(q, appId)) >= limit) {
        throw new DomainError('WEBHOOK_ENDPOINT_LIMIT', { message: `an app has at most ${limit} webhook endpoints (WEBHOOK_ENDPOINTS_PER_APP)` });
      }
      const now = this.clock.now();
      const id = randomUUID();
      const created = await this.repo.insertEndpoint(q, {
        id,
        app_id: appId,
        url: dto.url,
        secret_enc: this.box.encrypt(secret, endpointSecretAad(id)),
        event_types: unique(dto.event_types),
        status: 'enabled',
        created_at: now,
        updated_at: now,
      });
      await record('webhook_endpoint.create', id, { url: created.url, event_types: created.event_types });
      return created;
    }).catch((err: { code?: string }) => {
      // The app was deleted since it was read: its foreign key refused the row.
      throw err?.code === '23503' ? new DomainError('APP_NOT_FOUND') : err;
    });
    return { ...endpointView(endpoint), secret };
  }

  /** The app's endpoints, oldest first. APP_NOT_FOUND for an unknown app. */
  async list(appId: string): Promise<WebhookEndpointView[]> {
    await this.apps.get(appId);
    return (await this.repo.listEndpoints(this.repo.pool, appId)).map(endpointView);
  }

  /** Changes the address, the event types or the status; enabling clears the run of failures. WEBHOOK_ENDPOINT_NOT_FOUND for an unknown one. */
  async update(actor: Actor, appId: string, id: string, dto: EndpointChange): Promise<WebhookEndpointView> {
    if (dto.url !== undefined) this.targets.assertAllowed(dto.url);
    return endpointView(
      await this.mutate(actor, appId, id, 'webhook_endpoint.update', (e) => {
        const changed: Record<string, unknown> = {};
        if (dto.url !== undefined) e.url = changed.url = dto.url;
        if (dto.event_types !== undefined) e.event_types = changed.event_types = unique(dto.event_types);
        if (dto.status !== undefined && dto.status !== e.status) {
          e.status = changed.status = dto.status;
          e.disabled_reason = dto.status === 'disabled' ? 'disabled by an operator' : null;
          if (dto.status === 'enabled') e.consecutive_failures = 0;
        }
        return changed;
      }),
    );
  }

  /** A new signing secret, shown this once; the old one stops signing at once. */
  async rotateSecret(actor: Actor, appId: string, id: string): Promise<WebhookEndpointView & { secret: string }> {
    const secret = newSigningSecret();
    const saved = await this.mutate(actor, appId, id, 'webhook_endpoint.rotate_secret', (e) => {
      e.secret_enc = this.box.encrypt(secret, endpointSecretAad(e.id));
      return {};
    });
    return { ...endpointView(saved), secret };
  }

  /** Deletes the endpoint and its delivery records; queued attempts find nothing to send. */
  async delete(actor: Actor, appId: string, id: string): Promise<void> {
    await this.inTransaction(actor, appId, async (q, record) => {
      const e = await this.repo.findEndpoint(q, appId, id, true);
      if (!e) throw new DomainError('WEBHOOK_ENDPOINT_NOT_FOUND');
      await this.repo.deleteEndpoint(q, id);
      await record('webhook_endpoint.delete', id, { url: e.url });
    });
  }

  private async mutate(
    actor: Actor,
    appId: string,
    id: string,
    action: string,
    change: (e: WebhookEndpointRow) => Record<string, unknown>,
  ): Promise<WebhookEndpointRow> {
    return this.inTransaction(actor, appId, async (q, record) => {
      const e = await this.repo.findEndpoint(q, appId, id, true);
      if (!e) throw new DomainError('WEBHOOK_ENDPOINT_NOT_FOUND');
      const details = change(e);
      e.updated_at = this.clock.now();
      const saved = await this.repo.saveEndpoint(q, e);
      await record(action, id, details);
      return saved;
    });
  }

  /** One transaction that audits what it changes and, on commit, drops the app's cached subscriptions in every instance. */
  private async inTransaction<T>(
    actor: Actor,
    appId: string,
    work: (q: SqlClient, record: (action: string, id: string, details: Record<string, unknown>) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    const result = await this.ds.transaction(async (m) => {
      const q = await sqlClientOf(m);
      const done = await work(q, (action, id, details) =>
        this.audit.record(m, actor, { action, targetType: 'webhook_endpoint', targetId: id, details: { app_id: appId, ...details } }),
      );
      await this.cache.announceChange(m, appId);
      return done;
    });
    this.cache.evict(appId);
    return result;
  }
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
