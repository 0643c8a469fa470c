import { ERROR_NAMES, type ErrorName } from '../common/errors/error-registry.js';

/*
 * Named sets of errors, for @ApiErrors: what a service method called by many
 * handlers can answer, written once. Each set says which method it stands for;
 * change it with that method.
 */

/** Every request: the throttler, a bug, the database down, a query string beyond its bounds. */
export const REQUEST_ERRORS = ['VALIDATION_FAILED', 'TOO_MANY_REQUESTS', 'INTERNAL', 'SERVICE_UNAVAILABLE'] as const satisfies readonly ErrorName[];

/** A request that may carry a body (POST, PUT, PATCH, DELETE): the body parsers' refusals. */
export const BODY_ERRORS = ['MALFORMED_BODY', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const satisfies readonly ErrorName[];

/** `UsersService.loginEnabled`: the app's end users may use their accounts. */
export const LOGIN_ENABLED = ['LOGIN_NOT_CONFIGURED', 'LOGIN_DISABLED'] as const satisfies readonly ErrorName[];

/** `UsersService.loginConfig`: SMS login may be used. */
export const SMS_LOGIN_ENABLED = [...LOGIN_ENABLED, 'MOBILE_LOGIN_DISABLED'] as const satisfies readonly ErrorName[];

/**
 * `SmsSender.send`: the app's route for the scene and what the provider answered.
 * Every `SMS_` error but the binding mismatches, which only an admin change meets.
 */
export const SMS_DELIVERY: readonly ErrorName[] = ERROR_NAMES.filter((n) => n.startsWith('SMS_') && !n.startsWith('SMS_BINDING_'));

/** `VerificationService.issue` before the captcha: an app whose policy sets captcha_required (or whose fraud guard challenges the number) refuses a send without one. */
const SEND_CODE_UNCHALLENGED: readonly ErrorName[] = ['PHONE_REGION_NOT_ALLOWED', 'PHONE_TYPE_NOT_ALLOWED', 'SEND_BLOCKED', 'CAPTCHA_REQUIRED', 'SEND_COOLDOWN', 'SEND_LIMIT_EXCEEDED', ...SMS_DELIVERY];

/** `VerificationService.issue` with a captcha vendor's token only (no image captcha fields): the vendor may refuse it or give no verdict. */
export const SEND_CODE: readonly ErrorName[] = [...SEND_CODE_UNCHALLENGED, 'CAPTCHA_WRONG', 'CAPTCHA_UNAVAILABLE'];

/** `VerificationService.issue` with the caller's image captcha id and answer, or a captcha vendor's token. */
export const SEND_CODE_WITH_CAPTCHA: readonly ErrorName[] = [...SEND_CODE, 'CAPTCHA_INVALID'];

/** `VerificationService.issue` demanding the image captcha whatever the app's provider (seed 004). */
export const SEND_CODE_WITH_IMAGE_CAPTCHA: readonly ErrorName[] = [...SEND_CODE_UNCHALLENGED, 'CAPTCHA_WRONG', 'CAPTCHA_INVALID'];

/** `VerificationService.consume`: the code is not the latest right one. */
export const CHECK_CODE = ['CODE_WRONG', 'CODE_EXPIRED'] as const satisfies readonly ErrorName[];
