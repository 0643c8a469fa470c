import { HttpException } from '@nestjs/common';
import { DomainError } from '../errors/domain-error.js';
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
 * Error codes that say the database, not the request, is at fault: the socket's
 * (no server, no route, a reset) and Postgres's SQLSTATEs for a server that is
 * shutting down, starting up, out of connections, out of disk space (53100: a
 * write that needs a new page) or out of memory (53200), taking no writes (25006:
 * a standby, or a database set read-only), and for a statement it
 * timed out, cancelled or failed for another's sake. Class 08 (connection
 * exception) and class 28 (the server turned the app's role away: a password
 * rotated before the configuration, a login revoked) are matched by their prefix.
 */
const DB_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  // The database itself gone (renamed or dropped under the app) or its connection ended for idling (idle_session_timeout).
  '3D000',
  '57P04',
  '57P05',
  // The server's disk or memory failing it: an I/O error, a resource it ran out of.
  '58030',
  '53000',
  '53100',
  '53200',
  '53300',
  // A write on a database that takes none: a standby a failover left the app pointed at. Reads still answer.
  '25006',
  // A statement the server gave up (statement_timeout, lock_timeout, a cancel) or chose to fail (a deadlock, a
  // serialization failure): nothing of it was written, and the same request may pass a moment later. They were 500s.
  '57014',
  '55P03',
  '40P01',
  '40001',
]);

/** Messages of pg, pg-pool and TypeORM that carry no code but mean a lost or unobtainable connection. */
const DB_UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Connection is not established|is not currently accepting connections/i;

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

/**
 * Whether `err` says the database cannot be reached or has dropped the connection.
 * Looks through what wraps the driver's error: TypeORM's QueryFailedError (which
 * copies the code and keeps `driverError`) and node's AggregateError (a host name
 * with several addresses, each refused). TypeORM releases a query runner whose
 * connection reports an error, so a transaction whose connection died ends in
 * QueryRunnerAlreadyReleasedError at its commit, or in
 * QueryRunnerProviderAlreadyReleasedError at its next statement through the
 * transaction's EntityManager (a login's session insert, seen under a Postgres restart).
 */
export function isDbUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; message?: unknown; name?: unknown; errors?: unknown; driverError?: unknown };
  if (e.name === 'QueryRunnerAlreadyReleasedError' || e.name === 'QueryRunnerProviderAlreadyReleasedError') return true;
  if (typeof e.code === 'string' && (DB_UNAVAILABLE_CODES.has(e.code) || /^(?:08|28)[0-9A-Z]{3}$/.test(e.code))) return true;
  if (typeof e.message === 'string' && DB_UNAVAILABLE_MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDbUnavailable(inner, depth + 1))) return true;
  return e.driverError !== undefined && e.driverError !== err && isDbUnavailable(e.driverError, depth + 1);
}
