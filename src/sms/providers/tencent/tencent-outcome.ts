import { type ErrorName } from '../../../common/errors/error-registry.js';
import { type SmsOutcomeUnknown, type SmsRefused } from '../sms-provider.js';

/** What a Tencent answer code means: a refusal's domain error and whether another account may succeed, or unknown. */
type TencentClass = { error: ErrorName; transient: boolean } | 'unknown';

const accountKey: TencentClass = { error: 'SMS_ACCESS_KEY_NOT_FOUND', transient: false };
const signature: TencentClass = { error: 'SMS_SIGNATURE_NOT_FOUND', transient: false };
const template: TencentClass = { error: 'SMS_TEMPLATE_NOT_FOUND', transient: false };
const phone: TencentClass = { error: 'SMS_PHONE_REJECTED', transient: false };
const rateLimited: TencentClass = { error: 'SMS_PROVIDER_RATE_LIMITED', transient: false };
const rejected: TencentClass = { error: 'SMS_PROVIDER_REJECTED', transient: false };
const transient: TencentClass = { error: 'SMS_PROVIDER_FAILED', transient: true };

/**
 * Tencent Cloud SMS answer codes (SendSms v20210111 and the common API errors),
 * whether the whole request was refused (`Response.Error.Code`) or one number
 * (`SendStatusSet[].Code`). Codes not listed are rejections, not retried.
 */
const TENCENT_CODES: Record<string, TencentClass> = {
  // The API key or the SMS application: the operator must fix the account.
  'AuthFailure.SecretIdNotFound': accountKey,
  'AuthFailure.SignatureFailure': accountKey,
  'AuthFailure.SignatureExpire': accountKey,
  'AuthFailure.InvalidSecretId': accountKey,
  'AuthFailure.InvalidAuthorization': accountKey,
  'AuthFailure.TokenFailure': accountKey,
  'AuthFailure.UnauthorizedOperation': accountKey,
  'InternalError.SigVerificationFail': accountKey,
  'InvalidParameterValue.SdkAppIdNotExist': accountKey,
  'UnauthorizedOperation.SmsSdkAppIdVerifyFail': accountKey,
  'UnauthorizedOperation.SdkAppIdIsDisabled': accountKey,
  'UnauthorizedOperation.RequestIpNotInWhitelist': accountKey,
  'UnauthorizedOperation.RequestPermissionDeny': accountKey,
  'UnauthorizedOperation.ServiceSuspendDueToArrears': accountKey,
  'FailedOperation.SignatureIncorrectOrUnapproved': signature,
  'FailedOperation.MissingSignature': signature,
  'FailedOperation.TemplateIncorrectOrUnapproved': template,
  'FailedOperation.TemplateUnapprovedOrNotExist': template,
  'FailedOperation.TemplateParamSetNotMatchApprovedTemplate': template,
  'InvalidParameterValue.TemplateParameterFormatError': template,
  'InvalidParameterValue.TemplateParameterLengthLimit': template,
  // The account's own quotas and balance: another account may still send.
  'FailedOperation.InsufficientBalanceInSmsPackage': rejected,
  'LimitExceeded.AppDailyLimit': rejected,
  'LimitExceeded.AppGlobalDailyLimit': rejected,
  'LimitExceeded.AppMainlandChinaDailyLimit': rejected,
  'LimitExceeded.AppCountryOrRegionDailyLimit': rejected,
  'LimitExceeded.DailyLimit': rejected,
  // The number.
  'InvalidParameterValue.IncorrectPhoneNumber': phone,
  'FailedOperation.PhoneNumberInBlacklist': phone,
  'FailedOperation.PhoneNumberParseFail': phone,
  'LimitExceeded.AppCountryOrRegionInBlacklist': phone,
  'UnsupportedOperation.UnsupportedRegion': phone,
  'UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber': phone,
  // Too many messages to the number.
  'LimitExceeded.PhoneNumberDailyLimit': rateLimited,
  'LimitExceeded.PhoneNumberOneHourLimit': rateLimited,
  'LimitExceeded.PhoneNumberSameContentDailyLimit': rateLimited,
  'LimitExceeded.PhoneNumberThirtySecondLimit': rateLimited,
  'LimitExceeded.DeliveryFrequencyLimit': rateLimited,
  // Refused before anything was sent; another account may succeed.
  InternalError: transient,
  'InternalError.OtherError': transient,
  'InternalError.RequestTimeException': transient,
  'InternalError.RestApiInterfaceNotExist': transient,
  'FailedOperation.FailResolvePacket': transient,
  RequestLimitExceeded: transient,
  'RequestLimitExceeded.GlobalRegionUinLimitExceeded': transient,
  'RequestLimitExceeded.UinLimitExceeded': transient,
  ServiceUnavailable: transient,
  ResourceUnavailable: transient,
  // Tencent's own send to the carrier timed out: its documentation says to check whether the message went (it may have).
  'InternalError.Timeout': 'unknown',
  'InternalError.SendAndRecvFail': 'unknown',
};

