import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import pg from 'pg';
import { FakeAliyun } from '../support/fake-aliyun.js';
import { freePort } from '../support/free-port.js';
import { POSTGRES_URL } from '../support/test-database.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { createAliyunApp, FAKE_AK, FAKE_SECRET, postJson, signed } from './support/v1-client.js';

const TIMEOUT_MS = 3000;

/** An instance killed (SIGKILL) while its webhook request is in flight: another instance delivers the event. */
(POSTGRES_URL ? describe : describe.skip)('a webhook delivery whose instance dies mid-request', () => {
  let cluster: Cluster;
  let fake: FakeAliyun;
  let receiver: Server;
  let db: pg.Client;
  const received: Array<{ headers: IncomingHttpHeaders; status: number | 'held' }> = [];
  let firstArrived!: () => void;
  const first = new Promise<void>((resolve) => (firstArrived = resolve));

  beforeAll(async () => {
    fake = await FakeAliyun.start({ [FAKE_AK]: FAKE_SECRET });
    // Holds the first request unanswered (the sender dies meanwhile); accepts every later one.
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (!received.length) {
          received.push({ headers: req.headers, status: 'held' });
          res.on('error', () => undefined);
          firstArrived();
          return;
        }
        received.push({ headers: req.headers, status: 204 });
        res.writeHead(204).end();
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    cluster = await startCluster(1, {
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_RETRY_DELAY_S: '1',
      WEBHOOK_POLL_INTERVAL_MS: '500',
      WEBHOOK_MAINTENANCE_INTERVAL_S: '1',
      WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1', // the receiver above
    });
    db = new pg.Client({ connectionString: cluster.db.url });
    await db.connect();
  }, 90_000);
  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
    await fake?.close();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('is delivered by another instance, once accepted, with the same webhook-id', async () => {
    const [a] = cluster.instances;
    const token = (await postJson(a.url, '/admin/login', { username: 'admin', password: cluster.adminPassword })).body.data!.access_token as string;
    const app = await createAliyunApp(a.url, token, fake, ['login']);
    const endpoint = await postJson(a.url, `/admin/apps/${app.id}/webhook-endpoints`, { url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`, event_types: ['verification.sent'] }, token);
    expect(endpoint.status).toBe(201);

    const sent = await postJson(a.url, '/v1/sms/verify_code', signed(app, { mcode: '+86', mobile: '13912340001', scene: 'login' }));
    expect(sent.body.code).toBe(200);
    await first;
    const exited = new Promise((resolve) => a.process.once('exit', resolve));
    a.process.kill('SIGKILL');
    await exited;
    const [before] = (await db.query(`SELECT status, attempts FROM webhook_deliveries WHERE app_id = $1`, [app.id])).rows;
    expect(before).toEqual({ status: 'pending', attempts: 0 });

    // The job stays active until its expiry (timeout + margin); the new instance's maintenance then retries it.
    await cluster.add();
    const deadline = Date.now() + 60_000;
    while (!received.some((r) => r.status === 204)) {
      if (Date.now() > deadline) throw new Error(`not redelivered: ${JSON.stringify(received.map((r) => r.status))}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(received.map((r) => r.status)).toEqual(['held', 204]);
    expect(received[1].headers['webhook-id']).toBe(received[0].headers['webhook-id']);
    // The row is written once the answer is read.
    const row = async () => (await db.query(`SELECT status, attempts, event_id FROM webhook_deliveries WHERE app_id = $1`, [app.id])).rows[0];
    while ((await row()).status !== 'delivered' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await row()).toEqual({ status: 'delivered', attempts: 1, event_id: received[0].headers['webhook-id'] });
  }, 90_000);
});
