#!/usr/bin/env node
// Runs the README's shell examples as a newcomer would, in order, against a freshly
// started server: `node dist/src/main.js` on a temporary DATA_DIR and a free port, its
// log in `passcode.log` of the examples' working directory (as `npm start 2>&1 | tee
// passcode.log` leaves it). Run after a build: `npm run test:readme`.
//
// The examples are the README's fenced blocks whose info string is `sh readme-test`
// (GitHub renders them as plain `sh`). They run in one bash session, so variables and
// functions carry from block to block, under `set -euo pipefail`: any failing command,
// an unset variable, or a failed expectation in a block (`expect`, `test`, `grep`)
// fails the run, naming the README line. A block marked `sh readme-test manual=<step>`
// is a step only a person can do (reading a captcha): it is not run, and the step of
// that name below does the person's part instead.
//
// Exit status 0 when every block passed, 1 otherwise. README_KEEP=1 keeps the working
// directory (log and data) for a look afterwards.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.mjs';
import { startProdFlags } from './start-flags.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(ROOT, 'README.md');
const MAIN = join(ROOT, 'dist/src/main.js');
const START_TIMEOUT_MS = 120_000;
const BLOCK_TIMEOUT_MS = 180_000;
const LISTENING = 'Passcode listening on ';

/** The marked blocks of the README, in order: their text, the README line of their first line, and the manual step they stand for. */
function readmeBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```sh readme-test(?:\s+manual=(\S+))?\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end === -1) throw new Error(`README.md:${i + 1}: the block never closes`);
    blocks.push({ line: i + 2, text: lines.slice(i + 1, end).join('\n') + '\n', manual: open[1] });
    i = end;
  }
  return blocks;
}

/** The start line the README quotes, for port 3000: the server must log the same for its port. */
function documentedListeningLine(markdown) {
  const m = new RegExp(`"msg":"(${LISTENING}[^"]*)"`).exec(markdown);
  if (!m) throw new Error(`README.md quotes no "${LISTENING}…" line`);
  return m[1];
}


const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/**
 * A bound on a wait for something else (a child's exit, the session's reply): its
 * timer does not hold the script open once that came. Left holding, the last
 * block's 180 s bound kept the script running for three minutes after it passed.
 */
const bound = (ms) => new Promise((r) => setTimeout(r, ms).unref());

/** The server: the built main.js on a private data directory, its output appended to the log file. */
class Server {
  constructor({ dataDir, port, logFile }) {
    this.dataDir = dataDir;
    this.port = port;
    this.logFile = logFile;
    this.env = { ...process.env, DATA_DIR: dataDir, PORT: String(port) };
    // A newcomer's defaults: embedded PGlite, no Redis, a generated password, info logs, every interface.
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'ADMIN_USERNAME', 'ADMIN_PASSWORD', 'HOST', 'LOG_LEVEL', 'NODE_ENV', 'ENCRYPTION_KEY', 'JWT_SECRET', 'CODE_PEPPER']) {
      delete this.env[name];
    }
  }

  /** Starts it and resolves with its start line once that is in the log. */
  async start() {
    const before = this.listeningLines().length;
    const fd = openSync(this.logFile, 'a');
    // start:prod's node flags, as `npm start` runs it.
    this.child = spawn(process.execPath, [...startProdFlags(ROOT), MAIN], { cwd: ROOT, env: this.env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.exit = new Promise((r) => this.child.once('exit', (code, signal) => r(code ?? signal)));
    let exited;
    void this.exit.then((code) => (exited = code));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const lines = this.listeningLines();
      if (lines.length > before) return lines.at(-1);
      if (exited !== undefined) throw new Error(`the server exited (${exited}) before it listened`);
      if (Date.now() > deadline) throw new Error(`the server did not log "${LISTENING}…" within ${START_TIMEOUT_MS / 1000} s`);
      await sleep(200);
    }
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const stopped = await Promise.race([this.exit.then(() => true), bound(30_000).then(() => false)]);
    if (!stopped) {
      this.child.kill('SIGKILL');
      await this.exit;
    }
  }

  /** The `msg` of every start line in the log so far. */
  listeningLines() {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes(`"msg":"${LISTENING}`))
      .map((l) => JSON.parse(l).msg);
  }
}

