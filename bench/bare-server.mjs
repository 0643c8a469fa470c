// The bare baseline: Fastify + pg sending the statements of Passcode's v1 send
// and check paths (imported from the build: verification.statements.ts,
// sms-log.statements.ts, fraud-buckets.statements.ts) and nothing else, with the same caches (app by appkey,
// SMS route by app and scene), so `Passcode / bare` measures what the
// framework, validation and rules cost.
import { createHash, createHmac, randomInt, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { COUNT_APPROVAL, COUNT_SEND } from '../dist/src/fraud/fraud-buckets.statements.js';
import { GroupWriter } from '../dist/src/database/group-writer.js';
import { COMPLETE_MESSAGES, outcomeColumns } from '../dist/src/sms/sms-log.statements.js';
import { CHECK_CODE, takeSendSlotStatement } from '../dist/src/verification/verification.statements.js';

const { PORT, DATABASE_URL, PROVIDER_URL, CODE_PEPPER = 'bare' } = process.env;
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: Number(process.env.DB_POOL_SIZE || 10) }); // Passcode's default and setting
const apps = new Map();
const DAY = 86_400_000;
const HOUR = 3_600_000;

async function appOf(appkey) {
  let app = apps.get(appkey);
  if (!app) {
    const { rows } = await pool.query(`SELECT id, secret_enc, code_policy FROM apps WHERE appkey = $1`, [appkey]);
    app = rows[0];
    apps.set(appkey, app);
  }
  return app;
}

// The bench app keeps the fraud guard on (the default), with thresholds it never reaches:
// Passcode counts every send, and every approved check, in the number's two buckets.
const FRAUD_WINDOW_S = 3600;
const fraudCount = (statement, appId, phone, now) => {
  const windowStart = new Date(Math.floor(now.getTime() / (FRAUD_WINDOW_S * 1000)) * FRAUD_WINDOW_S * 1000);
  return pool.query({ name: statement.name, text: statement.text, values: [appId, 'CN', phone.slice(0, -4), windowStart, FRAUD_WINDOW_S, now] });
};

const hash = (appId, scene, phone, code) => createHmac('sha256', CODE_PEPPER).update(`${appId}|${scene}|${phone}|${code}`).digest('hex');
const md5 = (s) => createHash('md5').update(s).digest('hex');

// Passcode's own statements (the build's), sent the same way: by name, parsed and planned once per connection.
const TAKE_SEND_SLOT = takeSendSlotStatement(4);

const routes = new Map();
async function routeOf(appId, scene) {
  let route = routes.get(`${appId}|${scene}`);
  if (!route) {
    const { rows } = await pool.query(
      `SELECT t.template_code, t.account_id, s.sign_name, acc.provider
         FROM sms_bindings b JOIN sms_templates t ON t.id = b.template_id JOIN sms_signatures s ON s.id = b.signature_id
         JOIN sms_accounts acc ON acc.id = t.account_id WHERE b.app_id = $1 AND b.scene = $2`,
      [appId, scene],
    );
    route = rows[0];
    routes.set(`${appId}|${scene}`, route);
  }
  return route;
}

// The outcomes as Passcode writes them: those that come while one write is in flight go together in the next.
const outcomes = new GroupWriter(async (rows) => {
  await pool.query({ name: COMPLETE_MESSAGES.name, text: COMPLETE_MESSAGES.text, values: outcomeColumns(rows) });
});

const app = Fastify();
app.post('/v1/sms/verify_code', async (req) => {
  const b = req.body;
  const a = await appOf(b.appkey);
  md5(b.appkey + b.timestamp + 'secret');
  const phone = `${b.mcode}${b.mobile}`;
  const now = new Date();
  const code = String(randomInt(1_000_000)).padStart(6, '0');
  // Passcode's order: the fraud guard's count, the route, then the slot statement (and the send-log row), a transaction by itself, then the provider.
  await fraudCount(COUNT_SEND, a.id, phone, now);
  const r = await routeOf(a.id, b.scene);
  // The app's own code policy (stored whole, defaults merged), as Passcode reads it: the same caps, life and attempts.
  const p = a.code_policy;
  let slot;
  try {
    // The slot statement writes the send-log row too (its last 18 values), as Passcode's does; a refusing cap fails it (PC429).
    ({ rows: [slot] } = await pool.query({ name: TAKE_SEND_SLOT.name, text: TAKE_SEND_SLOT.text, values: [
      a.id, phone, new Date(now.getTime() + p.resend_interval_s * 1000), randomUUID(), now,
      'phone_day', phone, new Date(Math.floor(now.getTime() / DAY) * DAY), p.per_phone_daily,
      'country_day', 'CN', new Date(Math.floor(now.getTime() / DAY) * DAY), p.per_country_daily,
      'app_day', '*', new Date(Math.floor(now.getTime() / DAY) * DAY), p.per_app_daily,
      'ip_hour', req.ip, new Date(Math.floor(now.getTime() / HOUR) * HOUR), p.per_ip_hourly,
      randomUUID(), b.scene, hash(a.id, b.scene, phone, code), new Date(now.getTime() + p.ttl_s * 1000), p.max_attempts, req.ip, 'CN',
      a.id, b.scene, phone, 'v1', 1, r.provider, r.account_id, r.template_code, r.sign_name, 'sending', null, null, null, null, null, now, null, 'CN',
    ] }));
  } catch (err) {
    if (err.code === 'PC429') return { code: 429, msg: 'refused', data: null };
    throw err;
  }
  if (!slot.taken) return { code: 429, msg: 'refused', data: null };
  const messageId = slot.message_id;
  const started = performance.now();
  const answer = await (await fetch(`${PROVIDER_URL}/?PhoneNumbers=${b.mobile}`, { method: 'POST' })).json();
  await outcomes.write([messageId, 'sent', answer.BizId, null, answer.Code, answer.Message, Math.round(performance.now() - started), new Date()]);
  return { code: 200, msg: 'success', data: { expires_in: p.ttl_s, resend_in: p.resend_interval_s } };
});

app.post('/v1/sms/check_code', async (req) => {
  const b = req.body;
  const a = await appOf(b.appkey);
  md5(b.appkey + b.timestamp + 'secret');
  const phone = `${b.mcode}${b.mobile}`;
  const now = new Date();
  const h = hash(a.id, b.scene, phone, b.verify_code);
  const { rows } = await pool.query({ name: CHECK_CODE.name, text: CHECK_CODE.text, values: [a.id, phone, b.scene, h, now] });
  const c = rows[0];
  let result;
  if (!c.id || c.consumed_at || c.superseded_at) result = c.stale ? 'superseded' : 'not_found';
  else if (c.expires_at <= now) result = 'expired';
  else if (c.attempts >= c.max_attempts) result = 'attempts_exhausted';
  else if (c.code_hash !== h) result = c.stale ? 'superseded' : 'wrong_code';
  else result = c.consumed ? 'approved' : 'not_found';
  if (c.consumed) await fraudCount(COUNT_APPROVAL, a.id, phone, now);
  return { code: 200, msg: 'success', data: { result } };
});

app.get('/health/ready', async () => ({ ok: true }));
await app.listen({ port: Number(PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => app.close().then(() => pool.end()).then(() => process.exit(0)));
