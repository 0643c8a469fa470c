import { createServer } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { DELIVERY_DEADLINE_MS, DeliveryPoller } from '../src/sms/delivery-poller.js';
import { chinaDate } from '../src/sms/providers/china-time.js';
import { createApp, type CreatedApp } from './support/admin.js';
import { FakeAliyun } from './support/fake-aliyun.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { NEEDS_POSTGRES, SHARED_POSTGRES_URL } from './support/test-database.js';
import { signParams } from './support/v1.js';

const AK = 'LTAI5tFakeKeyId0001';
const SECRET = 'fake-secret-0001-do-not-leak';
const AK2 = 'LTAI5tFakeKeyId0002';
const SECRET2 = 'fake-secret-0002-do-not-leak';
const METRICS_TOKEN = 'metrics-token-0123456789';

type Row = Record<string, unknown>;

/** Helpers over one running app and one fake Aliyun. */
/** `yyyy-MM-dd HH:mm:ss` in China time, as Aliyun writes times. */
const chinaTime = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
/** The instant of such a time, as an ISO string (what the send log shows). */
const fromChinaTime = (s: string) => new Date(`${s.replace(' ', 'T')}+08:00`).toISOString();

function receiptsKit(getT: () => TestApp, getFake: () => FakeAliyun) {
  let token = '';
  let seq = 0;
  const auth = async () => ({ authorization: `Bearer ${(token ||= await getT().adminToken())}` });
  const nextMobile = () => `1390000${String(++seq).padStart(4, '0')}`;

  /** An aliyun account on the fake with a signature and a login template, bound to a new app. */
  async function aliyunApp(creds = { id: AK, secret: SECRET }): Promise<{ app: CreatedApp; accountId: string }> {
    const t = getT();
    const h = await auth();
    const account = await t.http
      .post('/admin/sms/accounts')
      .set(h)
      .send({ name: 'Aliyun', provider: 'aliyun', access_key_id: creds.id, access_key_secret: creds.secret, endpoint: getFake().endpoint, protocol: 'http' })
      .expect(201);
    const accountId = account.body.data.id as string;
    const sig = await t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(h).send({ sign_name: '在行云' }).expect(201);
    const tpl = await t.http.post(`/admin/sms/accounts/${accountId}/templates`).set(h).send({ template_code: 'SMS_100000001', scene: 'login' }).expect(201);
    const app = await createApp(t, {}, token);
    await t.http.put(`/admin/apps/${app.id}/sms/bindings/login`).set(h).send({ template_id: tpl.body.data.id, signature_id: sig.body.data.id }).expect(200);
    return { app, accountId };
  }

  /** Sends a login code to a fresh number; answers the number and its send-log row. */
  async function send(app: CreatedApp): Promise<{ mobile: string; row: Row }> {
    const t = getT();
    const mobile = nextMobile();
    const res = await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login' }).expect(200);
    expect(res.body).toMatchObject({ code: 200 });
    const [row] = (await t.app.get(DataSource).query('SELECT * FROM sms_messages WHERE app_id = $1 AND phone = $2', [app.id, `+86${mobile}`])) as Row[];
    expect(row).toMatchObject({ status: 'sent', delivery_status: 'pending', biz_id: expect.any(String) });
    return { mobile, row };
  }

  /** Sends `n` login codes to fresh numbers, each reported delivered when the poller asks about it. */
  async function sendDelivered(app: CreatedApp, n: number): Promise<Array<{ mobile: string; row: Row }>> {
    const sent = [];
    for (let i = 0; i < n; i++) sent.push(await send(app));
    const receiveDate = chinaTime(new Date(getT().clock.nowMs() + 3000));
    for (const { row } of sent) getFake().deliveries.set(row.biz_id as string, { sendStatus: 3, errCode: 'DELIVERED', receiveDate });
    return sent;
  }

  /** The row as the admin send log shows it, filtered by delivery status when given. */
  async function logged(appId: string, deliveryStatus?: string): Promise<Row[]> {
    const t = getT();
    const query = { app_id: appId, ...(deliveryStatus ? { delivery_status: deliveryStatus } : {}) };
    const res = await t.http.get('/admin/sms/messages').query(query).set(await auth()).expect(200);
    return res.body.data.items as Row[];
  }

  async function issueToken(accountId: string): Promise<string> {
    const res = await getT().http.post(`/admin/sms/accounts/${accountId}/receipt-token`).set(await auth()).expect(200);
    expect(res.body.data).toMatchObject({ account_id: accountId, token: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
    expect(res.body.data.receipt_path).toBe(`/sms/receipts/aliyun/${accountId}/${res.body.data.token}`);
    return res.body.data.receipt_path as string;
  }

  /** A report as Aliyun pushes it, received now (to the second: a time before the send is read as the send's, and a later one as now). */
  const report = (mobile: string, bizId: unknown, over: Record<string, unknown> = {}) => ({
    phone_number: mobile, send_time: chinaTime(getT().clock.now()), report_time: chinaTime(getT().clock.now()), success: true,
    err_code: 'DELIVERED', err_msg: '用户接收成功', sms_size: '1', biz_id: bizId, out_id: '', ...over,
  });

  return { aliyunApp, send, sendDelivered, logged, issueToken, report, auth };
}

describe('sms delivery receipts (Aliyun)', () => {
  let t: TestApp;
  let fake: FakeAliyun;
  const kit = receiptsKit(() => t, () => fake);
  const poll = () => t.app.get(DeliveryPoller).poll();
  const scrape = async () => (await t.http.get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
  const metric = (text: string, line: string) => {
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found ? Number(found.slice(line.length + 1)) : 0;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN } });
    fake = await FakeAliyun.start({ [AK]: SECRET, [AK2]: SECRET2 });
  });
  afterAll(async () => {
    await fake.close();
    await t.close();
  });
  beforeEach(() => {
    t.clock.reset();
    t.clock.toNextUtcNoon();
  });

  it('a poll records a delivery: QuerySendDetails by number, BizId and send date in China time, once the carrier has reported', async () => {
    const { app, accountId } = await kit.aliyunApp();
    const { mobile, row } = await kit.send(app);
    const bizId = row.biz_id as string;
    const sentAt = t.clock.now();

    // Not asked about in the first 30 s after its send, when a carrier's report (or its push) is still on its way.
    t.clock.advanceSeconds(29);
    expect(await poll()).toMatchObject({ checked: 0 });
    expect(fake.requests.filter((r) => r.headers['x-acs-action'] === 'QuerySendDetails')).toEqual([]);

    // Awaiting the carrier: still pending.
    t.clock.advanceSeconds(2);
    expect(await poll()).toMatchObject({ checked: 1, recorded: 0 });
    const query = fake.requests.find((r) => r.headers['x-acs-action'] === 'QuerySendDetails' && r.query.BizId === bizId)!;
    expect(query).toMatchObject({ signatureValid: true, query: { PhoneNumber: mobile, SendDate: chinaDate(sentAt) } });
    expect((await kit.logged(app.id))[0]).toMatchObject({ delivery_status: 'pending', delivery_code: null, delivery_reported_at: null });

    // Not asked again within the minimum gap, then asked and delivered.
    const receiveDate = chinaTime(new Date(sentAt.getTime() + 3000));
    fake.deliveries.set(bizId, { sendStatus: 3, errCode: 'DELIVERED', receiveDate });
    expect(await poll()).toMatchObject({ checked: 0 });
    t.clock.advanceSeconds(31);
    expect(await poll()).toMatchObject({ checked: 1, recorded: 1 });

    const [item] = await kit.logged(app.id, 'delivered');
    expect(item).toMatchObject({ id: row.id, status: 'sent', delivery_status: 'delivered', delivery_code: 'DELIVERED', delivery_reported_at: fromChinaTime(receiveDate) });
    expect(await kit.logged(app.id, 'pending')).toEqual([]);
    const text = await scrape();
    expect(metric(text, `passcode_sms_deliveries_total{account="${accountId}",outcome="delivered"}`)).toBe(1);
    expect(metric(text, `passcode_sms_delivery_seconds_count{account="${accountId}"}`)).toBe(1);

    // Settled: not polled again.
    t.clock.advanceSeconds(600);
    expect(await poll()).toMatchObject({ checked: 0 });
  });

  it('a pushed failure report records the carrier\'s code, once however often it is pushed, and reports sms.failed once to the app\'s webhook', async () => {
    const { app, accountId } = await kit.aliyunApp();
    const path = await kit.issueToken(accountId);
    const received: Array<{ type: string; data: Record<string, unknown> }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push(JSON.parse(body) as { type: string; data: Record<string, unknown> });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiver.unref(); // a failing test leaves it behind without holding jest
    await t.http
      .post(`/admin/apps/${app.id}/webhook-endpoints`)
      .set(await kit.auth())
      .send({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, event_types: ['sms.failed', 'sms.delivered'] })
      .expect(201);
    const { mobile, row } = await kit.send(app);
    t.clock.advanceSeconds(5); // reported seconds after the send
    const body = [kit.report(mobile, row.biz_id, { success: false, err_code: 'MK:0001', err_msg: '空号' })];

    // The report twice in one push, then again in another.
    for (const push of [[...body, ...body], body]) {
      const res = await t.http.post(path).send(push).expect(200);
      expect(res.body).toEqual({ code: 0, msg: '成功' });
    }
    const [item] = await kit.logged(app.id, 'failed');
    const reportedAt = fromChinaTime(body[0].report_time);
    expect(item).toMatchObject({ id: row.id, delivery_status: 'failed', delivery_code: 'MK:0001', delivery_reported_at: reportedAt });
    expect(metric(await scrape(), `passcode_sms_deliveries_total{account="${accountId}",outcome="failed"}`)).toBe(1);
    // A poll does not overwrite it.
    fake.deliveries.set(row.biz_id as string, { sendStatus: 3, errCode: 'DELIVERED' });
    expect(await poll()).toMatchObject({ checked: 0 });
    for (const deadline = Date.now() + 30_000; !received.length && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500)); // room for a second event, were one sent
    expect(received).toEqual([
      { type: 'sms.failed', timestamp: expect.any(String), data: { message_id: row.id, scene: 'login', phone: `+86${mobile}`, delivery_code: 'MK:0001', reported_at: reportedAt } },
    ]);
    receiver.closeAllConnections();
    receiver.close();
  });

  it('a push without the account\'s token changes nothing: no token issued, another token, a replaced token, an unknown account', async () => {
    const { app, accountId } = await kit.aliyunApp();
    const { app: otherApp, accountId: otherAccount } = await kit.aliyunApp();
    const { mobile, row } = await kit.send(app);
    const body = [kit.report(mobile, row.biz_id)];

    // No token issued yet: whatever is guessed is refused.
    const guess = await t.http.post(`/sms/receipts/aliyun/${accountId}/${'a'.repeat(32)}`).send(body).expect(401);
    expect(guess.body).toMatchObject({ code: 'UNAUTHORIZED' });
    const first = await kit.issueToken(accountId);
    const second = await kit.issueToken(accountId);
    const token = second.split('/').pop()!;
    const otherPath = await kit.issueToken(otherAccount);
    for (const path of [
      first, // replaced
      // One character changed (a token that happened to end in x would stay itself with a fixed x).
      `/sms/receipts/aliyun/${accountId}/${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`,
      `/sms/receipts/aliyun/${accountId}/${otherPath.split('/').pop()}`, // another account's token
      `/sms/receipts/aliyun/00000000-0000-4000-8000-000000000000/${token}`,
      `/sms/receipts/aliyun/not-a-uuid/${token}`,
    ]) {
      await t.http.post(path).send(body).expect(401);
    }
    expect((await kit.logged(app.id))[0]).toMatchObject({ delivery_status: 'pending' });
    expect(await kit.logged(otherApp.id)).toEqual([]);
    const accounts = (await t.http.get('/admin/sms/accounts').set(await kit.auth()).expect(200)).body.data.items as Row[];
    expect(accounts.find((a) => a.id === accountId)).toMatchObject({ has_receipt_token: true });
    // The token is the push's only credential: the request log masks it, refused or not, in a request target of
    // absolute form (which Fastify routes), and in paths that only look like the route.
    await t.http.get(second).expect(405);
    await t.app.listen(0, '127.0.0.1').catch(() => undefined);
    const socket = createConnection({ port: (t.app.getHttpServer().address() as AddressInfo).port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    let answered = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answered += chunk));
    const targets = [`http://passcode.test${second}?x=1`, `//sms/receipts/aliyun/${accountId}/${token}`, `/%73ms/receipts/aliyun/${accountId}/${token}`];
    targets.forEach((target, i) => {
      const close = i === targets.length - 1 ? 'Connection: close\r\n' : '';
      socket.write(`POST ${target} HTTP/1.1\r\nHost: passcode.test\r\n${close}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[]`);
    });
    await new Promise((resolve) => socket.once('close', resolve));
    expect(answered.match(/HTTP\/1\.1 \d+/g)).toHaveLength(3); // the first routed: 200
    const logged = JSON.stringify(t.logs.lines());
    expect(logged).not.toContain(token);
    expect(logged).toContain(`"url":"/sms/receipts/aliyun/${accountId}/~"`);
    expect(logged).toContain(`"url":"http://passcode.test/sms/receipts/aliyun/${accountId}/~?x=~"`);

    // The current token works; a body past the bounds is refused and changes nothing.
    const tooMany = Array.from({ length: 501 }, () => kit.report(mobile, row.biz_id));
    await t.http.post(second).send(tooMany).expect(400);
    await t.http.post(second).send({ reports: body }).expect(400);
    expect((await kit.logged(app.id))[0]).toMatchObject({ delivery_status: 'pending' });
    await t.http.post(second).send(body).expect(200);
    expect((await kit.logged(app.id))[0]).toMatchObject({ delivery_status: 'delivered' });
  });

  it('a report changes only a row of its own account, with its number', async () => {
    const { app, accountId } = await kit.aliyunApp();
    const { accountId: otherAccount } = await kit.aliyunApp({ id: AK2, secret: SECRET2 });
    const { mobile, row } = await kit.send(app);
    const otherPath = await kit.issueToken(otherAccount);
    const ownPath = await kit.issueToken(accountId);

    // Another account's URL with this message's id and number; this account's URL with another number.
    await t.http.post(otherPath).send([kit.report(mobile, row.biz_id)]).expect(200);
    await t.http.post(ownPath).send([kit.report('13900009999', row.biz_id)]).expect(200);
    expect((await kit.logged(app.id))[0]).toMatchObject({ delivery_status: 'pending', delivery_code: null });

    await t.http.post(ownPath).send([kit.report(mobile, row.biz_id)]).expect(200);
    expect((await kit.logged(app.id))[0]).toMatchObject({ delivery_status: 'delivered', delivery_code: 'DELIVERED' });
  });

  it('a report time before the send is the send\'s time, and an impossible one (02-30) is no time: the push\'s', async () => {
    const { app, accountId } = await kit.aliyunApp();
    const path = await kit.issueToken(accountId);
    const sends = [await kit.send(app), await kit.send(app), await kit.send(app)];
    t.clock.advance(60_000);
    t.clock.freeze();
    const pushedAt = t.clock.now();
    const times = ['0000-01-01 00:00:00', chinaTime(new Date(t.clock.nowMs() - 3600_000)), '2026-02-30 10:00:00'];
    await t.http.post(path).send(sends.map(({ mobile, row }, i) => kit.report(mobile, row.biz_id, { report_time: times[i] }))).expect(200);
    const logged = new Map((await kit.logged(app.id, 'delivered')).map((r) => [r.id, r.delivery_reported_at]));
    const createdAt = (row: Row) => new Date(row.created_at as string).toISOString();
    expect(sends.map(({ row }) => logged.get(row.id))).toEqual([createdAt(sends[0].row), createdAt(sends[1].row), pushedAt.toISOString()]);
  });

  it('what Postgres cannot store in a field Passcode ignores refuses nothing; err_code, which it keeps, is kept made fit', async () => {
    const { app, accountId } = await kit.aliyunApp();
    const path = await kit.issueToken(accountId);
    const sent = [await kit.send(app), await kit.send(app), await kit.send(app), await kit.send(app)];
    const odd = { err_msg: 'nul\u0000here', out_id: 'lone\ud800', extra: { deeper: '\u0000' } };

    // One such report used to refuse the whole push, every other report in it with it; so did a NUL in err_code.
    // Control and bidirectional formatting characters reached the admin view raw.
    const codes = [undefined, 'MK:\u0000', 'MK:\udc00', '\u001b[2J\u202eEVIL  '];
    const pushed = sent.map(({ mobile, row }, i) => kit.report(mobile, row.biz_id, { ...odd, ...(i ? { success: false, err_code: codes[i] } : {}) }));
    expect((await t.http.post(path).send(pushed).expect(200)).body).toEqual({ code: 0, msg: '成功' });
    const byId = new Map((await kit.logged(app.id)).map((r) => [r.id, [r.delivery_status, r.delivery_code]]));
    expect(sent.map(({ row }) => byId.get(row.id))).toEqual([
      ['delivered', 'DELIVERED'],
      ['failed', 'MK:\ufffd'],
      ['failed', 'MK:\ufffd'],
      ['failed', '\ufffd[2J\ufffdEVIL'],
    ]);
    // A code that is no string is no code of Aliyun's shape: the push is refused.
    const bad = await t.http.post(path).send([kit.report(sent[0].mobile, sent[0].row.biz_id, { err_code: { a: 1 } })]).expect(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: '[0].err_code' } });
  });

  it('a polled carrier code Postgres cannot store is recorded made fit, with the outcomes polled beside it', async () => {
    const { app } = await kit.aliyunApp();
    const sent = [await kit.send(app), await kit.send(app)];
    const receiveDate = chinaTime(new Date(t.clock.nowMs() + 3000));
    fake.deliveries.set(sent[0].row.biz_id as string, { sendStatus: 2, errCode: 'E\u0000RR', receiveDate });
    fake.deliveries.set(sent[1].row.biz_id as string, { sendStatus: 3, errCode: 'DELIVERED', receiveDate });
    t.clock.advanceSeconds(31);
    expect(await poll()).toMatchObject({ checked: 2 });
    const byId = new Map((await kit.logged(app.id)).map((r) => [r.id, [r.delivery_status, r.delivery_code]]));
    expect(sent.map(({ row }) => byId.get(row.id))).toEqual([['failed', 'E\ufffdRR'], ['delivered', 'DELIVERED']]);
  });

  it('of two reports for one message in one push, the first is recorded, however the database joins them', async () => {
    const { app, accountId } = await kit.aliyunApp();
    const path = await kit.issueToken(accountId);
    const sent = [];
    for (let i = 0; i < 40; i++) sent.push(await kit.send(app));
    t.clock.advanceSeconds(5);
    // Each message reported delivered, then (later in the push) failed; every other message the other way round.
    const firsts = sent.map(({ mobile, row }, i) => kit.report(mobile, row.biz_id, i % 2 ? { success: false, err_code: 'MK:0001' } : {}));
    const seconds = sent.map(({ mobile, row }, i) => kit.report(mobile, row.biz_id, i % 2 ? {} : { success: false, err_code: 'MK:0001' }));
    await t.http.post(path).send([...firsts, ...seconds]).expect(200);
    const listed = await t.http.get('/admin/sms/messages').query({ app_id: app.id, page_size: 100 }).set(await kit.auth()).expect(200);
    const byId = new Map((listed.body.data.items as Row[]).map((r) => [r.id, r.delivery_status]));
    expect(sent.map(({ row }) => byId.get(row.id))).toEqual(sent.map((_, i) => (i % 2 ? 'failed' : 'delivered')));
  });

  it('a message with no outcome by the deadline becomes unknown, and a late report does not change it', async () => {
    const { app, accountId } = await kit.aliyunApp();
    const path = await kit.issueToken(accountId);
    const { mobile, row } = await kit.send(app);
    t.clock.advance(DELIVERY_DEADLINE_MS - 60_000);
    await poll();
    expect((await kit.logged(app.id))[0]).toMatchObject({ delivery_status: 'pending' });

    t.clock.advance(120_000);
    expect(await poll()).toMatchObject({ expired: 1, checked: 0 });
    const [item] = await kit.logged(app.id, 'unknown');
    expect(item).toMatchObject({ id: row.id, status: 'sent', delivery_status: 'unknown', delivery_code: null });
    expect(metric(await scrape(), `passcode_sms_deliveries_total{account="${accountId}",outcome="unknown"}`)).toBe(1);

    await t.http.post(path).send([kit.report(mobile, row.biz_id)]).expect(200);
    expect((await kit.logged(app.id))[0]).toMatchObject({ delivery_status: 'unknown' });
  });

  it('takes a push of 500 reports with fields beyond Aliyun\'s nine, and refuses a 501st report or a body that size on a route with a DTO', async () => {
    // Each report spends ten JSON values or more: a push of 101 was refused by the bound of DTO bodies.
    const { app, accountId } = await kit.aliyunApp();
    const path = await kit.issueToken(accountId);
    const { mobile, row } = await kit.send(app);
    const more = { template_code: 'SMS_100000001', sign_name: '在行云', request_id: 'r-1', message_id: 'm-1' };
    const others = Array.from({ length: 499 }, (_, i) => kit.report(`1370000${String(i).padStart(4, '0')}`, `elsewhere-${i}`, more));
    const push = [kit.report(mobile, row.biz_id, more), ...others];

    expect((await t.http.post(path).send(push).expect(200)).body).toEqual({ code: 0, msg: '成功' });
    expect(await kit.logged(app.id, 'delivered')).toEqual([expect.objectContaining({ id: row.id })]);

    const over = await t.http.post(path).send([...push, others[0]]).expect(400);
    expect(over.body).toMatchObject({ code: 'VALIDATION_FAILED', msg: 'at most 500 status reports per push', data: { field: 'body' } });
    const elsewhere = await t.http.post('/admin/apps').set(await kit.auth()).send({ name: 'x', notes: push }).expect(400);
    expect(elsewhere.body).toMatchObject({ code: 'MALFORMED_BODY', msg: 'the JSON body holds more than 1000 values' });
  });

  it('pushed reports and checks that miss the app\'s webhook lookup at once both finish: neither waits for the other\'s connection', async () => {
    // On PGlite the pool has one connection. A report is recorded in a transaction that looks up the app's
    // webhooks on its own connection; a check looks them up through the pool. When the report joined the
    // check's lookup under way, each waited for the other for ever, and so did every request after them.
    const { app, accountId } = await kit.aliyunApp();
    const path = await kit.issueToken(accountId);
    const sent = [];
    for (let i = 0; i < 6; i++) sent.push(await kit.send(app));
    for (const [round, { mobile, row }] of sent.entries()) {
      t.clock.advanceSeconds(31); // the cached lookup has expired: the next check and the next report miss it
      const checks = sent.map((s) => t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode: '+86', mobile: s.mobile, scene: 'login', verify_code: '000000' }));
      const push = t.http.post(path).send([kit.report(mobile, row.biz_id)]);
      const all = Promise.all([push, ...checks].map((r) => r.then((res) => res.status)));
      const stuck = new Promise<string>((r) => setTimeout(() => r(`round ${round}: stuck`), 10_000).unref());
      expect(await Promise.race([all, stuck])).toEqual(Array(sent.length + 1).fill(200));
    }
    expect(await kit.logged(app.id, 'delivered')).toHaveLength(sent.length);
  });

  it('the console provider gives no message id: nothing to track', async () => {
    const h = await kit.auth();
    const app = await createApp(t, {}, h.authorization.slice(7));
    const account = await t.http.post('/admin/sms/accounts').set(h).send({ name: 'console', provider: 'console' }).expect(201);
    await t.http.post(`/admin/sms/accounts/${account.body.data.id}/receipt-token`).set(h).expect(400);
    const sig = await t.http.post(`/admin/sms/accounts/${account.body.data.id}/signatures`).set(h).send({ sign_name: '在行云' }).expect(201);
    const tpl = await t.http.post(`/admin/sms/accounts/${account.body.data.id}/templates`).set(h).send({ template_code: 'SMS_1', scene: 'login' }).expect(201);
    await t.http.put(`/admin/apps/${app.id}/sms/bindings/login`).set(h).send({ template_id: tpl.body.data.id, signature_id: sig.body.data.id }).expect(200);
    await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile: '13700001111', scene: 'login' }).expect(200);
    expect((await kit.logged(app.id))[0]).toMatchObject({ status: 'sent', delivery_status: null });
  });
});

