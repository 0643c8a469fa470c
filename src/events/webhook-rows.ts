import { type WebhookEventType } from './event-types.js';

export type WebhookEndpointStatus = 'enabled' | 'disabled';
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** A row of `webhook_endpoints`. */
export interface WebhookEndpointRow {
  id: string;
  app_id: string;
  url: string;
  secret_enc: string;
  event_types: WebhookEventType[];
  status: WebhookEndpointStatus;
  consecutive_failures: number;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of `webhook_deliveries`: one event for one endpoint, and how its delivery went. */
export interface WebhookDeliveryRow {
  id: string;
  event_id: string;
  app_id: string;
  endpoint_id: string;
  type: WebhookEventType;
  occurred_at: Date;
  payload: Record<string, unknown>;
  status: WebhookDeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
}

/** A delivery with what an attempt needs of its endpoint. */
export interface DeliveryAttemptRow extends WebhookDeliveryRow {
  url: string;
  secret_enc: string;
  endpoint_status: WebhookEndpointStatus;
}
