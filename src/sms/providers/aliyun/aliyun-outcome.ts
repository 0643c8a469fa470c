import { type ErrorName } from '../../../common/errors/error-registry.js';
import { type SmsOutcomeUnknown, type SmsRefused } from '../sms-provider.js';

/** Aliyun answer codes the operator must fix, by what they mean (PROVIDERS.md). */
const CONFIG_CODES: Record<string, ErrorName> = {
  SignatureDoesNotMatch: 'SMS_ACCESS_KEY_NOT_FOUND',
  'InvalidAccessKeyId.NotFound': 'SMS_ACCESS_KEY_NOT_FOUND',
  'InvalidAccessKeyId.Inactive': 'SMS_ACCESS_KEY_NOT_FOUND',
  'isv.ACCOUNT_NOT_EXISTS': 'SMS_ACCESS_KEY_NOT_FOUND',
  'isv.ACCOUNT_ABNORMAL': 'SMS_ACCESS_KEY_NOT_FOUND',
  'isp.RAM_PERMISSION_DENY': 'SMS_ACCESS_KEY_NOT_FOUND',
  'Forbidden.RAM': 'SMS_ACCESS_KEY_NOT_FOUND',
  'isv.DENY_IP_RANGE': 'SMS_ACCESS_KEY_NOT_FOUND',
  'isv.SMS_SIGNATURE_ILLEGAL': 'SMS_SIGNATURE_NOT_FOUND',
  'isv.SIGN_STATE_ILLEGAL': 'SMS_SIGNATURE_NOT_FOUND',
  'isv.SMS_TEMPLATE_ILLEGAL': 'SMS_TEMPLATE_NOT_FOUND',
  'isv.MOBILE_NUMBER_ILLEGAL': 'SMS_PHONE_REJECTED',
  'isv.MOBILE_COUNT_OVER_LIMIT': 'SMS_PHONE_REJECTED',
  'isv.BUSINESS_LIMIT_CONTROL': 'SMS_PROVIDER_RATE_LIMITED',
  'isv.DAY_LIMIT_CONTROL': 'SMS_PROVIDER_RATE_LIMITED',
  'isv.MONTH_LIMIT_CONTROL': 'SMS_PROVIDER_RATE_LIMITED',
};

const TRANSIENT_CODES = new Set(['isp.SYSTEM_ERROR', 'ServiceUnavailable', 'InternalError', 'InternalError.System']);

/** Maps an Aliyun answer code (`OK` excluded) to a domain error. Unknown business codes are rejections, not retried. */
export function aliyunCodeFailure(code: string, message: string | null, statusCode?: number): SmsRefused {
  const known = CONFIG_CODES[code];
  if (known) return { ok: false, error: known, transient: false, providerCode: code, providerMessage: message };
  if (TRANSIENT_CODES.has(code) || code.includes('Throttling') || (statusCode !== undefined && statusCode >= 500)) {
    return { ok: false, error: 'SMS_PROVIDER_FAILED', transient: true, providerCode: code, providerMessage: message };
  }
  return { ok: false, error: 'SMS_PROVIDER_REJECTED', transient: false, providerCode: code, providerMessage: message };
}

/**
 * Errors of the SDK's HTTP layer (httpx over node:http) raised before the request
 * could be written: no connection, no address, a TLS certificate we refuse. Nothing
 * reached Aliyun, so these are transient refusals.
 */
const NOT_CONNECTED_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/**
 * Maps what the SDK threw. Its ClientError/ServerError/ThrottlingError carry the
 * answer's Code: Aliyun answered. A connect that failed ({@link NOT_CONNECTED_CODES})
 * sent nothing: a transient refusal. Anything else may have come after the request
 * was written — a timeout, a reset or hang-up, an answer that is not JSON — and is
 * unknown. That includes httpx's `ConnectTimeout`: it is node's socket idle timeout,
 * and on a reused keep-alive connection it fires, in place of the read timeout, on a
 * request the provider received and did not answer.
 */
export function aliyunThrownOutcome(err: unknown): SmsRefused | SmsOutcomeUnknown {
  const e = (err ?? {}) as { name?: string; code?: unknown; statusCode?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? withoutRequestUrl(e.message).slice(0, 500) : null;
  const isSdkAnswer = e.name === 'ClientError' || e.name === 'ServerError' || e.name === 'ThrottlingError';
  if (isSdkAnswer && typeof e.code === 'string') {
    const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
    if (e.name !== 'ClientError') return { ok: false, error: 'SMS_PROVIDER_FAILED', transient: true, providerCode: e.code, providerMessage: message };
    return aliyunCodeFailure(e.code, message, status);
  }
  const code = typeof e.code === 'string' ? e.code : (e.name ?? 'Error');
  if (NOT_CONNECTED_CODES.has(code)) return { ok: false, error: 'SMS_PROVIDER_FAILED', transient: true, providerCode: code, providerMessage: message };
  return { ok: false, unknown: true, providerCode: code, providerMessage: message };
}

/**
 * httpx appends the request's method and URL to its messages; the query holds the
 * phone number and the template parameters (the code), which the send log must not keep.
 */
function withoutRequestUrl(message: string): string {
  return message.replace(/\s*(?:(?:GET|POST|PUT|DELETE|HEAD|PATCH)\s+)?https?:\/\/\S*/g, ' <url>').trim();
}
