import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDataSource, runMigrations } from '../../src/database/data-source.factory.js';

/**
 * Test databases. With TEST_DATABASE_URL every test app gets its own Postgres
 * database cloned from a migrated template; without it, its own PGlite directory
 * copied from a migrated template directory (a fresh PGlite runs initdb, ~3 s).
 */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL || undefined;

const MIGRATIONS_DIR = join(process.cwd(), 'migrations');

function migrationsHash(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) h.update(f).update(readFileSync(join(MIGRATIONS_DIR, f)));
  return h.digest('hex').slice(0, 12);
}

function pgliteTemplateDir(): string {
  return join(tmpdir(), `passcode-test-template-${migrationsHash()}`);
}

function postgresTemplateName(): string {
  return `${new URL(POSTGRES_URL!).pathname.slice(1)}_tpl_${migrationsHash()}`;
}

/**
 * Makes sure the migrated template exists. Templates are keyed by the migrations'
 * content and built under a temporary name, then renamed, so a run cut short never
 * leaves a half-built template behind; an unchanged one is reused across runs.
 */
async function ensureTemplate(): Promise<void> {
  if (POSTGRES_URL) {
    const name = postgresTemplateName();
    const building = `${name}_building`;
    const exists = await withAdmin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount);
    if (exists) return;
    await withAdmin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${building}"`);
    });
    const ds = createDataSource({ url: withDatabase(POSTGRES_URL, building), dataDir: '' });
    await ds.initialize();
    try {
      await runMigrations(ds);
    } finally {
      await ds.destroy();
    }
    await withAdmin((c) => c.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`));
    return;
  }
  const dir = pgliteTemplateDir();
  if (existsSync(join(dir, 'pgdata', 'PG_VERSION'))) return;
  const building = mkdtempSync(join(tmpdir(), 'passcode-template-build-'));
  const ds = createDataSource({ dataDir: building });
  await ds.initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
}

export interface TestDatabase {
  url?: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test app. */
export async function createTestDatabase(): Promise<TestDatabase> {
  await ensureTemplate();
  const dataDir = mkdtempSync(join(tmpdir(), 'passcode-test-'));
  if (POSTGRES_URL) {
    const name = `pc_test_${randomBytes(6).toString('hex')}`;
    await withAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${postgresTemplateName()}"`));
    return {
      url: withDatabase(POSTGRES_URL, name),
      dataDir,
      drop: async () => {
        await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  cpSync(pgliteTemplateDir(), dataDir, { recursive: true });
  return { dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
