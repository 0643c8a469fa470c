import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePgliteTemplate, pgliteTemplateDir } from './support/test-database.js';
import { callServer, type ServerProcess, type ServerStart, serving, startServer } from './support/server-process.js';

/**
 * One PGlite data directory, one process: real `dist/` servers started on the same
 * DATA_DIR, as two containers sharing a volume would be. A PID namespace (`unshare -p`)
 * stands in for the second container: there the first server's PID means nothing, and
 * the server itself is PID 1, as it is after every container restart.
 */

/** A started server, with its PID as this process sees it (not the `unshare` wrapper's). */
interface Server extends ServerProcess {
  pid: number;
  kill(): Promise<void>;
}

// Generous: a start takes seconds, but a minute on a loaded two-core machine.
const START_TIMEOUT = 120_000;
const TEST_TIMEOUT = 3 * START_TIMEOUT;

const running: Server[] = [];
const dirs: string[] = [];

const ADMIN_PASSWORD = randomBytes(12).toString('hex');
const KEYS = {
  ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  JWT_SECRET: randomBytes(24).toString('hex'),
  CODE_PEPPER: randomBytes(24).toString('hex'),
};

beforeAll(() => ensurePgliteTemplate(), 120_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.kill()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A data directory holding a migrated database (a copy of the tests' template), so a start skips initdb. */
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'passcode-lock-e2e-'));
  dirs.push(dir);
  cpSync(pgliteTemplateDir(), dir, { recursive: true });
  return dir;
}

/** Starts `node dist/src/main.js` on `dataDir`, in a PID namespace of its own when asked; resolves once it serves or has exited. */
async function start(dataDir: string, opts: { ownPidNamespace?: boolean } = {}): Promise<ServerStart<Server>> {
  const env = { ...process.env, ...KEYS, DATABASE_URL: '', DATA_DIR: dataDir, ADMIN_PASSWORD, LOG_LEVEL: 'warn' };
  // --kill-child: if the wrapper dies, so does the server (and with it the namespace).
  const wrapper = opts.ownPidNamespace ? ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'] : [];
  const started = await startServer({ env, wrapper, timeoutMs: START_TIMEOUT });
  if (!('server' in started)) return started;
  const pid = opts.ownPidNamespace ? childOf(started.server.child) : started.server.child.pid!;
  let exited = false;
  void started.server.exit.then(() => (exited = true));
  const server: Server = {
    ...started.server,
    pid,
    async kill() {
      if (exited) return;
      process.kill(pid, 'SIGKILL');
      await started.server.exit;
    },
  };
  running.push(server);
  return { server };
}

/** The one process `unshare --fork` started, by its PID in our namespace. */
function childOf(wrapper: ChildProcess): number {
  const children = readFileSync(`/proc/${wrapper.pid}/task/${wrapper.pid}/children`, 'utf8').trim().split(/\s+/);
  expect(children).toHaveLength(1);
  return Number(children[0]);
}

/** The second opener's outcome: it must exit 1 with the operator's message, having never served. */
async function expectRefused(started: ServerStart<Server>, dataDir: string): Promise<void> {
  if ('server' in started) {
    await started.server.kill();
    throw new Error(`a second server started on ${dataDir} and served`);
  }
  expect(started.exitCode).toBe(1);
  // The last word is the operator's: what is held, and what to do about it.
  const lastLine = started.output.trimEnd().split('\n').at(-1);
  expect(lastLine).toMatch(`passcode: the database in ${dataDir} is in use by`);
  expect(lastLine).toContain('stop it first (one process per data directory), or set DATABASE_URL to use Postgres');
}

async function adminToken(server: Server): Promise<string> {
  const res = await call(server, 'POST', '/admin/login', { username: 'admin', password: ADMIN_PASSWORD });
  expect(res.status).toBe(200);
  return res.body.data.access_token as string;
}

function call(server: Server, method: string, path: string, body?: unknown, token?: string) {
  return callServer(server.url, method, path, body, token);
}

/** Creates an app on `server` and returns its id once the server has answered 201. */
async function acknowledgedWrite(server: Server, name: string): Promise<string> {
  const res = await call(server, 'POST', '/admin/apps', { name }, await adminToken(server));
  expect(res.status).toBe(201);
  return res.body.data.id;
}

async function expectApp(server: Server, id: string, name: string): Promise<void> {
  const res = await call(server, 'GET', `/admin/apps/${id}`, undefined, await adminToken(server));
  expect(res.status).toBe(200);
  expect(res.body.data.name).toBe(name);
}


describe('one data directory, one process', () => {
  it('refuses a second server on the same data directory, and the first keeps serving', async () => {
    const dataDir = freshDataDir();
    const first = serving(await start(dataDir));

    await expectRefused(await start(dataDir), dataDir);

    await acknowledgedWrite(first, 'Still Serving');
  }, TEST_TIMEOUT);

  it('restarts after a crash although the lock file names a live process', async () => {
    const dataDir = freshDataDir();
    const first = serving(await start(dataDir));
    const id = await acknowledgedWrite(first, 'Before The Crash');
    await first.kill();
    // The PID left in the file now belongs to someone else, as after a reboot.
    writeFileSync(join(dataDir, 'passcode.lock'), String(process.pid));

    const restarted = serving(await start(dataDir));
    await expectApp(restarted, id, 'Before The Crash');
  }, TEST_TIMEOUT);
});

