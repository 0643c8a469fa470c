import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { freePort } from '../../support/free-port.js';

export interface Instance {
  url: string;
  port: number;
  process: ChildProcess;
  output(): string;
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
    await Promise.all(instances.map(stopInstance));
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
      await Promise.all(instances.map(stopInstance));
      await db.drop();
    },
  };
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'passcode-instance-'));
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  child.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`instance exited during start:\n${out}`);
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`instance did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, process: child, output: () => out };
}

async function stopInstance(instance: Instance): Promise<void> {
  if (instance.process.exitCode !== null || instance.process.signalCode !== null) return;
  const exited = new Promise((r) => instance.process.once('exit', r));
  instance.process.kill('SIGTERM');
  const timer = setTimeout(() => instance.process.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

