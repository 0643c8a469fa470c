/**
 * What makes the database, not the request, at fault, in the operator's words:
 * the socket's codes (no server, no route, a reset, a name not resolved) and
 * Postgres's SQLSTATEs for a server that is shutting down, starting up, out of
 * connections, out of disk space (53100: a write that needs a new page) or out of
 * memory (53200), taking no writes (25006: a standby, or a database set
 * read-only), and for a statement it timed out, cancelled or failed for
 * another's sake. Class 08 (connection exception) and class 28 (the server
 * turned the app's role away: a password rotated before the configuration, a
 * login revoked) are matched by their prefix.
 */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'host unreachable',
  EADDRNOTAVAIL: 'host unreachable',
  // A host name that does not resolve (yet: a container started before the database's).
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name not resolved',
  '57P01': 'shutting down',
  '57P02': 'shutting down',
  // Starting up, shutting down, in recovery: the message says which.
  '57P03': 'cannot connect now',
  // The database itself gone (renamed or dropped under the app) or its connection ended for idling (idle_session_timeout).
  '3D000': 'database does not exist',
  '57P04': 'database dropped',
  '57P05': 'connection ended for idling',
  // The server's disk or memory failing it: an I/O error, a resource it ran out of.
  '58030': 'I/O error',
  '53000': 'out of resources',
  '53100': 'disk full',
  '53200': 'out of memory',
  '53300': 'too many connections',
  // A write on a database that takes none: a standby a failover left the app pointed at. Reads still answer.
  '25006': 'read-only',
  // A statement the server gave up (statement_timeout, lock_timeout, a cancel) or chose to fail (a deadlock, a
  // serialization failure): nothing of it was written, and the same request may pass a moment later. They were 500s.
  '57014': 'statement timed out or cancelled',
  '55P03': 'lock not available',
  '40P01': 'deadlock',
  '40001': 'serialization failure',
};

/** Messages of pg, pg-pool and TypeORM that carry no code but mean a lost or unobtainable connection, with their reasons. */
const BY_MESSAGE: Array<[RegExp, string]> = [
  // Postgres's own (55000), for a database whose connections are barred (ALLOW_CONNECTIONS false).
  [/is not currently accepting connections/i, 'not accepting connections'],
  [/timeout exceeded when trying to connect|Connection terminated due to connection timeout/i, 'connection timed out'],
  [/Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|Connection is not established/i, 'connection lost'],
];

/** Why the database cannot serve: the condition in words, and the code (SQLSTATE or socket's) that told it, when one did. */
export interface DbUnavailable {
  words: string;
  code?: string;
}

/** The SQLSTATEs of {@link REASONS} for a statement the server gave up or chose to fail, the database itself serving. */
const STATEMENT_REFUSALS = new Set(['57014', '55P03', '40P01', '40001']);

/**
 * Whether the database is up and gave up this statement (a timeout, a lock not
 * available, a deadlock, a serialization failure), which the next try may pass:
 * no outage.
 */
export function isStatementRefusal({ code }: DbUnavailable): boolean {
  return code !== undefined && STATEMENT_REFUSALS.has(code);
}

/**
 * Why `err` says the database cannot be reached or cannot serve (`connection
 * refused`, ECONNREFUSED; `read-only`, 25006), or undefined when it says
 * something else: a bug, bad input. Looks through what
 * wraps the driver's error: TypeORM's QueryFailedError (which copies the code
 * and keeps `driverError`) and node's AggregateError (a host name with several
 * addresses, each refused). TypeORM releases a query runner whose connection
 * reports an error, so a transaction whose connection died ends in
 * QueryRunnerAlreadyReleasedError at its commit, or in
 * QueryRunnerProviderAlreadyReleasedError at its next statement through the
 * transaction's EntityManager (a login's session insert, seen under a Postgres restart).
 */
export function dbUnavailable(err: unknown, depth = 0): DbUnavailable | undefined {
  if (!err || typeof err !== 'object' || depth > 3) return undefined;
  const e = err as { code?: unknown; message?: unknown; name?: unknown; errors?: unknown; driverError?: unknown };
  if (e.name === 'QueryRunnerAlreadyReleasedError' || e.name === 'QueryRunnerProviderAlreadyReleasedError') return { words: 'connection lost' };
  if (typeof e.code === 'string') {
    const reason = Object.hasOwn(REASONS, e.code) ? REASONS[e.code] : undefined;
    if (reason) return { words: reason, code: e.code };
    if (/^08[0-9A-Z]{3}$/.test(e.code)) return { words: 'connection failure', code: e.code };
    if (/^28[0-9A-Z]{3}$/.test(e.code)) return { words: 'role refused', code: e.code };
  }
  if (typeof e.message === 'string') {
    const message = e.message;
    const known = BY_MESSAGE.find(([pattern]) => pattern.test(message));
    if (known) return { words: known[1] };
  }
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const reason = dbUnavailable(inner, depth + 1);
      if (reason) return reason;
    }
  }
  return e.driverError !== undefined && e.driverError !== err ? dbUnavailable(e.driverError, depth + 1) : undefined;
}

/** {@link dbUnavailable} in one phrase, as the logs and answers give it: `connection refused (ECONNREFUSED)`, `connection lost`. */
export function describeUnavailable({ words, code }: DbUnavailable): string {
  return code ? `${words} (${code})` : words;
}

/** {@link dbUnavailable} described, or undefined. */
export function dbUnavailableReason(err: unknown): string | undefined {
  const unavailable = dbUnavailable(err);
  return unavailable && describeUnavailable(unavailable);
}

/** Whether `err` says the database cannot be reached or cannot serve ({@link dbUnavailable}). */
export function isDbUnavailable(err: unknown): boolean {
  return dbUnavailable(err) !== undefined;
}
