import pg from 'pg';
import { type DataSource } from 'typeorm';
import { isDbUnavailable } from '../common/errors/db-unavailable.js';
import { OperatorError } from '../common/errors/operator-error.js';

/** A connection the database refuses at start for a reason no retry mends: a setting in DATABASE_URL is wrong. */
export class DatabaseRefusedError extends OperatorError {}

/** TLS verdicts on the server's certificate (Node's codes). */
const CERTIFICATE_REFUSALS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);

/**
 * What the first connection's failure says to the operator, when it is one of
 * theirs to fix: a role or password the database turns away (class 28), a
 * database that does not exist (3D000), SSL asked of a server without it, a
 * server certificate not trusted, or any other error of the server's that no
 * retry mends (a parameter DATABASE_URL sets that it rejects). Anything else
 * (refused, unreachable, starting up) is returned as it is, for the start to
 * retry. Nothing of the URL's password is repeated.
 */
export function explainConnectFailure(err: unknown, url: string): unknown {
  if (!(err instanceof Error)) return err;
  const { code } = err as Error & { code?: unknown };
  const { role, database, host } = databaseNames(url);
  if (typeof code === 'string' && code.startsWith('28')) {
    return new DatabaseRefusedError(`the database turned away ${role}: ${err.message} (${code}); correct the role or password in DATABASE_URL, or the server's pg_hba.conf`);
  }
  if (code === '3D000') {
    return new DatabaseRefusedError(`the database ${database} does not exist on ${host} (3D000); create it (CREATE DATABASE … ENCODING 'UTF8') or correct DATABASE_URL`);
  }
  if (err.message === 'The server does not support SSL connections') {
    return new DatabaseRefusedError(`${host} does not take SSL connections, which DATABASE_URL asks for (sslmode); remove sslmode, or turn SSL on in the server`);
  }
  if (typeof code === 'string' && CERTIFICATE_REFUSALS.has(code)) {
    return new DatabaseRefusedError(
      `the certificate of ${host} is not trusted (${code}: ${err.message}); give its CA with sslrootcert=<file> in DATABASE_URL, or connect by the name it is issued to`,
    );
  }
  // Any other error of the server's while the connection opens, unless it may pass: a setting DATABASE_URL gives it (`options=-c …`) it rejects.
  if (err instanceof pg.DatabaseError && !isDbUnavailable(err)) {
    return new DatabaseRefusedError(`the database on ${host} refused the start: ${err.message} (${code}); correct DATABASE_URL (its options and parameters) or the database`);
  }
  return err;
}

/** Opens `ds` (on Postgres at `url`, when given), a first connection refused for good explained by {@link explainConnectFailure}. */
export async function initializeExplained(ds: DataSource, url: string | undefined): Promise<void> {
  await ds.initialize().catch((err: unknown) => {
    throw url ? explainConnectFailure(err, url) : err;
  });
}

/** The role, database and server a URL names, as far as it says (a socket's URL names no host). */
export function databaseNames(url: string): { role: string; database: string; host: string } {
  let target: URL | undefined;
  try {
    target = new URL(url);
  } catch {
    // pg reads some URLs WHATWG's parser does not: the names are then left general.
  }
  const decoded = (text: string | undefined) => {
    try {
      return text ? decodeURIComponent(text) : '';
    } catch {
      return text ?? '';
    }
  };
  return {
    role: decoded(target?.username) || 'the role of DATABASE_URL',
    database: decoded(target?.pathname.slice(1)) || 'of DATABASE_URL',
    host: target?.host || 'the server',
  };
}
