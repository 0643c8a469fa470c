import { DomainError } from '../../common/errors/domain-error.js';
import { type ErrorName } from '../../common/errors/error-registry.js';
import { type RouteErrorCodes } from '../../common/http/route-error-codes.js';
import { type RouteFieldNames } from '../../common/http/route-field-names.js';
import { type ErrorContext, type WireDialect, type WireReply } from '../../common/http/wire-dialect.js';

/**
 * The v1 codes of every error when the endpoint's own table says nothing: the
 * global codes of zaihangyun's code.md (HTTP semantics in a 3-digit code).
 */
export const V1_DEFAULT_CODES: Record<ErrorName, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_BODY: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 406,
  MALFORMED_REQUEST: 400,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  UNAUTHORIZED: 401,
  TOKEN_EXPIRED: 402,
  FORBIDDEN: 403,
  INVALID_CREDENTIALS: 401,
  LOGIN_LOCKED: 429,
  APP_NOT_FOUND: 404,
  WEBHOOK_ENDPOINT_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_NOT_FOUND: 404,
  WEBHOOK_ENDPOINT_LIMIT: 409,
  OPERATOR_NOT_FOUND: 404,
  OPERATOR_USERNAME_TAKEN: 409,
  OPERATOR_LAST_OWNER: 409,
  OPERATOR_PASSWORD_WRONG: 400,
  // Ours (no seed code): apps with captcha_required.
  CAPTCHA_REQUIRED: 400186,
  CAPTCHA_WRONG: 400187,
  CAPTCHA_INVALID: 400188,
  // Ours: the app's captcha vendor gave no verdict (retry later; nothing was sent). 400185 is retired, so below the signature codes.
  CAPTCHA_UNAVAILABLE: 400179,
  // Seed 000's numbering (user_update_verify_code.md); the endpoints that send codes each name theirs with @ErrorCodes.
  SMS_NOT_CONFIGURED: 400197,
  SMS_ACCESS_KEY_NOT_FOUND: 400194,
  SMS_TEMPLATE_NOT_FOUND: 400195,
  SMS_SIGNATURE_NOT_FOUND: 400196,
  SMS_ACCOUNT_NOT_FOUND: 400197,
  SMS_ACCOUNT_DISABLED: 400197,
  SMS_TEMPLATE_DISABLED: 400195,
  SMS_SIGNATURE_DISABLED: 400196,
  SMS_BINDING_ACCOUNT_MISMATCH: 400197,
  SMS_BINDING_TYPE_MISMATCH: 400197,
  SMS_PROVIDER_REJECTED: 400193,
  SMS_PHONE_REJECTED: 400107,
  SMS_PROVIDER_RATE_LIMITED: 429,
  SMS_PROVIDER_FAILED: 400192,
  // Seed 001's numbering where it has one; the signature codes 400180-400183 are Passcode's own.
  SIGN_APPKEY_MISSING: 400180,
  APPKEY_NOT_FOUND: 400199,
  SIGN_TIMESTAMP_INVALID: 400181,
  SIGN_TIMESTAMP_EXPIRED: 400182,
  SIGN_INVALID: 400183,
  SIGN_NONCE_REPLAYED: 400183,
  LOGIN_NOT_CONFIGURED: 400198,
  LOGIN_DISABLED: 400197,
  MOBILE_LOGIN_DISABLED: 400196,
  PHONE_REGION_NOT_ALLOWED: 400184,
  // Passcode's own (400185, a former meaning, is retired): the number's type is one the app refuses.
  PHONE_TYPE_NOT_ALLOWED: 400178,
  // Passcode's own: the fraud guard paused the number's country or range (data.retry_after).
  SEND_BLOCKED: 400200,
  FRAUD_BUCKET_NOT_FOUND: 404,
  SEND_COOLDOWN: 429,
  SEND_LIMIT_EXCEEDED: 429,
  // login_mobile.md's numbering; /v1/user/mobile overrides it.
  CODE_WRONG: 400194,
  CODE_EXPIRED: 400195,
  USER_NOT_FOUND: 400199,
  PHONE_TAKEN: 400189,
  USER_CANCEL_FAILED: 400250,
  UPDATE_PHONE_TOKEN_INVALID: 400,
};

/** The SMS failures a send can raise. */
type SmsFailure = Extract<ErrorName, `SMS_${string}`>;

/**
 * How a send endpoint numbers SMS failures: the document's six rows, and the
 * errors each row stands for. A disabled template, signature or account is the
 * operator's configuration problem of that kind; a provider refusing the number
 * is a malformed `mobile`, its per-number limits a 429.
 */
function smsCodes(rows: { exception: number; failed: number; accessKey: number; template: number; signature: number; config: number }): Record<SmsFailure, number> {
  return {
    SMS_PROVIDER_FAILED: rows.exception,
    SMS_PROVIDER_REJECTED: rows.failed,
    SMS_ACCESS_KEY_NOT_FOUND: rows.accessKey,
    SMS_TEMPLATE_NOT_FOUND: rows.template,
    SMS_TEMPLATE_DISABLED: rows.template,
    SMS_SIGNATURE_NOT_FOUND: rows.signature,
    SMS_SIGNATURE_DISABLED: rows.signature,
    SMS_NOT_CONFIGURED: rows.config,
    SMS_ACCOUNT_NOT_FOUND: rows.config,
    SMS_ACCOUNT_DISABLED: rows.config,
    SMS_BINDING_ACCOUNT_MISMATCH: rows.config,
    SMS_BINDING_TYPE_MISMATCH: rows.config,
    SMS_PHONE_REJECTED: 400107,
    SMS_PROVIDER_RATE_LIMITED: 429,
  };
}

