import { createServer, type Server } from 'node:http';
import { freePort } from './support/free-port.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, signParams } from './support/v1.js';

/** A tenant's endpoint that accepts every event after `delayMs`, counting the POSTs it holds at once. */
class CountingReceiver {
  readonly ids: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private server?: Server;
  url = '';

  constructor(private readonly delayMs: number) {}

  async start(): Promise<this> {
    const port = await freePort();
    this.server = createServer((req, res) => {
      this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          this.inFlight--;
          this.ids.push(String(req.headers['webhook-id']));
          res.writeHead(204).end();
        }, this.delayMs),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}/hooks`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

async function until(what: () => string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * An outside load test found deliveries capped at WEBHOOK_CONCURRENCY per
 * WEBHOOK_POLL_INTERVAL_MS (2 a second per instance by default) with a receiver
 * that answered at once: every worker loop waited out the interval after each
 * job, and the backlog grew by thousands. The interval is how often an idle
 * instance asks; one that finds work asks again at once.
 */
describe('webhook deliveries: a backlog drains at the receiver\'s pace, not one job per worker per poll interval', () => {
  const env = { WEBHOOK_POLL_INTERVAL_MS: '60000', WEBHOOK_CONCURRENCY: '4', WEBHOOK_RETRY_DELAY_S: '1', WEBHOOK_TIMEOUT_MS: '2000' };
  const receiver = new CountingReceiver(20);
  /** The instance running now: the first, then the second on its database. */
  let running: TestApp | undefined;

  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await running?.close();
    await receiver.stop();
  });

  it('delivers 40 queued events within seconds, with a poll interval of a minute, never more than WEBHOOK_CONCURRENCY at once', async () => {
    // The first instance's workers asked once as it started, found nothing, and sleep out the minute: the deliveries queue up.
    const first = await startTestApp({ override: withRecordingSms(new RecordingSmsProvider()), env });
    running = first;
    const admin = { authorization: `Bearer ${await first.adminToken()}` };
    const app = await createSmsApp(first, { login_config: { enabled: true }, code_policy: { per_ip_hourly: 1000 } });
    await first.http.post(`/admin/apps/${app.id}/webhook-endpoints`).set(admin).send({ url: receiver.url, event_types: ['verification.sent'] }).expect(201);
    for (let i = 0; i < 40; i++) {
      const res = await first.http.post('/v1/login/verify_code').send({ ...signParams(first, app), mcode: '+86', mobile: `1370000${String(i).padStart(4, '0')}` }).expect(200);
      expect(res.body).toEqual({ code: 200, msg: 'success' });
    }
    const pending = await first.http.get(`/admin/apps/${app.id}/webhook-deliveries?status=pending`).set(admin).expect(200);
    expect(pending.body.data.total).toBe(40);
    expect(receiver.ids).toHaveLength(0);
    running = undefined;
    await first.close(true);

    // A new instance asks at start; only asking again at once after each job can deliver all 40 before its next poll.
    const second = await startTestApp({ db: first.db, override: withRecordingSms(new RecordingSmsProvider()), env });
    running = second;
    await until(() => `the backlog delivered (${receiver.ids.length} of 40)`, () => receiver.ids.length >= 40, 20_000);
    const token = { authorization: `Bearer ${await second.adminToken()}` };
    const delivered = await second.http.get(`/admin/apps/${app.id}/webhook-deliveries?status=delivered`).set(token).expect(200);
    expect(delivered.body.data.total).toBe(40);
    // Each event once, and the concurrency bound held.
    expect(new Set(receiver.ids).size).toBe(40);
    expect(receiver.ids).toHaveLength(40);
    expect(receiver.maxInFlight).toBeLessThanOrEqual(4);
  }, 60_000);
});
