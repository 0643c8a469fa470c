import { invalidReport } from '../pushed-reports.js';
import { sdk } from './twilio-sdk.js';

/** The Message statuses that end its delivery, and how (polled and pushed alike). */
const DELIVERY_OUTCOMES: Partial<Record<string, 'delivered' | 'failed'>> = {
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

/** How a Message of `status` ended: delivered, failed, or undefined while it is still on its way (queued, sent, …). */
export function twilioDeliveryOutcome(status: string): 'delivered' | 'failed' | undefined {
  return Object.hasOwn(DELIVERY_OUTCOMES, status) ? DELIVERY_OUTCOMES[status] : undefined;
}

/** Where Twilio posts the status callbacks of an account's Messages: the URL it is given with each, and signs. */
export function twilioCallbackUrl(publicUrl: string, accountId: string): string {
  return `${publicUrl}/sms/receipts/twilio/${accountId}`;
}

/** The most fields a status callback may carry: Twilio's dozen and room for those it adds. */
export const MAX_TWILIO_CALLBACK_FIELDS = 64;

/** A status callback's fields, as the form parser gives them. */
export type TwilioCallbackParams = Record<string, string | string[]>;

/** One of Twilio's status callbacks, checked. */
export interface TwilioStatusReport {
  messageSid: string;
  /** E.164: the Message's `To`. */
  phone: string;
  status: string;
  /** `ErrorCode` (30003: unreachable, 30005: unknown number, …), when Twilio gave one. */
  errorCode: string | null;
}

/**
 * The form fields of a status callback, before its signature is checked (which
 * needs them): VALIDATION_FAILED naming `body` when it is not a form of at most
 * {@link MAX_TWILIO_CALLBACK_FIELDS} fields.
 */
export function twilioCallbackParams(body: unknown): TwilioCallbackParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidReport('body', 'isObject', 'a status callback is a form');
  const fields = Object.entries(body as Record<string, unknown>);
  if (fields.length > MAX_TWILIO_CALLBACK_FIELDS) throw invalidReport('body', 'maxFields', `at most ${MAX_TWILIO_CALLBACK_FIELDS} fields`);
  for (const [name, value] of fields) {
    if (typeof value !== 'string' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      throw invalidReport(name, 'isString', `${name} is a form field`);
    }
  }
  return body as TwilioCallbackParams;
}

/**
 * Whether `signature` (X-Twilio-Signature) is Twilio's for a callback of `params`
 * to `url` under the account's Auth Token: the SDK's own check (HMAC-SHA1 of the
 * URL and the sorted fields, the URL with and without its default port).
 */
export function twilioSignatureValid(authToken: string, signature: string, url: string, params: TwilioCallbackParams): boolean {
  return sdk.validateRequest(authToken, signature, url, params);
}

/**
 * The report in a signed status callback (MessageSid, MessageStatus, To,
 * ErrorCode; Twilio's other fields are not read). VALIDATION_FAILED naming the
 * field that is not of its shape.
 */
export function parseTwilioStatusCallback(params: TwilioCallbackParams): TwilioStatusReport {
  const { MessageSid: sid, MessageStatus: status, To: to, ErrorCode: errorCode } = params as Record<string, unknown>;
  if (typeof sid !== 'string' || !/^(SM|MM)[0-9a-f]{32}$/.test(sid)) throw invalidReport('MessageSid', 'matches', 'MessageSid is a Message SID');
  if (typeof status !== 'string' || !/^[a-z_-]{1,32}$/.test(status)) throw invalidReport('MessageStatus', 'matches', 'MessageStatus is a Message status');
  if (typeof to !== 'string' || !/^\+[1-9]\d{3,14}$/.test(to)) throw invalidReport('To', 'matches', 'To is an E.164 number');
  if (errorCode !== undefined && errorCode !== '' && (typeof errorCode !== 'string' || !/^\d{1,8}$/.test(errorCode))) {
    throw invalidReport('ErrorCode', 'matches', 'ErrorCode is a Twilio error code');
  }
  return { messageSid: sid, phone: to, status, errorCode: errorCode || null };
}
