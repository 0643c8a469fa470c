import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForLock } from 'fs-native-extensions';
import pg from 'pg';
import { createDataSource, runMigrations } from '../../src/database/data-source.factory.js';

/**
 * Test databases. With TEST_DATABASE_URL every test app gets its own Postgres
 * database cloned from a migrated template; without it, its own PGlite directory
 * copied from a migrated template directory (a fresh PGlite runs initdb, ~3 s).
 */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL || undefined;

/**
 * A Postgres for the tests that need one whatever the run's backend (several
 * instances on one database, connections taken away): TEST_DATABASE_URL, or the
 * local Postgres the global setup found reachable (global-setup.ts). Unset
 * when there is none: those tests are then reported skipped, saying why.
 */
export const SHARED_POSTGRES_URL = POSTGRES_URL ?? (process.env.PASSCODE_TEST_REACHABLE_POSTGRES || undefined);

/** The reason in the name of a test skipped for want of a Postgres. */
export const NEEDS_POSTGRES = '(needs Postgres: TEST_DATABASE_URL, or one reachable at 127.0.0.1:5432)';

const MIGRATIONS_DIR = join(process.cwd(), 'migrations');

function migrationsHash(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) h.update(f).update(readFileSync(join(MIGRATIONS_DIR, f)));
  return h.digest('hex').slice(0, 12);
}

/** The migrated PGlite directory every embedded test database is copied from. */
export function pgliteTemplateDir(): string {
  return join(tmpdir(), `passcode-test-template-${migrationsHash()}`);
}

function postgresTemplateName(url: string): string {
  return `${new URL(url).pathname.slice(1)}_tpl_${migrationsHash()}`;
}

/*
 * The migrated templates. They are keyed by the migrations' content and built
 * under a temporary name, then renamed, so a run cut short never leaves a
 * half-built template behind, and an unchanged one is reused across runs. Test
 * files run in parallel workers: the first to need a template builds it while
 * holding a lock (a Postgres advisory lock; an OS lock on a file beside the PGlite
 * template) and the others wait for it.
 */

async function ensurePostgresTemplate(url: string): Promise<void> {
  const name = postgresTemplateName(url);
  await withAdmin(url, async (c) => {
    await c.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    try {
      if ((await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount) return;
      const building = `${name}_building`;
      await c.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${building}"`);
      const ds = createDataSource({ url: withDatabase(url, building), dataDir: '' });
      await ds.initialize();
      try {
        await runMigrations(ds);
      } finally {
        await ds.destroy();
      }
      await c.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } finally {
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  });
}

/** The PGlite template (also what tests that start real servers seed their DATA_DIR with). */
export async function ensurePgliteTemplate(): Promise<void> {
  const dir = pgliteTemplateDir();
  const ready = () => existsSync(join(dir, 'pgdata', 'PG_VERSION'));
  if (ready()) return;
  const lock = await open(`${dir}.lock`, 'a+');
  try {
    await waitForLock(lock.fd);
    if (ready()) return;
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
  } finally {
    await lock.close();
  }
}

export interface TestDatabase {
  url?: string;
  dataDir: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own for one test app: on the run's backend,
 * or on the shared Postgres when `postgres` is asked for (throws if there is none:
 * such tests are skipped by their SHARED_POSTGRES_URL condition).
 */
export async function createTestDatabase(options: { postgres?: boolean } = {}): Promise<TestDatabase> {
  const url = options.postgres ? SHARED_POSTGRES_URL : POSTGRES_URL;
  if (options.postgres && !url) throw new Error(`no Postgres for this test ${NEEDS_POSTGRES}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'passcode-test-'));
  if (url) {
    await ensurePostgresTemplate(url);
    const name = `pc_test_${randomBytes(6).toString('hex')}`;
    await withAdmin(url, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${postgresTemplateName(url)}"`));
    return {
      url: withDatabase(url, name),
      dataDir,
      drop: async () => {
        await withAdmin(url, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  await ensurePgliteTemplate();
  cpSync(pgliteTemplateDir(), dataDir, { recursive: true });
  return { dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Sets what sessions of the database at `url` start with (`ALTER DATABASE … SET name = value`), through a connection of its own. */
export async function setDatabaseSettings(url: string, settings: Record<string, string>): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withAdmin(url, async (c) => {
    for (const [setting, value] of Object.entries(settings)) {
      await c.query(`ALTER DATABASE "${name}" SET ${c.escapeIdentifier(setting)} = ${c.escapeLiteral(value)}`);
    }
  });
}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