const NAMESPACES_UNAVAILABLE =
  process.platform !== 'linux'
    ? 'PID namespaces are Linux only'
    : process.getuid?.() !== 0
      ? 'creating a PID namespace needs root'
      : spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status !== 0
        ? '`unshare --pid --fork --mount-proc true` failed here'
        : undefined;
if (NAMESPACES_UNAVAILABLE) console.warn(`data-dir-lock e2e: skipping the PID-namespace cases: ${NAMESPACES_UNAVAILABLE}`);

(NAMESPACES_UNAVAILABLE ? describe.skip : describe)('one data directory, one process, across PID namespaces', () => {
  it('refuses a second server started in another PID namespace, and the first keeps serving', async () => {
    const dataDir = freshDataDir();
    const first = serving(await start(dataDir));

    await expectRefused(await start(dataDir, { ownPidNamespace: true }), dataDir);

    await acknowledgedWrite(first, 'Still Serving');
  }, TEST_TIMEOUT);

  it('a server that is PID 1 of its namespace refuses a plain second server; killed mid-life, it restarts as PID 1 with its acknowledged write', async () => {
    const dataDir = freshDataDir();
    const first = serving(await start(dataDir, { ownPidNamespace: true }));
    await expectRefused(await start(dataDir), dataDir);
    const id = await acknowledgedWrite(first, 'Before The Crash');
    await first.kill();
    expect(readFileSync(join(dataDir, 'passcode.lock'), 'utf8')).toMatch(/^1\b/);

    const restarted = serving(await start(dataDir, { ownPidNamespace: true }));
    await expectApp(restarted, id, 'Before The Crash');
  }, TEST_TIMEOUT);
});

/**
 * A data directory this process cannot write: here a path through a regular file
 * (ENOTDIR, whoever runs the test; a read-only volume, EROFS, and a directory of
 * another user, EACCES, take the same way). The start was retried for half a
 * minute, each try printing a stack, and ended in a stack; now it ends at once
 * with one line naming the directory, the failure and what to do.
 */
describe('a data directory that cannot be written', () => {
  /** A DATA_DIR inside a regular file. */
  function throughAFile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'passcode-unwritable-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a-file'), '');
    return join(dir, 'a-file', 'data');
  }

  async function lastLineOf(env: NodeJS.ProcessEnv): Promise<string | undefined> {
    const started = await startServer({ env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn', NODE_ENV: 'development', ...env }, timeoutMs: START_TIMEOUT });
    if ('server' in started) {
      await started.server.stop();
      throw new Error('a server started on a data directory it cannot write');
    }
    expect(started.exitCode).toBe(1);
    return started.output.trimEnd().split('\n').at(-1);
  }

  it('refuses to start when it would generate its keys there, saying so in one line', async () => {
    const dataDir = throughAFile();
    expect(await lastLineOf({ DATA_DIR: dataDir, ENCRYPTION_KEY: '', JWT_SECRET: '', CODE_PEPPER: '' })).toBe(
      `passcode: the data directory ${dataDir} cannot hold the generated keys (ENOTDIR: not a directory, mkdir '${dataDir}'); ` +
        'give DATA_DIR a directory this process may write, or set ENCRYPTION_KEY, JWT_SECRET, CODE_PEPPER',
    );
  }, TEST_TIMEOUT);

  it('refuses a keys.json that is not JSON (cut short by a full disk, edited by hand) in one line, whether it needs the keys or not', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'passcode-keys-'));
    dirs.push(dataDir);
    writeFileSync(join(dataDir, 'keys.json'), '{"ENCRYPTION_KEY": "ab');
    const refusal = new RegExp(
      `^passcode: ${dataDir}/keys\\.json is not valid JSON \\(.+\\): restore it from a copy, or set ENCRYPTION_KEY, JWT_SECRET and CODE_PEPPER to the keys this database was first used with$`,
    );
    expect(await lastLineOf({ DATA_DIR: dataDir, ENCRYPTION_KEY: '', JWT_SECRET: '', CODE_PEPPER: '' })).toMatch(refusal);
    expect(await lastLineOf({ DATA_DIR: dataDir, ...KEYS })).toMatch(refusal);
  }, TEST_TIMEOUT);

  it('refuses to open the embedded database there, at once and in one line; so does the migration CLI', async () => {
    const dataDir = throughAFile();
    const refusal = `the data directory ${dataDir} cannot be written (ENOTDIR: not a directory, mkdir '${dataDir}'); give DATA_DIR a directory this process may write, or set DATABASE_URL to use Postgres`;
    expect(await lastLineOf({ DATA_DIR: dataDir, ...KEYS })).toBe(`passcode: ${refusal}`);
    const cli = spawnSync(process.execPath, ['dist/src/database/migrate-cli.js'], { env: { ...process.env, ...KEYS, DATABASE_URL: '', DATA_DIR: dataDir }, encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toBe(`migration failed: ${refusal}\n`);
  }, TEST_TIMEOUT);
});
