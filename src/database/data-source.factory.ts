import { chmodSync, mkdirSync } from 'node:fs';
import pg from 'pg';
import { DataSource, type DataSourceOptions, MigrationExecutor } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { DEFAULT_DB_POOL_SIZE } from '../config/app-config.js';
import { DataDirLock } from './data-dir-lock.js';
import { EmbeddedDatabase } from './embedded-database.js';
import { poolOf } from './pg-transaction.js';

export interface DatabaseTarget {
  /** Postgres URL; when absent, PGlite in `dataDir`. */
  url?: string;
  dataDir: string;
  /** Postgres connections in the pool; {@link DEFAULT_DB_POOL_SIZE} when absent. */
  poolSize?: number;
  /** How long a Postgres statement may go unanswered before its connection is given up; no bound when absent or 0. */
  queryTimeoutMs?: number;
}

/**
 * The bound of {@link GuardedClient}'s watchdog, shared by a pool's clients;
 * `ms` is changed in place (migrations run without it). One sweep, every tenth
 * of the bound, gives up the connections whose statement has gone unanswered
 * for longer: a statement costs a clock reading, not a timer of its own (a
 * timer set and cleared for every statement of every request).
 */
export class QueryDeadline {
  private readonly busy = new Set<GuardedClient>();
  private sweep?: NodeJS.Timeout;

  constructor(public ms: number) {}

  /** Watches `client`, whose statement was just sent. */
  watch(client: GuardedClient): void {
    if (!this.ms) return;
    this.busy.add(client);
    this.sweep ??= setInterval(() => this.giveUpLate(), Math.max(10, Math.floor(this.ms / 10))).unref();
  }

  forget(client: GuardedClient): void {
    this.busy.delete(client);
  }

  /** The sweep: it stops once no client is busy (the next statement starts it again). */
  private giveUpLate(): void {
    if (this.busy.size === 0 || !this.ms) {
      clearInterval(this.sweep);
      this.sweep = undefined;
      return;
    }
    const now = Date.now();
    for (const client of this.busy) {
      if (now - client.waitingSince > this.ms) {
        this.forget(client);
        client.giveUp(this.ms);
      }
    }
  }
}

/**
 * A DataSource that also owns what sits under it: the embedded database and the
 * data-directory lock. Destroying it closes PGlite (which checkpoints the
 * directory) and then releases the lock; so does an initialization that fails,
 * so the directory is free again at once.
 */
export class PasscodeDataSource extends DataSource {
  private onDestroy?: () => Promise<void>;
  /** The bound on an unanswered statement of this DataSource's Postgres pool (the object its clients read). */
  queryDeadline = new QueryDeadline(0);
  /** The embedded database under this DataSource; undefined on Postgres. */
  private embeddedDatabase?: EmbeddedDatabase;

  get isEmbedded(): boolean {
    return this.onDestroy !== undefined;
  }

  get embedded(): EmbeddedDatabase | undefined {
    return this.embeddedDatabase;
  }

  attachEmbedded(db: EmbeddedDatabase, lock: DataDirLock): void {
    this.embeddedDatabase = db;
    this.onDestroy = async () => {
      try {
        await db.close();
      } finally {
        lock.release();
      }
    };
  }

  override async initialize(): Promise<this> {
    try {
      return await super.initialize();
    } catch (err) {
      await this.destroy().catch(() => undefined);
      throw err;
    }
  }

  override async destroy(): Promise<void> {
    const pool = this.isInitialized ? poolOf(this) : undefined;
    try {
      if (this.isInitialized) await super.destroy();
    } finally {
      if (pool) failWaiting(pool);
      const cleanup = this.onDestroy;
      this.onDestroy = undefined;
      await cleanup?.();
    }
  }
}

