import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { parse as parseConnectionString } from 'pg-connection-string';
import { OperatorError } from '../common/errors/operator-error.js';
import { createKeysFile, readKeysFile, replaceKeysFile } from './keys-file.js';

/** The typed configuration of one Passcode process. Built once from the environment by {@link loadConfig}. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  http: {
    host: string;
    port: number;
    /** Fastify `trustProxy`: false, true, a hop count, or a comma-separated list of addresses/CIDRs. */
    trustProxy: boolean | number | string;
    bodyLimitBytes: number;
    /** A request's headers must arrive within this many ms of its first byte. */
    headersTimeoutMs: number;
    /** A whole request, headers and body, must arrive within this many ms. */
    requestTimeoutMs: number;
    /** A keep-alive connection idle this long after a response is closed. */
    keepAliveTimeoutMs: number;
    /** A connection with no traffic either way this long is closed, even while its request is being handled. */
    socketTimeoutMs: number;
    /**
     * Where SMS providers reach this service from outside (scheme, host, an optional
     * path prefix; no trailing slash): Twilio's status callbacks are asked for there.
     * Unset: no provider is told a URL of Passcode's.
     */
    publicUrl?: string;
  };
  db: {
    /** Postgres URL; when absent the embedded PGlite under `dataDir` is used. */
    url?: string;
    dataDir: string;
    migrateOnStart: boolean;
    /** Postgres connections per process (PGlite always has one). */
    poolSize: number;
    /** How long a Postgres statement may go unanswered before its connection is given up; 0: no bound. */
    queryTimeoutMs: number;
    /** How long a start (or the migration CLI) keeps trying a Postgres that cannot serve yet; 0: one try. */
    startWaitMs: number;
    /** Embedded: readiness fails while the data directory's file system has less than this free (bytes); 0: not checked. */
    minFreeBytes: number;
  };
  redis: {
    url?: string;
    /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
    keyPrefix: string;
    /** How long a count may wait for Redis before this instance counts in its own memory. */
    timeoutMs: number;
  };
  /** Secret material. Never logged: {@link describeConfig} omits this namespace. */
  secrets: {
    encryptionKey: Buffer;
    jwtSecret: string;
    codePepper: Buffer;
    /** The bearer token of GET /metrics; absent, metrics are off. */
    metricsToken?: string;
  };
  admin: {
    username: string;
    /** When absent on first start, a password is generated and printed once. */
    password?: string;
    tokenTtlS: number;
    /** Failed logins in a row from one IP before that username is locked for that IP, first for `lockS` seconds. */
    maxFailedLogins: number;
    lockS: number;
    /** POST /admin/login requests per client IP per minute, failed or not. */
    loginPerMinute: number;
  };
  throttle: {
    /** Global per-IP request budget per window. */
    limit: number;
    ttlMs: number;
  };
  sms: {
    /** Upper bound of one provider call, connect + read. */
    timeoutMs: number;
  };
  /** Webhooks to tenant apps (src/events/). */
  webhooks: {
    /** Upper bound of one delivery attempt, connect to last byte. */
    timeoutMs: number;
    /** The first retry waits 1–2× this; each next one twice as long (pg-boss's backoff). */
    retryDelayS: number;
    /** Attempts after the first; with the defaults the last one is at least 34 h after the event. */
    retryLimit: number;
    /** Failed attempts in a row (all events) after which an endpoint is disabled. */
    disableAfterFailures: number;
    /** How often an idle worker asks the queue for work. */
    pollIntervalMs: number;
    /** Deliveries in flight per instance. */
    concurrency: number;
    /** How often the job engine's maintenance runs (one instance at a time): it retries attempts whose instance died. */
    maintenanceIntervalS: number;
    /** CIDRs besides the public internet that deliveries may reach (tenant apps on an internal network); see WebhookTargets. */
    allowedNetworks: string[];
    /** How many endpoints one app may have: each is a POST per event, and an app's admin creates them. */
    endpointsPerApp: number;
  };
  /** Third-party captcha verification (src/fraud/challenges/): each vendor's siteverify endpoint and the bound of one call. */
  captcha: {
    turnstileVerifyUrl: string;
    hcaptchaVerifyUrl: string;
    recaptchaVerifyUrl: string;
    /** Upper bound of one siteverify call, connect to last byte. */
    verifyTimeoutMs: number;
  };
  /** The retention purge (src/retention/). */
  retention: {
    /** How long the purge job waits after one run before the next (a pg-boss job that re-enqueues itself). */
    purgeIntervalS: number;
    /** Rows per statement: each batch is one short transaction. */
    batchSize: number;
  };
  signature: {
    /** Seed 001 signatures: how far `timestamp` may be from the server clock, either way. */
    skewS: number;
  };
  log: { level: string };
  /** Prometheus metrics, collected and served at GET /metrics when METRICS_TOKEN is set. */
  metrics: { enabled: boolean };
  /** The operators' console (console/), served at /console/ from its built files when they are there. */
  console: { dir: string };
}

