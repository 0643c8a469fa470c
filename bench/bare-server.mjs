// The bare baseline: Fastify + pg doing the SQL of Passcode's v1 send and check
// paths (verification.repository.ts, sms.repository.ts) and nothing else, so
// `Passcode / bare` measures what the framework, validation and rules cost.
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

const app = Fastify();
app.post('/v1/sms/verify_code', async (req) => {
  const b = req.body;
  const a = await appOf(b.appkey);
  md5(b.appkey + b.timestamp + 'secret');
  const phone = `${b.mcode}${b.mobile}`;
  const now = new Date();
  const holder = randomUUID();
  const codeId = randomUUID();
  const code = String(randomInt(1_000_000)).padStart(6, '0');
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const taken = await client.query(
      `INSERT INTO send_cooldowns (app_id, phone_e164, next_allowed_at, holder) VALUES ($1, $2, $3, $4)
       ON CONFLICT (app_id, phone_e164) DO UPDATE SET next_allowed_at = EXCLUDED.next_allowed_at, holder = EXCLUDED.holder
       WHERE send_cooldowns.next_allowed_at <= $5 RETURNING holder`,
      [a.id, phone, new Date(now.getTime() + 60_000), holder, now],
    );
    if (!taken.rows.length) {
      await client.query('ROLLBACK');
      return { code: 429, msg: 'cooldown', data: null };
    }
    for (const [scope, subject, size, limit] of [['phone_day', phone, DAY, 1000], ['app_day', '*', DAY, 100_000_000], ['ip_hour', req.ip, HOUR, 1_000_000]]) {
      await client.query(
        `INSERT INTO send_counters (app_id, scope, subject, window_start, count) VALUES ($1, $2, $3, $4, 1)
         ON CONFLICT (app_id, scope, subject, window_start) DO UPDATE SET count = send_counters.count + 1
         WHERE send_counters.count < $5 RETURNING count`,
        [a.id, scope, subject, new Date(Math.floor(now.getTime() / size) * size), limit],
      );
    }
    await client.query(
      `UPDATE verification_codes SET superseded_at = $4
       WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 AND consumed_at IS NULL AND superseded_at IS NULL`,
      [a.id, phone, b.scene, now],
    );
    await client.query(
      `INSERT INTO verification_codes (id, app_id, scene, phone_e164, code_hash, expires_at, max_attempts, ip, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [codeId, a.id, b.scene, phone, hash(a.id, b.scene, phone, code), new Date(now.getTime() + 300_000), 5, req.ip, now],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  const route = await pool.query(
    `SELECT b.template_id, b.signature_id, t.template_code, t.account_id, s.sign_name, acc.provider
       FROM sms_bindings b JOIN sms_templates t ON t.id = b.template_id JOIN sms_signatures s ON s.id = b.signature_id
       JOIN sms_accounts acc ON acc.id = t.account_id WHERE b.app_id = $1 AND b.scene = $2`,
    [a.id, b.scene],
  );
  const r = route.rows[0];
  const msg = await pool.query(
    `INSERT INTO sms_messages (app_id, scene, phone, origin, attempt, provider, account_id, template_code, sign_name, status, created_at)
     VALUES ($1, $2, $3, 'v1', 1, $4, $5, $6, $7, 'sending', $8) RETURNING id`,
    [a.id, b.scene, phone, r.provider, r.account_id, r.template_code, r.sign_name, now],
  );
  const started = performance.now();
  const answer = await (await fetch(`${PROVIDER_URL}/?PhoneNumbers=${b.mobile}`, { method: 'POST' })).json();
  await pool.query(
    `UPDATE sms_messages SET status = 'sent', biz_id = $2, provider_code = $3, provider_message = $4, latency_ms = $5, completed_at = $6 WHERE id = $1`,
    [msg.rows[0].id, answer.BizId, answer.Code, answer.Message, Math.round(performance.now() - started), new Date()],
  );
  return { code: 200, msg: 'success', data: { expires_in: 300, resend_in: 60 } };
});

app.post('/v1/sms/check_code', async (req) => {
  const b = req.body;
  const a = await appOf(b.appkey);
  md5(b.appkey + b.timestamp + 'secret');
  const phone = `${b.mcode}${b.mobile}`;
  const now = new Date();
  const h = hash(a.id, b.scene, phone, b.verify_code);
  const { rows } = await pool.query(
    `SELECT * FROM verification_codes WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 ORDER BY created_at DESC, id LIMIT 1`,
    [a.id, phone, b.scene],
  );
  const latest = rows[0];
  let result = 'not_found';
  if (latest && !latest.consumed_at && !latest.superseded_at) {
    if (latest.expires_at <= now) result = 'expired';
    else if (latest.attempts >= latest.max_attempts) result = 'attempts_exhausted';
    else if (latest.code_hash !== h) {
      await pool.query(
        `SELECT 1 FROM verification_codes WHERE app_id = $1 AND phone_e164 = $2 AND scene = $3 AND code_hash = $4 AND superseded_at IS NOT NULL LIMIT 1`,
        [a.id, phone, b.scene, h],
      );
      await pool.query(
        `UPDATE verification_codes SET attempts = attempts + 1
         WHERE id = $1 AND consumed_at IS NULL AND superseded_at IS NULL AND expires_at > $2 AND attempts < max_attempts`,
        [latest.id, now],
      );
      result = 'wrong_code';
    } else {
      const c = await pool.query(`UPDATE verification_codes SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL RETURNING id`, [latest.id, now]);
      result = c.rows.length ? 'approved' : 'not_found';
    }
  }
  return { code: 200, msg: 'success', data: { result } };
});

app.get('/health/ready', async () => ({ ok: true }));
await app.listen({ port: Number(PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => app.close().then(() => pool.end()).then(() => process.exit(0)));
