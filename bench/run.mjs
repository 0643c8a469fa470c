// npm run bench: Passcode (Postgres, then PGlite) against a bare Fastify + pg
// baseline doing the same SQL, driven by autocannon. See README "Benchmarks".
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { freePort } from '../scripts/free-port.mjs';
import { median as medianOf } from './median.mjs';
import { startProdFlags } from '../scripts/start-flags.mjs';
import { MAX_REPORTS_PER_PUSH } from '../dist/src/sms/providers/aliyun/aliyun-receipts.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
// 10 s: after 3 s, a figure measured right after the other side's ran 11-15% slower on both sides
// (4 rounds, every such figure); after 10 s no such pattern is left.
const WARMUP = Number(process.env.BENCH_WARMUP_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
// BENCH_RATE=<n>: each figure is driven at n requests a second in all (autocannon's overallRate) instead of as fast as
// it goes, so both sides' CPU per request is read at one load (at a higher rate each request costs less: fewer wake-ups).
const RATE = Number(process.env.BENCH_RATE ?? 0);
// Passcode and bare take turns (A B, then B A, ...), so a machine that slows down
// or speeds up mid-run weighs on both sides alike. Five rounds, so that the ratios
// are medians that two slow spells cannot move: with two rounds one spell (a round at
// 0.69 beside 0.97) moved the run's figure by half its size, and with three, two spells
// in one run (check rounds 0.94, 0.68, 0.75) made its median.
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const children = [];

/**
 * An Aliyun stand-in that answers every call at once: SendSms accepts, and
 * QuerySendDetails (Passcode's delivery poller) reports the message delivered,
 * so that each message is asked about once, as with a real carrier, not again
 * every 30 s while the figures run.
 */
async function instantProvider() {
  let seq = 0;
  /** What SendSms accepted and no delivery report has told Passcode of yet: BizId and number. */
  const unreported = [];
  const delivered = { Code: 'OK', Message: 'OK', TotalCount: 1, SmsSendDetailDTOs: { SmsSendDetailDTO: [{ SendStatus: 3, ErrCode: 'DELIVERED', ReceiveDate: '2026-01-01 00:00:00' }] } };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let answer = delivered;
      if (req.headers['x-acs-action'] === 'QuerySendDetails') provider.queries++;
      else {
        answer = { Code: 'OK', Message: 'OK', BizId: `b${++seq}` };
        unreported.push([answer.BizId, new URLSearchParams(req.url.split('?')[1]).get('PhoneNumbers')]);
      }
      res.end(JSON.stringify({ RequestId: `r${seq}`, ...answer }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const provider = { server, endpoint: `127.0.0.1:${server.address().port}`, unreported, queries: 0 };
  return provider;
}


// BENCH_CPU_PROF=<dir>: each server writes V8 CPU profiles into <dir>/passcode-<port>/ or <dir>/bare-<port>/ when it
// stops (open in Chrome DevTools), one per thread under Node's own names (CPU.<date>.<time>.<pid>.<thread>.<seq>):
// the PGlite worker's is the one with thread 1. One name for all would leave only the thread that stopped last.
const PROFILE_DIR = process.env.BENCH_CPU_PROF;

/** The node flags of `npm run start:prod`; both servers run with them, so the ratio compares like with like. */
const NODE_FLAGS = startProdFlags(root);
// BENCH_NODE_FLAGS="--perf-basic-prof …": more node flags for both servers (a `perf record` of them, a GC trace).
const EXTRA_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

async function spawnServer(script, env) {
  const port = await freePort();
  const flags = [...NODE_FLAGS, ...EXTRA_FLAGS, ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, `${script.startsWith('dist/') ? 'passcode' : 'bare'}-${port}`)}`] : [])];
  const child = spawn(process.execPath, [...flags, script], { cwd: root, env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited:\n${out}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return { url, child, output: () => out };
    } catch {}
    if (Date.now() > deadline) throw new Error(`${script} not ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

async function api(base, method, path, body, token) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

/**
 * Reports every message the provider accepted delivered, as Aliyun pushes reports
 * (as many to a push as Passcode takes): otherwise Passcode's delivery poller asks about
 * thousands of them in the middle of the next figure. The embedded database takes
 * no SQL from outside, so this settles them on PGlite as the quiesce does on Postgres.
 */
async function reportDelivered(base, app, provider) {
  const reports = provider.unreported.splice(0).map(([bizId, phone]) => ({
    phone_number: phone, send_time: '2026-01-01 00:00:00', report_time: '2026-01-01 00:00:01', success: true,
    err_code: 'DELIVERED', err_msg: '用户接收成功', sms_size: '1', biz_id: bizId, out_id: '',
  }));
  for (let i = 0; i < reports.length; i += MAX_REPORTS_PER_PUSH) {
    const res = await fetch(base + app.receiptPath, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reports.slice(i, i + MAX_REPORTS_PER_PUSH)) });
    if (!res.ok) throw new Error(`delivery report: ${res.status} ${await res.text()}`);
  }
}

/** An app with limits opened up for load, bound for `login` to an aliyun account on the instant provider (whose reports it takes at `receiptPath`). */
async function setupApp(base, adminPassword, provider) {
  const { access_token: token } = await api(base, 'POST', '/admin/login', { username: 'admin', password: adminPassword });
  // Codes live an hour (the most a policy allows), longer than a whole run: a check figure reads, compares and counts an
  // attempt, as it says. With the default five minutes, a five-round run's later check figures met expired codes (read
  // only, no attempt): Postgres' CPU per check fell round by round on both sides (0.25 to 0.17 ms for bare), and with
  // it the figure's weight moved from the database to the server, so five rounds gave check ratios of 0.71-0.74 where
  // three gave 0.85-0.98.
  const app = await api(base, 'POST', '/admin/apps', { name: 'Bench', code_policy: { ttl_s: 3600, per_ip_hourly: 1_000_000, per_app_daily: 100_000_000, per_phone_daily: 1000, per_country_daily: 100_000_000, max_attempts: 20, fraud_guard: { min_sends_prefix: 1_000_000, min_sends_country: 10_000_000 } } }, token);
  const account = await api(base, 'POST', '/admin/sms/accounts', { name: 'Instant', provider: 'aliyun', access_key_id: 'LTAI5tBench', access_key_secret: 'bench', endpoint: provider.endpoint, protocol: 'http' }, token);
  const sig = await api(base, 'POST', `/admin/sms/accounts/${account.id}/signatures`, { sign_name: 'Passcode' }, token);
  const tpl = await api(base, 'POST', `/admin/sms/accounts/${account.id}/templates`, { template_code: 'SMS_BENCH', scene: 'login' }, token);
  await api(base, 'PUT', `/admin/apps/${app.id}/sms/bindings/login`, { template_id: tpl.id, signature_id: sig.id }, token);
  const { receipt_path: receiptPath } = await api(base, 'POST', `/admin/sms/accounts/${account.id}/receipt-token`, undefined, token);
  return { ...app, receiptPath };
}

let phoneSeq = 0;
const sent = [];
function signedBody(app, fields) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return JSON.stringify({ ...fields, appkey: app.appkey, timestamp, sign: createHash('md5').update(app.appkey + timestamp + app.secret).digest('hex') });
}
/** Send: a distinct phone per request (the cooldown would refuse a repeat). */
const sendRequest = (app, prefix) => ({
  method: 'POST',
  path: '/v1/sms/verify_code',
  headers: { 'content-type': 'application/json' },
  setupRequest: (req) => {
    const mobile = `${prefix}${String(++phoneSeq).padStart(8, '0')}`;
    sent.push(mobile);
    return { ...req, body: signedBody(app, { mcode: '+86', mobile, scene: 'login' }) };
  },
});
/** The prefixes of the two sides' phones on Postgres (Passcode's, bare's). */
const CHECKED_PREFIXES = ['139', '138'];
/** The phones a check figure cycles over: on Postgres both sides as many (the fewer either sent), so neither spreads its checks thinner. */
const phonesToCheck = (prefix) => {
  const own = sent.filter((m) => m.startsWith(prefix));
  if (!CHECKED_PREFIXES.includes(prefix)) return own;
  return own.slice(0, Math.min(...CHECKED_PREFIXES.map((p) => sent.filter((m) => m.startsWith(p)).length)));
};
/** Check: a wrong code against the codes the send figure issued (read, compare, count an attempt). */
const checkRequest = (app, prefix) => {
  let i = 0;
  let list;
  return {
    method: 'POST',
    path: '/v1/sms/check_code',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => {
      // Once per figure: the load generator shares the cores with both servers, so it must stay cheap.
      list ??= phonesToCheck(prefix);
      const mobile = list.length ? list[i++ % list.length] : `${prefix}00000001`;
      return { ...req, body: signedBody(app, { mcode: '+86', mobile, scene: 'login', verify_code: '000000' }) };
    },
  };
};