export class ConfigError extends OperatorError {}

type Env = Record<string, string | undefined>;

/** Postgres connections per process unless DB_POOL_SIZE says otherwise (pg's own default). */
export const DEFAULT_DB_POOL_SIZE = 10;

const REQUIRED_IN_PRODUCTION = ['DATABASE_URL', 'ENCRYPTION_KEY', 'JWT_SECRET', 'CODE_PEPPER'] as const;

/** The secrets that are generated outside production when the environment does not give them. */
const GENERATED_KEYS = ['ENCRYPTION_KEY', 'JWT_SECRET', 'CODE_PEPPER'] as const;

/**
 * Outside production, makes sure `DATA_DIR/keys.json` holds every secret the
 * environment does not give, generating the missing ones, so that restarts keep
 * decrypting what earlier runs stored. The file is created only if absent, at
 * once and whole: of processes starting together on an empty directory, all use
 * the keys of the first. Each entry point calls it once, before {@link loadConfig}
 * (the server, the migration CLI, the TypeORM CLI's DataSource, the test harness).
 */
export function ensureGeneratedKeys(env: Env = process.env, generate: () => string = () => randomBytes(32).toString('base64')): void {
  if (nodeEnvOf(env) === 'production') return;
  const needed = GENERATED_KEYS.filter((k) => !env[k]);
  if (!needed.length) return;
  const dataDir = dataDirOf(env);
  try {
    const stored = storedKeys(dataDir);
    const lacking = needed.filter((k) => !stored?.[k]);
    if (!lacking.length) return;
    const keys = { ...stored, ...Object.fromEntries(lacking.map((k) => [k, generate()])) };
    if (stored) replaceKeysFile(dataDir, keys);
    else createKeysFile(dataDir, keys);
  } catch (err) {
    // A read-only file system, a directory this user may not write, a path through a file: the operator's to fix.
    if (typeof (err as NodeJS.ErrnoException).syscall !== 'string') throw err;
    throw new ConfigError(
      `the data directory ${dataDir} cannot hold the generated keys (${(err as Error).message}); give DATA_DIR a directory this process may write, ` +
        `or set ${needed.join(', ')}`,
      { cause: err },
    );
  }
}

/** DATA_DIR/keys.json's keys; a file that is not JSON (cut short, edited by hand) is the operator's to fix, said plainly. */
function storedKeys(dataDir: string): ReturnType<typeof readKeysFile> {
  try {
    return readKeysFile(dataDir);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new ConfigError(
      `${join(dataDir, 'keys.json')} is not valid JSON (${err.message}): restore it from a copy, or set ENCRYPTION_KEY, JWT_SECRET and CODE_PEPPER ` +
        'to the keys this database was first used with',
      { cause: err },
    );
  }
}

