import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { startServer } from '../../support/server-process.js';

export interface Instance {
  url: string;
  process: ChildProcess;
  output(): string;
  /** SIGTERM, SIGKILL after 5 s; the exit awaited. */
  stop(): Promise<void>;
}

export interface Cluster {
  db: TestDatabase;
  instances: Instance[];
  adminPassword: string;
  /** Starts one more instance with the same database, keys and environment. */
  add(): Promise<Instance>;
  stop(): Promise<void>;
}

/**
 * Starts `count` real Passcode processes (the built `dist/`, as in production)
 * on free ports, sharing one fresh Postgres database and the same keys, so that
 * every rule enforced across instances is tested across real processes.
 */
export async function startCluster(count: number, env: Record<string, string> = {}): Promise<Cluster> {
  const db = await createTestDatabase();
  if (!db.url) throw new Error('a cluster needs Postgres: set TEST_DATABASE_URL');
  const adminPassword = randomBytes(12).toString('hex');
  const shared = {
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    JWT_SECRET: randomBytes(24).toString('hex'),
    CODE_PEPPER: randomBytes(24).toString('hex'),
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: adminPassword,
    LOG_LEVEL: 'warn',
    THROTTLE_LIMIT: '1000000',
    ADMIN_LOGIN_PER_MINUTE: '1000',
    ...env,
  };
  // All at once, as after a deploy: migrations and the first operator must be settled between them.
  const started = await Promise.allSettled(Array.from({ length: count }, () => startInstance(shared)));
  const instances = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(instances.map((i) => i.stop()));
    await db.drop();
    throw (failed as PromiseRejectedResult).reason;
  }
  return {
    db,
    instances,
    adminPassword,
    async add() {
      const instance = await startInstance(shared);
      instances.push(instance);
      return instance;
    },
    async stop() {
      await Promise.all(instances.map((i) => i.stop()));
      await db.drop();
    },
  };
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'passcode-instance-'));
  const started = await startServer({ env: { ...process.env, ...env, DATA_DIR: dataDir }, timeoutMs: 30_000 });
  if (!('server' in started)) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`instance exited during start:\n${started.output}`);
  }
  const { server } = started;
  void server.exit.then(() => rmSync(dataDir, { recursive: true, force: true }));
  return { url: server.url, process: server.child, output: server.output, stop: () => server.stop(5000) };
}
