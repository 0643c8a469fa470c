// node bench/stats.mjs (after npm run build): how long per-app statistics take on
// a large send log. Fills a throw-away Postgres database with BENCH_STATS_ROWS
// messages and as many codes (10 million by default) over 30 days and 20 apps,
// then times, each the median of five runs: counting one day from the rows (what
// the roll-up does per finished day, and what requests do for the open days), one
// app's 7 days and all apps' 30 days as the endpoints answer them after the
// roll-up, and the roll-up of every finished day. See README "Statistics".
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDataSource, runMigrations } from '../dist/src/database/data-source.factory.js';
import { StatsRepository } from '../dist/src/stats/stats.repository.js';
import { StatsRollup } from '../dist/src/stats/stats-rollup.js';
import { StatsService } from '../dist/src/stats/stats.service.js';

const ROWS = Number(process.env.BENCH_STATS_ROWS ?? 10_000_000);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DAYS = 30;
const APPS = 20;
const NOW = Date.UTC(2026, 11, 1, 12);

const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
const dbName = `passcode_stats_${process.pid}`;
await admin.query(`CREATE DATABASE "${dbName}"`);
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
const ds = createDataSource({ url: url.toString(), dataDir: '/nonexistent' });
const quiet = { setContext() {}, info() {}, warn() {} };
const clock = { nowMs: () => NOW, now: () => new Date(NOW) };

async function timed(label, work, runs = 5) {
  const ms = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    result = await work();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} ${ms[runs >> 1].toFixed(1).padStart(9)} ms`);
  return result;
}

try {
  await ds.initialize();
  await runMigrations(ds);
  const apps = [];
  for (let i = 0; i < APPS; i++) {
    const [{ id }] = await ds.query(
      `INSERT INTO apps (name, appkey, secret_enc, code_policy) VALUES ($1, $2, 'x', '{}') RETURNING id`,
      [`bench ${i}`, randomBytes(8).toString('hex')],
    );
    apps.push(id);
  }
  const started = performance.now();
  const start = new Date(NOW - DAYS * 86_400_000).toISOString();
  // Row i: app i % 20, spread evenly over the 30 days, a tenth abroad, 3% failed, 60% of codes approved within 1–120 s.
  await ds.query(
    `INSERT INTO sms_messages (app_id, scene, phone, country, origin, attempt, status, error, delivery_status, created_at)
     SELECT ($1::uuid[])[1 + i % ${APPS}], 'login', '+86139' || lpad((i % 100000000)::text, 8, '0'),
            CASE WHEN i % 10 = 0 THEN 'US' ELSE 'CN' END, 'v1', 1,
            CASE WHEN i % 33 = 0 THEN 'failed' ELSE 'sent' END, CASE WHEN i % 33 = 0 THEN 'SMS_PHONE_REJECTED' END,
            CASE WHEN i % 33 <> 0 THEN (CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'delivered' END) END,
            $2::timestamptz + (i::float8 / $3) * interval '${DAYS} days'
       FROM generate_series(0, $3 - 1) i`,
    [apps, start, ROWS],
  );
  await ds.query(
    `INSERT INTO verification_codes (id, app_id, scene, phone_e164, code_hash, expires_at, max_attempts, country, created_at, consumed_at)
     SELECT gen_random_uuid(), ($1::uuid[])[1 + i % ${APPS}], 'login', '+86139' || lpad((i % 100000000)::text, 8, '0'), 'h',
            t + interval '5 minutes', 5, CASE WHEN i % 10 = 0 THEN 'US' ELSE 'CN' END, t,
            CASE WHEN i % 5 < 3 THEN t + (1 + i % 120) * interval '1 second' END
       FROM (SELECT i, $2::timestamptz + (i::float8 / $3) * interval '${DAYS} days' AS t FROM generate_series(0, $3 - 1) i) s`,
    [apps, start, ROWS],
  );
  await ds.query('VACUUM ANALYZE sms_messages');
  await ds.query('VACUUM ANALYZE verification_codes');
  console.log(`${ROWS.toLocaleString('en')} messages and ${ROWS.toLocaleString('en')} codes over ${DAYS} days and ${APPS} apps, written in ${((performance.now() - started) / 1000).toFixed(0)} s`);

  const repo = new StatsRepository(ds);
  const service = new StatsService(repo, { get: async () => undefined }, clock);
  const rollup = new StatsRollup(ds, repo, clock, quiet);
  await timed('count one day from the rows, all apps', () => repo.countRows('2026-11-20', '2026-11-21'));
  await timed('count one day from the rows, one app', () => repo.countRows('2026-11-20', '2026-11-21', apps[0]));
  await timed('one app, 7 days, before any roll-up (all counted)', () => service.ofApp(apps[0], { from: '2026-11-25', to: '2026-12-01' }), 3);
  await timed(`roll-up of the ${DAYS - 1} finished days`, () => rollup.run(), 1);
  await timed('one app, 7 days (5 stored, 2 counted)', () => service.ofApp(apps[0], { from: '2026-11-25', to: '2026-12-01' }));
  await timed('one app, 30 days (28 stored, 2 counted)', () => service.ofApp(apps[0], { from: '2026-11-02', to: '2026-12-01' }));
  await timed('all apps, 30 days (28 stored, 2 counted)', () => service.ofAllApps({ from: '2026-11-02', to: '2026-12-01' }));
  await timed('all apps, 28 finished days (all stored)', () => service.ofAllApps({ from: '2026-11-02', to: '2026-11-29' }));
} finally {
  await ds.destroy().catch(() => {});
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
}