/**
 * Reads and validates the environment; it writes nothing. In production the
 * secrets and the database URL are mandatory; elsewhere the secrets the
 * environment does not give are read from `DATA_DIR/keys.json`, which
 * {@link ensureGeneratedKeys} creates.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = nodeEnvOf(env);
  if (nodeEnv === 'production') {
    const missing = REQUIRED_IN_PRODUCTION.filter((k) => !env[k]);
    if (missing.length) throw new ConfigError(`NODE_ENV=production requires ${missing.join(', ')}`);
  }
  const dataDir = dataDirOf(env);
  const keys: Record<string, string> = nodeEnv === 'production' ? {} : (storedKeys(dataDir) ?? {});

  return {
    env: nodeEnv,
    http: {
      host: env.HOST || '0.0.0.0',
      port: parseIntIn(env, 'PORT', 3000, 0, 65535),
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      bodyLimitBytes: parseIntIn(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024, 50 * 1024 * 1024),
      ...parseServerTimeouts(env),
      publicUrl: parsePublicUrl(env),
    },
    db: {
      url: parseDatabaseUrl(env),
      dataDir,
      migrateOnStart: parseBool(env, 'DB_MIGRATE_ON_START', true),
      poolSize: parseIntIn(env, 'DB_POOL_SIZE', DEFAULT_DB_POOL_SIZE, 1, 1000),
      queryTimeoutMs: parseIntIn(env, 'DB_QUERY_TIMEOUT_MS', 15_000, 0, 3_600_000),
      startWaitMs: parseIntIn(env, 'DB_START_WAIT_S', 30, 0, 3600) * 1000,
      minFreeBytes: parseIntIn(env, 'DATA_DIR_MIN_FREE_MB', 64, 0, 100_000_000) * 1024 * 1024,
    },
    redis: { url: parseUrl(env, 'REDIS_URL', REDIS, 'a redis:// or rediss:// URL with a host (redis://[:password@]host[:port][/db])'), keyPrefix: env.REDIS_KEY_PREFIX || 'passcode:', timeoutMs: parseIntIn(env, 'REDIS_TIMEOUT_MS', 250, 10, 10_000) },
    secrets: {
      encryptionKey: parseKey('ENCRYPTION_KEY', env.ENCRYPTION_KEY ?? keys.ENCRYPTION_KEY),
      jwtSecret: parseSecret('JWT_SECRET', env.JWT_SECRET ?? keys.JWT_SECRET),
      codePepper: Buffer.from(parseSecret('CODE_PEPPER', env.CODE_PEPPER ?? keys.CODE_PEPPER), 'utf8'),
      metricsToken: env.METRICS_TOKEN ? parseSecret('METRICS_TOKEN', env.METRICS_TOKEN) : undefined,
    },
    admin: {
      username: env.ADMIN_USERNAME || 'admin',
      password: env.ADMIN_PASSWORD || undefined,
      tokenTtlS: parseIntIn(env, 'ADMIN_TOKEN_TTL_S', 12 * 3600, 60, 30 * 86400),
      maxFailedLogins: parseIntIn(env, 'ADMIN_MAX_FAILED_LOGINS', 5, 1, 100),
      lockS: parseIntIn(env, 'ADMIN_LOCK_S', 300, 1, 86400),
      loginPerMinute: parseIntIn(env, 'ADMIN_LOGIN_PER_MINUTE', 10, 1, 100_000),
    },
    throttle: {
      limit: parseIntIn(env, 'THROTTLE_LIMIT', 600, 1, 10_000_000),
      ttlMs: parseIntIn(env, 'THROTTLE_TTL_MS', 60_000, 1000, 3_600_000),
    },
    sms: { timeoutMs: parseIntIn(env, 'SMS_TIMEOUT_MS', 5000, 100, 60_000) },
    webhooks: {
      timeoutMs: parseIntIn(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
      retryDelayS: parseIntIn(env, 'WEBHOOK_RETRY_DELAY_S', 60, 1, 3600),
      retryLimit: parseIntIn(env, 'WEBHOOK_RETRY_LIMIT', 11, 0, 30),
      disableAfterFailures: parseIntIn(env, 'WEBHOOK_DISABLE_AFTER_FAILURES', 20, 1, 100_000),
      pollIntervalMs: parseIntIn(env, 'WEBHOOK_POLL_INTERVAL_MS', 2000, 500, 60_000),
      concurrency: parseIntIn(env, 'WEBHOOK_CONCURRENCY', 4, 1, 100),
      maintenanceIntervalS: parseIntIn(env, 'WEBHOOK_MAINTENANCE_INTERVAL_S', 60, 1, 3600),
      allowedNetworks: parseNetworks(env, 'WEBHOOK_ALLOWED_NETWORKS'),
      endpointsPerApp: parseIntIn(env, 'WEBHOOK_ENDPOINTS_PER_APP', 20, 1, 1000),
    },
    captcha: {
      turnstileVerifyUrl: parseUrl(env, 'TURNSTILE_VERIFY_URL', HTTP, 'an http or https URL') ?? 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
      hcaptchaVerifyUrl: parseUrl(env, 'HCAPTCHA_VERIFY_URL', HTTP, 'an http or https URL') ?? 'https://api.hcaptcha.com/siteverify',
      recaptchaVerifyUrl: parseUrl(env, 'RECAPTCHA_VERIFY_URL', HTTP, 'an http or https URL') ?? 'https://www.google.com/recaptcha/api/siteverify',
      verifyTimeoutMs: parseIntIn(env, 'CAPTCHA_VERIFY_TIMEOUT_MS', 3000, 100, 30_000),
    },
    retention: {
      purgeIntervalS: parseIntIn(env, 'RETENTION_PURGE_INTERVAL_S', 3600, 60, 7 * 86400),
      batchSize: parseIntIn(env, 'RETENTION_BATCH_SIZE', 1000, 10, 100_000),
    },
    signature: { skewS: parseIntIn(env, 'SIGNATURE_SKEW_S', 120, 1, 86_400) },
    log: { level: parseEnum(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info') },
    metrics: { enabled: Boolean(env.METRICS_TOKEN) },
    console: { dir: resolve(env.CONSOLE_DIR || './console/dist') },
  };
}

/** A loggable view of the configuration: no secrets, the database's and Redis's URLs without their passwords. */
export function describeConfig(config: AppConfig): Record<string, unknown> {
  const { secrets: _secrets, admin, db, redis, ...rest } = config;
  return {
    ...rest,
    db: { ...db, url: db.url ? withoutPassword(db.url) : undefined },
    redis: { ...redis, url: redis.url ? withoutPassword(redis.url) : undefined },
    admin: { username: admin.username, tokenTtlS: admin.tokenTtlS },
  };
}

