import { HttpException } from '@nestjs/common';
import { DomainError } from '../errors/domain-error.js';
import { isDbUnavailable } from '../errors/db-unavailable.js';
import { type ErrorName } from '../errors/error-registry.js';

const BY_STATUS: Record<number, ErrorName> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

const FASTIFY_CODES: Record<string, ErrorName> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'ROUTE_NOT_FOUND',
};

/**
 * Turns whatever was thrown into a DomainError. Returns `unexpected: true` for
 * errors that are bugs, so the caller logs them with their stack.
 */
export function toDomainError(thrown: unknown): { error: DomainError; unexpected: boolean } {
  if (thrown instanceof DomainError) return { error: thrown, unexpected: false };
  // Fastify's own 4xx errors (body parsing, content type) reach filters wrapped in an HttpException.
  if (thrown instanceof HttpException && thrown.cause && typeof thrown.cause === 'object') {
    const fromCause = fromFastifyError(thrown.cause as FastifyLikeError);
    if (fromCause) return { error: fromCause, unexpected: false };
  }
  if (thrown instanceof HttpException) {
    const name = BY_STATUS[thrown.getStatus()];
    if (name) return { error: new DomainError(name), unexpected: false };
    return { error: new DomainError('INTERNAL', { cause: thrown }), unexpected: true };
  }
  const err = thrown as FastifyLikeError | null;
  const fromFastify = err && fromFastifyError(err);
  if (fromFastify) return { error: fromFastify, unexpected: false };
  // A client that hung up before its body arrived (or was cut off by the request timeout) is no database outage.
  if (err && isClientAbort(err)) return { error: new DomainError('MALFORMED_BODY', { message: 'the connection closed before the body arrived' }), unexpected: false };
  if (err && isDbUnavailable(err)) {
    return { error: new DomainError('SERVICE_UNAVAILABLE', { cause: thrown }), unexpected: true };
  }
  if (err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return { error: new DomainError(BY_STATUS[err.statusCode] ?? 'VALIDATION_FAILED'), unexpected: false };
  }
  return { error: new DomainError('INTERNAL', { cause: thrown }), unexpected: true };
}

type FastifyLikeError = { code?: unknown; statusCode?: unknown; message?: unknown; name?: unknown };

function fromFastifyError(err: FastifyLikeError): DomainError | undefined {
  if (typeof err.code === 'string' && FASTIFY_CODES[err.code]) return new DomainError(FASTIFY_CODES[err.code]);
  if (err.name === 'SyntaxError' && err.statusCode === 400) return new DomainError('MALFORMED_BODY');
  return undefined;
}

/**
 * Node's error for a request whose connection closed before its body was read
 * (`aborted`, code ECONNRESET), which Fastify's body parser hands on. Its code is
 * also a lost database connection's; its message is not any driver's.
 */
function isClientAbort(err: FastifyLikeError): boolean {
  return err.code === 'ECONNRESET' && err.message === 'aborted';
}
