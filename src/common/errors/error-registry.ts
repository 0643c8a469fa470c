/**
 * Every error Passcode can answer, named once. `status` is the HTTP status the
 * REST (admin) dialect answers; `message` is its default English text. Each wire
 * dialect maps every name to its own code in a table typed `Record<ErrorName, …>`,
 * so a name added here without a mapping fails the type check.
 */
export const ERRORS = {
  // Transport and generic request errors.
  VALIDATION_FAILED: { status: 400, message: 'invalid request' },
  MALFORMED_BODY: { status: 400, message: 'malformed request body' },
  BODY_TOO_LARGE: { status: 413, message: 'request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'unsupported content type' },
  /** Node's HTTP parser could not read the request (a control character in a header, a malformed request line…). */
  MALFORMED_REQUEST: { status: 400, message: 'malformed HTTP request' },
  /** The request's headers are over Node's limit (16 KB in all). */
  HEADERS_TOO_LARGE: { status: 431, message: 'request headers too large' },
  /** The request, headers and body, did not arrive within HTTP_REQUEST_TIMEOUT_MS. */
  REQUEST_TIMEOUT: { status: 408, message: 'the request did not arrive in time' },
  ROUTE_NOT_FOUND: { status: 404, message: 'not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed' },
  TOO_MANY_REQUESTS: { status: 429, message: 'too many requests' },
  INTERNAL: { status: 500, message: 'internal server error' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'service unavailable' },

  // Authentication.
  UNAUTHORIZED: { status: 401, message: 'unauthorized' },
  TOKEN_EXPIRED: { status: 401, message: 'token expired' },
  FORBIDDEN: { status: 403, message: 'forbidden' },
  INVALID_CREDENTIALS: { status: 401, message: 'invalid username or password' },
  LOGIN_LOCKED: { status: 429, message: 'too many failed logins; try again later' },

  // Apps.
  APP_NOT_FOUND: { status: 404, message: 'app not found' },

  // Webhooks (events/).
  /** No webhook endpoint with this id belongs to the app. */
  WEBHOOK_ENDPOINT_NOT_FOUND: { status: 404, message: 'webhook endpoint not found' },
  /** No webhook delivery with this id belongs to the app. */
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, message: 'webhook delivery not found' },
  /** The app has WEBHOOK_ENDPOINTS_PER_APP endpoints already. */
  WEBHOOK_ENDPOINT_LIMIT: { status: 409, message: 'the app has as many webhook endpoints as allowed' },

  // Operators (operators/).
  OPERATOR_NOT_FOUND: { status: 404, message: 'operator not found' },
  OPERATOR_USERNAME_TAKEN: { status: 409, message: 'an operator with this username exists' },
  /** The change would leave no enabled owner. */
  OPERATOR_LAST_OWNER: { status: 409, message: 'the last enabled owner cannot be demoted or disabled' },
  /** An operator changing their own password gave a wrong current one. */
  OPERATOR_PASSWORD_WRONG: { status: 400, message: 'the current password is wrong' },

  // Image captchas (seed 004, and apps whose policy sets captcha_required).
  CAPTCHA_REQUIRED: { status: 400, message: 'a solved image captcha is required' },
  CAPTCHA_WRONG: { status: 400, message: 'the image captcha answer is wrong' },
  CAPTCHA_INVALID: { status: 400, message: 'the image captcha is unknown, expired or already used' },
  /**
   * The app's captcha vendor (Turnstile, hCaptcha, reCAPTCHA) could not say whether a token is good:
   * no answer in time, an HTTP error, an answer that is not its JSON, or our secret refused.
   */
  CAPTCHA_UNAVAILABLE: { status: 503, message: 'the captcha verification service is unavailable, retry later' },

  // SMS delivery: configuration the operator must fix (sms/).
  SMS_NOT_CONFIGURED: { status: 422, message: 'no SMS configuration for this app and scene' },
  SMS_ACCESS_KEY_NOT_FOUND: { status: 422, message: 'SMS provider access key not found or refused' },
  SMS_TEMPLATE_NOT_FOUND: { status: 422, message: 'SMS template not found' },
  SMS_SIGNATURE_NOT_FOUND: { status: 422, message: 'SMS signature not found' },
  SMS_ACCOUNT_NOT_FOUND: { status: 404, message: 'SMS account not found' },
  SMS_ACCOUNT_DISABLED: { status: 422, message: 'SMS account disabled' },
  SMS_TEMPLATE_DISABLED: { status: 422, message: 'SMS template disabled' },
  SMS_SIGNATURE_DISABLED: { status: 422, message: 'SMS signature disabled' },
  SMS_BINDING_ACCOUNT_MISMATCH: { status: 422, message: 'signature and template belong to different SMS accounts' },
  SMS_BINDING_TYPE_MISMATCH: { status: 422, message: 'signature and template types differ' },
  // SMS delivery: what the provider answered.
  SMS_PROVIDER_REJECTED: { status: 502, message: 'the SMS provider refused the message' },
  SMS_PHONE_REJECTED: { status: 422, message: 'the SMS provider refused the phone number' },
  SMS_PROVIDER_RATE_LIMITED: { status: 429, message: 'the SMS provider is limiting messages to this number' },
  /** The provider refused for a passing reason (5xx, throttling, system error) or could not be reached; a timeout is no error (DESIGN §8). */
  SMS_PROVIDER_FAILED: { status: 502, message: 'the SMS provider failed or could not be reached' },

  // Request signatures (seed 001 md5 scheme).
  /** No appkey in the query, form or JSON body. */
  SIGN_APPKEY_MISSING: { status: 401, message: 'appkey is required' },
  /** The appkey names no app, or a disabled one. */
  APPKEY_NOT_FOUND: { status: 401, message: 'appkey not found' },
  /** timestamp missing or not 10 digits of seconds. */
  SIGN_TIMESTAMP_INVALID: { status: 401, message: 'timestamp must be 10 digits of seconds' },
  /** timestamp further from the server clock than the allowed skew. */
  SIGN_TIMESTAMP_EXPIRED: { status: 401, message: 'timestamp expired' },
  /** sign missing or not md5(appkey + timestamp + app_secret). */
  SIGN_INVALID: { status: 401, message: 'sign must be valid' },
  /** A single-use request nonce (seed 003's `random`) presented again within its window. */
  SIGN_NONCE_REPLAYED: { status: 401, message: 'nonce already used' },

  // Login configuration of an app.
  /** The app has no login config at all. */
  LOGIN_NOT_CONFIGURED: { status: 403, message: 'login config not found' },
  /** The login interface is switched off. */
  LOGIN_DISABLED: { status: 403, message: 'login interface disabled' },
  /** SMS-code login is switched off. */
  MOBILE_LOGIN_DISABLED: { status: 403, message: 'mobile login disabled' },

  // Codes and sending limits (verification/).
  /** The phone's country is not in the app's allow-list. */
  PHONE_REGION_NOT_ALLOWED: { status: 422, message: 'mobile region not allowed' },
  /** The number's type (premium-rate, toll-free, landline…) is in the app's refused_number_types. */
  PHONE_TYPE_NOT_ALLOWED: { status: 422, message: 'this type of number cannot receive codes' },
  /** The fraud guard refuses the number's country or prefix for a cooling-off period: its sends were almost never approved (suspected SMS pumping). */
  SEND_BLOCKED: { status: 429, message: 'sending to this number range is paused: suspected SMS pumping' },
  /** No fraud bucket of this kind and key belongs to the app (admin). */
  FRAUD_BUCKET_NOT_FOUND: { status: 404, message: 'fraud bucket not found' },
  /** A code was sent to this phone less than resend_interval_s ago. */
  SEND_COOLDOWN: { status: 429, message: 'code already sent, retry later' },
  /** Per-phone daily, per-country daily, per-IP hourly or per-app daily sending cap reached. */
  SEND_LIMIT_EXCEEDED: { status: 429, message: 'sending limit exceeded' },
  /** The code does not match the latest code. */
  CODE_WRONG: { status: 400, message: 'verify_code is wrong' },
  /** No usable code: never sent, expired, superseded, consumed or out of attempts. */
  CODE_EXPIRED: { status: 400, message: 'verify_code not found or expired' },

  // End users.
  /** The token's user no longer exists (deregistered). */
  USER_NOT_FOUND: { status: 404, message: 'user not found' },
  /** The new phone number belongs to another user of the app. */
  PHONE_TAKEN: { status: 409, message: 'mobile already in use' },
  /** Deregistration found nothing to deregister (raced with another one). */
  USER_CANCEL_FAILED: { status: 409, message: 'cancel user failed' },
  /** An update-phone token unknown, expired, already used, another user's, or made stale by a phone change elsewhere. */
  UPDATE_PHONE_TOKEN_INVALID: { status: 400, message: 'update phone token invalid or expired' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorName = keyof typeof ERRORS;

export const ERROR_NAMES = Object.keys(ERRORS) as ErrorName[];
