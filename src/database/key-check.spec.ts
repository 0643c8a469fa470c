import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppConfig, loadConfig } from '../config/app-config.js';
import { keyChecks, mismatchMessage } from './key-check.js';

const secrets = (over: Partial<AppConfig['secrets']> = {}): AppConfig['secrets'] => ({
  encryptionKey: Buffer.alloc(32, 7),
  jwtSecret: 'j'.repeat(16),
  codePepper: Buffer.from('p'.repeat(16), 'utf8'),
  ...over,
});

const config = (db: Partial<AppConfig['db']>, env: AppConfig['env'] = 'development'): AppConfig =>
  ({ env, db: { dataDir: '/srv/passcode/data', migrateOnStart: true, poolSize: 10, ...db } }) as AppConfig;

describe('key checks', () => {
  it('keep their values from one version to the next: another value refuses every running deployment', () => {
    // HMAC-SHA256 keyed by each key over `passcode key check: <NAME>`, as `openssl dgst -sha256 -hmac` computes it.
    expect(keyChecks(secrets())).toEqual({
      ENCRYPTION_KEY: 'de3725d2fef58cc31626c3f16d5c22f1087a219312f301ded409a7391abcded6',
      JWT_SECRET: 'c520ed6b7d01e917f4d35f315a4bbd41e202fd309d614d8bcf464876f10c3b05',
      CODE_PEPPER: '1953e6790f2768936279a20e0a70b00143f2dd7110e67c2d3613cb4c5dcac656',
    });
  });

  it('change with their own key only, and differ between keys of the same material', () => {
    const base = keyChecks(secrets());
    const otherJwt = keyChecks(secrets({ jwtSecret: 'k'.repeat(16) }));
    expect(otherJwt.JWT_SECRET).not.toBe(base.JWT_SECRET);
    expect(otherJwt.ENCRYPTION_KEY).toBe(base.ENCRYPTION_KEY);
    expect(otherJwt.CODE_PEPPER).toBe(base.CODE_PEPPER);
    const same = keyChecks(secrets({ jwtSecret: 'p'.repeat(16) }));
    expect(same.JWT_SECRET).not.toBe(same.CODE_PEPPER);
  });

  it('are of the key as the server uses it: ENCRYPTION_KEY in hex and in base64 is one key', () => {
    const key = randomBytes(32);
    const env = { NODE_ENV: 'test', DATA_DIR: join(tmpdir(), 'passcode-key-check-none'), JWT_SECRET: 'j'.repeat(16), CODE_PEPPER: 'p'.repeat(16) };
    const hex = keyChecks(loadConfig({ ...env, ENCRYPTION_KEY: key.toString('hex') }).secrets);
    expect(keyChecks(loadConfig({ ...env, ENCRYPTION_KEY: key.toString('base64') }).secrets)).toEqual(hex);
    expect(hex.ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the refusal', () => {
  it('names the keys that differ, and what each would break, on Postgres: give this instance the others\' keys', () => {
    const message = mismatchMessage(['ENCRYPTION_KEY', 'CODE_PEPPER'], config({ url: 'postgres://db/passcode' }));
    expect(message).toBe(
      "this instance's ENCRYPTION_KEY and CODE_PEPPER differ from those this database was first used with (table key_checks holds a check value of each key), " +
        'so the app secrets and SMS credentials stored with the recorded key would not decrypt and codes sent with the recorded key would never check. ' +
        "Every instance on one database needs the same ENCRYPTION_KEY, JWT_SECRET and CODE_PEPPER: give this one the others', by setting the variables to their values " +
        "or by copying keys.json from the DATA_DIR of the instance that generated them into this one's (/srv/passcode/data).",
    );
  });

  it('speaks of no keys.json in production, where the keys come from the environment only', () => {
    const message = mismatchMessage(['JWT_SECRET'], config({ url: 'postgres://db/passcode' }, 'production'));
    expect(message).toBe(
      "this instance's JWT_SECRET differs from the one this database was first used with (table key_checks holds a check value of each key), " +
        'so tokens issued with the recorded key would be refused. ' +
        "Every instance on one database needs the same ENCRYPTION_KEY, JWT_SECRET and CODE_PEPPER: give this one the others', by setting the variables to their values.",
    );
  });

  it('on the embedded database, points at the keys it was used with', () => {
    const message = mismatchMessage(['ENCRYPTION_KEY', 'JWT_SECRET', 'CODE_PEPPER'], config({}));
    expect(message).toMatch(/^this instance's ENCRYPTION_KEY, JWT_SECRET and CODE_PEPPER differ from those this database was first used with /);
    expect(message).toMatch(/Start it with the keys it was used with: the keys\.json it had in DATA_DIR \(\/srv\/passcode\/data\), or the variables set then\.$/);
  });
});