(SHARED_POSTGRES_URL ? describe : describe.skip)(`sms delivery receipts: two instances polling at once ${NEEDS_POSTGRES}`, () => {
  let a: TestApp;
  let b: TestApp;
  let fake: FakeAliyun;
  const kit = receiptsKit(() => a, () => fake);

  beforeAll(async () => {
    a = await startTestApp({ postgres: true });
    b = await startTestApp({ db: a.db });
    fake = await FakeAliyun.start({ [AK]: SECRET });
  });
  afterAll(async () => {
    await fake.close();
    await b.close(true);
    await a.close();
  });

  it('claim disjoint rows: each message is asked about once and recorded once', async () => {
    const { app } = await kit.aliyunApp();
    const sent = await kit.sendDelivered(app, 12);
    for (const instance of [a, b]) instance.clock.advanceSeconds(31);

    const [ra, rb] = await Promise.all([a.app.get(DeliveryPoller).poll(), b.app.get(DeliveryPoller).poll()]);
    expect(ra.checked + rb.checked).toBe(12);
    expect(ra.recorded + rb.recorded).toBe(12);
    const queries = fake.requests.filter((r) => r.headers['x-acs-action'] === 'QuerySendDetails').map((r) => r.query.BizId);
    expect(queries.sort()).toEqual(sent.map(({ row }) => row.biz_id as string).sort());
    expect(await kit.logged(app.id, 'delivered')).toHaveLength(12);
  });

  it('a token replaced on one instance is refused on the other once the change feed tells it, not when its cached account expires', async () => {
    const { accountId } = await kit.aliyunApp();
    const first = await kit.issueToken(accountId);
    await b.http.post(first).send([]).expect(200); // b now holds the account, with the first token's hash
    const second = await kit.issueToken(accountId); // on a
    const deadline = Date.now() + 5_000; // the cached account lives 30 s on b's clock, which does not move
    while ((await b.http.post(first).send([])).status !== 401) {
      if (Date.now() > deadline) throw new Error('b still takes the replaced token');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await b.http.post(second).send([]).expect(200);
  });

  it('skip the rows another instance holds instead of waiting for them', async () => {
    const { app } = await kit.aliyunApp();
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push(await kit.send(app));
    const held = sent.slice(0, 2).map(({ row }) => row.id as string);
    b.clock.advanceSeconds(31);
    // Another instance mid-claim: its transaction holds two of the rows.
    const other = new pg.Client({ connectionString: a.db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT id FROM sms_messages WHERE id = ANY($1::uuid[]) FOR UPDATE', [held]);
      fake.requests.length = 0;
      const round = await Promise.race([
        b.app.get(DeliveryPoller).poll(),
        new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 3000).unref()),
      ]);
      expect(round).toMatchObject({ checked: 2 });
      const asked = fake.requests.filter((r) => r.headers['x-acs-action'] === 'QuerySendDetails').map((r) => r.query.BizId).sort();
      expect(asked).toEqual(sent.slice(2).map(({ row }) => row.biz_id as string).sort());
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
  });

  it('a push waits for the rows another instance\'s push or poll holds, taking its own in one order: neither is lost to a deadlock', async () => {
    const { app, accountId } = await kit.aliyunApp();
    const path = await kit.issueToken(accountId);
    // Two messages, the one with the higher id written first: a statement that locks in the reports' order
    // or in the table's would take it first.
    const sent: Array<{ mobile: string; row: Row }> = [];
    let pair: [{ mobile: string; row: Row }, { mobile: string; row: Row }] | undefined;
    while (!pair) {
      sent.push(await kit.send(app));
      const last = sent[sent.length - 1];
      const earlier = sent.slice(0, -1).find((s) => (s.row.id as string) > (last.row.id as string));
      if (earlier) pair = [earlier, last];
    }
    const [higher, lower] = pair;
    const other = new pg.Client({ connectionString: a.db.url });
    await other.connect();
    try {
      // Another instance's record of the same two messages, in id order, between its two rows.
      await other.query('BEGIN');
      await other.query('SELECT id FROM sms_messages WHERE id = $1 FOR UPDATE', [lower.row.id]);
      // then() sends the request now (supertest sends on then or end) and answers a promise to await later.
      const push = a.http.post(path).send([kit.report(higher.mobile, higher.row.biz_id), kit.report(lower.mobile, lower.row.biz_id)]).then((res) => res);
      const waiting = async () =>
        ((await other.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0] as { n: number }).n;
      while ((await waiting()) === 0) await new Promise((r) => setTimeout(r, 20));
      // The push waits for the lower row without holding the higher one, which the other takes at once.
      await other.query('SELECT id FROM sms_messages WHERE id = $1 FOR UPDATE', [higher.row.id]);
      await other.query('COMMIT');
      const res = await push;
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ code: 0, msg: '成功' });
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
    const delivered = (await kit.logged(app.id, 'delivered')).map((r) => r.id).sort();
    expect(delivered).toEqual([higher.row.id, lower.row.id].sort());
  });
});

