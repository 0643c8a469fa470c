import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppConfig, ConfigError, describeConfig, ensureGeneratedKeys, loadConfig } from './app-config.js';

const key = () => randomBytes(32).toString('base64');

describe('generated keys', () => {
  let root: string;
  let dir: string;
  let env: Record<string, string>;
  const stored = () => JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')) as Record<string, string>;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'passcode-keys-'));
    dir = join(root, 'data'); // not there yet, as on a bare machine
    env = { NODE_ENV: 'test', DATA_DIR: dir };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('are read by loadConfig, which writes nothing', () => {
    expect(() => loadConfig(env)).toThrow(new ConfigError('ENCRYPTION_KEY is required'));
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
    ensureGeneratedKeys(env);
    const keys = stored();
    expect(Object.keys(keys).sort()).toEqual(['CODE_PEPPER', 'ENCRYPTION_KEY', 'JWT_SECRET']);
    expect(statSync(join(dir, 'keys.json')).mode & 0o777).toBe(0o600);
    const { secrets } = loadConfig(env);
    expect(secrets.encryptionKey).toEqual(Buffer.from(keys.ENCRYPTION_KEY, 'base64'));
    expect(secrets.jwtSecret).toBe(keys.JWT_SECRET);
    ensureGeneratedKeys(env); // a restart keeps them
    expect(loadConfig(env).secrets).toEqual(secrets);
    expect(readdirSync(dir)).toEqual(['keys.json']);
  });

  it('are not written when the environment gives every secret, nor in production', () => {
    ensureGeneratedKeys({ ...env, ENCRYPTION_KEY: key(), JWT_SECRET: 'j'.repeat(16), CODE_PEPPER: 'p'.repeat(16) });
    ensureGeneratedKeys({ ...env, NODE_ENV: 'production' });
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  it('complete a file that lacks a secret the environment no longer gives, keeping the others', () => {
    ensureGeneratedKeys({ ...env, JWT_SECRET: 'j'.repeat(16) });
    const before = stored();
    expect(Object.keys(before).sort()).toEqual(['CODE_PEPPER', 'ENCRYPTION_KEY']);
    ensureGeneratedKeys(env);
    expect(stored()).toEqual({ ...before, JWT_SECRET: expect.any(String) });
    expect(readdirSync(dir)).toEqual(['keys.json']);
  });

  it('of two starts on an empty directory, are the first writer’s for both: the later writer does not overwrite them', () => {
    let first: AppConfig['secrets'] | undefined;
    // The other start runs whole after this one found no file and before it stores its keys.
    ensureGeneratedKeys(env, () => {
      if (!first) {
        ensureGeneratedKeys(env, key);
        first = loadConfig(env).secrets;
      }
      return key();
    });
    const second = loadConfig(env).secrets;
    expect(second).toEqual(first);
    expect(second.jwtSecret).toBe(stored().JWT_SECRET);
    expect(readdirSync(dir)).toEqual(['keys.json']);
  });
});

describe('WEBHOOK_ALLOWED_NETWORKS', () => {
  const base = { NODE_ENV: 'test', DATA_DIR: '/nonexistent', ENCRYPTION_KEY: key(), JWT_SECRET: 'j'.repeat(16), CODE_PEPPER: 'p'.repeat(16) };
  const allowed = (value?: string) => loadConfig({ ...base, ...(value === undefined ? {} : { WEBHOOK_ALLOWED_NETWORKS: value }) }).webhooks.allowedNetworks;

  it('reads networks and lone addresses, and none when unset or blank', () => {
    expect(allowed()).toEqual([]);
    expect(allowed(' ')).toEqual([]);
    expect(allowed('10.20.0.0/16, 192.168.1.7 ,fd00:1::/64,::1')).toEqual(['10.20.0.0/16', '192.168.1.7/32', 'fd00:1::/64', '::1/128']);
  });

  it('refuses anything else, naming the entry', () => {
    for (const bad of ['10.0.0.0/33', 'intranet', '10.0.0.0/8,,', '10.0.0.0/8;192.168.0.0/16']) {
      expect(() => allowed(bad)).toThrow(ConfigError);
    }
    expect(() => allowed('10.0.0.0/8,intranet')).toThrow('WEBHOOK_ALLOWED_NETWORKS must be a comma-separated list of networks (10.0.0.0/8, fd00::/8) or addresses, got "intranet"');
  });
});

describe('DATABASE_URL', () => {
  const base = { NODE_ENV: 'test', DATA_DIR: '/nonexistent', ENCRYPTION_KEY: key(), JWT_SECRET: 'j'.repeat(16), CODE_PEPPER: 'p'.repeat(16) };
  const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });

  it('takes what pg reads as Postgres: postgres:// and postgresql:// URLs, socket forms, and none when unset', () => {
    expect(load({}).db.url).toBeUndefined();
    for (const url of [
      'postgres://passcode:s3cret@db.internal:5432/passcode?sslmode=require',
      'postgresql://db/passcode',
      'POSTGRES://db/passcode',
      'postgres:///passcode?host=/var/run/postgresql',
      'postgres://passcode@/passcode?host=/var/run/postgresql',
      'socket:/var/run/postgresql?db=passcode',
      '/var/run/postgresql passcode',
      'postgres://pass code@db/passcode',
    ]) {
      expect(load({ DATABASE_URL: url }).db.url).toBe(url);
    }
  });

  it('refuses what pg would have read its own way or failed on with a stack, naming the setting and masking a password', () => {
    // mysql:// as Postgres; text that is no URL as a database under a host named `base`.
    for (const bad of ['mysql://u:hunter2@127.0.0.1/x', 'not a url', 'db.internal:5432/passcode', 'http://db/passcode']) {
      expect(() => load({ DATABASE_URL: bad })).toThrow(ConfigError);
    }
    expect(() => load({ DATABASE_URL: 'mysql://u:hunter2@127.0.0.1/x' })).toThrow(
      'DATABASE_URL must be a postgres:// URL (postgres://user:password@host:5432/database), got "mysql://u:***@127.0.0.1/x"',
    );
    // A TypeError and its stack from pg.
    expect(() => load({ DATABASE_URL: 'postgres://u:hunter2@db:99999/x' })).toThrow(
      'DATABASE_URL cannot be read as a postgres:// URL (postgres://user:password@host:5432/database): a port outside 1-65535, or a character of the password to percent-encode?',
    );
  });
});