/**
 * Fails the requests still waiting for a connection of a pool that has ended.
 * pg-pool's `end()` waits for the connections in use, but the requests queued
 * behind them are neither served nor refused: their promises never settle, and
 * whatever awaited them (a poller, a job worker) hung on past the close. They
 * fail as a query on a closed connection does (`08003`). The queue is pg-pool's
 * own (`_pendingQueue`, the list `waitingCount` counts): it has no public way.
 */
function failWaiting(pool: pg.Pool): void {
  const waiting = (pool as unknown as { _pendingQueue?: Array<{ callback(err: Error): void }> })._pendingQueue;
  for (const request of waiting?.splice(0) ?? []) {
    request.callback(Object.assign(new Error('the database connection pool is closed'), { code: '08003' }));
  }
}

/**
 * The pool's client class: a pg Client that always has an 'error' listener.
 * pg-pool removes its idle listener when it hands a client out, and TypeORM
 * adds its own only a microtask later; a connection error read in between (a
 * FATAL in the same TCP read as the reply that freed the client, as when
 * Postgres terminates backends) was an unhandled 'error' event, which ends the
 * process. Swallowing it here is safe: the client is marked unusable, so its
 * next query fails and the pool drops it.
 *
 * It also gives up a connection whose statement goes unanswered for the pool's
 * {@link QueryDeadline}: a Postgres that stopped (SIGSTOP, a hung host, a network
 * that drops packets) keeps its sockets open, so each request that held a
 * connection waited for as long as it stayed so, however long. pg's own
 * `query_timeout` fails the statement but leaves the connection waiting for the
 * answer, and the pool hands it out again (brianc/node-postgres#3399); here the
 * socket is destroyed instead, the statement fails as a lost connection does
 * (SERVICE_UNAVAILABLE), and the pool drops the client. The clock runs from a
 * statement's submission, or from the end of the one before it, to the next
 * ReadyForQuery.
 */
class GuardedClient extends pg.Client {
  private readonly deadline?: QueryDeadline;
  private readonly durability?: Durability;
  /** When the statement under way was sent, or the one before it answered (epoch ms); 0 while idle. */
  waitingSince = 0;

  constructor(config?: string | (pg.ClientConfig & { queryDeadline?: QueryDeadline; durability?: Durability })) {
    super(config);
    this.on('error', () => undefined);
    if (typeof config === 'object') this.durability = config.durability;
    if (typeof config !== 'object' || !config.queryDeadline) return;
    const deadline = config.queryDeadline;
    this.deadline = deadline;
    // Registered before pg's own listeners (they are added on connect): the next statement, if any, starts after this.
    this.connection.on('readyForQuery', () => {
      if (this.waitingSince) this.waitingSince = Date.now();
    });
    const idle = () => {
      this.waitingSince = 0;
      deadline.forget(this);
    };
    this.on('drain', idle);
    this.on('end', idle);
  }

  override query(...args: unknown[]): never {
    const result = (super.query as (...a: unknown[]) => never)(...args);
    if (this.deadline && !this.waitingSince) {
      this.waitingSince = Date.now();
      this.deadline.watch(this);
    }
    // On the embedded database the promise form (TypeORM's, a transaction's) hands its result on once it is on the
    // disk, the client still held. The callback form is pg-pool's query(), which EmbeddedPool makes wait after the client is back.
    const durability = this.durability;
    if (durability && typeof (result as { then?: unknown } | undefined)?.then === 'function') {
      return (result as Promise<unknown>).then((r) => afterSync(durability, r)) as never;
    }
    return result;
  }

  /** Ends the connection as lost: its statement, and any queued behind it, fail. */
  giveUp(ms: number): void {
    this.waitingSince = 0;
    const err = Object.assign(new Error(`the database did not answer within ${ms} ms`), { code: 'ETIMEDOUT' });
    (this.connection as unknown as { stream: { destroy(err: Error): void } }).stream.destroy(err);
  }
}