describe('sms delivery poller: a round told to stop', () => {
  let t: TestApp;
  let fake: FakeAliyun;
  const kit = receiptsKit(() => t, () => fake);

  beforeAll(async () => {
    t = await startTestApp();
    fake = await FakeAliyun.start({ [AK]: SECRET });
  });
  afterAll(async () => {
    await fake.close();
    await t.close();
  });

  it('takes no further row once stopping (shutdown), records what it asked, and leaves the rest to a later round', async () => {
    const { app } = await kit.aliyunApp();
    const sent = await kit.sendDelivered(app, 12);
    const queries = () => fake.requests.filter((r) => r.headers['x-acs-action'] === 'QuerySendDetails').length;
    t.clock.advanceSeconds(31);

    // The carrier holds its answers: the round's first queries (eight at a time) stay in flight.
    let answer!: () => void;
    fake.detailsHeld = new Promise<void>((resolve) => (answer = resolve));
    const stopping = new AbortController();
    const round = t.app.get(DeliveryPoller).poll(stopping.signal);
    for (let waited = 0; queries() < 8; waited += 20) {
      if (waited > 10_000) throw new Error(`only ${queries()} queries in flight`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stopping.abort();
    fake.detailsHeld = undefined;
    answer();
    expect(await round).toMatchObject({ checked: 8, recorded: 8 });
    expect(queries()).toBe(8);
    expect(await kit.logged(app.id, 'pending')).toHaveLength(4);

    // The rows it did not ask about are asked about by the next round.
    t.clock.advanceSeconds(31);
    expect(await t.app.get(DeliveryPoller).poll()).toMatchObject({ checked: 4, recorded: 4 });
    expect(await kit.logged(app.id, 'pending')).toEqual([]);
  });
});
