import { ApiProperty } from '@nestjs/swagger';
import { ERROR_NAMES, type ErrorName } from '../common/errors/error-registry.js';
import { SCENES, type Scene } from '../common/scenes.js';
import { type Assignable } from '../openapi/same-shape.js';
import { SMS_PROVIDER_NAMES, type SmsEntityStatus, type SmsProviderName } from './sms-account.entity.js';
import { type CircuitView } from './sms-circuit-breaker.js';
import { SMS_DELIVERY_STATUSES, type SmsDeliveryStatus, type SmsMessageStatus } from './sms-message.entity.js';
import { SMS_MESSAGE_TYPES, type SmsMessageType } from './sms-signature.entity.js';
import { type smsAccountView, type smsBindingView, type smsMessageView, type smsRoutesView, type smsSignatureView, type smsTemplateView } from './sms.views.js';

/*
 * What the admin SMS endpoints answer as `data` (sms.views.ts), for the published
 * OpenAPI document. The Assignable lines fail the type check when a view and its
 * schema part.
 */

const STATUSES: SmsEntityStatus[] = ['enabled', 'disabled'];
const MESSAGE_STATUSES = Object.keys({ sending: 1, sent: 1, failed: 1, unknown: 1 } satisfies Record<SmsMessageStatus, 1>);

export class SmsAccountData {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Aliyun main' }) name: string;
  @ApiProperty({ enum: SMS_PROVIDER_NAMES }) provider: SmsProviderName;
  @ApiProperty({ type: 'string', nullable: true, description: 'the credentials\' public id, masked (kept for aliyun clients; the same as credential_id)', example: 'LTAI****abcd' }) access_key_id: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'the credentials\' public id (AccessKey id, SecretId, Account SID), masked', example: 'LTAI****abcd' }) credential_id: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'the provider type\'s plain settings', example: { sdk_app_id: '1400006666' } }) settings: Record<string, string>;
  @ApiProperty() has_credentials: boolean;
  @ApiProperty({ description: 'whether a receipt token is issued (status reports are accepted)' }) has_receipt_token: boolean;
  @ApiProperty({
    type: 'string', nullable: true, format: 'uri', example: 'https://sms.example.com/sms/receipts/twilio/7c9e6679-7425-40de-944b-e07fc1f90ae7',
    description: 'twilio accounts: the status callback URL each Message gives Twilio (under PUBLIC_URL); null for other providers, and while PUBLIC_URL is unset (statuses are then polled)',
  }) status_callback_url: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'host[:port]; the provider\'s default when null' }) endpoint: string | null;
  @ApiProperty({ enum: ['http', 'https'] }) protocol: 'http' | 'https';
  @ApiProperty({ type: 'integer', nullable: true, description: 'SMS_TIMEOUT_MS when null' }) timeout_ms: number | null;
  @ApiProperty({ enum: STATUSES }) status: SmsEntityStatus;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class SmsAccountListData {
  @ApiProperty({ type: [SmsAccountData] }) items: SmsAccountData[];
}

export class SmsSignatureData {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) account_id: string;
  @ApiProperty({ example: '在行云' }) sign_name: string;
  @ApiProperty({ enum: SMS_MESSAGE_TYPES }) type: SmsMessageType;
  @ApiProperty({ enum: STATUSES }) status: SmsEntityStatus;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class SmsSignatureListData {
  @ApiProperty({ type: [SmsSignatureData] }) items: SmsSignatureData[];
}

export class SmsTemplateData {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) account_id: string;
  @ApiProperty({ example: 'SMS_123456789' }) template_code: string;
  @ApiProperty({ enum: SCENES, nullable: true }) scene: Scene | null;
  @ApiProperty({ example: 'code' }) code_param: string;
  @ApiProperty({ type: 'string', nullable: true }) content: string | null;
  @ApiProperty({ enum: SMS_MESSAGE_TYPES }) type: SmsMessageType;
  @ApiProperty({ type: 'string', nullable: true, example: 'zh-CN', description: 'its language (BCP 47)' }) locale: string | null;
  @ApiProperty({ enum: STATUSES }) status: SmsEntityStatus;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class SmsTemplateListData {
  @ApiProperty({ type: [SmsTemplateData] }) items: SmsTemplateData[];
}

export class SmsBindingData {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) app_id: string;
  @ApiProperty({ enum: SCENES }) scene: Scene;
  @ApiProperty({ format: 'uuid' }) template_id: string;
  @ApiProperty({ format: 'uuid' }) signature_id: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) fallback_template_id: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) fallback_signature_id: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class SmsBindingListData {
  @ApiProperty({ type: [SmsBindingData] }) items: SmsBindingData[];
}

export class SmsRouteData {
  @ApiProperty({ type: 'integer', description: '1 is tried first' }) position: number;
  @ApiProperty({ format: 'uuid' }) template_id: string;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) signature_id: string | null;
  @ApiProperty({ type: [String], nullable: true, description: 'the destinations\' regions it serves; null for every destination' }) countries: string[] | null;
}

