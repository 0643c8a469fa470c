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
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorName = keyof typeof ERRORS;

export const ERROR_NAMES = Object.keys(ERRORS) as ErrorName[];