async function drive(url, request, duration) {
  return autocannon({ url, connections: CONNECTIONS, duration, requests: [request], timeout: 10 });
}

/** CPU seconds (user + system) so far of each process whose pid and name pass `keep` (Linux /proc; empty elsewhere). */
function cpuSeconds(keep) {
  const used = new Map();
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return used;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!keep(Number(pid), comm)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      used.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {}
  }
  return used;
}

/** CPU seconds spent between two {@link cpuSeconds} readings by the processes alive at the second one. */
function cpuSpent(before, after) {
  let spent = 0;
  for (const [pid, s] of after) spent += s - (before.get(pid) ?? 0);
  return spent;
}

// BENCH_DB_WORK=1: each Postgres figure also prints what the database did per request (transactions,
// tuples read and written, buffer hits, per table), from pg_stat_database and pg_stat_all_tables, so
// one can see that both sides ask Postgres for the same work. Postgres reports a backend's counts
// up to 10 s after it goes idle: each reading waits for that, and figures take 22 s longer.
const DB_WORK = process.env.BENCH_DB_WORK === '1';
const DB_STATS_DELAY_MS = 11_000;

/** The bench database's cumulative counters, as Postgres reports them once every backend has flushed its own. */
async function dbCounters(db) {
  await new Promise((r) => setTimeout(r, DB_STATS_DELAY_MS));
  const { rows: [database] } = await db.query(`SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted, blks_hit, blks_read
    FROM pg_stat_database WHERE datname = current_database()`);
  const { rows: tables } = await db.query(`SELECT relname, seq_scan, idx_scan, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_all_tables`);
  return { database, tables: new Map(tables.map(({ relname, ...counts }) => [relname, counts])) };
}