/** One bash session running blocks one at a time; after each, it reports on fd 3. */
class Session {
  constructor({ cwd, env, onOutput }) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    this.bash.stdout.on('data', (d) => onOutput(d.toString()));
    this.bash.stderr.on('data', (d) => onOutput(d.toString()));
    this.exit = new Promise((r) => this.bash.once('exit', (code, signal) => r(code ?? signal)));
    this.replies = [];
    this.waiting = null;
    let pending = '';
    this.bash.stdio[3].on('data', (d) => {
      pending += d.toString();
      let nl;
      while ((nl = pending.indexOf('\n')) !== -1) {
        this.replies.push(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
      this.waiting?.();
    });
    // -e, -u, pipefail: what a person would notice by eye, the run notices by status.
    // The ERR trap names the failing command's README line: a sourced block's LINENO counts from its first line.
    this.send('set -euo pipefail; trap \'printf "\\n✗ README.md:%s: %s\\n" "$((README_LINE + LINENO - 1))" "$BASH_COMMAND" >&2\' ERR');
  }

  send(command) {
    this.bash.stdin.write(command + '\n');
  }

  /** Runs a block's file in the session; stdin is /dev/null, so no command can read the session's own input. */
  async source(file, readmeLine) {
    this.send(`README_LINE=${readmeLine}; source ${JSON.stringify(file)} </dev/null; printf 'done\\n' >&3`);
    return this.reply();
  }

  /** The value of a shell variable of the session. */
  async variable(name) {
    this.send(`printf '%s\\n' "\${${name}-}" >&3`);
    return this.reply();
  }

  /** The session's next line on fd 3, or its exit status if it ends first. */
  async reply() {
    const deadline = bound(BLOCK_TIMEOUT_MS).then(() => ({ timeout: true }));
    for (;;) {
      if (this.replies.length) return { line: this.replies.shift() };
      const next = new Promise((r) => (this.waiting = r));
      const outcome = await Promise.race([next.then(() => null), this.exit.then((status) => ({ status })), deadline]);
      this.waiting = null;
      if (outcome && !this.replies.length) return outcome;
    }
  }

  async close() {
    if (this.bash.exitCode === null && this.bash.signalCode === null) {
      this.bash.stdin.end();
      await Promise.race([this.exit, bound(5_000).then(() => this.bash.kill('SIGKILL'))]);
    }
  }
}

/**
 * The steps a person does by hand, done here by other means: each gets the session
 * and the server and returns the shell assignments that stand for the person's answer.
 */
const MANUAL_STEPS = {
  /**
   * Reading the image captcha `$IMG_CODE_ID`. Its answer exists only in the image and
   * as a keyed hash in the database, so this plays the person as the tests do
   * (test/support/captcha.ts): with the server stopped (PGlite allows one process),
   * it reads the hash, finds the answer with the server's CODE_PEPPER, and starts the
   * server again on the same data.
   */
  async captcha(session, server) {
    const id = (await session.variable('IMG_CODE_ID')).line;
    if (!id) throw new Error('IMG_CODE_ID is not set: the block before the captcha step must set it');
    await server.stop();
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite(join(server.dataDir, 'pgdata'));
    const { rows } = await db.query('SELECT answer_hash FROM captchas WHERE id = $1', [id]);
    await db.close();
    if (!rows.length) throw new Error(`no captcha ${id} in the database`);
    const { loadConfig } = await import(join(ROOT, 'dist/src/config/app-config.js'));
    const { hmacSha256Hex } = await import(join(ROOT, 'dist/src/common/crypto/hashing.js'));
    const pepper = loadConfig({ DATA_DIR: server.dataDir }).secrets.codePepper;
    const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
    let answer;
    search: for (const a of alphabet) for (const b of alphabet) for (const c of alphabet) for (const d of alphabet) {
      if (hmacSha256Hex(pepper, `captcha|${id}|${a}${b}${c}${d}`) === rows[0].answer_hash) {
        answer = a + b + c + d;
        break search;
      }
    }
    if (!answer) throw new Error(`no answer matches captcha ${id}`);
    await server.start();
    return `IMG_CODE=${answer}`;
  },
};

async function main() {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npm run build), or run npm run test:readme`);
  const markdown = readFileSync(README, 'utf8');
  const blocks = readmeBlocks(markdown);
  if (!blocks.length) throw new Error('README.md has no ```sh readme-test blocks');
  const unknown = blocks.find((b) => b.manual && !MANUAL_STEPS[b.manual]);
  if (unknown) throw new Error(`README.md:${unknown.line - 1}: no manual step "${unknown.manual}" (known: ${Object.keys(MANUAL_STEPS).join(', ')})`);

