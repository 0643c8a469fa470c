import pg from 'pg';
import { DatabaseRefusedError, explainConnectFailure } from './connect-refusal.js';

const failure = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
const URL_WITH_PASSWORD = 'postgres://passcode:s3cret%40x@db.example.com:5432/passcode';

describe('explainConnectFailure', () => {
  it('a wrong password: the role named, the password not', () => {
    const explained = explainConnectFailure(failure('password authentication failed for user "passcode"', '28P01'), URL_WITH_PASSWORD);
    expect(explained).toBeInstanceOf(DatabaseRefusedError);
    expect((explained as Error).message).toBe(
      'the database turned away passcode: password authentication failed for user "passcode" (28P01); ' +
        "correct the role or password in DATABASE_URL, or the server's pg_hba.conf",
    );
    expect((explained as Error).message).not.toContain('s3cret');
  });

  it('a certificate not trusted', () => {
    const explained = explainConnectFailure(failure('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), URL_WITH_PASSWORD);
    expect((explained as Error).message).toBe(
      'the certificate of db.example.com:5432 is not trusted (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain); ' +
        'give its CA with sslrootcert=<file> in DATABASE_URL, or connect by the name it is issued to',
    );
  });

  it('a URL without names (a socket\'s) or one WHATWG cannot read still gets its line', () => {
    expect((explainConnectFailure(failure('database "x" does not exist', '3D000'), 'postgres:///?host=/var/run/postgresql') as Error).message).toBe(
      "the database of DATABASE_URL does not exist on the server (3D000); create it (CREATE DATABASE … ENCODING 'UTF8') or correct DATABASE_URL",
    );
    expect(explainConnectFailure(failure('role "x" does not exist', '28000'), 'postgres://a b@%zz/db')).toBeInstanceOf(DatabaseRefusedError);
  });

  it('any other error of the server\'s as the connection opens: a parameter DATABASE_URL gives it', () => {
    const rejected = Object.assign(new pg.DatabaseError('invalid value for parameter "statement_timeout": "abc"', 0, 'error'), { code: '22023' });
    expect((explainConnectFailure(rejected, URL_WITH_PASSWORD) as Error).message).toBe(
      'the database on db.example.com:5432 refused the start: invalid value for parameter "statement_timeout": "abc" (22023); ' +
        'correct DATABASE_URL (its options and parameters) or the database',
    );
    const startingUp = Object.assign(new pg.DatabaseError('the database system is starting up', 0, 'error'), { code: '57P03' });
    expect(explainConnectFailure(startingUp, URL_WITH_PASSWORD)).toBe(startingUp);
  });

  it('what a retry may mend is returned as it is', () => {
    for (const err of [failure('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), failure('the database system is starting up', '57P03'), failure('timeout')]) {
      expect(explainConnectFailure(err, URL_WITH_PASSWORD)).toBe(err);
    }
    expect(explainConnectFailure('not an error', URL_WITH_PASSWORD)).toBe('not an error');
  });
});