/**
 * The HTTP server's timeouts, so that slow clients cannot hold connections open:
 * headers within 10 s, the whole request within 30 s (Node's own defaults are 60 s
 * and 5 min, and Fastify turns the latter off). Keep-alive stays Fastify's 72 s,
 * above the 60 s idle timeout of common load balancers, so the balancer rather
 * than Passcode closes an idle connection (the other way round races its next
 * request). A silent socket is closed after 2 min, well past the slowest request
 * (a send that waits on the SMS provider, then on its fallback).
 */
function parseServerTimeouts(env: Env): Pick<AppConfig['http'], 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'socketTimeoutMs'> {
  const timeouts = {
    headersTimeoutMs: parseIntIn(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 3_600_000),
    requestTimeoutMs: parseIntIn(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    keepAliveTimeoutMs: parseIntIn(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 100, 3_600_000),
    socketTimeoutMs: parseIntIn(env, 'HTTP_SOCKET_TIMEOUT_MS', 120_000, 100, 3_600_000),
  };
  // Node refuses a headers timeout longer than the request timeout.
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) {
    throw new ConfigError(`HTTP_HEADERS_TIMEOUT_MS (${timeouts.headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${timeouts.requestTimeoutMs})`);
  }
  return timeouts;
}

function nodeEnvOf(env: Env): AppConfig['env'] {
  return parseEnum(env, 'NODE_ENV', ['development', 'production', 'test'], 'development');
}

function dataDirOf(env: Env): string {
  return resolve(env.DATA_DIR || './data');
}

/** ENCRYPTION_KEY: 32 bytes as 64 hex characters or base64. */
function parseKey(name: string, value: string | undefined): Buffer {
  if (!value) throw new ConfigError(`${name} is required`);
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new ConfigError(`${name} must be 32 bytes, as 64 hex characters or base64`);
  return key;
}

