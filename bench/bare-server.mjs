// The bare baseline: Fastify + pg doing the SQL of Passcode's v1 send and check
// paths (verification.repository.ts, sms.repository.ts) and nothing else, with
// the same caches (app by appkey, SMS route by app and scene), so
// `Passcode / bare` measures what the framework, validation and rules cost.
// Keep the statements below in step with those files.
import { createHash, createHmac, randomInt, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const { PORT, DATABASE_URL, PROVIDER_URL, CODE_PEPPER = 'bare' } = process.env;
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 20 });
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

const hash = (appId, scene, phone, code) => createHmac('sha256', CODE_PEPPER).update(`${appId}|${scene}|${phone}|${code}`).digest('hex');
const md5 = (s) => createHash('md5').update(s).digest('hex');

// The statements of verification.repository.ts (takeSendSlot, check) and sms.repository.ts, as Passcode sends them:
// named prepared statements, parsed and planned once per connection.
const TAKE_SEND_SLOT = `WITH cooldown AS (
    INSERT INTO send_cooldowns (app_id, phone_e164, next_allowed_at, holder) VALUES ($1, $2, $3, $4)
    ON CONFLICT (app_id, phone_e164) DO UPDATE SET next_allowed_at = EXCLUDED.next_allowed_at, holder = EXCLUDED.holder
    WHERE send_cooldowns.next_allowed_at <= $5
    RETURNING 1),
  c0 AS (
    INSERT INTO send_counters (app_id, scope, subject, window_start, count)
    SELECT $1, $6, $7, $8, 1 WHERE EXISTS (SELECT 1 FROM cooldown)
    ON CONFLICT (app_id, scope, subject, window_start) DO UPDATE SET count = send_counters.count + 1
    WHERE send_counters.count < $9::int RETURNING 1),
  c1 AS (
    INSERT INTO send_counters (app_id, scope, subject, window_start, count)
    SELECT $1, $10, $11, $12, 1 WHERE EXISTS (SELECT 1 FROM cooldown)
    ON CONFLICT (app_id, scope, subject, window_start) DO UPDATE SET count = send_counters.count + 1
    WHERE send_counters.count < $13::int RETURNING 1),
  c2 AS (
    INSERT INTO send_counters (app_id, scope, subject, window_start, count)
    SELECT $1, $14, $15, $16, 1 WHERE EXISTS (SELECT 1 FROM cooldown)
    ON CONFLICT (app_id, scope, subject, window_start) DO UPDATE SET count = send_counters.count + 1
    WHERE send_counters.count < $17::int RETURNING 1),
  old AS (
    UPDATE verification_codes SET superseded_at = $5
    WHERE app_id = $1 AND phone_e164 = $2 AND scene = $19 AND consumed_at IS NULL AND superseded_at IS NULL
      AND EXISTS (SELECT 1 FROM cooldown)),
  fresh AS (
    INSERT INTO verification_codes (id, app_id, scene, phone_e164, code_hash, expires_at, max_attempts, ip, created_at)
    SELECT $18, $1, $19, $2, $20, $21, $22, $23, $5 WHERE EXISTS (SELECT 1 FROM cooldown))
  SELECT (SELECT count(*) FROM cooldown)::int AS taken,
         (SELECT next_allowed_at FROM send_cooldowns WHERE app_id = $1 AND phone_e164 = $2) AS held_until,
         (SELECT count(*) FROM c0)::int AS n0, (SELECT count(*) FROM c1)::int AS n1, (SELECT count(*) FROM c2)::int AS n2`;

const CHECK = `WITH latest AS (
    SELECT id, code_hash, expires_at, attempts, max_attempts, consumed_at, superseded_at FROM verification_codes
    WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 ORDER BY created_at DESC, id LIMIT 1),
  stale AS (
    SELECT 1 FROM verification_codes
    WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 AND code_hash = $4 AND superseded_at IS NOT NULL LIMIT 1),
  consumed AS (
    UPDATE verification_codes v SET consumed_at = $5 FROM latest l
    WHERE v.id = l.id AND l.code_hash = $4
      AND v.consumed_at IS NULL AND v.superseded_at IS NULL AND v.expires_at > $5 AND v.attempts < v.max_attempts
    RETURNING v.id),
  missed AS (
    UPDATE verification_codes v SET attempts = v.attempts + 1 FROM latest l
    WHERE v.id = l.id AND l.code_hash <> $4 AND NOT EXISTS (SELECT 1 FROM stale)
      AND v.consumed_at IS NULL AND v.superseded_at IS NULL AND v.expires_at > $5 AND v.attempts < v.max_attempts
    RETURNING v.id)
  SELECT l.id, l.code_hash, l.expires_at, l.attempts, l.max_attempts, l.consumed_at, l.superseded_at,
         EXISTS (SELECT 1 FROM stale) AS stale, EXISTS (SELECT 1 FROM consumed) AS consumed
  FROM (SELECT 1) one LEFT JOIN latest l ON true`;

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