export class SmsRoutesData {
  @ApiProperty({ format: 'uuid' }) app_id: string;
  @ApiProperty({ enum: SCENES }) scene: string;
  @ApiProperty({ type: [SmsRouteData] }) routes: SmsRouteData[];
}

export class SmsRoutesListData {
  @ApiProperty({ type: [SmsRoutesData] }) items: SmsRoutesData[];
}

/** One provider account's circuit in the answering instance. */
export class SmsCircuitData {
  @ApiProperty({ format: 'uuid' }) account_id: string;
  @ApiProperty({ enum: ['closed', 'open', 'half_open'], description: 'open: skipped while another route may send; half_open: the next call tries it' }) state: 'closed' | 'open' | 'half_open';
  @ApiProperty({ type: 'integer', description: 'calls of the last minute (since the circuit last closed or opened)' }) calls: number;
  @ApiProperty({ type: 'integer', description: 'of them transient refusals or unknown outcomes' }) failures: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) opened_at: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'when one call may try it again' }) retry_at: string | null;
}

export class SmsHealthData {
  @ApiProperty({ type: [SmsCircuitData] }) items: SmsCircuitData[];
}

/** One provider call of the send log. */
export class SmsMessageData {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) app_id: string;
  @ApiProperty({ enum: SCENES }) scene: Scene;
  @ApiProperty({ description: 'E.164', example: '+8613800138000' }) phone: string;
  @ApiProperty({ description: 'the dialect or admin action that sent it', example: 'v1' }) origin: string;
  @ApiProperty({ type: 'integer', description: '1, then 2, 3 … for each failover to the next route' }) attempt: number;
  @ApiProperty({ enum: SMS_PROVIDER_NAMES, nullable: true }) provider: SmsProviderName | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) account_id: string | null;
  @ApiProperty({ type: 'string', nullable: true }) template_code: string | null;
  @ApiProperty({ type: 'string', nullable: true }) sign_name: string | null;
  @ApiProperty({ enum: MESSAGE_STATUSES }) status: SmsMessageStatus;
  @ApiProperty({ type: 'string', nullable: true, description: 'the provider\'s message id' }) biz_id: string | null;
  @ApiProperty({ enum: ERROR_NAMES, nullable: true, description: 'the error of a failed send' }) error: ErrorName | null;
  @ApiProperty({ type: 'string', nullable: true }) provider_code: string | null;
  @ApiProperty({ type: 'string', nullable: true }) provider_message: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) latency_ms: number | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) completed_at: string | null;
  @ApiProperty({ enum: SMS_DELIVERY_STATUSES, nullable: true, description: 'what became of an accepted message; null when there is nothing to track (not accepted, or no provider message id)' })
  delivery_status: SmsDeliveryStatus | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'the carrier\'s status code of a delivered or failed message', example: 'DELIVERED' }) delivery_code: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'when the carrier reported the outcome' }) delivery_reported_at: string | null;
}

export class SmsMessageListData {
  @ApiProperty({ type: [SmsMessageData] }) items: SmsMessageData[];
  @ApiProperty({ type: 'integer' }) total: number;
  @ApiProperty({ type: 'integer' }) page: number;
  @ApiProperty({ type: 'integer' }) page_size: number;
}

/** POST /admin/apps/:id/sms/test. */
export class SmsTestSendData {
  @ApiProperty({ format: 'uuid', description: 'the send-log row' }) message_id: string;
  @ApiProperty({ example: 'console' }) provider: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'the provider\'s message id' }) biz_id: string | null;
  @ApiProperty({ enum: ['sent', 'unknown'], description: '`sent`: the provider accepted it; `unknown`: it did not answer in time (the message may still arrive)' }) status: 'sent' | 'unknown';
}

type View<F extends (...args: never[]) => unknown> = ReturnType<F>;
export type _SmsViewsDocumented = [
  Assignable<View<typeof smsAccountView>, SmsAccountData>,
  Assignable<SmsAccountData, View<typeof smsAccountView>>,
  Assignable<View<typeof smsSignatureView>, SmsSignatureData>,
  Assignable<SmsSignatureData, View<typeof smsSignatureView>>,
  Assignable<View<typeof smsTemplateView>, SmsTemplateData>,
  Assignable<SmsTemplateData, View<typeof smsTemplateView>>,
  Assignable<View<typeof smsBindingView>, SmsBindingData>,
  Assignable<SmsBindingData, View<typeof smsBindingView>>,
  Assignable<View<typeof smsRoutesView>, SmsRoutesData>,
  Assignable<SmsRoutesData, View<typeof smsRoutesView>>,
  Assignable<CircuitView, SmsCircuitData>,
  Assignable<SmsCircuitData, CircuitView>,
  Assignable<View<typeof smsMessageView>, SmsMessageData>,
  Assignable<SmsMessageData, View<typeof smsMessageView>>,
];