describe('REDIS_URL', () => {
  const base = { NODE_ENV: 'test', DATA_DIR: '/nonexistent', ENCRYPTION_KEY: key(), JWT_SECRET: 'j'.repeat(16), CODE_PEPPER: 'p'.repeat(16) };
  const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });

  it('takes redis:// and rediss:// URLs with a host, and none when unset', () => {
    expect(load({}).redis.url).toBeUndefined();
    for (const url of ['redis://127.0.0.1:6379', 'rediss://:pw@cache.internal:6380/2', 'redis://user:pw@cache']) expect(load({ REDIS_URL: url }).redis.url).toBe(url);
    expect(load({}).redis.timeoutMs).toBe(250);
  });

  it('refuses what ioredis would have read its own way, naming the setting and masking a password', () => {
    // A host name never found, a Unix socket path, an error naming no setting: throttling was then shared by nobody.
    for (const bad of ['foo', 'http://127.0.0.1:6379', 'redis://127.0.0.1:99999', 'redis://', '127.0.0.1:6379']) {
      expect(() => load({ REDIS_URL: bad })).toThrow(ConfigError);
    }
    expect(() => load({ REDIS_URL: 'http://:hunter2@127.0.0.1:6379' })).toThrow('REDIS_URL must be a redis:// or rediss:// URL with a host (redis://[:password@]host[:port][/db]), got "http://:***@127.0.0.1:6379/"');
  });

  it('reads TRUST_PROXY as a hop count whenever it is a number, 1 included; true trusts every hop', () => {
    const trust = (value: string) => load({ TRUST_PROXY: value }).http.trustProxy;
    expect([trust('1'), trust('2'), trust('0'), trust('false'), trust('true'), trust('10.0.0.0/8, 127.0.0.1')]).toEqual([1, 2, false, false, true, '10.0.0.0/8, 127.0.0.1']);
    expect(load({}).http.trustProxy).toBe(false);
  });

  it('takes a captcha vendor\'s http or https siteverify URL, its default when unset, and refuses any other', () => {
    expect(load({}).captcha.turnstileVerifyUrl).toBe('https://challenges.cloudflare.com/turnstile/v0/siteverify');
    expect(load({ HCAPTCHA_VERIFY_URL: 'http://127.0.0.1:9/siteverify' }).captcha.hcaptchaVerifyUrl).toBe('http://127.0.0.1:9/siteverify');
    for (const bad of ['siteverify', 'ftp://example.com/siteverify', 'redis://127.0.0.1:6379', 'https://']) {
      expect(() => load({ RECAPTCHA_VERIFY_URL: bad })).toThrow(ConfigError);
    }
    expect(() => load({ TURNSTILE_VERIFY_URL: 'ftp://u:hunter2@example.com/' })).toThrow('TURNSTILE_VERIFY_URL must be an http or https URL, got "ftp://u:***@example.com/"');
  });

  it('takes PUBLIC_URL as an origin and a path prefix without trailing slashes, none when unset, and refuses credentials, a query or a fragment', () => {
    expect(load({}).http.publicUrl).toBeUndefined();
    expect(load({ PUBLIC_URL: '' }).http.publicUrl).toBeUndefined();
    expect(load({ PUBLIC_URL: 'https://SMS.Example.com' }).http.publicUrl).toBe('https://sms.example.com');
    expect(load({ PUBLIC_URL: 'https://sms.example.com:8443/passcode//' }).http.publicUrl).toBe('https://sms.example.com:8443/passcode');
    expect(load({ PUBLIC_URL: 'http://10.0.0.5/' }).http.publicUrl).toBe('http://10.0.0.5');
    for (const bad of ['sms.example.com', 'ftp://sms.example.com', 'https://sms.example.com/?a=1', 'https://sms.example.com/#x', 'https://sms.example.com?']) {
      expect(() => load({ PUBLIC_URL: bad })).toThrow(ConfigError);
    }
    expect(() => load({ PUBLIC_URL: 'https://u:hunter2@sms.example.com' })).toThrow('PUBLIC_URL must be a URL without credentials, query or fragment, got "https://u:***@sms.example.com/"');
  });
});

describe('describeConfig', () => {
  const base = { NODE_ENV: 'test', DATA_DIR: '/nonexistent', ENCRYPTION_KEY: key(), JWT_SECRET: 'j'.repeat(16), CODE_PEPPER: 'p'.repeat(16) };

  it('logs the database and Redis URLs without their passwords, with or without a user name, in the authority or as a parameter', () => {
    const described = (env: Record<string, string>) => JSON.stringify(describeConfig(loadConfig({ ...base, ...env })));
    const shown = described({ DATABASE_URL: 'postgres://app:s3cret-db@db.internal:5432/passcode?sslmode=require&password=s3cret-q', REDIS_URL: 'redis://:s3cret-redis@cache:6379' });
    expect(shown).not.toMatch(/s3cret/);
    expect(shown).toContain('postgres://app:***@db.internal:5432/passcode?sslmode=require&password=***');
    expect(shown).toContain('redis://:***@cache:6379');
    expect(described({ DATABASE_URL: 'postgres://:s3cret@db/passcode' })).not.toMatch(/s3cret/);
  });
});
