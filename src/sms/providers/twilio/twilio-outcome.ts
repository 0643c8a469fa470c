import { type ErrorName } from '../../../common/errors/error-registry.js';
import { type SmsOutcomeUnknown, type SmsRefused } from '../sms-provider.js';

const refusal = (error: ErrorName, transient = false) => ({ error, transient });

/**
 * Twilio REST error codes a message creation can answer
 * (https://www.twilio.com/docs/api/errors), by what they mean. Codes not listed
 * are rejections, not retried; an HTTP 5xx answer without one is transient.
 */
const TWILIO_CODES: Record<number, { error: ErrorName; transient: boolean }> = {
  // The credentials or the account.
  20003: refusal('SMS_ACCESS_KEY_NOT_FOUND'),
  20005: refusal('SMS_ACCESS_KEY_NOT_FOUND'),
  20404: refusal('SMS_ACCESS_KEY_NOT_FOUND'),
  30002: refusal('SMS_ACCESS_KEY_NOT_FOUND'),
  // The sender (Twilio's counterpart of a sign name): not a number or service of this account.
  21212: refusal('SMS_SIGNATURE_NOT_FOUND'),
  21606: refusal('SMS_SIGNATURE_NOT_FOUND'),
  21659: refusal('SMS_SIGNATURE_NOT_FOUND'),
  21703: refusal('SMS_SIGNATURE_NOT_FOUND'),
  21704: refusal('SMS_SIGNATURE_NOT_FOUND'),
  // The body.
  21602: refusal('SMS_TEMPLATE_NOT_FOUND'),
  21617: refusal('SMS_TEMPLATE_NOT_FOUND'),
  // The number.
  21211: refusal('SMS_PHONE_REJECTED'),
  21214: refusal('SMS_PHONE_REJECTED'),
  21610: refusal('SMS_PHONE_REJECTED'),
  21612: refusal('SMS_PHONE_REJECTED'),
  21614: refusal('SMS_PHONE_REJECTED'),
  30003: refusal('SMS_PHONE_REJECTED'),
  30005: refusal('SMS_PHONE_REJECTED'),
  30006: refusal('SMS_PHONE_REJECTED'),
  // Too many messages to the number, or from the sender.
  14107: refusal('SMS_PROVIDER_RATE_LIMITED'),
  30022: refusal('SMS_PROVIDER_RATE_LIMITED'),
  // Refused before anything was queued; another account may succeed.
  20429: refusal('SMS_PROVIDER_FAILED', true),
  20500: refusal('SMS_PROVIDER_FAILED', true),
  20503: refusal('SMS_PROVIDER_FAILED', true),
  21611: refusal('SMS_PROVIDER_FAILED', true),
  30001: refusal('SMS_PROVIDER_FAILED', true),
};

/**
 * axios's codes for a request that never reached Twilio: no connection, no
 * address, a certificate we refuse. Anything else that is thrown without an
 * answer (a timeout, a reset) may have come after Twilio took the request.
 */
const NOT_CONNECTED_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/**
 * Maps what the SDK threw. A RestException (an answer with an error status)
 * carries Twilio's `code` and the HTTP `status`: the code decides; without a known
 * one, 429 and 5xx but 504 are transient refusals, 504 (a gateway gave up, the
 * request may have passed) unknown, anything else a rejection. A transport error
 * that failed to connect sent nothing; any other may have sent the message.
 */
export function twilioThrownOutcome(err: unknown): SmsRefused | SmsOutcomeUnknown {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; status?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message.replace(/https?:\/\/\S*/g, '<url>').slice(0, 500) : null;
  if (typeof e.status === 'number') {
    const providerCode = typeof e.code === 'number' ? String(e.code) : `HTTP ${e.status}`;
    const known = typeof e.code === 'number' ? TWILIO_CODES[e.code] : undefined;
    if (known) return { ok: false, ...known, providerCode, providerMessage: message };
    if (e.status === 504) return { ok: false, unknown: true, providerCode, providerMessage: message };
    if (e.status === 429 || e.status >= 500) return { ok: false, error: 'SMS_PROVIDER_FAILED', transient: true, providerCode, providerMessage: message };
    if (e.status === 401) return { ok: false, error: 'SMS_ACCESS_KEY_NOT_FOUND', transient: false, providerCode, providerMessage: message };
    return { ok: false, error: 'SMS_PROVIDER_REJECTED', transient: false, providerCode, providerMessage: message };
  }
  const code = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  if (NOT_CONNECTED_CODES.has(code)) return { ok: false, error: 'SMS_PROVIDER_FAILED', transient: true, providerCode: code, providerMessage: message };
  return { ok: false, unknown: true, providerCode: code, providerMessage: message };
}