/** Maps a Tencent answer code (`Ok` excluded) to an outcome. Unknown codes are rejections, not retried. */
export function tencentCodeOutcome(code: string, message: string | null): SmsRefused | SmsOutcomeUnknown {
  const known = TENCENT_CODES[code] ?? (code.startsWith('RequestLimitExceeded.') ? transient : rejected);
  if (known === 'unknown') return { ok: false, unknown: true, providerCode: code, providerMessage: message };
  return { ok: false, error: known.error, transient: known.transient, providerCode: code, providerMessage: message };
}

/**
 * node-fetch's reasons for a request that never reached Tencent: no connection,
 * no address, a certificate we refuse. The SDK wraps them in its own exception
 * and keeps only the message (`request to <url> failed, reason: connect ECONNREFUSED …`).
 */
const NOT_CONNECTED = /reason: (?:connect (?:ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL)|getaddrinfo (?:ENOTFOUND|EAI_AGAIN|EAI_FAIL)|self[- ]signed certificate|certificate has expired|unable to verify the first certificate|Hostname\/IP does not match)/;

/**
 * Maps what the SDK threw. A FetchError is node-fetch's, reading the body of a 200
 * answer (the SDK lets it through): the request was taken and its answer could not
 * be read (not JSON, cut off, or not read: UnreadAnswerError), so the outcome is
 * unknown; its `code` is a system error's, not Tencent's. Otherwise, with a `code`,
 * Tencent answered `Response.Error`: its code decides. With an `httpCode`, a non-200
 * answer: 5xx but 504 is a refusal another account may not get (a gateway timeout
 * may have passed the request on, so it is unknown), other statuses are rejections.
 * Without either, a transport failure: a connect that failed sent nothing; anything
 * else (a timeout, a reset) may have come after Tencent took the request.
 */
export function tencentThrownOutcome(err: unknown): SmsRefused | SmsOutcomeUnknown {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; httpCode?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message.replace(/https?:\/\/\S*/g, '<url>').slice(0, 500) : null;
  if (e.name === 'FetchError') return { ok: false, unknown: true, providerCode: typeof e.code === 'string' && e.code ? e.code : 'FetchError', providerMessage: message };
  if (typeof e.code === 'string' && e.code) return tencentCodeOutcome(e.code, message);
  if (typeof e.httpCode === 'number') {
    const providerCode = `HTTP ${e.httpCode}`;
    if (e.httpCode === 504) return { ok: false, unknown: true, providerCode, providerMessage: message };
    if (e.httpCode >= 500) return { ok: false, error: 'SMS_PROVIDER_FAILED', transient: true, providerCode, providerMessage: message };
    return { ok: false, error: 'SMS_PROVIDER_REJECTED', transient: false, providerCode, providerMessage: message };
  }
  const name = typeof e.name === 'string' ? e.name : 'Error';
  if (message !== null && NOT_CONNECTED.test(message)) return { ok: false, error: 'SMS_PROVIDER_FAILED', transient: true, providerCode: 'NotConnected', providerMessage: message };
  return { ok: false, unknown: true, providerCode: name, providerMessage: message };
}
