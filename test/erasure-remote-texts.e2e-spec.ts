import { createServer, type Server } from 'node:http';
import { DataSource } from 'typeorm';
import { RetentionPurge } from '../src/retention/retention-purge.js';
import { createApp, type CreatedApp } from './support/admin.js';
import { FakeTwilio } from './support/fake-twilio.js';
import { freePort } from './support/free-port.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signParams } from './support/v1.js';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'fake-twilio-auth-token-0001-do-not-leak';
const DAY_MS = 86_400_000;
/** Noon UTC of 2026-11-10: the purge, four days on, finds no row but the last test's past its window. */
const NOON = Date.UTC(2026, 10, 10, 12);

/** A provider's refusal quoting the number each way a remote text writes one: E.164, its digits, its national number. */
const refusalQuoting = (mobile: string) => `'To' number +86${mobile} is not a valid mobile number (86${mobile}, national ${mobile})`;
const REFUSAL_MASKED = "'To' number ~ is not a valid mobile number (~, national ~)";

/** A tenant's webhook endpoint that refuses every event with 422, echoing the request's body (and so its number) in its answer. */
class EchoingReceiver {
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    const port = await freePort();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.writeHead(422, { 'content-type': 'application/json' }).end(Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}/hooks`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/**
 * What a remote end writes about a number — a provider's refusal, a webhook
 * receiver's answer — is kept in the send log and the delivery records: it keeps
 * none of the number, as stored, and rows stored before it was masked lose it to
 * an erasure and to the purge's hashing.
 */
describe('a number quoted by a remote end', () => {
  let t: TestApp;
  let token: string;
  let twilio: FakeTwilio;
  let receiver: EchoingReceiver;
  let ds: DataSource;
  beforeAll(async () => {
    // Each delivery fails once, for good: its answer is the record's last error at once.
    t = await startTestApp({ env: { WEBHOOK_RETRY_LIMIT: '0', WEBHOOK_POLL_INTERVAL_MS: '500' } });
    t.clock.freezeAt(NOON);
    token = await t.adminToken();
    ds = t.app.get(DataSource);
    twilio = await FakeTwilio.start({ [SID]: TOKEN });
    receiver = await new EchoingReceiver().start();
  });
  afterAll(async () => {
    await t?.close();
    await twilio?.close();
    await receiver?.stop();
  });

  const admin = () => ({ authorization: `Bearer ${token}` });

  /** An app whose login codes go through Twilio, and whose `verification.*` events go to the echoing receiver. */
  async function quotedApp(body: Record<string, unknown> = {}): Promise<CreatedApp> {
    const account = await t.http
      .post('/admin/sms/accounts')
      .set(admin())
      .send({ name: 'Twilio', provider: 'twilio', credentials: { account_sid: SID, auth_token: TOKEN }, settings: { from: '+14155550100' }, endpoint: twilio.endpoint, protocol: 'http' })
      .expect(201);
    const accountId = account.body.data.id as string;
    const sig = await t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(admin()).send({ sign_name: 'Passcode' }).expect(201);
    const tpl = await t.http
      .post(`/admin/sms/accounts/${accountId}/templates`)
      .set(admin())
      .send({ template_code: 'login-en', scene: 'login', content: 'Your Passcode login code is ${code}.' })
      .expect(201);
    const app = await createApp(t, body, token);
    await t.http.put(`/admin/apps/${app.id}/sms/bindings/login`).set(admin()).send({ template_id: tpl.body.data.id, signature_id: sig.body.data.id }).expect(200);
    await t.http.post(`/admin/apps/${app.id}/webhook-endpoints`).set(admin()).send({ url: receiver.url, event_types: ['verification.sent', 'verification.failed'] }).expect(201);
    return app;
  }

  /** A login code to the number, which Twilio refuses quoting it; answers when the receiver has refused both events. */
  async function refusedSend(app: CreatedApp, mobile: string): Promise<void> {
    twilio.reply = { kind: 'error', status: 400, code: 21614, message: refusalQuoting(mobile) };
    const res = await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login' }).expect(200);
    expect(res.body.code).not.toBe(200);
    const deadline = Date.now() + 30_000;
    while ((await deliveries(app)).filter((d) => d.status === 'failed').length < 2) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the receiver to refuse both events');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const sendLog = async (app: CreatedApp) =>
    (await t.http.get('/admin/sms/messages').set(admin()).query({ app_id: app.id }).expect(200)).body.data.items as Array<{ phone: string; provider_message: string | null }>;
  const deliveries = async (app: CreatedApp) =>
    (await t.http.get(`/admin/apps/${app.id}/webhook-deliveries`).set(admin()).expect(200)).body.data.items as Array<{
      status: string;
      last_status_code: number | null;
      last_error: string | null;
      payload: { data: { phone: string } };
    }>;

  /** The send log and delivery records of the app as the code before masking stored them: with the number in the remote texts. */
  async function asStoredBeforeMasking(app: CreatedApp, mobile: string): Promise<void> {
    await ds.query(`UPDATE sms_messages SET provider_message = $2 WHERE app_id = $1`, [app.id, refusalQuoting(mobile)]);
    await ds.query(`UPDATE webhook_deliveries SET last_error = 'HTTP 422: ' || payload::text WHERE app_id = $1`, [app.id]);
    expect((await sendLog(app)).map((m) => m.provider_message)).toEqual([refusalQuoting(mobile)]);
    for (const d of await deliveries(app)) expect(d.last_error).toContain(`+86${mobile}`);
  }

  it("keeps none of it in a provider's refusal or a receiver's answer, as they are stored", async () => {
    const app = await quotedApp();
    const mobile = '13957246813';
    await refusedSend(app, mobile);

    const [row] = await sendLog(app);
    expect(row).toMatchObject({ phone: `+86${mobile}`, provider_message: expect.stringContaining(REFUSAL_MASKED) });
    const records = await deliveries(app);
    expect(records).toHaveLength(2);
    for (const d of records) {
      expect(d).toMatchObject({ status: 'failed', last_status_code: 422, payload: { data: { phone: `+86${mobile}` } } });
      // The receiver's echo is kept, but for the number.
      expect(d.last_error).toMatch(/^HTTP 422: \{.*"phone":"~".*"type":"verification\.(sent|failed)"/);
    }
    expect([row.provider_message, ...records.map((d) => d.last_error)].join('\n')).not.toContain(mobile.slice(-8));
  });

  it('takes it out of the remote texts of rows stored before that, when the number is erased', async () => {
    const app = await quotedApp();
    const mobile = '13957246815';
    await refusedSend(app, mobile);
    await asStoredBeforeMasking(app, mobile);

    const erased = await t.http.post('/admin/erasures').set(admin()).send({ phone: `+86${mobile}`, app_id: app.id }).expect(200);
    expect(erased.body.data.erased).toMatchObject({ sms_messages: 1, webhook_deliveries: 2 });
    expect(await sendLog(app)).toEqual([expect.objectContaining({ phone: 'erased', provider_message: REFUSAL_MASKED })]);
    for (const d of await deliveries(app)) {
      expect(d.payload.data.phone).toBe('erased');
      expect(d.last_error).toMatch(/^HTTP 422: \{.*"phone": "~"/);
      expect(d.last_error).not.toContain(mobile.slice(-8));
    }
  });

  it('takes it out of the remote texts of rows stored before that, when the purge hashes the number', async () => {
    const app = await quotedApp({ retention: { send_log_hash_days: 3 } });
    const mobile = '13957246814';
    await refusedSend(app, mobile);
    await asStoredBeforeMasking(app, mobile);

    t.clock.advance(4 * DAY_MS);
    const report = await t.app.get(RetentionPurge).run();
    expect(report.hashed).toMatchObject({ sms_messages: 1, webhook_deliveries: 2 });
    expect(await sendLog(app)).toEqual([expect.objectContaining({ phone: expect.stringMatching(/^h:/), provider_message: REFUSAL_MASKED })]);
    for (const d of await deliveries(app)) {
      expect(d.payload.data.phone).toMatch(/^h:/);
      expect(d.last_error).toMatch(/^HTTP 422: \{.*"phone": "~"/);
      expect(d.last_error).not.toContain(mobile.slice(-8));
    }
  });
});
