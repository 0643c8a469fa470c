import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serving, startServer } from '../../support/server-process.js';

/** A real Passcode process (the built dist/ and console/dist) on the embedded database, for the browser tests. */
export interface ConsoleServer {
  url: string;
  adminPassword: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startConsoleServer(env: Record<string, string> = {}): Promise<ConsoleServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'passcode-console-'));
  const adminPassword = randomBytes(12).toString('hex');
  const server = serving(
    await startServer({
      env: { ...withoutDatabase(process.env), NODE_ENV: 'development', DATA_DIR: dataDir, ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'warn', ...env },
      timeoutMs: 60_000,
    }),
  );
  return {
    url: server.url,
    adminPassword,
    output: server.output,
    async stop() {
      await server.stop(10_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The embedded database: no Postgres or Redis from the environment the suite runs in. */
function withoutDatabase(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _db, TEST_DATABASE_URL: _test, REDIS_URL: _redis, ...rest } = env;
  return rest;
}