const app = Fastify();
app.post('/v1/sms/verify_code', async (req) => {
  const b = req.body;
  const a = await appOf(b.appkey);
  md5(b.appkey + b.timestamp + 'secret');
  const phone = `${b.mcode}${b.mobile}`;
  const now = new Date();
  const code = String(randomInt(1_000_000)).padStart(6, '0');
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query({ name: 'passcode_take_send_slot_3', text: TAKE_SEND_SLOT, values: [
      a.id, phone, new Date(now.getTime() + 60_000), randomUUID(), now,
      'phone_day', phone, new Date(Math.floor(now.getTime() / DAY) * DAY), 1000,
      'app_day', '*', new Date(Math.floor(now.getTime() / DAY) * DAY), 100_000_000,
      'ip_hour', req.ip, new Date(Math.floor(now.getTime() / HOUR) * HOUR), 1_000_000,
      randomUUID(), b.scene, hash(a.id, b.scene, phone, code), new Date(now.getTime() + 300_000), 5, req.ip,
    ] });
    const r = rows[0];
    if (!r.taken || !r.n0 || !r.n1 || !r.n2) {
      await client.query('ROLLBACK');
      return { code: 429, msg: 'refused', data: null };
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  const r = await routeOf(a.id, b.scene);
  const msg = await pool.query({
    name: 'passcode_insert_sms_message',
    text: `INSERT INTO sms_messages (app_id, scene, phone, origin, attempt, provider, account_id, template_code, sign_name, status,
                             biz_id, error, provider_code, provider_message, latency_ms, created_at, completed_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
    values: [a.id, b.scene, phone, 'v1', 1, r.provider, r.account_id, r.template_code, r.sign_name, 'sending', null, null, null, null, null, now, null],
  });
  const started = performance.now();
  const answer = await (await fetch(`${PROVIDER_URL}/?PhoneNumbers=${b.mobile}`, { method: 'POST' })).json();
  await pool.query({
    name: 'passcode_complete_sms_message',
    text: `UPDATE sms_messages SET status = $2, biz_id = $3, error = $4, provider_code = $5, provider_message = $6, latency_ms = $7, completed_at = $8
   WHERE id = $1`,
    values: [msg.rows[0].id, 'sent', answer.BizId, null, answer.Code, answer.Message, Math.round(performance.now() - started), new Date()],
  });
  return { code: 200, msg: 'success', data: { expires_in: 300, resend_in: 60 } };
});

app.post('/v1/sms/check_code', async (req) => {
  const b = req.body;
  const a = await appOf(b.appkey);
  md5(b.appkey + b.timestamp + 'secret');
  const phone = `${b.mcode}${b.mobile}`;
  const now = new Date();
  const h = hash(a.id, b.scene, phone, b.verify_code);
  const { rows } = await pool.query({ name: 'passcode_check_code', text: CHECK, values: [a.id, phone, b.scene, h, now] });
  const c = rows[0];
  let result;
  if (!c.id || c.consumed_at || c.superseded_at) result = c.stale ? 'superseded' : 'not_found';
  else if (c.expires_at <= now) result = 'expired';
  else if (c.attempts >= c.max_attempts) result = 'attempts_exhausted';
  else if (c.code_hash !== h) result = c.stale ? 'superseded' : 'wrong_code';
  else result = c.consumed ? 'approved' : 'not_found';
  return { code: 200, msg: 'success', data: { result } };
});

app.get('/health/ready', async () => ({ ok: true }));
await app.listen({ port: Number(PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => app.close().then(() => pool.end()).then(() => process.exit(0)));