/** Each counter's growth between two {@link dbCounters} readings, per request, the zeros left out. */
function growthPerRequest(before, after, requests) {
  const out = {};
  for (const [key, value] of Object.entries(after)) {
    const growth = Math.round(((Number(value) - Number(before?.[key] ?? 0)) / requests) * 100) / 100;
    if (growth) out[key] = growth;
  }
  return out;
}

function dbWork(before, after, requests) {
  const tables = {};
  for (const [name, counts] of after.tables) {
    const grown = growthPerRequest(before.tables.get(name), counts, requests);
    if (Object.keys(grown).length) tables[name] = grown;
  }
  return { database: growthPerRequest(before.database, after.database, requests), tables };
}

/** The yardstick's readings so far, `[epoch ms, CPU µs]` each (see bench/yardstick.mjs), while `child` runs (started by main). */
const yardstick = { readings: [], child: undefined };

function startYardstick() {
  const child = spawn(process.execPath, [join(here, 'yardstick.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  yardstick.child = child;
  let partial = '';
  child.stdout.on('data', (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop();
    for (const line of lines) yardstick.readings.push(line.split(' ').map(Number));
  });
}

/** The median CPU µs of the yardstick's work between two times: how slow the machine was while a figure ran. */
function machineSlowness(from, to) {
  const within = yardstick.readings.filter(([at]) => at >= from && at <= to).map(([, us]) => us);
  return within.length ? median(within) : null;
}

/** The provider both sides send to (set by main). */
let instant;

async function figure(name, url, makeRequest, server, { warmup = true, quiesce, db } = {}) {
  if (warmup) await drive(url, makeRequest(), WARMUP);
  await quiesce?.();
  let envelopeErrors = 0;
  const request = makeRequest();
  const cpu = () => ({ server: cpuSeconds((pid) => pid === server.child.pid), postgres: cpuSeconds((_, comm) => comm === 'postgres'), bench: process.cpuUsage() });
  const countersBefore = db && (await dbCounters(db));
  const before = cpu();
  const queriesBefore = instant.queries;
  const startedAt = Date.now();
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    timeout: 10,
    ...(RATE && { overallRate: RATE }),
    requests: [{ ...request, onResponse: (status, body) => { if (status !== 200 || !/"code":200/.test(body)) envelopeErrors++; } }],
  });
  const out = {
    name,
    req_per_s: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx + envelopeErrors,
    requests: r.requests.total,
  };
  const after = cpu();
  // Delivery queries by Passcode's poller while the figure ran: background work bare has no part of (the quiesce keeps it at 0).
  out.delivery_queries = instant.queries - queriesBefore;
  // What bench/profile.mjs needs to find this figure's samples: the server's process and the measured seconds.
  out.server_pid = server.child.pid;
  out.window_ms = [startedAt, Date.now()];
  out.machine_us = machineSlowness(startedAt, Date.now());
  const perRequest = (s) => Math.round((s * 1e6) / Math.max(1, out.requests)) / 1000;
  out.cpu_ms_per_request = {
    server: perRequest(cpuSpent(before.server, after.server)),
    postgres: perRequest(cpuSpent(before.postgres, after.postgres)),
    load_generator: perRequest(((after.bench.user + after.bench.system) - (before.bench.user + before.bench.system)) / 1e6),
  };
  console.error(`  ${name}: ${out.req_per_s} req/s, p50 ${out.p50_ms} ms, p99 ${out.p99_ms} ms, errors ${out.errors}, CPU ms/request ${JSON.stringify(out.cpu_ms_per_request)}, yardstick ${out.machine_us} µs${out.delivery_queries ? `, delivery queries ${out.delivery_queries}` : ''}`);
  if (db) {
    out.db_work_per_request = dbWork(countersBefore, await dbCounters(db), Math.max(1, out.requests));
    console.error(`    database per request ${JSON.stringify(out.db_work_per_request.database)}`);
    for (const [table, counts] of Object.entries(out.db_work_per_request.tables)) console.error(`    ${table} ${JSON.stringify(counts)}`);
  }
  return out;
}

async function main() {
  const provider = (instant = await instantProvider());
  const dataDirs = [];
  const figures = [];
  const adminPassword = randomBytes(12).toString('hex');
  const common = { ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'warn', THROTTLE_LIMIT: '10000000', CODE_PEPPER: randomBytes(24).toString('hex') };
  // BENCH_METRICS=1: Passcode collects Prometheus metrics (as in production with METRICS_TOKEN), so their cost shows in the ratios.
  if (process.env.BENCH_METRICS === '1') common.METRICS_TOKEN = randomBytes(16).toString('hex');
  // BENCH_KINDS=check: only those Postgres figures (each side still sends its codes first);
  // BENCH_POSTGRES=0: none of them, and no Postgres server is needed.
  const kinds = process.env.BENCH_POSTGRES === '0' ? [] : (process.env.BENCH_KINDS ?? 'send,check').split(',');
  startYardstick();
  try {
    if (kinds.length) figures.push(...(await postgresFigures(kinds, provider, common, dataDirs)));
    if (process.env.BENCH_PGLITE !== '0') {
      console.error('PGlite (embedded, one backend)');
      const liteDir = mkdtempSync(join(tmpdir(), 'passcode-bench-lite-'));
      dataDirs.push(liteDir);
      const lite = await spawnServer('dist/src/main.js', { ...common, NODE_ENV: 'development', DATABASE_URL: '', DATA_DIR: liteDir });
      const liteApp = await setupApp(lite.url, adminPassword, provider);
      provider.unreported.length = 0; // the Postgres figures' messages
      const quiesce = () => reportDelivered(lite.url, liteApp, provider);
      figures.push(await figure('pglite send', lite.url, () => sendRequest(liteApp, '137'), lite, { quiesce }));
      figures.push(await figure('pglite check', lite.url, () => checkRequest(liteApp, '137'), lite, { quiesce }));
      await stop(lite.child);
    }
  } finally {
    for (const c of children) await stop(c);
    await stop(yardstick.child);
    provider.server.close();
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  }
  finish(figures);
}

/** Passcode and the bare baseline side by side on a database of their own, `kinds` (send, check) in alternating rounds. */
async function postgresFigures(kinds, provider, common, dataDirs) {
  const figures = [];
  const dbName = `passcode_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  try {
    const dir = mkdtempSync(join(tmpdir(), 'passcode-bench-'));
    dataDirs.push(dir);
    console.error(`Postgres (${dbName}), ${CONNECTIONS} connections, ${DURATION} s per figure after ${WARMUP} s warm-up`);
    const passcode = await spawnServer('dist/src/main.js', {
      ...common,
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl.toString(),
      ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      JWT_SECRET: randomBytes(24).toString('hex'),
      DATA_DIR: dir,
    });
    const app = await setupApp(passcode.url, common.ADMIN_PASSWORD, provider);
    const bare = await spawnServer('bench/bare-server.mjs', { DATABASE_URL: dbUrl.toString(), PROVIDER_URL: `http://${provider.endpoint}` });
    // Before each Postgres figure: vacuum what the previous one left and flush it, so
    // autovacuum and checkpoints do not fall into one side's figure and not the other's.
    const benchDb = new pg.Client({ connectionString: dbUrl.toString() });
    await benchDb.connect();
    const quiesce = async (kind) => {
      // Every check figure starts with every code unspent, so each check counts an attempt
      // (the app allows 20; no side exhausts its codes in one figure) whatever ran before.
      if (kind === 'check') await benchDb.query('UPDATE verification_codes SET attempts = 0 WHERE attempts > 0');
      // Messages still awaiting their delivery report are settled as a pushed report would settle them:
      // otherwise Passcode's delivery poller asks the provider about thousands of them in the middle of a
      // figure (background work the bare baseline has no part of), and no figure is like the next.
      await benchDb.query(`UPDATE sms_messages SET delivery_status = 'delivered', delivery_reported_at = now() WHERE delivery_status = 'pending'`);
      await benchDb.query('VACUUM (ANALYZE)');
      await benchDb.query('CHECKPOINT').catch(() => {}); // needs superuser or pg_checkpoint
    };
    // Check figures without send figures: each side sends for a figure's length first, enough codes that no
    // check figure spends every attempt of one (the app allows 20 per code).
    if (kinds.includes('check') && !kinds.includes('send')) await drive(passcode.url, sendRequest(app, '139'), DURATION).then(() => drive(bare.url, sendRequest(app, '138'), DURATION));
    for (const [kind, makeRequest] of [['send', sendRequest], ['check', checkRequest]].filter(([kind]) => kinds.includes(kind))) {
      const sides = [
        { name: `postgres ${kind}`, url: passcode.url, server: passcode, request: () => makeRequest(app, '139'), rounds: [] },
        { name: `bare ${kind}`, url: bare.url, server: bare, request: () => makeRequest(app, '138'), rounds: [] },
      ];
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of round % 2 ? [...sides].reverse() : sides) {
          // A warm-up before every figure: a side measured after sitting idle while the other ran starts cold (its JIT, its pool).
          side.rounds.push(await figure(side.name, side.url, side.request, side.server, { warmup: true, quiesce: () => quiesce(kind), db: DB_WORK ? benchDb : undefined }));
        }
      }
      const [ours, theirs] = sides.map((side) => combine(side.name, side.rounds));
      const roundRatio = (of) => ours.rounds.map((r, i) => Math.round((of(r) / of(theirs.rounds[i])) * 100) / 100);
      ours.ratio_rounds = roundRatio((r) => r.req_per_s);
      ours.cpu_ratio_rounds = roundRatio((r) => r.cpu_ms_per_request.server);
      figures.push(ours, theirs);
    }
    await benchDb.end();
    await stop(passcode.child);
    await stop(bare.child);
  } finally {
    for (const c of children) await stop(c);
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
  return figures;
}

