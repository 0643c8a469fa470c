import { type SchemaObject, type SecuritySchemeObject } from '@nestjs/swagger';
import { OptionalUserAuthGuard } from '../api/authing/optional-user-auth.guard.js';
import { BareTokenUserAuthGuard } from '../auth/bare-token-user-auth.guard.js';
import { Md5SignatureGuard } from '../auth/md5-signature.guard.js';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { Sha256SignatureGuard } from '../auth/sha256-signature.guard.js';
import { UserAuthGuard } from '../auth/user-auth.guard.js';
import { type ErrorName } from '../common/errors/error-registry.js';

/** Every way a request authenticates, as the published document names it. */
export const SECURITY_SCHEMES = {
  md5Signature: {
    type: 'apiKey',
    in: 'query',
    name: 'sign',
    description:
      'Seed 001 request signature (v1): `appkey`, `timestamp` (10-digit seconds, within SIGNATURE_SKEW_S, ±120 s, of the server clock) and ' +
      '`sign = md5(appkey + timestamp + app_secret)` in hex, each in the query string or in the form or JSON body. During a secret ' +
      'rotation\'s grace the previous secret signs too.',
  },
  sha256Signature: {
    type: 'apiKey',
    in: 'query',
    name: 'signature',
    description:
      'Seed 003 request signature (enduser): `signature = sha256hex(phone + codeType + random + ts + userDomainSecret)` over the query ' +
      'parameters as sent, `userDomain` being the appkey and `userDomainSecret` the app secret; `ts` in milliseconds within ±10 minutes ' +
      'of the server clock; `random` a 16-character nonce accepted once per app.',
  },
  endUserBearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An end-user access token of this service (`access_token` of POST /v1/login/mobile) as `Authorization: Bearer <token>`.',
  },
  authingAccessToken: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'An end-user access token of this service (`access_token` of POST /v1/login/mobile), bare (`Authorization: <token>`, as ' +
      'Authing\'s SDKs send it) or as `Bearer <token>`; it must belong to the app `x-authing-app-id` names.',
  },
  operatorBearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An operator token (`access_token` of POST /admin/login) as `Authorization: Bearer <token>`.',
  },
  authingAppId: {
    type: 'apiKey',
    in: 'header',
    name: 'x-authing-app-id',
    description: 'The appkey of the app (Authing v3).',
  },
  oauthAppKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-App-Key',
    description: 'The appkey of the app (seed 004).',
  },
} as const satisfies Record<string, SecuritySchemeObject>;

export type SecuritySchemeName = keyof typeof SECURITY_SCHEMES;

/** What a guard demands of a request, and what it answers when that is missing or wrong. */
export interface GuardDocs {
  scheme: SecuritySchemeName;
  /** The request may come without it (the guard admits anonymous requests). */
  optional?: boolean;
  errors: readonly ErrorName[];
}

const TOKEN_ERRORS = ['UNAUTHORIZED', 'TOKEN_EXPIRED'] as const satisfies readonly ErrorName[];

/**
 * Every guard a route may use. The document generator refuses a route guarded by
 * anything else, so a new way of authenticating cannot go unpublished.
 */
export const GUARD_DOCS: ReadonlyMap<abstract new (...args: never[]) => unknown, GuardDocs> = new Map<abstract new (...args: never[]) => unknown, GuardDocs>([
  [Md5SignatureGuard, { scheme: 'md5Signature', errors: ['SIGN_APPKEY_MISSING', 'APPKEY_NOT_FOUND', 'SIGN_TIMESTAMP_INVALID', 'SIGN_TIMESTAMP_EXPIRED', 'SIGN_INVALID'] }],
  [Sha256SignatureGuard, { scheme: 'sha256Signature', errors: ['APPKEY_NOT_FOUND', 'SIGN_TIMESTAMP_EXPIRED', 'SIGN_INVALID', 'SIGN_NONCE_REPLAYED'] }],
  [UserAuthGuard, { scheme: 'endUserBearer', errors: TOKEN_ERRORS }],
  [BareTokenUserAuthGuard, { scheme: 'authingAccessToken', errors: TOKEN_ERRORS }],
  [OptionalUserAuthGuard, { scheme: 'authingAccessToken', optional: true, errors: TOKEN_ERRORS }],
  [OperatorAuthGuard, { scheme: 'operatorBearer', errors: TOKEN_ERRORS }],
]);

/** The seed 001 parameters, which a v1 client may send in its body rather than the query string. */
export const MD5_SIGNATURE_PARAMS: SchemaObject = {
  type: 'object',
  description: 'The md5Signature parameters, when they are not in the query string.',
  properties: {
    appkey: { type: 'string', description: 'the app\'s appkey', example: 'D5fceA1sVtmaMY1F' },
    timestamp: { type: 'string', pattern: '^\\d{10}$', description: 'seconds since the epoch', example: '1745653704' },
    sign: { type: 'string', pattern: '^[0-9a-fA-F]{32}$', description: 'md5(appkey + timestamp + app_secret), hex', example: '89baeb05b60b59108087960b077963ca' },
  },
};
