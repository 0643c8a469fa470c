import pg from 'pg';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { dbUnavailable, dbUnavailableReason, isStatementRefusal } from '../errors/db-unavailable.js';
import { toDomainError } from './to-domain-error.js';

/** A pg server error as the driver raises it (`code` is the SQLSTATE). */
function pgError(code: string, message: string): pg.DatabaseError {
  const err = new pg.DatabaseError(message, message.length, 'error');
  err.code = code;
  err.severity = 'FATAL';
  return err;
}

/** A driver error as TypeORM wraps it when it ends a query. */
function queryFailed(driverError: Error): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], driverError);
}

const sysError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('toDomainError: a database that cannot be reached is SERVICE_UNAVAILABLE', () => {
  // What a Postgres restart, a stopped or frozen server, and terminated backends threw at the app (seen under load on a private cluster).
  it.each<[string, unknown, string]>([
    ['connect refused (server down)', sysError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'connection refused (ECONNREFUSED)'],
    ['a host name that does not resolve', sysError('ENOTFOUND', 'getaddrinfo ENOTFOUND db.internal'), 'host name not found (ENOTFOUND)'],
    ['connect refused on every address of a host name', Object.assign(new AggregateError([sysError('ECONNREFUSED', 'a'), sysError('ECONNREFUSED', 'b')], ''), { code: 'ECONNREFUSED' }), 'connection refused (ECONNREFUSED)'],
    ['no route on one address, refused on the other', new AggregateError([sysError('EADDRNOTAVAIL', 'a'), sysError('ECONNREFUSED', 'b')], ''), 'host unreachable (EADDRNOTAVAIL)'],
    ['admin_shutdown (57P01) ending a query', queryFailed(pgError('57P01', 'terminating connection due to administrator command')), 'shutting down (57P01)'],
    ['cannot_connect_now (57P03): starting up', pgError('57P03', 'the database system is starting up'), 'cannot connect now (57P03)'],
    ['cannot_connect_now (57P03): shutting down, inside a query', queryFailed(pgError('57P03', 'the database system is shutting down')), 'cannot connect now (57P03)'],
    ['the connection dropped during a query', queryFailed(new Error('Connection terminated unexpectedly')), 'connection lost'],
    ['a reset during a query', queryFailed(sysError('ECONNRESET', 'read ECONNRESET')), 'connection reset (ECONNRESET)'],
    ['statement_timeout (57014)', queryFailed(pgError('57014', 'canceling statement due to statement timeout')), 'statement timed out or cancelled (57014)'],
    ['lock_timeout (55P03)', queryFailed(pgError('55P03', 'canceling statement due to lock timeout')), 'lock not available (55P03)'],
    ['a deadlock (40P01)', queryFailed(pgError('40P01', 'deadlock detected')), 'deadlock (40P01)'],
    ['a serialization failure (40001)', queryFailed(pgError('40001', 'could not serialize access due to concurrent update')), 'serialization failure (40001)'],
    ['a pooled client that saw its connection fail', queryFailed(new Error('Client has encountered a connection error and is not queryable')), 'connection lost'],
    ['the pool waited past its connect timeout', new Error('timeout exceeded when trying to connect'), 'connection timed out'],
    ['the client timed out connecting', new Error('Connection terminated due to connection timeout'), 'connection timed out'],
    ['a transaction whose connection died before its commit', new QueryRunnerAlreadyReleasedError(), 'connection lost'],
    ['a statement of a transaction whose connection died', new QueryRunnerProviderAlreadyReleasedError(), 'connection lost'],
    ['a database closed to connections (55000)', pgError('55000', 'database "passcode" is not currently accepting connections'), 'not accepting connections'],
    ['too many connections (53300)', pgError('53300', 'sorry, too many clients already'), 'too many connections (53300)'],
    ['a connection exception (08006)', queryFailed(pgError('08006', 'connection failure')), 'connection failure (08006)'],
    ['a write that needs a page on a full disk (53100)', queryFailed(pgError('53100', 'could not extend file "base/5/16675_fsm": No space left on device')), 'disk full (53100)'],
    ['out of memory (53200)', queryFailed(pgError('53200', 'out of memory')), 'out of memory (53200)'],
    ['a write on a read-only database (25006)', queryFailed(pgError('25006', 'cannot execute INSERT in a read-only transaction')), 'read-only (25006)'],
    ['a role that may not log in (28000)', pgError('28000', 'role "passcode" is not permitted to log in'), 'role refused (28000)'],
    ['a password the server refuses (28P01)', pgError('28P01', 'password authentication failed for user "passcode"'), 'role refused (28P01)'],
    ['a database renamed or dropped under the app (3D000)', pgError('3D000', 'database "passcode" does not exist'), 'database does not exist (3D000)'],
    ['a session ended for idling (57P05)', queryFailed(pgError('57P05', 'terminating connection due to idle-session timeout')), 'connection ended for idling (57P05)'],
    ['an I/O error (58030)', queryFailed(pgError('58030', 'could not read block 0 in file "base/5/1259": Input/output error')), 'I/O error (58030)'],
  ])('%s', (_what, thrown, reason) => {
    const { error } = toDomainError(thrown);
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.status).toBe(503);
    // What the outage's log line and a waiting start name it.
    expect(dbUnavailableReason(thrown)).toBe(reason);
    // A statement the server gave up is logged as such, not as an outage.
    expect(isStatementRefusal(dbUnavailable(thrown)!)).toBe(/\((57014|55P03|40P01|40001)\)$/.test(reason));
  });

  it.each<[string, unknown]>([
    ['a unique violation', queryFailed(pgError('23505', 'duplicate key value violates unique constraint "x"'))],
    ['another 55000 (a prerequisite, not the connection)', pgError('55000', 'cannot do that now')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])('%s stays INTERNAL', (_what, thrown) => {
    expect(toDomainError(thrown)).toMatchObject({ error: { code: 'INTERNAL' }, unexpected: true });
    expect(dbUnavailableReason(thrown)).toBeUndefined();
  });
});