/*
 * Each endpoint's own numbering, put on its handler with @ErrorCodes so the table
 * travels with the route. Where a table is silent, V1_DEFAULT_CODES answers.
 */

/**
 * POST /v1/login/verify_code (login_verify_code.md): 400190 SMS exception, 400191
 * send failed, 400192 AccessKey, 400193 template, 400194 signature, 400195 SMS
 * configuration not found; 400196–400198 the login switches, 400199 the appkey.
 */
export const V1_LOGIN_SEND_CODES: RouteErrorCodes = smsCodes({ exception: 400190, failed: 400191, accessKey: 400192, template: 400193, signature: 400194, config: 400195 });

/** POST /v1/login/mobile (login_mobile.md): 400194 wrong code, 400195 no usable code — the defaults, named here for the reader. */
export const V1_LOGIN_MOBILE_CODES: RouteErrorCodes = { CODE_WRONG: 400194, CODE_EXPIRED: 400195 };

/**
 * POST /v1/user/verify_code (seed 000, user_update_verify_code.md): 400192 SMS
 * exception … 400197 SMS configuration not found; 400196/400197 being SMS rows,
 * every login check answers 400198 (login config not found).
 */
export const V1_USER_SEND_CODES: RouteErrorCodes = {
  ...smsCodes({ exception: 400192, failed: 400193, accessKey: 400194, template: 400195, signature: 400196, config: 400197 }),
  LOGIN_NOT_CONFIGURED: 400198,
  LOGIN_DISABLED: 400198,
  MOBILE_LOGIN_DISABLED: 400198,
};

/** POST /v1/user/mobile (user_update_mobile.md): 400190 wrong code, 400191 expired. */
export const V1_USER_MOBILE_CODES: RouteErrorCodes = { CODE_WRONG: 400190, CODE_EXPIRED: 400191 };

/** /v1/user/mobile's fields for the phone change's roles: the new number and its code (v1 asks nothing of the old one). */
export const V1_USER_MOBILE_FIELDS = { newMcode: 'mcode', newMobile: 'mobile', newCode: 'verify_code' } as const satisfies RouteFieldNames;

/**
 * POST /v1/sms/verify_code (Passcode's own): the signed sibling of
 * /v1/login/verify_code numbers SMS failures as it does, so a tenant back end
 * handles both sends with one table.
 */
export const V1_SMS_SEND_CODES: RouteErrorCodes = V1_LOGIN_SEND_CODES;

const MISSING = new Set(['isDefined', 'isNotEmpty']);

/**
 * Validation codes of the v1 parameters (the same numbers on every endpoint that
 * has the parameter): `missing` when absent or empty, then by failed constraint,
 * then `other`.
 */
export const V1_FIELD_CODES: Record<string, { missing: number; other: number; [constraint: string]: number }> = {
  mcode: { missing: 400104, other: 400105 },
  mobile: { missing: 400106, other: 400107 },
  verify_code: { missing: 400108, other: 400109, isString: 400109, maxLength: 400110 },
  version_number: { missing: 400111, other: 400112 },
  channel: { missing: 400113, other: 400114 },
  oaid: { missing: 400117, other: 400117, maxLength: 400114 },
  need_user_detail: { missing: 400115, other: 400116, isInt: 400115 },
  device_id: { missing: 400115, other: 400116, isString: 400115 },
  // Passcode's own, for /v1/sms/*.
  scene: { missing: 400120, other: 400121 },
};

/** The v1 code of an error on a route with the given numbering (its @ErrorCodes table). */
export function v1Code(error: DomainError, codes?: RouteErrorCodes): number {
  const routed = codes?.[error.code];
  if (routed !== undefined) return routed;
  if (error.code === 'VALIDATION_FAILED' && error.details.field) {
    const table = V1_FIELD_CODES[error.details.field];
    if (table) {
      const constraint = error.details.constraint ?? '';
      return MISSING.has(constraint) ? table.missing : (table[constraint] ?? table.other);
    }
  }
  return V1_DEFAULT_CODES[error.code];
}

/** v1 messages for the global codes, as code.md words them. */
const GLOBAL_MESSAGES: Record<number, string> = {
  400: 'Invalid Request',
  401: 'Unauthorized',
  402: 'Token Expired',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Server Error',
  503: 'Service Unavailable',
};

/**
 * The native dialect (zaihangyun): HTTP 200 always, `{code, msg, data}` with
 * `code: 200` on success, a global 3-digit code or a 6-digit business code on
 * failure.
 */
export class V1Dialect implements WireDialect {
  readonly name = 'v1';

  matches(path: string): boolean {
    return path.startsWith('/v1/') || path === '/v1';
  }

  success(data: unknown): unknown {
    return data === undefined || data === null ? { code: 200, msg: 'success' } : { code: 200, msg: 'success', data };
  }

  failure(error: DomainError, ctx: ErrorContext): WireReply {
    const code = v1Code(error, ctx.codes);
    const msg = error.code === 'VALIDATION_FAILED' && error.details.message ? error.details.message : (GLOBAL_MESSAGES[code] ?? error.message);
    const body: Record<string, unknown> = { code, msg };
    if (error.details.retryAfterS !== undefined) body.data = { retry_after: Math.ceil(error.details.retryAfterS) };
    return { status: 200, body };
  }
}