/**
 * What each Postgres session of the pool is set to before it serves anyone (pg-pool's `onConnect`; failing, the
 * connection is ended and the borrower told, as for a failed connect), whatever the database, role or server default to:
 *
 * - dates printed in ISO: pg reads no other style, and on a database set to another (`DateStyle = 'SQL, DMY'`)
 *   every timestamp was read back as null;
 * - transactions READ COMMITTED: Passcode's statements are written for it (a statement that waited for a row
 *   re-reads that row and goes on). Under a default of SERIALIZABLE or REPEATABLE READ the losers of every race
 *   (concurrent sends to one number, checks of one code) failed to serialize and answered 503 instead of their
 *   cooldown or outcome.
 *
 * One round trip per connection.
 */
const SESSION_SETTINGS = `SET DateStyle = 'ISO'; SET default_transaction_isolation = 'read committed'`;

async function startSession(client: pg.Client): Promise<void> {
  await client.query(SESSION_SETTINGS);
}

/** The embedded database as its connections see it: {@link EmbeddedDatabase.durable}. */
interface Durability {
  durable(): Promise<void> | undefined;
}

function afterSync<T>(durability: Durability, value: T): T | Promise<T> {
  const synced = durability.durable();
  return synced ? synced.then(() => value) : value;
}

/**
 * The embedded database's pool: a statement run through the pool (`pool.query`,
 * every hot path's) hands its result on once it is on the disk, as the worker
 * reports it ({@link EmbeddedDatabase.durable}), but gives the connection back
 * first. The next request's statement then runs while the WAL is synced: what the
 * one backend serves is no longer one disk sync per commit.
 */
class EmbeddedPool extends pg.Pool {
  override query(...args: unknown[]): never {
    // Nothing here passes a callback (TypeORM checks clients out; pg-boss and the hot paths await); one would skip the wait.
    if (args.some((a) => typeof a === 'function')) throw new TypeError('the embedded database pool answers promises, not callbacks');
    const durability = (this.options as { durability?: Durability }).durability!;
    return ((super.query as (...a: unknown[]) => Promise<unknown>)(...args).then((r) => afterSync(durability, r))) as never;
  }
}

/**
 * Connections to the embedded database. Its worker gives the one backend to one
 * connection at a time, for a whole transaction (see PGLITE_WORKER_SOURCE), so
 * more connections do not mean more work at once: they let the next statements
 * wait in the worker, run as soon as the backend is free, instead of each waiting
 * for an answer to reach the main thread and free the connection. With one, the
 * worker sat idle half the time; 8 served the most in the bench (of 1, 2, 4, 8).
 */
const EMBEDDED_POOL_SIZE = 8;

/** The pg module as TypeORM's driver takes it, with the embedded database's pool. */
const EMBEDDED_PG = Object.create(pg, { Pool: { value: EmbeddedPool } }) as typeof pg;

const COMMON: Partial<DataSourceOptions> = {
  synchronize: false,
  migrationsRun: false,
  migrations: MIGRATIONS,
  migrationsTableName: 'schema_migrations',
  installExtensions: false,
} as Partial<DataSourceOptions>;

/**
 * Builds (not initializes) the DataSource for a target. Postgres uses an ordinary
 * `pg` pool. PGlite runs in a worker thread ({@link EmbeddedDatabase}) and is
 * reached through the same `pg` driver over the worker's message port; the worker
 * serves one connection's transaction at a time, so transactions are serialized
 * and isolated. The idle timeout is off: a connection costs nothing while idle,
 * and a new one would only prepare its statements again.
 */
