// npm run bench:profile: where each server's CPU time goes during the bench's
// figures, per request and by package, Passcode beside the bare baseline. Runs
// bench/run.mjs (one round, Postgres only, unless BENCH_* say otherwise) under
// `perf record`, which follows its children (both servers), with node's JIT
// symbols (--perf-basic-prof). Only the samples of a figure's server within its
// measured seconds count; its warm-up does not. Needs Linux perf (Debian:
// linux-perf) and leave to record one's own processes (perf_event_paranoid 2 or
// lower, or root). See README "Benchmarks".
//
// A sample is charged to the first JavaScript function on its stack (counted
// from the leaf), named by its package: what a function does in native code
// (a builtin, a syscall's way into the kernel) is its own. Samples without one:
// the kernel's (`kernel`: a syscall, an interrupt), the garbage collector's
// (`V8 GC`), other native code (`native`: libuv, the HTTP parser); other
// threads (GC helpers, PGlite's worker) by their name.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const HZ = Number(process.env.PROFILE_HZ ?? 499);
/** PROFILE_TOP=<n>: also the n functions whose time per request differs most between the sides. */
const TOP = Number(process.env.PROFILE_TOP ?? 0);
const GC_FRAME = /Heap::|Scavenge|MarkCompact|GarbageCollect|ConcurrentMarking|MinorMS/;

/** Runs `command`, its output passed through; resolves with its exit code. */
function run(command, args, env = process.env) {
  const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * Node appends a map line for each function it compiles, and reuses freed code
 * space: perf, given two entries at one address, may name a sample after the
 * older. The map's text with the later entry kept wherever two overlap.
 */
function keepLatestSymbols(text) {
  const entries = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m) entries.push({ start: parseInt(m[1], 16), end: parseInt(m[1], 16) + parseInt(m[2], 16), line });
  }
  // Later entries claim their range first; an earlier one survives only where nothing later overlaps it.
  // `claimed` stays sorted by start and free of overlaps, so one binary search finds a clash.
  const claimed = [];
  const kept = [];
  for (const e of entries.reverse()) {
    let lo = 0;
    let hi = claimed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (claimed[mid].start < e.start) lo = mid + 1;
      else hi = mid;
    }
    const clash = (lo > 0 && claimed[lo - 1].end > e.start) || (lo < claimed.length && claimed[lo].start < e.end);
    if (clash) continue;
    claimed.splice(lo, 0, e);
    kept.push(e);
  }
  return kept.sort((a, b) => a.start - b.start).map((e) => e.line).join('\n') + '\n';
}

