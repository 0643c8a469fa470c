import { chmodSync, mkdirSync } from 'node:fs';
import pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
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
}

/**
 * A DataSource that also owns what sits under it: the embedded database and the
 * data-directory lock. Destroying it closes PGlite (which checkpoints the
 * directory) and then releases the lock; so does an initialization that fails,
 * so the directory is free again at once.
 */
export class PasscodeDataSource extends DataSource {
  private onDestroy?: () => Promise<void>;
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
 */
class GuardedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

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
 * reached through the same `pg` driver over the worker's message port, with a
 * pool of exactly one connection, so transactions are serialized and isolated.
 * The idle timeout is off: the connection costs nothing while idle, and a new
 * one would only reset the session.
 */
export function createDataSource(target: DatabaseTarget, entities: DataSourceOptions['entities'] = []): PasscodeDataSource {
  if (target.url) {
    return new PasscodeDataSource({
      ...COMMON,
      type: 'postgres',
      url: target.url,
      entities,
      extra: { Client: GuardedClient, max: target.poolSize ?? DEFAULT_DB_POOL_SIZE, connectionTimeoutMillis: 5000 },
    } as DataSourceOptions);
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
    extra: {
      Client: GuardedClient,
      stream: db.connect,
      user: 'postgres',
      database: 'postgres',
      max: 1,
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: 0,
    },
  } as DataSourceOptions);
  ds.attachEmbedded(db, lock);
  return ds;
}

const MIGRATION_LOCK_KEY = 7_311_002_001;

/**
 * Applies pending migrations. On Postgres a session advisory lock keeps several
 * instances starting at once from applying the same migration twice. The lock is
 * held on a connection of its own, outside the pool: held on one of the pool's,
 * a pool of one (DB_POOL_SIZE=1) had none left to migrate with, and the start
 * waited for itself until it timed out.
 */
export async function runMigrations(ds: PasscodeDataSource): Promise<string[]> {
  if (ds.isEmbedded) return (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
  const lock = new pg.Client({ connectionString: (ds.options as { url?: string }).url, connectionTimeoutMillis: 5000 });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name);
  } finally {
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
