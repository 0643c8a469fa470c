import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isUuid } from '../database/find-by-uuid.js';
import { type SqlClient } from '../database/sql-client.js';
import { poolOf } from '../database/pg-transaction.js';
import { type WebhookEventType } from './event-types.js';
import {
  type DeliveryAttemptRow,
  type WebhookDeliveryRow,
  type WebhookDeliveryStatus,
  type WebhookEndpointRow,
  type WebhookEndpointStatus,
} from './webhook-rows.js';

/** An endpoint an event of the app goes to while it is enabled. */
export interface Subscription {
  id: string;
  eventTypes: WebhookEventType[];
}

export interface NewDeliveries {
  ids: string[];
  eventId: string;
  appId: string;
  endpointIds: string[];
  type: WebhookEventType;
  occurredAt: Date;
  payload: Record<string, unknown>;
}

export interface DeliveryListQuery {
  appId: string;
  status?: WebhookDeliveryStatus;
  endpointId?: string;
  page: number;
  pageSize: number;
}

/** The attempt's result as the delivery row records it. */
export interface AttemptOutcome {
  statusCode: number | null;
  error: string | null;
  at: Date;
}

/** The only code that touches `webhook_endpoints` and `webhook_deliveries`. Statements take the client of the caller's transaction. */
@Injectable()
export class WebhooksRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The pool, for statements outside any transaction (the worker's). */
  get pool(): SqlClient {
    return poolOf(this.ds);
  }

  async insertEndpoint(q: SqlClient, e: Omit<WebhookEndpointRow, 'consecutive_failures' | 'disabled_reason'>): Promise<WebhookEndpointRow> {
    const { rows } = await q.query<WebhookEndpointRow>(
      `INSERT INTO webhook_endpoints (id, app_id, url, secret_enc, event_types, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [e.id, e.app_id, e.url, e.secret_enc, e.event_types, e.status, e.created_at, e.updated_at],
    );
    return rows[0];
  }

  /** The app's endpoint `id`, under a row lock when `lock`; null when unknown (or not a uuid). */
  async findEndpoint(q: SqlClient, appId: string, id: string, lock = false): Promise<WebhookEndpointRow | null> {
    if (!isUuid(id)) return null;
    const { rows } = await q.query<WebhookEndpointRow>(
      `SELECT * FROM webhook_endpoints WHERE id = $1 AND app_id = $2${lock ? ' FOR UPDATE' : ''}`,
      [id, appId],
    );
    return rows[0] ?? null;
  }

  /**
   * How many endpoints the app has, counted while holding its row, so that of concurrent
   * creates each counts the others' committed rows (a no-key lock: sends that reference
   * the app go on).
   */
  async countEndpointsForInsert(q: SqlClient, appId: string): Promise<number> {
    await q.query(`SELECT 1 FROM apps WHERE id = $1 FOR NO KEY UPDATE`, [appId]);
    const { rows } = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE app_id = $1`, [appId]);
    return rows[0].n;
  }

  async listEndpoints(q: SqlClient, appId: string): Promise<WebhookEndpointRow[]> {
    const { rows } = await q.query<WebhookEndpointRow>(`SELECT * FROM webhook_endpoints WHERE app_id = $1 ORDER BY created_at, id`, [appId]);
    return rows;
  }

  async saveEndpoint(q: SqlClient, e: WebhookEndpointRow): Promise<WebhookEndpointRow> {
    const { rows } = await q.query<WebhookEndpointRow>(
      `UPDATE webhook_endpoints SET url = $2, secret_enc = $3, event_types = $4, status = $5, consecutive_failures = $6,
         disabled_reason = $7, updated_at = $8 WHERE id = $1 RETURNING *`,
      [e.id, e.url, e.secret_enc, e.event_types, e.status, e.consecutive_failures, e.disabled_reason, e.updated_at],
    );
    return rows[0];
  }

  async deleteEndpoint(q: SqlClient, id: string): Promise<void> {
    await q.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [id]);
  }

  /** The app's enabled endpoints and what each subscribes to: the one lookup of a publish (idx_webhook_endpoints_app). */
  async subscriptions(q: SqlClient, appId: string): Promise<Subscription[]> {
    const { rows } = await q.query<{ id: string; event_types: WebhookEventType[] }>(
      `SELECT id, event_types FROM webhook_endpoints WHERE app_id = $1 AND status = 'enabled'`,
      [appId],
    );
    return rows.map((r) => ({ id: r.id, eventTypes: r.event_types }));
  }

  /** One delivery row per endpoint, in one statement. */
  async insertDeliveries(q: SqlClient, d: NewDeliveries): Promise<void> {
    await q.query(
      `INSERT INTO webhook_deliveries (id, event_id, app_id, endpoint_id, type, occurred_at, payload, created_at)
       SELECT d.id, $3, $4, d.endpoint_id, $5, $6, $7, $6 FROM unnest($1::uuid[], $2::uuid[]) AS d (id, endpoint_id)`,
      [d.ids, d.endpointIds, d.eventId, d.appId, d.type, d.occurredAt, d.payload],
    );
  }

  async findDelivery(q: SqlClient, appId: string, id: string, lock = false): Promise<WebhookDeliveryRow | null> {
    if (!isUuid(id)) return null;
    const { rows } = await q.query<WebhookDeliveryRow>(
      `SELECT * FROM webhook_deliveries WHERE id = $1 AND app_id = $2${lock ? ' FOR UPDATE' : ''}`,
      [id, appId],
    );
    return rows[0] ?? null;
  }

  /** The app's deliveries, newest first, filtered and paged. */
  async listDeliveries(query: DeliveryListQuery): Promise<{ items: WebhookDeliveryRow[]; total: number }> {
    const where = ['app_id = $1'];
    const values: unknown[] = [query.appId];
    if (query.status) where.push(`status = $${values.push(query.status)}`);
    if (query.endpointId) {
      if (!isUuid(query.endpointId)) return { items: [], total: 0 };
      where.push(`endpoint_id = $${values.push(query.endpointId)}`);
    }
    const filter = where.join(' AND ');
    const [{ rows: items }, { rows: count }] = await Promise.all([
      this.pool.query<WebhookDeliveryRow>(
        `SELECT * FROM webhook_deliveries WHERE ${filter} ORDER BY created_at DESC, id DESC LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
        [...values, query.pageSize, (query.page - 1) * query.pageSize],
      ),
      this.pool.query<{ total: string }>(`SELECT count(*) AS total FROM webhook_deliveries WHERE ${filter}`, values),
    ]);
    return { items, total: Number(count[0].total) };
  }

  /** A delivery with its endpoint's address, secret and status, for an attempt; null once either is deleted. */
  async forAttempt(id: string): Promise<DeliveryAttemptRow | null> {
    const { rows } = await this.pool.query<DeliveryAttemptRow>(
      `SELECT d.*, e.url, e.secret_enc, e.status AS endpoint_status
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** An accepted attempt: the delivery is done and its endpoint's run of failures ends. */
  async recordDelivered(q: SqlClient, d: { id: string; endpointId: string }, outcome: AttemptOutcome): Promise<void> {
    await q.query(
      `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status_code = $2, last_error = NULL,
         last_attempt_at = $3, delivered_at = $3, next_attempt_at = NULL WHERE id = $1`,
      [d.id, outcome.statusCode, outcome.at],
    );
    await q.query(`UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures <> 0`, [d.endpointId]);
  }

  /**
   * A failed attempt: counted on the delivery (failed for good when `nextAttemptAt`
   * is null) and on its endpoint's run of failures, which is answered.
   */
  async recordFailed(q: SqlClient, d: { id: string; endpointId: string }, outcome: AttemptOutcome, nextAttemptAt: Date | null): Promise<{ consecutiveFailures: number; status: WebhookEndpointStatus } | null> {
    await q.query(
      `UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_status_code = $3, last_error = $4,
         last_attempt_at = $5, next_attempt_at = $6 WHERE id = $1`,
      [d.id, nextAttemptAt ? 'pending' : 'failed', outcome.statusCode, outcome.error, outcome.at, nextAttemptAt],
    );
    const { rows } = await q.query<{ consecutive_failures: number; status: WebhookEndpointStatus }>(
      `UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1 WHERE id = $1 RETURNING consecutive_failures, status`,
      [d.endpointId],
    );
    return rows[0] ? { consecutiveFailures: rows[0].consecutive_failures, status: rows[0].status } : null;
  }

  /** A delivery given up without an attempt (its endpoint is disabled). */
  async abandon(id: string, reason: string): Promise<void> {
    await this.pool.query(`UPDATE webhook_deliveries SET status = 'failed', last_error = $2, next_attempt_at = NULL WHERE id = $1 AND status = 'pending'`, [id, reason]);
  }

  /** Disables an enabled endpoint; false when it was not enabled (another attempt disabled it first). */
  async disableEndpoint(q: SqlClient, id: string, reason: string, now: Date): Promise<boolean> {
    const { rows } = await q.query(
      `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = $2, updated_at = $3 WHERE id = $1 AND status = 'enabled' RETURNING id`,
      [id, reason, now],
    );
    return rows.length > 0;
  }

  /** A delivery queued again by an operator. */
  async requeue(q: SqlClient, id: string, now: Date): Promise<WebhookDeliveryRow> {
    const { rows } = await q.query<WebhookDeliveryRow>(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2 WHERE id = $1 RETURNING *`,
      [id, now],
    );
    return rows[0];
  }
}