  const work = mkdtempSync(join(tmpdir(), 'passcode-readme-'));
  mkdirSync(join(work, 'blocks'));
  const port = await freePort();
  const server = new Server({ dataDir: join(work, 'data'), port, logFile: join(work, 'passcode.log') });
  let session;
  let ok = false;
  try {
    console.log(`README examples: ${blocks.length} blocks against a fresh server on port ${port} (working directory ${work})`);
    const line = await server.start();
    const expected = documentedListeningLine(markdown).replaceAll(':3000', `:${port}`);
    if (line !== expected) throw new Error(`the start line differs from the README's:\n  logged:     ${line}\n  README says: ${expected}`);
    console.log(`✓ the start line is the README's: ${line}`);

    // PASSCODE: where the examples find the server (they default to http://localhost:3000).
    // TMPDIR: files the examples write go to the working directory too.
    const env = { ...process.env, PASSCODE: `http://localhost:${port}`, TMPDIR: work };
    session = new Session({ cwd: work, env, onOutput: (text) => process.stdout.write(text.replace(/^(?=.)/gm, '    ')) });

    for (const [n, block] of blocks.entries()) {
      const where = `README.md:${block.line}`;
      if (block.manual) {
        console.log(`— block ${n + 1} (${where}): manual step "${block.manual}", done by the script`);
        const assignments = await MANUAL_STEPS[block.manual](session, server);
        session.send(assignments);
        continue;
      }
      console.log(`— block ${n + 1} (${where})`);
      const file = join(work, 'blocks', `${String(n + 1).padStart(2, '0')}.sh`);
      writeFileSync(file, block.text);
      const outcome = await session.source(file, block.line);
      if (outcome.timeout) throw new Error(`${where}: the block did not finish within ${BLOCK_TIMEOUT_MS / 1000} s`);
      if (outcome.status !== undefined) throw new Error(`${where}: the block failed (status ${outcome.status}), at the line named above`);
    }
    ok = true;
    console.log(`✓ README examples: all ${blocks.length} blocks passed`);
  } catch (err) {
    console.error(`\n✗ README examples: ${err.message}`);
    const log = existsSync(server.logFile) ? readFileSync(server.logFile, 'utf8').trimEnd().split('\n') : [];
    console.error(`\nlast lines of the server log (${server.logFile}):\n${log.slice(-15).join('\n')}`);
  } finally {
    await session?.close();
    await server.stop();
    if (ok && !process.env.README_KEEP) rmSync(work, { recursive: true, force: true });
    else console.log(`working directory kept: ${work}`);
  }
  process.exitCode = ok ? 0 : 1;
}

main().catch((err) => {
  console.error(`✗ README examples: ${err.stack ?? err}`);
  process.exitCode = 1;
});
