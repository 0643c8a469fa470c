import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { DataSource } from 'typeorm';
import { type CreatedApp } from './support/admin.js';
import { freePort } from './support/free-port.js';
import { FailingSmsProvider, withRecordingSms } from './support/sms.js';
import { itRaces, raceBehindLock, warmPool } from './support/race.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, loginWithSms, signParams } from './support/v1.js';

/** What the receiver saw of one POST, and what it answered. */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/**
 * A tenant's webhook endpoint on 127.0.0.1: answers 500 to the first `failFirst`
 * attempts of each webhook-id (every attempt, with Infinity), 204 after.
 */
class Receiver {
  readonly received: Received[] = [];
  private server?: Server;
  url = '';

  constructor(
    private readonly failFirst: number,
    private readonly failBody = 'try again later',
  ) {}

  async start(): Promise<this> {
    const port = await freePort();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        const seen = this.received.filter((r) => r.headers['webhook-id'] === id).length;
        const status = seen < this.failFirst ? 500 : 204;
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 500 ? this.failBody : undefined);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}/hooks`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  ofType(type: string): Received[] {
    return this.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === type);
  }

  accepted(): Received[] {
    return this.received.filter((r) => r.status < 300);
  }
}

/** Standard Webhooks verification, written here independently of the server's signer. */
function verifies(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`).digest('base64');
  return String(r.headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('webhooks to tenant apps', () => {
  const sms = new FailingSmsProvider();
  let t: TestApp;
  let token: string;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      override: withRecordingSms(sms),
      env: { METRICS_TOKEN: 'metrics-token-0123456789', WEBHOOK_RETRY_DELAY_S: '1', WEBHOOK_RETRY_LIMIT: '4', WEBHOOK_POLL_INTERVAL_MS: '500', WEBHOOK_DISABLE_AFTER_FAILURES: '5', WEBHOOK_TIMEOUT_MS: '2000' },
    });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t?.close();
    for (const r of receivers) await r.stop();
  });

  const admin = () => ({ authorization: `Bearer ${token}` });
  const db = () => t.app.get(DataSource);

  async function receiver(failFirst: number, failBody?: string): Promise<Receiver> {
    const r = await new Receiver(failFirst, failBody).start();
    receivers.push(r);
    return r;
  }

  async function appWithEndpoint(r: Receiver, eventTypes: string[], codePolicy: Record<string, number> = {}): Promise<{ app: CreatedApp; endpoint: { id: string; secret: string } }> {
    const app = await createSmsApp(t, { login_config: { enabled: true }, code_policy: { per_ip_hourly: 1000, ...codePolicy } });
    const res = await t.http.post(`/admin/apps/${app.id}/webhook-endpoints`).set(admin()).send({ url: r.url, event_types: eventTypes }).expect(201);
    return { app, endpoint: res.body.data };
  }

  async function sendCode(app: CreatedApp, mobile: string) {
    return t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile }).expect(200);
  }

  it('delivers each event once accepted, retrying a failing endpoint with the same webhook-id, signed', async () => {
    const r = await receiver(2);
    const { app, endpoint } = await appWithEndpoint(r, ['user.registered', 'verification.sent']);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const { uid } = await loginWithSms(t, sms, app, '13700000001');

    await until('both events accepted', () => r.accepted().length === 2);
    for (const type of ['verification.sent', 'user.registered']) {
      const attempts = r.ofType(type);
      expect(attempts.map((a) => a.status)).toEqual([500, 500, 204]);
      expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
      for (const a of attempts) {
        expect(verifies(endpoint.secret, a)).toBe(true);
        expect(Math.abs(Number(a.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
        expect(a.headers['content-type']).toBe('application/json');
      }
    }
    const registered = JSON.parse(r.ofType('user.registered')[0].body);
    expect(registered).toEqual({ type: 'user.registered', timestamp: expect.any(String), data: { user_id: String(uid), phone: '+8613700000001' } });
    expect(JSON.parse(r.ofType('verification.sent')[0].body).data).toMatchObject({ scene: 'login', phone: '+8613700000001', verification_id: expect.any(String) });
    // A signature made with another secret does not verify: the check above can fail.
    expect(verifies('whsec_' + Buffer.alloc(24).toString('base64'), r.accepted()[0])).toBe(false);

    const list = await t.http.get(`/admin/apps/${app.id}/webhook-deliveries`).set(admin()).expect(200);
    expect(list.body.data.total).toBe(2);
    for (const d of list.body.data.items) {
      expect(d).toMatchObject({ endpoint_id: endpoint.id, status: 'delivered', attempts: 3, last_status_code: 204, last_error: null, delivered_at: expect.any(String) });
    }
    const eventIds = list.body.data.items.map((d: { event_id: string }) => d.event_id).sort();
    expect(eventIds).toEqual(r.accepted().map((a) => a.headers['webhook-id']).sort());
    // The run of failures ended with the accepted attempts.
    const [row] = await db().query(`SELECT consecutive_failures FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
    expect(row.consecutive_failures).toBe(0);
  }, 40_000);

  it('sends nothing for a refused send: the cooldown, or a cap, rolls back the code, its send-log row and its event', async () => {
    const r = await receiver(0);
    const { app } = await appWithEndpoint(r, ['verification.sent']);
    // A cap that refuses fails the slot's statement, in the transaction that wrote the event.
    const { app: capped } = await appWithEndpoint(r, ['verification.sent'], { per_app_daily: 1 });
    t.clock.advanceSeconds(61);
    expect((await sendCode(app, '13700000002')).body).toEqual({ code: 200, msg: 'success' });
    expect((await sendCode(app, '13700000002')).body.code).not.toBe(200);
    expect((await sendCode(capped, '13700000091')).body).toEqual({ code: 200, msg: 'success' });
    expect((await sendCode(capped, '13700000092')).body.code).not.toBe(200);
    await until('the first events', () => r.accepted().length === 2);
    // Long enough for a wrongly committed third event to have gone out too (attempts start within a poll).
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.received).toHaveLength(2);
    const [{ n }] = await db().query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE app_id = ANY($1)`, [[app.id, capped.id]]);
    expect(n).toBe(2);
    const [{ rows }] = await db().query(`SELECT count(*)::int AS rows FROM sms_messages WHERE phone = ANY($1)`, [['+8613700000002', '+8613700000091', '+8613700000092']]);
    expect(rows).toBe(2);
  }, 20_000);

  it('publishes only the subscribed types, to enabled endpoints: none for an app without endpoints', async () => {
    const r = await receiver(0);
    const { app, endpoint } = await appWithEndpoint(r, ['user.deregistered']);
    const { token: userToken } = await loginWithSms(t, sms, app, '13700000003');
    await t.http.post('/v1/user/cancel').set({ authorization: `Bearer ${userToken}` }).expect(200, { code: 200, msg: 'success' });
    await until('the deregistration', () => r.accepted().length === 1);
    expect(JSON.parse(r.received[0].body)).toMatchObject({ type: 'user.deregistered', data: { user_id: expect.any(String) } });

    await t.http.patch(`/admin/apps/${app.id}/webhook-endpoints/${endpoint.id}`).set(admin()).send({ status: 'disabled' }).expect(200);
    await loginWithSms(t, sms, app, '13700000004');
    const other = await createSmsApp(t, { login_config: { enabled: true } });
    await loginWithSms(t, sms, other, '13700000005');
    const [{ n }] = await db().query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE app_id = ANY($1)`, [[app.id, other.id]]);
    expect(n).toBe(1);
  }, 20_000);

  it('manages endpoints through the admin API: no secret in lists, rotation signs anew, redelivery keeps the id, all audited', async () => {
    const r = await receiver(0);
    const { app, endpoint } = await appWithEndpoint(r, ['verification.sent']);
    const listed = await t.http.get(`/admin/apps/${app.id}/webhook-endpoints`).set(admin()).expect(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: endpoint.id, url: r.url, event_types: ['verification.sent'], status: 'enabled' })]);
    expect(JSON.stringify(listed.body)).not.toContain(endpoint.secret.slice(6, 20));
    const [stored] = await db().query(`SELECT secret_enc FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
    expect(stored.secret_enc).not.toContain(endpoint.secret.slice(6));

    t.clock.advanceSeconds(61);
    await sendCode(app, '13700000006');
    await until('the event', () => r.accepted().length === 1);
    expect(verifies(endpoint.secret, r.received[0])).toBe(true);

    const rotated = await t.http.post(`/admin/apps/${app.id}/webhook-endpoints/${endpoint.id}/rotate-secret`).set(admin()).expect(200);
    const secret = rotated.body.data.secret as string;
    expect(secret).not.toBe(endpoint.secret);
    const [delivery] = (await t.http.get(`/admin/apps/${app.id}/webhook-deliveries?status=delivered`).set(admin()).expect(200)).body.data.items;
    const again = await t.http.post(`/admin/apps/${app.id}/webhook-deliveries/${delivery.id}/redeliver`).set(admin()).expect(200);
    expect(again.body.data).toMatchObject({ id: delivery.id, status: 'pending' });
    await until('the redelivery', () => r.accepted().length === 2);
    expect(r.received[1].headers['webhook-id']).toBe(r.received[0].headers['webhook-id']);
    expect(verifies(secret, r.received[1])).toBe(true);
    expect(verifies(endpoint.secret, r.received[1])).toBe(false);

    await t.http.post(`/admin/apps/${app.id}/webhook-deliveries/00000000-0000-4000-8000-000000000000/redeliver`).set(admin()).expect(404);
    await t.http.patch(`/admin/apps/${app.id}/webhook-endpoints/not-a-uuid`).set(admin()).send({ url: r.url }).expect(404);
    await t.http.post(`/admin/apps/${app.id}/webhook-endpoints`).set(admin()).send({ url: 'ftp://example.com', event_types: ['verification.sent'] }).expect(400);
    await t.http.post(`/admin/apps/${app.id}/webhook-endpoints`).set(admin()).send({ url: r.url, event_types: ['no.such'] }).expect(400);
    await t.http.delete(`/admin/apps/${app.id}/webhook-endpoints/${endpoint.id}`).set(admin()).expect(200);
    expect((await t.http.get(`/admin/apps/${app.id}/webhook-endpoints`).set(admin()).expect(200)).body.data).toEqual([]);

    const audit = await t.http.get(`/admin/audit-log?target_id=${endpoint.id}`).set(admin()).expect(200);
    expect(audit.body.data.items.map((e: { action: string }) => e.action).sort()).toEqual(['webhook_endpoint.create', 'webhook_endpoint.delete', 'webhook_endpoint.rotate_secret']);
    const redelivered = await t.http.get(`/admin/audit-log?target_id=${delivery.id}`).set(admin()).expect(200);
    expect(redelivered.body.data.items).toEqual([expect.objectContaining({ action: 'webhook_delivery.redeliver' })]);
  }, 30_000);

  it('reports a phone change, and a send the provider refused as sent then failed, with one verification id', async () => {
    const r = await receiver(0);
    const { app } = await appWithEndpoint(r, ['user.phone_changed', 'verification.sent', 'verification.failed']);
    const { token: userToken, uid } = await loginWithSms(t, sms, app, '13700000201');
    const auth = { authorization: `Bearer ${userToken}` };
    await t.http.post('/v1/user/verify_code').set(auth).send({ mcode: '+86', mobile: '13700000202' }).expect(200, { code: 200, msg: 'success' });
    await t.http.post('/v1/user/mobile').set(auth).send({ mcode: '+86', mobile: '13700000202', verify_code: sms.lastCodeFor('+8613700000202') }).expect(200, { code: 200, msg: 'success' });
    await until('the phone change', () => r.ofType('user.phone_changed').length === 1);
    expect(JSON.parse(r.ofType('user.phone_changed')[0].body).data).toEqual({ user_id: String(uid), phone: '+8613700000202' });

    sms.fail = 'SMS_PROVIDER_REJECTED';
    try {
      t.clock.advanceSeconds(61);
      expect((await sendCode(app, '13700000203')).body.code).not.toBe(200);
    } finally {
      sms.fail = null;
    }
    await until('the failure', () => r.ofType('verification.failed').length === 1);
    const failed = JSON.parse(r.ofType('verification.failed')[0].body).data;
    expect(failed).toMatchObject({ scene: 'login', phone: '+8613700000203', reason: 'sms_not_sent' });
    const sent = r.ofType('verification.sent').map((x) => JSON.parse(x.body).data).filter((d) => d.phone === '+8613700000203');
    expect(sent).toEqual([expect.objectContaining({ verification_id: failed.verification_id })]);
  }, 20_000);

  it('reports an approved code and a code whose last attempt a wrong guess spent, once each, with the verification id of its send', async () => {
    const r = await receiver(0);
    const { app } = await appWithEndpoint(r, ['verification.sent', 'verification.approved', 'verification.failed']);
    const check = (mobile: string, code: string) =>
      t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), scene: 'login', mcode: '+86', mobile, verify_code: code }).expect(200);

    await loginWithSms(t, sms, app, '13700000201');
    await until('sent and approved', () => r.accepted().length === 2);
    const sent = JSON.parse(r.ofType('verification.sent')[0].body).data;
    expect(JSON.parse(r.ofType('verification.approved')[0].body)).toEqual({
      type: 'verification.approved',
      timestamp: expect.any(String),
      data: { verification_id: sent.verification_id, scene: 'login', phone: '+8613700000201' },
    });

    // Eight wrong guesses at once at a code of five attempts: one of them spends the last.
    t.clock.advanceSeconds(61);
    await sendCode(app, '13700000202');
    const right = sms.lastCodeFor('+8613700000202')!;
    const wrong = right === '000000' ? '111111' : '000000';
    const results = await Promise.all(Array.from({ length: 8 }, () => check('13700000202', wrong)));
    // Five counted, each answering wrong_code; the rest attempts_exhausted, or on Postgres wrong_code too when
    // they read the code before the last attempt went (under load all eight may have).
    const answers = results.map((res) => res.body.data.result as string);
    expect(answers.every((a) => a === 'wrong_code' || a === 'attempts_exhausted')).toBe(true);
    expect(answers.filter((a) => a === 'wrong_code').length).toBeGreaterThanOrEqual(5);
    expect((await check('13700000202', right)).body.data.result).toBe('attempts_exhausted');
    await until('the failure', () => r.ofType('verification.failed').length === 1);
    await new Promise((res) => setTimeout(res, 1500));
    const failed = r.ofType('verification.failed').map((f) => JSON.parse(f.body).data);
    const secondSent = JSON.parse(r.ofType('verification.sent')[1].body).data;
    expect(failed).toEqual([{ verification_id: secondSent.verification_id, scene: 'login', phone: '+8613700000202', reason: 'attempts_exhausted' }]);
    expect(r.ofType('verification.approved')).toHaveLength(1);
  }, 30_000);

  it('costs a send of an app without endpoints no query while its (empty) subscriptions are cached: one lookup per app per 30 s', async () => {
    const lookups = async () => {
      const text = (await t.http.get('/metrics').set('authorization', 'Bearer metrics-token-0123456789').expect(200)).text;
      const count = (result: string) => Number(new RegExp(`passcode_cache_lookups_total\\{cache="webhook_endpoints",result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { hit: count('hit'), miss: count('miss') };
    };
    const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1000 } });
    const before = await lookups();
    for (let i = 0; i < 5; i++) expect((await sendCode(app, `1370000030${i}`)).body).toEqual({ code: 200, msg: 'success' });
    const after = await lookups();
    expect({ hit: after.hit - before.hit, miss: after.miss - before.miss }).toEqual({ hit: 4, miss: 1 });
    t.clock.advanceSeconds(31);
    await sendCode(app, '13700000310');
    expect((await lookups()).miss - after.miss).toBe(1);
    const [{ n }] = await db().query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE app_id = $1`, [app.id]);
    expect(n).toBe(0);
  });

  it('records a failed attempt whose answer holds what Postgres cannot store: shown made fit, counted against the endpoint', async () => {
    // A NUL in the excerpt failed the attempt's record: the delivery stayed pending with no attempt counted, silently.
    const r = await receiver(Infinity, 'error\u0000with nul \u001b[31mred');
    const { app, endpoint } = await appWithEndpoint(r, ['verification.sent']);
    t.clock.advanceSeconds(61);
    await sendCode(app, '13700000201');
    const deliveries = async () => (await t.http.get(`/admin/apps/${app.id}/webhook-deliveries`).set(admin()).expect(200)).body.data.items as Array<Record<string, unknown>>;
    await until('the first attempt recorded', async () => ((await deliveries())[0]?.attempts as number) >= 1);
    expect((await deliveries())[0]).toMatchObject({ last_status_code: 500, last_error: 'HTTP 500: error\ufffdwith nul \ufffd[31mred' });
    const [row] = await db().query(`SELECT consecutive_failures FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
    expect(row.consecutive_failures).toBeGreaterThanOrEqual(1);
    expect(t.logs.text()).not.toContain('webhook attempt not recorded');
  }, 30_000);

  it('disables an endpoint after repeated failures, with an audit entry, and gives up its pending deliveries', async () => {
    const r = await receiver(Infinity);
    const { app, endpoint } = await appWithEndpoint(r, ['verification.sent']);
    t.clock.advanceSeconds(61);
    for (let i = 0; i < 5; i++) await sendCode(app, `1370000010${i}`);
    await until('the endpoint disabled', async () => {
      const res = await t.http.get(`/admin/apps/${app.id}/webhook-endpoints`).set(admin()).expect(200);
      return res.body.data[0].status === 'disabled';
    });
    const [e] = (await t.http.get(`/admin/apps/${app.id}/webhook-endpoints`).set(admin()).expect(200)).body.data;
    expect(e).toMatchObject({ status: 'disabled', disabled_reason: '5 failed attempts in a row', consecutive_failures: 5 });
    const audit = await t.http.get(`/admin/audit-log?target_id=${endpoint.id}&action=webhook_endpoint.disable`).set(admin()).expect(200);
    expect(audit.body.data.items).toEqual([expect.objectContaining({ operator: 'system', details: expect.objectContaining({ last_status_code: 500 }) })]);

    const failed = await t.http.get(`/admin/apps/${app.id}/webhook-deliveries`).set(admin()).expect(200);
    expect(failed.body.data.items).toHaveLength(5);
    // Each was answered 500 once; a retry that already found the endpoint disabled says so instead (a loaded machine looks late).
    for (const d of failed.body.data.items) {
      expect(d).toMatchObject({ last_status_code: 500, last_error: expect.stringMatching(/^(HTTP 500: try again later|endpoint disabled)$/) });
    }
    // Their retries find the endpoint disabled: each delivery ends failed without another request.
    await until('the retries given up', async () => {
      const res = await t.http.get(`/admin/apps/${app.id}/webhook-deliveries?status=failed`).set(admin()).expect(200);
      return res.body.data.total === 5;
    });
    expect(r.received).toHaveLength(5);
  }, 30_000);
});

describe('webhook targets: no delivery to an internal address unless WEBHOOK_ALLOWED_NETWORKS lists it', () => {
  const quick = { WEBHOOK_RETRY_DELAY_S: '1', WEBHOOK_RETRY_LIMIT: '0', WEBHOOK_POLL_INTERVAL_MS: '500', WEBHOOK_TIMEOUT_MS: '2000' };
  const receivers: Receiver[] = [];
  afterAll(async () => {
    for (const r of receivers) await r.stop();
  });

  async function startWith(allowed: string, db?: TestApp['db']): Promise<{ t: TestApp; admin: { authorization: string } }> {
    const t = await startTestApp({ db, override: withRecordingSms(new FailingSmsProvider()), env: { ...quick, WEBHOOK_ALLOWED_NETWORKS: allowed } });
    return { t, admin: { authorization: `Bearer ${await t.adminToken()}` } };
  }

  async function sendCode(t: TestApp, app: CreatedApp, mobile: string): Promise<void> {
    await t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile }).expect(200);
  }

  it('refuses, when an endpoint is saved, a URL whose host is a loopback, private, link-local or embedded-IPv4 address, or localhost', async () => {
    const { t, admin } = await startWith('');
    try {
      const app = await createSmsApp(t, { login_config: { enabled: true } });
      const hooks = `/admin/apps/${app.id}/webhook-endpoints`;
      const refused = [
        'http://127.0.0.1:9/hooks',
        'http://0x7f000001:9/hooks', // 127.0.0.1 as one hexadecimal number, as the URL parser (and so the connection) reads it
        'http://localhost:9/hooks',
        'http://tenant.localhost:9/hooks',
        'http://[::1]:9/hooks',
        'http://[::ffff:127.0.0.1]:9/hooks', // IPv4-mapped
        'http://[64:ff9b::7f00:1]:9/hooks', // NAT64 of 127.0.0.1
        'http://0.0.0.0:9/hooks',
        'http://10.1.2.3/hooks',
        'http://172.16.0.1/hooks',
        'http://192.168.1.1/hooks',
        'http://100.64.0.1/hooks',
        'http://169.254.169.254/latest/meta-data/',
        'http://[fe80::1]/hooks',
        'http://[fd00::1]/hooks',
      ];
      for (const url of refused) {
        const res = await t.http.post(hooks).set(admin).send({ url, event_types: ['verification.sent'] });
        expect({ url, status: res.status, code: res.body.code, field: res.body.data?.field }).toEqual({ url, status: 400, code: 'VALIDATION_FAILED', field: 'url' });
        expect(res.body.msg).toMatch(/^url must not point at an internal address \(\w+\); WEBHOOK_ALLOWED_NETWORKS lists the networks webhooks may reach$/);
      }
      // Other spellings of 127.0.0.1 are not URLs to the DTO's rule: refused before the address is looked at;
      // nor is an IPv6 literal with a zone to Node's URL parser (it passed the DTO's rule, then was a 500).
      // Nor is one with credentials in it: they were kept in the clear and shown to every role.
      for (const url of ['http://127.1:9/hooks', 'http://2130706433:9/hooks', 'http://017700000001/hooks', 'http://localhost.:9/hooks', 'http://[fe80::1%25lo]:9/hooks', 'https://user:HookPass@hooks.example.com/p']) {
        const res = await t.http.post(hooks).set(admin).send({ url, event_types: ['verification.sent'] });
        expect({ url, status: res.status, field: res.body.data?.field, msg: res.body.msg }).toEqual({ url, status: 400, field: 'url', msg: 'url must be an http or https URL, without credentials' });
        expect(JSON.stringify(res.body)).not.toContain('HookPass');
      }
      // Public addresses and names are saved; a name is judged again at each connection.
      const saved = await t.http.post(hooks).set(admin).send({ url: 'https://93.184.215.14/hooks', event_types: ['verification.sent'] }).expect(201);
      await t.http.post(hooks).set(admin).send({ url: 'https://hooks.example.com/passcode', event_types: ['verification.sent'] }).expect(201);
      const moved = await t.http.patch(`${hooks}/${saved.body.data.id}`).set(admin).send({ url: 'http://192.168.0.10/hooks' }).expect(400);
      expect(moved.body.data.field).toBe('url');
      expect((await t.http.get(hooks).set(admin).expect(200)).body.data.map((e: { url: string }) => e.url).sort()).toEqual(['https://93.184.215.14/hooks', 'https://hooks.example.com/passcode']);
    } finally {
      await t.close();
    }
  });

  it('refuses at connect time an endpoint saved while its network was allowed, by address or by a name that resolves to it; delivers once allowed', async () => {
    const r = await new Receiver(0).start();
    receivers.push(r);
    const byName = r.url.replace('127.0.0.1', 'localhost');
    // Saved while loopback was allowed, as an operator might have before narrowing the list.
    const first = await startWith('127.0.0.0/8,::1');
    let app: CreatedApp;
    try {
      app = await createSmsApp(first.t, { login_config: { enabled: true }, code_policy: { per_ip_hourly: 1000 } });
      for (const url of [r.url, byName]) {
        await first.t.http.post(`/admin/apps/${app.id}/webhook-endpoints`).set(first.admin).send({ url, event_types: ['verification.sent'] }).expect(201);
      }
    } finally {
      await first.t.close(true);
    }

    const strict = await startWith('', first.t.db);
    try {
      await sendCode(strict.t, app!, '13700000101');
      const deliveries = async () => (await strict.t.http.get(`/admin/apps/${app!.id}/webhook-deliveries`).set(strict.admin).expect(200)).body.data.items as Array<{ status: string; last_error: string | null; attempts: number }>;
      await until('both deliveries failed', async () => (await deliveries()).filter((d) => d.status === 'failed').length === 2);
      const errors = (await deliveries()).map((d) => d.last_error).sort();
      expect(errors).toEqual([
        'refused: 127.0.0.1 is an internal address (loopback), not in WEBHOOK_ALLOWED_NETWORKS',
        expect.stringMatching(/^refused: localhost \((127\.0\.0\.1|::1)\) is an internal address \(loopback\), not in WEBHOOK_ALLOWED_NETWORKS$/),
      ]);
      expect(r.received).toHaveLength(0);
    } finally {
      await strict.t.close(true);
    }

    // The same endpoints, loopback allowed again: both deliver (the refusal above was the rule, not a dead receiver).
    const again = await startWith('127.0.0.1,::1', first.t.db);
    try {
      await sendCode(again.t, app!, '13700000102');
      await until('both delivered', () => r.accepted().length === 2);
    } finally {
      await again.t.close();
    }
  });
});

describe('webhook endpoints per app: at most WEBHOOK_ENDPOINTS_PER_APP', () => {
  let t: TestApp;
  let admin: { authorization: string };
  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ENDPOINTS_PER_APP: '3' } });
    admin = { authorization: `Bearer ${await t.adminToken()}` };
  });
  afterAll(async () => t?.close());

  const create = (appId: string, n: number) =>
    t.http.post(`/admin/apps/${appId}/webhook-endpoints`).set(admin).send({ url: `https://hooks${n}.example.com/passcode`, event_types: ['verification.sent'] });
  const count = async (appId: string) => (await t.http.get(`/admin/apps/${appId}/webhook-endpoints`).set(admin).expect(200)).body.data.length as number;

  it('refuses one more with WEBHOOK_ENDPOINT_LIMIT (409), per app; a deleted one makes room', async () => {
    const [a, b] = [await createSmsApp(t), await createSmsApp(t)];
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await create(a.id, n).expect(201)).body.data.id);
    const refused = await create(a.id, 3).expect(409);
    expect(refused.body).toMatchObject({ code: 'WEBHOOK_ENDPOINT_LIMIT', msg: 'an app has at most 3 webhook endpoints (WEBHOOK_ENDPOINTS_PER_APP)' });
    expect(await count(a.id)).toBe(3);
    await create(b.id, 0).expect(201); // another app's budget is its own
    await t.http.delete(`/admin/apps/${a.id}/webhook-endpoints/${ids[0]}`).set(admin).expect(200);
    await create(a.id, 4).expect(201);
    await create(a.id, 5).expect(409);
  });

  itRaces('lets concurrent creates past the limit only as far as it goes', async () => {
    const app = await createSmsApp(t);
    await create(app.id, 0).expect(201);
    await warmPool(t);
    const { result, queued } = await raceBehindLock(t, { sql: 'SELECT 1 FROM apps WHERE id = $1 FOR UPDATE', params: [app.id] }, () =>
      Promise.all(Array.from({ length: 6 }, (_, n) => create(app.id, n + 1))),
      6,
    );
    expect(queued).toBeGreaterThan(1);
    expect(result.map((r) => r.status).sort()).toEqual([201, 201, 409, 409, 409, 409]);
    expect(await count(app.id)).toBe(3);
  });
});