/** The median of `xs` as the report gives it: to the hundredth (an even number of rounds averages the middle two). */
const median = (xs) => Math.round(medianOf(xs) * 100) / 100;

/** One figure from its rounds: mean req/s, median p50, worst p99, all errors, CPU per request over all requests. */
function combine(name, rounds) {
  const requests = rounds.reduce((n, r) => n + r.requests, 0);
  const cpu = (part) => Math.round(rounds.reduce((s, r) => s + r.cpu_ms_per_request[part] * r.requests, 0) / Math.max(1, requests) * 1000) / 1000;
  return {
    name,
    req_per_s: Math.round(rounds.reduce((s, r) => s + r.req_per_s, 0) / rounds.length),
    p50_ms: median(rounds.map((r) => r.p50_ms)),
    p99_ms: Math.max(...rounds.map((r) => r.p99_ms)),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    requests,
    cpu_ms_per_request: { server: cpu('server'), postgres: cpu('postgres'), load_generator: cpu('load_generator') },
    machine_us: readingsMedian(rounds.map((r) => r.machine_us)),
    rounds,
  };
}

/** The median of the rounds' yardstick readings, leaving out a round that had none; null when none had one. */
function readingsMedian(readings) {
  const known = readings.filter((us) => us !== null && us !== undefined);
  return known.length ? median(known) : null;
}