function parseSecret(name: string, value: string | undefined): string {
  if (!value || value.length < 16) throw new ConfigError(`${name} must be at least 16 characters`);
  return value;
}

function parseIntIn(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  return n;
}

/**
 * A URL setting of one of `protocols`, with a host; unset, undefined. The refusal
 * says it must be `what`, and shows the value with any password masked. A Redis
 * URL is checked so, as ioredis reads one: ioredis took anything else its own
 * way (`foo` as a host name never found, `http://host:6379` as a Unix socket
 * path, a port of 99999 as an error naming no setting), and throttling then
 * stayed shared by nobody.
 */
function parseUrl(env: Env, name: string, protocols: readonly string[], what: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || !protocols.includes(url.protocol) || !url.hostname) throw new ConfigError(`${name} must be ${what}, got "${withoutPassword(raw)}"`);
  return raw;
}

/**
 * DATABASE_URL, checked as pg reads it (its own parser, pg-connection-string): a
 * postgres:// or postgresql:// URL, pg's `socket:` form, or a socket directory
 * and a database name (`/var/run/postgresql passcode`). pg took anything else its
 * own way: `mysql://…` as Postgres, text that is no URL as a path under a host
 * named `base` (a start then waited for a name never found), a port of 99999 as
 * a TypeError and its stack.
 */
function parseDatabaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1].toLowerCase();
  const form = 'a postgres:// URL (postgres://user:password@host:5432/database)';
  if (!raw.startsWith('/') && !(scheme && ['postgres', 'postgresql', 'socket'].includes(scheme))) {
    throw new ConfigError(`DATABASE_URL must be ${form}, got "${withoutPassword(raw)}"`);
  }
  try {
    parseConnectionString(raw);
  } catch {
    throw new ConfigError(`DATABASE_URL cannot be read as ${form}: a port outside 1-65535, or a character of the password to percent-encode?`);
  }
  return raw;
}

/**
 * PUBLIC_URL: an http(s) URL without credentials, query or fragment, its trailing
 * slashes dropped, so that paths append to it (`https://sms.example.com/passcode`).
 */
function parsePublicUrl(env: Env): string | undefined {
  const raw = parseUrl(env, 'PUBLIC_URL', HTTP, 'an http or https URL (scheme, host, an optional path)');
  if (raw === undefined) return undefined;
  const url = new URL(raw);
  // The raw text, not url.search and url.hash: a bare `?` or `#` leaves both empty.
  if (url.username || url.password || raw.includes('?') || raw.includes('#')) {
    throw new ConfigError(`PUBLIC_URL must be a URL without credentials, query or fragment, got "${withoutPassword(raw)}"`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

const HTTP = ['http:', 'https:'];
const REDIS = ['redis:', 'rediss:'];

/** A URL as it may be logged: its password, in the authority or as a `password` parameter, masked; one that cannot be parsed, whole. */
export function withoutPassword(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '***';
  }
  if (url.password) url.password = '***';
  for (const key of [...url.searchParams.keys()]) if (key.toLowerCase() === 'password') url.searchParams.set(key, '***');
  return url.toString();
}

/** A comma-separated list of CIDRs (`10.0.0.0/8`, `fd00::/8`); an address alone is its own network (`/32`, `/128`). */
function parseNetworks(env: Env, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((item) => {
    const entry = item.trim();
    if (ipaddr.isValidCIDR(entry)) return entry;
    if (ipaddr.isValid(entry)) return `${entry}/${ipaddr.parse(entry).kind() === 'ipv4' ? 32 : 128}`;
    throw new ConfigError(`${name} must be a comma-separated list of networks (10.0.0.0/8, fd00::/8) or addresses, got "${entry}"`);
  });
}

function parseBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function parseEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function parseTrustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || /^(false|no|off)$/i.test(raw)) return false;
  // A number is a hop count, 1 too (one proxy in front: the client is the last X-Forwarded-For entry). Read as
  // `true` it trusted every entry, the client's own leftmost one included, and each request chose its address.
  if (/^\d+$/.test(raw)) return Number(raw) || false;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  return raw;
}
