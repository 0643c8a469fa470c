import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import type PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { fetch, type Response } from 'undici';
import { SYSTEM_ACTOR } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { storableText } from '../common/text/storable-text.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type SqlClient, sqlClientOf } from '../database/sql-client.js';
import { maskNumber } from '../retention/number-forms.js';
import { JobEngine } from './job-engine.js';
import { signWebhook } from './webhook-signature.js';
import { endpointSecretAad } from './webhook-endpoints.service.js';
import { WebhookAddressRefused, WebhookTargets } from './webhook-targets.js';
import { WebhookSubscriptionsCache } from './webhook-subscriptions-cache.js';
import { type AttemptOutcome, WebhooksRepository } from './webhooks.repository.js';
import { type DeliveryAttemptRow } from './webhook-rows.js';

/** The pg-boss queue of delivery attempts. */
export const WEBHOOK_QUEUE = 'webhook-delivery';
/** How long past the attempt timeout a job may stay active before it counts as abandoned: the row writes around the POST. */
const EXPIRY_MARGIN_S = 10;
/** How much of a refusing endpoint's answer the delivery row keeps. */
const ERROR_EXCERPT_CHARS = 200;

interface DeliveryJob {
  deliveryId: string;
}

/**
 * Delivers webhook events: each job POSTs one delivery row's event to its
 * endpoint, signed as Standard Webhooks says, with the event id as `webhook-id`
 * on every attempt. A 2xx answer delivers it; anything else (or no answer within
 * the timeout) fails the attempt, and pg-boss retries it with exponential backoff
 * until the retry limit. An endpoint that fails this many attempts in a row is
 * disabled, with an audit entry.
 */