function finish(figures) {
  const by = Object.fromEntries(figures.map((f) => [f.name, f]));
  // Passcode over bare, per kind: the median of the rounds' ratios (each round's two figures ran back to back),
  // for req/s and for server CPU per request (issue 14's second measure); and the rounds' own, for the line printed.
  const medians = (key) => Object.fromEntries(['send', 'check'].map((kind) => [kind, by[`postgres ${kind}`]?.[key] ? median(by[`postgres ${kind}`][key]) : null]));
  const rounds = (key, kind) => (by[`postgres ${kind}`]?.[key] ?? []).join(', ');
  const ratios = medians('ratio_rounds');
  const cpuRatios = medians('cpu_ratio_rounds');
  const report = { at: new Date().toISOString(), connections: CONNECTIONS, duration_s: DURATION, warmup_s: WARMUP, rounds: ROUNDS, figures, ratios, server_cpu_ratios: cpuRatios };
  mkdirSync(join(here, 'results'), { recursive: true });
  // BENCH_RESULTS=<file>: the report goes there instead (bench/profile.mjs reads it).
  const file = process.env.BENCH_RESULTS || join(here, 'results', `bench-${report.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');

  const rows = [
    ['figure', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU ms/req', 'postgres CPU ms/req'],
    ...figures.map((f) => [f.name, f.req_per_s, f.p50_ms, f.p99_ms, f.errors, f.cpu_ms_per_request.server, f.cpu_ms_per_request.postgres]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const r of rows) console.log(r.map((c, i) => (i ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  '));
  const line = (what, key, values) => `${what} (median of ${ROUNDS} rounds): send ${values.send} (${rounds(key, 'send')}), check ${values.check} (${rounds(key, 'check')})`;
  console.log(line('ratio Passcode / bare', 'ratio_rounds', ratios));
  console.log(line('server CPU per request, Passcode / bare', 'cpu_ratio_rounds', cpuRatios));
  // The machine's speed while each side's figures ran (bench/yardstick.mjs): far apart, the ratios compare unlike with unlike.
  const speeds = ['send', 'check'].filter((kind) => by[`postgres ${kind}`]).map((kind) => `${kind} ${by[`postgres ${kind}`].machine_us} vs ${by[`bare ${kind}`].machine_us}`);
  if (speeds.length) console.log(`yardstick µs, median of the figures, Passcode's vs bare's (higher: a slower machine): ${speeds.join(', ')}`);
  console.log(`written to ${file}`);
}

main().catch(async (err) => {
  console.error(err);
  for (const c of children) await stop(c).catch(() => {});
  process.exit(1);
});
