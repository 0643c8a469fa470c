import { type ErrorName } from '../../common/errors/error-registry.js';
import { type SmsProviderOutcome } from './sms-provider.js';

type Failure = Extract<SmsProviderOutcome, { ok: false }>;

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
export function aliyunCodeFailure(code: string, message: string | null, statusCode?: number): Failure {
  const known = CONFIG_CODES[code];
  if (known) return { ok: false, error: known, transient: false, providerCode: code, providerMessage: message };
  if (TRANSIENT_CODES.has(code) || code.includes('Throttling') || (statusCode !== undefined && statusCode >= 500)) {
    return { ok: false, error: 'SMS_PROVIDER_FAILED', transient: true, providerCode: code, providerMessage: message };
  }
  return { ok: false, error: 'SMS_PROVIDER_REJECTED', transient: false, providerCode: code, providerMessage: message };
}

/**
 * Maps what the SDK threw: its ClientError/ServerError/ThrottlingError carry the
 * answer's Code; anything else (timeout, refused connection, a body that is not
 * JSON) means the provider did not answer usefully, which is transient.
 */
export function aliyunThrownFailure(err: unknown): Failure {
  const e = (err ?? {}) as { name?: string; code?: unknown; statusCode?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message.slice(0, 500) : null;
  const isSdkAnswer = e.name === 'ClientError' || e.name === 'ServerError' || e.name === 'ThrottlingError';
  if (isSdkAnswer && typeof e.code === 'string') {
    const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
    if (e.name !== 'ClientError') return { ok: false, error: 'SMS_PROVIDER_FAILED', transient: true, providerCode: e.code, providerMessage: message };
    return aliyunCodeFailure(e.code, message, status);
  }
  const code = typeof e.code === 'string' ? e.code : (e.name ?? 'Error');
  return { ok: false, error: 'SMS_PROVIDER_FAILED', transient: true, providerCode: code, providerMessage: message };
}
