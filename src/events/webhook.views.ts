import { type WebhookEventType } from './event-types.js';
import { type WebhookDeliveryRow, type WebhookDeliveryStatus, type WebhookEndpointRow, type WebhookEndpointStatus } from './webhook-rows.js';

/** An endpoint as the admin API shows it: never its secret. */
export interface WebhookEndpointView {
  id: string;
  app_id: string;
  url: string;
  event_types: WebhookEventType[];
  status: WebhookEndpointStatus;
  consecutive_failures: number;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveryView {
  id: string;
  event_id: string;
  endpoint_id: string;
  type: WebhookEventType;
  status: WebhookDeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
  payload: Record<string, unknown>;
}

export function endpointView(e: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: e.id,
    app_id: e.app_id,
    url: e.url,
    event_types: e.event_types,
    status: e.status,
    consecutive_failures: e.consecutive_failures,
    disabled_reason: e.disabled_reason,
    created_at: iso(e.created_at),
    updated_at: iso(e.updated_at),
  };
}

export function deliveryView(d: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: d.id,
    event_id: d.event_id,
    endpoint_id: d.endpoint_id,
    type: d.type,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    next_attempt_at: d.next_attempt_at ? iso(d.next_attempt_at) : null,
    last_attempt_at: d.last_attempt_at ? iso(d.last_attempt_at) : null,
    delivered_at: d.delivered_at ? iso(d.delivered_at) : null,
    created_at: iso(d.created_at),
    payload: d.payload,
  };
}

function iso(d: Date | string): string {
  return new Date(d).toISOString();
}