@Injectable()
export class WebhookDeliverer implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly engine: JobEngine,
    private readonly repo: WebhooksRepository,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly cache: WebhookSubscriptionsCache,
    private readonly targets: WebhookTargets,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('WebhookDeliverer');
  }

  async onModuleInit(): Promise<void> {
    await this.engine.createQueue(WEBHOOK_QUEUE);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.engine.work<DeliveryJob>(WEBHOOK_QUEUE, this.config.webhooks.concurrency, (job) =>
      this.attempt(job).catch((err: unknown) => {
        // A failed attempt is recorded before it is thrown; anything else failed the recording itself, which the job engine does not log.
        if (!(err instanceof AttemptFailed)) this.logger.error({ err, deliveryId: job.data.deliveryId }, 'webhook attempt not recorded');
        throw err;
      }),
    );
  }

  /** Queues a delivery job for each row, with `q`, the client of the transaction that wrote them. */
  async enqueue(q: SqlClient, deliveryIds: string[]): Promise<void> {
    const { retryLimit, retryDelayS, timeoutMs } = this.config.webhooks;
    await this.engine.insert(
      q,
      deliveryIds.map((deliveryId) => ({
        id: randomUUID(),
        name: WEBHOOK_QUEUE,
        data: { deliveryId },
        retryLimit,
        retryDelay: retryDelayS,
        retryBackoff: true,
        // An attempt still active after this (its instance died mid-delivery) is failed by pg-boss's maintenance and retried.
        expireInSeconds: Math.ceil(timeoutMs / 1000) + EXPIRY_MARGIN_S,
      })),
    );
  }

  private async attempt(job: PgBoss.JobWithMetadata<DeliveryJob>): Promise<void> {
    const d = await this.repo.forAttempt(job.data.deliveryId);
    // Deleted with its endpoint or app, or already accepted (a duplicate job): nothing to send.
    if (!d || d.status === 'delivered') return;
    if (d.endpoint_status !== 'enabled') {
      await this.repo.abandon(d.id, 'endpoint disabled');
      return;
    }
    const outcome = await this.post(d);
    const ref = { id: d.id, endpointId: d.endpoint_id };
    if (outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300) {
      await this.repo.recordDelivered(this.repo.pool, ref, outcome);
      return;
    }
    const last = job.retryCount >= job.retryLimit;
    // pg-boss waits retryDelay × 2^retryCount × (1 to 2) before the next attempt: this is its earliest.
    const next = last ? null : new Date(outcome.at.getTime() + job.retryDelay * 1000 * 2 ** job.retryCount);
    await this.ds.transaction(async (m) => {
      const q = await sqlClientOf(m);
      const run = await this.repo.recordFailed(q, ref, outcome, next);
      const threshold = this.config.webhooks.disableAfterFailures;
      if (run && run.status === 'enabled' && run.consecutiveFailures >= threshold) {
        const reason = `${run.consecutiveFailures} failed attempts in a row`;
        if (await this.repo.disableEndpoint(q, d.endpoint_id, reason, this.clock.now())) {
          await this.audit.record(m, SYSTEM_ACTOR, {
            action: 'webhook_endpoint.disable',
            targetType: 'webhook_endpoint',
            targetId: d.endpoint_id,
            details: { app_id: d.app_id, reason, last_status_code: outcome.statusCode },
          });
          await this.cache.announceChange(m, d.app_id);
          this.logger.warn({ appId: d.app_id, endpointId: d.endpoint_id, failures: run.consecutiveFailures }, 'webhook endpoint disabled');
        }
      }
    });
    this.cache.evict(d.app_id);
    // Throwing fails the attempt, so pg-boss schedules the next one; after the last, the row says failed.
    if (!last) throw new AttemptFailed(`webhook attempt failed: ${outcome.statusCode ?? outcome.error}`);
  }

  /** One POST of the delivery's event, within the timeout; never throws. */
  private async post(d: DeliveryAttemptRow): Promise<AttemptOutcome> {
    const body = JSON.stringify(d.payload);
    const timestampS = Math.floor(this.clock.nowMs() / 1000);
    const secret = this.box.decrypt(d.secret_enc, endpointSecretAad(d.endpoint_id));
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Passcode-Webhooks/1',
          'webhook-id': d.event_id,
          'webhook-timestamp': String(timestampS),
          'webhook-signature': signWebhook(secret, d.event_id, timestampS, body),
        },
        body,
        // A redirect is an answer, not a delivery: following it would send the event where no operator configured.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
        // Connects only where WebhookTargets allows, judged on the addresses resolved for this connection.
        dispatcher: this.targets.dispatcher,
      });
      const ok = res.status >= 200 && res.status < 300;
      const text = ok ? '' : await readExcerpt(res, phoneOf(d.payload));
      if (ok) await res.body?.cancel().catch(() => undefined);
      return { statusCode: res.status, error: ok ? null : storableText(`HTTP ${res.status}${text ? `: ${text}` : ''}`, ERROR_EXCERPT_CHARS), at: this.clock.now() };
    } catch (err) {
      const e = err as Error & { cause?: Error & { code?: string } };
      const error =
        e.name === 'TimeoutError' ? `no answer within ${this.config.webhooks.timeoutMs} ms` : e.cause instanceof WebhookAddressRefused ? e.cause.message : (e.cause?.code ?? e.message);
      return { statusCode: null, error: storableText(error, ERROR_EXCERPT_CHARS), at: this.clock.now() };
    }
  }
}

/** An attempt that failed and is recorded so: pg-boss retries it. */
class AttemptFailed extends Error {}

/** The number an event is about (`data.phone`), when its payload still holds one. */
function phoneOf(payload: Record<string, unknown>): string | null {
  const phone = (payload.data as { phone?: unknown } | undefined)?.phone;
  return typeof phone === 'string' ? phone : null;
}

/**
 * The first bytes of an answer's body as text, reading no more of it. The receiver's
 * text is stored made fit (storableText): a NUL in it failed the record of the
 * attempt, which then stayed pending, counted nowhere, the endpoint never disabled.
 * A receiver that echoes the event quotes its number (`phone`): the excerpt keeps
 * none of it (the purge hashes and an erasure erases the payload's number, and
 * this text must not keep it behind).
 */
async function readExcerpt(res: Response, phone: string | null): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  try {
    const { value } = await reader.read();
    if (!value) return '';
    const bytes = Buffer.from(value);
    // Masked in the whole chunk, before the cut: a number cut in two would leave its first digits behind.
    const masked = phone ? Buffer.from(maskNumber(bytes.toString('utf8'), phone)) : bytes;
    return masked.subarray(0, ERROR_EXCERPT_CHARS).toString('utf8').replace(/\s+/g, ' ').trim();
  } catch {
    return '';
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