export function createDataSource(target: DatabaseTarget, entities: DataSourceOptions['entities'] = []): PasscodeDataSource {
  if (target.url) {
    const queryDeadline = new QueryDeadline(target.queryTimeoutMs ?? 0);
    const ds = new PasscodeDataSource({
      ...COMMON,
      type: 'postgres',
      url: target.url,
      entities,
      extra: { Client: GuardedClient, queryDeadline, onConnect: startSession, max: target.poolSize ?? DEFAULT_DB_POOL_SIZE, connectionTimeoutMillis: 5000 },
    } as DataSourceOptions);
    ds.queryDeadline = queryDeadline;
    return ds;
  }
  const lock = DataDirLock.acquire(target.dataDir);
  let db: EmbeddedDatabase;
  try {
    db = EmbeddedDatabase.open(privateDir(`${target.dataDir}/pgdata`));
  } catch (err) {
    lock.release();
    throw err;
  }
  const ds = new PasscodeDataSource({
    ...COMMON,
    type: 'postgres',
    entities,
    driver: EMBEDDED_PG,
    extra: {
      Client: GuardedClient,
      durability: db,
      stream: db.connect,
      user: 'postgres',
      database: 'postgres',
      max: EMBEDDED_POOL_SIZE,
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: 0,
    },
  } as DataSourceOptions);
  ds.attachEmbedded(db, lock);
  return ds;
}

export const MIGRATION_LOCK_KEY = 7_311_002_001;

/**
 * The statement that turns `settings` off for the rest of a session, each only where the server has it
 * (`idle_session_timeout` came with Postgres 14): for the sessions Passcode keeps that wait by design.
 */
export function sessionWithout(...settings: Array<'statement_timeout' | 'idle_session_timeout'>): string {
  return `SELECT set_config(name, '0', false) FROM pg_settings WHERE name IN (${settings.map((s) => `'${s}'`).join(', ')})`;
}

/**
 * Applies pending migrations. On Postgres a session advisory lock keeps several
 * instances starting at once from applying the same migration twice. The lock is
 * held on a connection of its own, outside the pool: held on one of the pool's,
 * a pool of one (DB_POOL_SIZE=1) had none left to migrate with, and the start
 * waited for itself until it timed out.
 *
 * A migration may rightly run for minutes (an index built on a large table), and
 * an instance waits for another's as long: neither has a deadline, Passcode's own
 * or the `statement_timeout` an operator set on the role or the database for the
 * app's queries (which canceled the wait for the lock after it, and the start
 * failed). The migrations run on one connection, given back with the setting reset.
 */
export async function runMigrations(ds: PasscodeDataSource): Promise<string[]> {
  if (ds.isEmbedded) return (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
  const lock = new pg.Client({ connectionString: (ds.options as { url?: string }).url, connectionTimeoutMillis: 5000 });
  // A lock session ended by the server (a restart, an administrator) must not end the process with an unhandled
  // 'error': each migration still runs in a transaction of its own, which a second instance's copy would wait for and fail.
  lock.on('error', () => undefined);
  await lock.connect();
  const deadlineMs = ds.queryDeadline.ms;
  ds.queryDeadline.ms = 0;
  const runner = ds.createQueryRunner();
  let unbounded = false;
  try {
    // Idle while the migrations run, the lock's session must not be ended for it (idle_session_timeout, Postgres 14+):
    // its lock would go with it, and another instance would apply the same migrations beside these.
    await lock.query(sessionWithout('statement_timeout', 'idle_session_timeout'));
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await runner.query('SET statement_timeout = 0');
    unbounded = true;
    const executor = new MigrationExecutor(ds, runner);
    executor.transaction = 'each';
    return (await executor.executePendingMigrations()).map((m) => m.name);
  } finally {
    ds.queryDeadline.ms = deadlineMs;
    // Back to the role's and the database's setting before the pool hands the connection on. It fails only on a
    // connection lost, which TypeORM has then given back as broken (the pool closes it).
    if (unbounded) await runner.query('RESET statement_timeout').catch(() => undefined);
    await runner.release();
    await lock.end().catch(() => undefined); // ending the session releases its lock
  }
}

/**
 * `dir`, created if need be, closed to every other user. PGlite's files are
 * Emscripten's, created 0666 whatever the umask: any local user could read the
 * numbers and code hashes in them, or edit an operator's password hash. Their
 * directory is what keeps others out. A directory this user may not change the
 * mode of (another's, shared on purpose) is left as it is.
 */
function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
  return dir;
}
