import { cpSync, mkdtempSync, renameSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePgliteTemplate, pgliteTemplateDir, SHARED_POSTGRES_URL } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers liveness', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers readiness with the database up', async () => {
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up' });
  });
});

/** MB free on the file system of `dir` now. */
const freeMb = (dir: string) => {
  const { bavail, bsize } = statfsSync(dir);
  return Math.floor((bavail * bsize) / (1024 * 1024));
};

/** An embedded database of its own (a copy of the migrated template), for an app whose directory a test measures or takes away. */
async function ownEmbeddedDatabase(): Promise<{ dataDir: string; drop: () => Promise<void> }> {
  await ensurePgliteTemplate();
  const dataDir = mkdtempSync(join(tmpdir(), 'passcode-health-'));
  cpSync(pgliteTemplateDir(), dataDir, { recursive: true });
  return { dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

/**
 * The embedded database writes on every send and check: an instance whose data
 * directory's disk is nearly full answered readiness 200 while its sends failed
 * (test/db-unavailable.e2e-spec.ts fills a real one as root). Here the floor is
 * set above what the disk has free.
 */
describe('readiness and the embedded data directory\'s free space', () => {
  let t: TestApp;
  let dataDir: string;
  beforeAll(async () => {
    const db = await ownEmbeddedDatabase();
    dataDir = db.dataDir;
    t = await startTestApp({ db, env: { DATA_DIR_MIN_FREE_MB: String(freeMb(dataDir) + 1024) } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 naming the free space while it is under DATA_DIR_MIN_FREE_MB, and liveness still 200', async () => {
    const res = await t.http.get('/health/ready').expect(503);
    expect(res.body).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      msg: expect.stringMatching(/^the data directory's file system has \d+ MB free, under DATA_DIR_MIN_FREE_MB \(\d+\)$/),
      data: {},
      request_id: expect.any(String),
    });
    await t.http.get('/health').expect(200, { status: 'ok' });
  });
});

/** The floor is the embedded database's: Postgres keeps its files on its own disk, which this instance cannot see. */
(SHARED_POSTGRES_URL ? describe : describe.skip)('readiness on Postgres and DATA_DIR_MIN_FREE_MB (needs Postgres)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ postgres: true, env: { DATA_DIR_MIN_FREE_MB: '1000000' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('does not look at the data directory', async () => {
    await t.http.get('/health/ready').expect(200, { status: 'ok', database: 'up' });
  });
});

/**
 * A data directory removed, renamed or unmounted under the running embedded
 * database: what it writes next has nowhere to go. Readiness answered 500 (its
 * free-space reading threw); it says 503 and why, and 200 once the directory is back.
 */
describe('readiness and an embedded data directory taken away', () => {
  let t: TestApp;
  let dataDir: string;
  beforeAll(async () => {
    const db = await ownEmbeddedDatabase();
    dataDir = db.dataDir;
    t = await startTestApp({ db });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 while the directory is gone, and 200 once it is back', async () => {
    await t.http.get('/health/ready').expect(200, { status: 'ok', database: 'up' });
    renameSync(dataDir, `${dataDir}-away`);
    try {
      const res = await t.http.get('/health/ready').expect(503);
      expect(res.body).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        msg: 'the data directory cannot be read (ENOENT): DATA_DIR was removed or unmounted?',
        data: {},
        request_id: expect.any(String),
      });
    } finally {
      renameSync(`${dataDir}-away`, dataDir);
    }
    await t.http.get('/health/ready').expect(200, { status: 'ok', database: 'up' });
  });
});
