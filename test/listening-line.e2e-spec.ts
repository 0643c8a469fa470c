import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePgliteTemplate, pgliteTemplateDir } from './support/test-database.js';
import { freePort } from './support/free-port.js';

/**
 * The start line of a real `dist/` server says where it listens as bound: a server
 * on every interface once announced itself as `http://127.0.0.1:3000`.
 */

// A start takes seconds, but a minute on a loaded two-core machine.
const START_TIMEOUT = 120_000;

const dirs: string[] = [];
beforeAll(() => ensurePgliteTemplate(), 120_000);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts `node dist/src/main.js` on a fresh data directory (a migrated copy of the tests' template, so no initdb), returns its "Passcode listening" log line and stops it. */
async function listeningLine(host: string | undefined): Promise<{ msg: string; port: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'passcode-listen-e2e-'));
  dirs.push(dataDir);
  cpSync(pgliteTemplateDir(), dataDir, { recursive: true });
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: '', REDIS_URL: '', DATA_DIR: dataDir, PORT: String(port), ADMIN_PASSWORD: 'listening-line-test', LOG_LEVEL: 'info' };
  if (host === undefined) delete env.HOST;
  else env.HOST = host;
  const child = spawn(process.execPath, ['dist/src/main.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line within ${START_TIMEOUT} ms:\n${out}`)), START_TIMEOUT);
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes('"Passcode listening'));
        if (line) {
          clearTimeout(timer);
          resolve({ msg: (JSON.parse(line) as { msg: string }).msg, port });
        }
      });
      void exit.then((code) => reject(new Error(`the server exited with ${code}:\n${out}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await exit;
  }
}


describe('the start line', () => {
  it('names the wildcard it is bound to by default, and how to reach it from this machine', async () => {
    const { msg, port } = await listeningLine(undefined);
    expect(msg).toBe(`Passcode listening on http://0.0.0.0:${port} (all IPv4 interfaces; from this machine http://127.0.0.1:${port})`);
  }, START_TIMEOUT + 10_000);

  it('names the one address it is bound to', async () => {
    const { msg, port } = await listeningLine('127.0.0.1');
    expect(msg).toBe(`Passcode listening on http://127.0.0.1:${port}`);
  }, START_TIMEOUT + 10_000);
});
