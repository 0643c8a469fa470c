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
  SERVICE_UNAVAILABLE: 500,
  UNAUTHORIZED: 401,
  TOKEN_EXPIRED: 402,
  FORBIDDEN: 403,
  INVALID_CREDENTIALS: 401,
  LOGIN_LOCKED: 429,
  APP_NOT_FOUND: 404,
  CAPTCHA_REQUIRED: 400,
  CAPTCHA_WRONG: 400,
  CAPTCHA_INVALID: 400,
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
};

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

  failure(error: DomainError, _ctx: ErrorContext): WireReply {
    const code = V1_DEFAULT_CODES[error.code];
    const msg = error.code === 'VALIDATION_FAILED' && error.details.message ? error.details.message : (GLOBAL_MESSAGES[code] ?? error.message);
    const body: Record<string, unknown> = { code, msg };
    if (error.details.retryAfterS !== undefined) body.data = { retry_after: Math.ceil(error.details.retryAfterS) };
    return { status: 200, body };
  }
}