/** The package a JIT symbol's script belongs to (`pg`, `@nestjs/core`, `passcode verification`, `node core`). */
function packageOf(symbol) {
  const script = /\s(\S+?)(?::\d+)*$/.exec(symbol)?.[1] ?? '';
  const inModules = script.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    const [scope, name] = script.slice(inModules + 'node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const own = /\/dist\/src\/([^/]+)/.exec(script);
  if (own) return `passcode ${own[1].replace(/\.js$/, '')}`;
  if (script.includes('/bench/')) return 'bench (bare baseline)';
  if (script.startsWith('node:')) return 'node core';
  return 'other JS';
}

/** A JIT symbol as a table shows it: `pg/lib/client.js:444 _handleRowDescription`. */
function shortName(symbol) {
  const m = /^(?:JS|RegExp):[*~^]?(.*?)\s(\S+?)(?::\d+)?$/.exec(symbol);
  if (!m) return symbol;
  const script = m[2].replace(/^file:\/\//, '').replace(`${root}/`, '').replace(/^node_modules\//, '');
  return `${script} ${m[1] || '(anonymous)'}`;
}

/** What one sample (its stack, leaf first: `[symbol, dso]` pairs) is charged to, and the function it names. */
function chargeOf(frames, mainThread, threadName) {
  if (!mainThread) return { what: `thread: ${threadName}` };
  if (frames[0]?.[1].startsWith('[kernel')) return { what: 'kernel' };
  for (const [symbol, dso] of frames) {
    // Compiled code of a regular expression is its caller's.
    if (dso.startsWith('/tmp/perf-') && !symbol.startsWith('RegExp:')) return { what: packageOf(symbol), fn: symbol };
    if (GC_FRAME.test(symbol)) return { what: 'V8 GC' };
  }
  return { what: 'native', fn: `native ${frames[0]?.[0] ?? '?'}` };
}

/** Samples per figure: each figure's server samples within its window, by what they are charged to. */
async function samplesOf(perfData, figures) {
  const perf = spawn('perf', ['script', '-i', perfData, '-F', 'comm,pid,tid,time,ip,sym,dso'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const counts = figures.map(() => ({ what: new Map(), fn: new Map() }));
  let header;
  let frames = [];
  const add = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  const flush = () => {
    if (!header) return;
    const i = figures.findIndex((f) => f.server_pid === header.pid && header.at >= f.window_ms[0] && header.at <= f.window_ms[1]);
    if (i >= 0) {
      const { what, fn } = chargeOf(frames, header.tid === header.pid, header.comm);
      add(counts[i].what, what);
      if (fn) add(counts[i].fn, shortName(fn));
    }
    header = undefined;
    frames = [];
  };
  for await (const line of createInterface({ input: perf.stdout, crlfDelay: Infinity })) {
    if (!line.trim()) {
      flush();
      continue;
    }
    if (!/^\s/.test(line)) {
      const m = /^\s*(.+?)\s+(\d+)\/(\d+)\s+([\d.]+):/.exec(line);
      if (m) header = { comm: m[1], pid: Number(m[2]), tid: Number(m[3]), at: Number(m[4]) * 1000 };
      continue;
    }
    const m = /^\s*[0-9a-f]+\s+(.*)\s+\((.*)\)\s*$/.exec(line);
    if (m) frames.push([m[1], m[2]]);
  }
  flush();
  return counts;
}

/** µs per request of each key of the figures' summed samples. */
function perRequest(figures, counts, key) {
  const requests = figures.reduce((n, f) => n + f.requests, 0);
  const out = new Map();
  for (const c of counts) for (const [k, n] of c[key]) out.set(k, (out.get(k) ?? 0) + n);
  for (const [k, n] of out) out.set(k, (n / HZ) * 1e6 / Math.max(1, requests));
  return { requests, us: out };
}

function table(title, ours, theirs, limit) {
  const keys = [...new Set([...ours.keys(), ...theirs.keys()])];
  const diff = (k) => (ours.get(k) ?? 0) - (theirs.get(k) ?? 0);
  const rows = keys.sort((a, b) => diff(b) - diff(a) || (ours.get(b) ?? 0) - (ours.get(a) ?? 0));
  const shown = limit ? [...rows.slice(0, limit), ...rows.slice(-Math.min(5, Math.max(0, rows.length - limit)))] : rows;
  const width = Math.min(90, Math.max(40, ...shown.map((k) => k.length)));
  const f = (x) => (x ?? 0).toFixed(1).padStart(10);
  const signed = (x) => `${x > 0 ? '+' : ''}${x.toFixed(1)}`.padStart(12);
  console.log(title);
  console.log(`${''.padEnd(width)}  Passcode      bare  difference`);
  for (const k of shown) console.log(`${k.slice(0, width).padEnd(width)}${f(ours.get(k))}${f(theirs.get(k))}${signed(diff(k))}`);
  if (!limit) {
    const sum = (m) => [...m.values()].reduce((s, x) => s + x, 0);
    console.log(`${'total'.padEnd(width)}${f(sum(ours))}${f(sum(theirs))}${signed(sum(ours) - sum(theirs))}`);
  }
  console.log('');
}

async function main() {
  if ((await run('perf', ['--version']).catch(() => 127)) !== 0) {
    console.error('bench:profile needs Linux perf on the PATH (Debian: apt-get install linux-perf)');
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'passcode-profile-'));
  const results = join(dir, 'bench.json');
  const perfData = join(dir, 'perf.data');
  /** The servers' JIT symbol maps, which node writes into /tmp (--perf-basic-prof): removed with the rest. */
  const maps = [];
  try {
    const env = {
      BENCH_ROUNDS: '1',
      BENCH_PGLITE: '0',
      ...process.env,
      BENCH_RESULTS: results,
      BENCH_NODE_FLAGS: `--perf-basic-prof ${process.env.BENCH_NODE_FLAGS ?? ''}`.trim(),
    };
    // The clock of the samples is the one the figures' windows are read on.
    const code = await run('perf', ['record', '-q', '-g', '-F', String(HZ), '-k', 'realtime', '-o', perfData, '--', process.execPath, 'bench/run.mjs'], env);
    if (code !== 0) throw new Error(`the bench under perf record exited with ${code}`);
    const report = JSON.parse(readFileSync(results, 'utf8'));
    const figures = report.figures.flatMap((f) => f.rounds ?? [f]).filter((r) => r.server_pid);
    for (const pid of new Set(figures.map((f) => f.server_pid))) {
      const map = `/tmp/perf-${pid}.map`;
      maps.push(map);
      try {
        writeFileSync(map, keepLatestSymbols(readFileSync(map, 'utf8')));
      } catch {
        console.error(`no JIT symbols for process ${pid} (${map})`);
      }
    }
    const counts = await samplesOf(perfData, figures);
    const byName = new Map();
    figures.forEach((f, i) => byName.set(f.name, [...(byName.get(f.name) ?? []), i]));
    const side = (name, key) => {
      const idx = byName.get(name) ?? [];
      return perRequest(idx.map((i) => figures[i]), idx.map((i) => counts[i]), key);
    };
    for (const kind of ['send', 'check']) {
      if (!byName.has(`postgres ${kind}`)) continue;
      const ours = side(`postgres ${kind}`, 'what');
      const theirs = side(`bare ${kind}`, 'what');
      table(`${kind}: on-CPU µs per request (perf at ${HZ} Hz; Passcode ${ours.requests} requests, bare ${theirs.requests})`, ours.us, theirs.us);
      if (TOP) table(`${kind}: the ${TOP} functions (with what runs under them natively) costing Passcode most more than bare, and the 5 least`, side(`postgres ${kind}`, 'fn').us, side(`bare ${kind}`, 'fn').us, TOP);
    }
    for (const name of ['pglite send', 'pglite check']) {
      if (!byName.has(name)) continue;
      const ours = side(name, 'what');
      table(`${name}: on-CPU µs per request (${ours.requests} requests)`, ours.us, new Map());
    }
  } finally {
    if (process.env.PROFILE_KEEP) console.error(`kept: ${dir} ${maps.join(' ')}`);
    else for (const path of [dir, ...maps]) rmSync(path, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
