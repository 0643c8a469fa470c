import { type DataSource } from 'typeorm';
import { OperatorError } from '../common/errors/operator-error.js';

/** The database keeps its text in an encoding other than UTF-8: refused at start, as the operator's to fix. */
export class DatabaseEncodingError extends OperatorError {}

/**
 * Refuses a database whose text is not UTF-8. Apps, SMS sign names and templates,
 * user names are Chinese more often than not: on a LATIN1 database each such write
 * failed (22P05) and answered 500, and on SQL_ASCII a character's bytes counted as
 * characters against every length limit. PGlite's database is UTF-8.
 */
export async function checkEncoding(ds: DataSource): Promise<void> {
  const [{ server_encoding: encoding }] = (await ds.query('SHOW server_encoding')) as Array<{ server_encoding: string }>;
  if (encoding === 'UTF8') return;
  const name = (ds.driver.database as string | undefined) ?? 'the database';
  throw new DatabaseEncodingError(
    `the database ${name} keeps its text in ${encoding}; Passcode needs UTF8 (apps, sign names, templates and user names are often Chinese): ` +
      `create one with CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0 and point DATABASE_URL at it`,
  );
}
