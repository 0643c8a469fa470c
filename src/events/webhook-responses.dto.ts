import { ApiProperty } from '@nestjs/swagger';
import { type Assignable } from '../openapi/same-shape.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './event-types.js';
import { type WebhookDeliveryStatus, type WebhookEndpointStatus } from './webhook-rows.js';
import { type WebhookDeliveryView, type WebhookEndpointView } from './webhook.views.js';

/* What the admin webhook endpoints answer as `data` (webhook.views.ts), for the published OpenAPI document. */

export class WebhookEndpointData {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) app_id: string;
  @ApiProperty({ example: 'https://example.com/passcode/webhooks' }) url: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true }) event_types: WebhookEventType[];
  @ApiProperty({ enum: ['enabled', 'disabled'] }) status: WebhookEndpointStatus;
  @ApiProperty({ type: 'integer', description: 'failed attempts in a row; the endpoint is disabled at WEBHOOK_DISABLE_AFTER_FAILURES' })
  consecutive_failures: number;
  @ApiProperty({ type: 'string', nullable: true, example: '20 failed attempts in a row' }) disabled_reason: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

/** An endpoint with its signing secret: the answer of creation and rotation, the only time the secret is shown. */
export class WebhookEndpointWithSecretData extends WebhookEndpointData {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Standard Webhooks signing secret, shown this once' }) secret: string;
}

export class WebhookDeliveryData {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'the `webhook-id` of every attempt' }) event_id: string;
  @ApiProperty({ format: 'uuid' }) endpoint_id: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES }) type: WebhookEventType;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status: WebhookDeliveryStatus;
  @ApiProperty({ type: 'integer' }) attempts: number;
  @ApiProperty({ type: 'integer', nullable: true, description: "the last attempt's HTTP status; null when no answer came" }) last_status_code: number | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'why the last attempt failed, with the first 200 characters of the answer' }) last_error: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'earliest time of the next attempt' }) next_attempt_at: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) last_attempt_at: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) delivered_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the body POSTed: `{type, timestamp, data}`' }) payload: Record<string, unknown>;
}

export class WebhookDeliveryListData {
  @ApiProperty({ type: [WebhookDeliveryData] }) items: WebhookDeliveryData[];
  @ApiProperty({ type: 'integer' }) total: number;
  @ApiProperty({ type: 'integer' }) page: number;
  @ApiProperty({ type: 'integer' }) page_size: number;
}

export type _WebhookViewsDocumented = [
  Assignable<WebhookEndpointView, WebhookEndpointData>,
  Assignable<WebhookEndpointData, WebhookEndpointView>,
  Assignable<WebhookDeliveryView, WebhookDeliveryData>,
  Assignable<WebhookDeliveryData, WebhookDeliveryView>,
];
