import { DomainError } from '../../common/errors/domain-error.js';
import { type ErrorName } from '../../common/errors/error-registry.js';
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
  // Ours (no seed code): apps with captcha_required.
  CAPTCHA_REQUIRED: 400186,
  CAPTCHA_WRONG: 400187,
  CAPTCHA_INVALID: 400188,
  // Seed 000's numbering (/v1/user/verify_code); endpoints with another numbering override it.
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

/** SMS configuration errors: on endpoints whose table gives 400196/400197 another meaning they all answer 400185. */
const SMS_CONFIG_ERRORS = [
  'SMS_NOT_CONFIGURED',
  'SMS_ACCESS_KEY_NOT_FOUND',
  'SMS_TEMPLATE_NOT_FOUND',
  'SMS_SIGNATURE_NOT_FOUND',
  'SMS_ACCOUNT_NOT_FOUND',
  'SMS_ACCOUNT_DISABLED',
  'SMS_TEMPLATE_DISABLED',
  'SMS_SIGNATURE_DISABLED',
  'SMS_BINDING_ACCOUNT_MISMATCH',
  'SMS_BINDING_TYPE_MISMATCH',
] as const satisfies readonly ErrorName[];

const SMS_CONFIG_AS_400185 = Object.fromEntries(SMS_CONFIG_ERRORS.map((n) => [n, 400185])) as Partial<Record<ErrorName, number>>;

/**
 * Per-endpoint numbering, keyed by `METHOD /route`: where an endpoint's table gives
 * a number another meaning than the default, the endpoint's table wins.
 */
export const V1_ROUTE_CODES: Record<string, Partial<Record<ErrorName, number>>> = {
  // Seed 001: 400196/400197 are login switches, so SMS configuration errors move to 400185.
  'POST /v1/login/verify_code': SMS_CONFIG_AS_400185,
  'POST /v1/sms/verify_code': SMS_CONFIG_AS_400185,
  // Seed 000: 400196/400197 are the SMS signature and SMS configuration; the login checks all answer 400198.
  'POST /v1/user/verify_code': { LOGIN_NOT_CONFIGURED: 400198, LOGIN_DISABLED: 400198, MOBILE_LOGIN_DISABLED: 400198 },
  // user_update_mobile.md: 400190 wrong code, 400191 expired.
  'POST /v1/user/mobile': { CODE_WRONG: 400190, CODE_EXPIRED: 400191 },
};

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

/** The v1 code of an error on a route. */
export function v1Code(error: DomainError, route: string): number {
  const routed = V1_ROUTE_CODES[route]?.[error.code];
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
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
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
    const code = v1Code(error, ctx.route);
    const msg = error.code === 'VALIDATION_FAILED' && error.details.message ? error.details.message : (GLOBAL_MESSAGES[code] ?? error.message);
    const body: Record<string, unknown> = { code, msg };
    if (error.details.retryAfterS !== undefined) body.data = { retry_after: Math.ceil(error.details.retryAfterS) };
    return { status: 200, body };
  }
}
