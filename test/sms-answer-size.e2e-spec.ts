import { DataSource } from 'typeorm';
import { DeliveryPoller } from '../src/sms/delivery-poller.js';
import { MAX_ANSWER_BYTES } from '../src/sms/providers/answer-bound.js';
import { createApp } from './support/admin.js';
import { AnswerBomb, gzipBomb, withPeakRss } from './support/answer-bomb.js';
import { FakeAliyun } from './support/fake-aliyun.js';
import { FakeTencent } from './support/fake-tencent.js';
import { FakeTwilio } from './support/fake-twilio.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const AK = 'LTAI5tFakeKeyId0001';
const AK_SECRET = 'fake-secret-0001-do-not-leak';
const SECRET_ID = 'AKIDfakeSecretId0001';
const SECRET_KEY = 'fake-tencent-key-0001-do-not-leak';
const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'fake-twilio-auth-token-0001-do-not-leak';

/** A body streamed far past the bound, and what a gzip bomb inflates to. */
const HUGE_BYTES = 64 * 2 ** 20;
const BOMB_INFLATED_BYTES = 256 * 2 ** 20;
/** What a client that stops reading at the bound can have let through: the bound and the loopback's socket buffers. */
const WRITTEN_AT_MOST = 16 * 2 ** 20;
/** How far RSS may rise while one bounded answer is refused (the unbounded one took it up by hundreds of MB). */
const RSS_GROWTH_AT_MOST_MB = 100;

type Row = Record<string, unknown>;

/**
 * A provider's answer is read up to MAX_ANSWER_BYTES (after inflating), whoever sends it: a
 * hostile or impersonated endpoint answering 64 MB, or a quarter of a megabyte of gzip that
 * inflates to 256 MB. The send's outcome is then unknown (the provider may have taken the
 * message), the connection is closed well before the whole body, the account sends as before
 * over a kept-alive connection, and a delivery query so answered leaves the message pending.
 * Each answer below is valid JSON saying the message was accepted (or delivered): read whole,
 * it would have been believed.
 */
describe('sms: provider answers are read up to a bound', () => {
  let t: TestApp;
  let token: string;
  let aliyun: FakeAliyun;
  let tencent: FakeTencent;
  let twilio: FakeTwilio;
  const fronts: AnswerBomb[] = [];
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.adminToken();
    aliyun = await FakeAliyun.start({ [AK]: AK_SECRET });
    tencent = await FakeTencent.start({ [SECRET_ID]: SECRET_KEY });
    twilio = await FakeTwilio.start({ [SID]: TOKEN });
  });
  afterAll(async () => {
    for (const front of fronts) await front.close();
    await aliyun.close();
    await tencent.close();
    await twilio.close();
    await t.close();
  });
  beforeEach(() => {
    t.clock.reset();
    t.clock.toNextUtcNoon();
  });

  async function frontOf(upstream: string): Promise<AnswerBomb> {
    const front = await AnswerBomb.start(upstream);
    fronts.push(front);
    return front;
  }

  /** An app whose login scene sends through a new account of `provider` at `front` (which passes requests on to the provider's fake). */
  async function appOn(front: AnswerBomb, account: Record<string, unknown>, template: Record<string, unknown>): Promise<string> {
    const created = await t.http
      .post('/admin/sms/accounts')
      .set(auth())
      .send({ name: 'Bounded', endpoint: front.endpoint, protocol: 'http', timeout_ms: 3000, ...account })
      .expect(201);
    const accountId = created.body.data.id as string;
    const sig = await t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(auth()).send({ sign_name: 'Passcode' }).expect(201);
    const tpl = await t.http.post(`/admin/sms/accounts/${accountId}/templates`).set(auth()).send({ scene: 'login', ...template }).expect(201);
    const app = await createApp(t, {}, token);
    await t.http.put(`/admin/apps/${app.id}/sms/bindings/login`).set(auth()).send({ template_id: tpl.body.data.id, signature_id: sig.body.data.id }).expect(200);
    return app.id;
  }

  const aliyunApp = (front: AnswerBomb) =>
    appOn(front, { provider: 'aliyun', access_key_id: AK, access_key_secret: AK_SECRET }, { template_code: 'SMS_100000001' });
  const tencentApp = (front: AnswerBomb) =>
    appOn(front, { provider: 'tencent', credentials: { secret_id: SECRET_ID, secret_key: SECRET_KEY }, settings: { sdk_app_id: '1400006666' } }, { template_code: '1234567' });
  const twilioApp = (front: AnswerBomb) =>
    appOn(
      front,
      { provider: 'twilio', credentials: { account_sid: SID, auth_token: TOKEN }, settings: { from: '+14155550100' } },
      { template_code: 'login-en', content: 'Your Passcode login code is ${code}.' },
    );

  /** The operator's test send, through the HTTP API: its answer's data. */
  const testSend = async (appId: string, phone: { mcode: string; mobile: string }) =>
    (await t.http.post(`/admin/apps/${appId}/sms/test`).set(auth()).send({ scene: 'login', ...phone }).expect(200)).body.data as Row;
  const rows = (appId: string) => t.app.get(DataSource).query('SELECT * FROM sms_messages WHERE app_id = $1 ORDER BY created_at, attempt', [appId]) as Promise<Row[]>;

  /**
   * The account still sends, and over one kept-alive connection: two more sends pass on to the
   * fake, opening one connection (the refused answer's was closed) that stays the only one open.
   */
  async function expectServesAfter(front: AnswerBomb, appId: string, phone: { mcode: string; mobile: string }): Promise<void> {
    front.answer = null;
    const opened = front.connections;
    for (let i = 0; i < 2; i++) expect(await testSend(appId, phone)).toMatchObject({ status: 'sent', biz_id: expect.any(String) });
    expect(front.connections - opened).toBe(1);
    expect(front.open.size).toBe(1);
    await t.http.get('/health').expect(200);
  }

  describe('aliyun (darabonba over httpx)', () => {
    const phone = { mcode: '+86', mobile: '18518768888' };
    const accepted = { prefix: '{"RequestId":"r","Code":"OK","Message":"OK","BizId":"biz-huge","Padding":"', suffix: '"}' };

    it('a 64 MB answer to SendSms is not read past the bound: the outcome is unknown, and the connection is closed early', async () => {
      const front = await frontOf(aliyun.endpoint);
      const appId = await aliyunApp(front);
      front.answer = { kind: 'huge', status: 200, bytes: HUGE_BYTES, ...accepted };

      const { result, rssGrowthMb } = await withPeakRss(() => testSend(appId, phone));
      expect(result).toEqual({ message_id: expect.any(String), provider: 'aliyun', biz_id: null, status: 'unknown' });
      expect((await rows(appId))[0]).toMatchObject({ status: 'unknown', error: null, biz_id: null, provider_code: 'AnswerTooLarge' });
      expect(await front.settled()).toEqual([{ written: expect.any(Number), closedEarly: true }]);
      expect(front.sent[0].written).toBeLessThan(WRITTEN_AT_MOST);
      expect(rssGrowthMb).toBeLessThan(RSS_GROWTH_AT_MOST_MB);
      // The URL (number, code) stays out of the log.
      expect(String((await rows(appId))[0].provider_message)).not.toContain('TemplateParam');

      await expectServesAfter(front, appId, phone);
    });

    it('a 64 MB answer to QuerySendDetails leaves the message pending; the next poll records its delivery', async () => {
      const front = await frontOf(aliyun.endpoint);
      const appId = await aliyunApp(front);
      const sent = await testSend(appId, phone);
      expect(sent.status).toBe('sent');
      const receiveDate = new Date(t.clock.nowMs() + 8 * 3600_000 + 3000).toISOString().slice(0, 19).replace('T', ' ');
      aliyun.deliveries.set(sent.biz_id as string, { sendStatus: 3, errCode: 'DELIVERED', receiveDate });
      front.answer = {
        kind: 'huge',
        status: 200,
        bytes: HUGE_BYTES,
        match: (req) => req.headers['x-acs-action'] === 'QuerySendDetails',
        prefix: `{"RequestId":"r","Code":"OK","Message":"OK","TotalCount":1,"SmsSendDetailDTOs":{"SmsSendDetailDTO":[{"PhoneNum":"18518768888","SendStatus":3,"ErrCode":"DELIVERED","ReceiveDate":"${receiveDate}"}]},"Padding":"`,
        suffix: '"}',
      };
      t.clock.advanceSeconds(31);

      // The messages of the test before are due too, and still pending at the fake.
      const { result, rssGrowthMb } = await withPeakRss(() => t.app.get(DeliveryPoller).poll());
      expect(result).toMatchObject({ recorded: 0 });
      expect((await rows(appId))[0]).toMatchObject({ delivery_status: 'pending', delivery_code: null });
      expect(await front.settled()).toEqual([{ written: expect.any(Number), closedEarly: true }]);
      expect(front.sent[0].written).toBeLessThan(WRITTEN_AT_MOST);
      expect(rssGrowthMb).toBeLessThan(RSS_GROWTH_AT_MOST_MB);

      front.answer = null;
      t.clock.advanceSeconds(31);
      expect(await t.app.get(DeliveryPoller).poll()).toMatchObject({ recorded: 1 });
      expect((await rows(appId))[0]).toMatchObject({ delivery_status: 'delivered', delivery_code: 'DELIVERED' });
    });
  });

  describe('tencent (node-fetch)', () => {
    const phone = { mcode: '+86', mobile: '18518768888' };
    const accepted = {
      prefix: '{"Response":{"SendStatusSet":[{"SerialNo":"2645:huge","PhoneNumber":"+8618518768888","Fee":1,"SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"r","Padding":"',
      suffix: '"}}',
    };

    it('a 64 MB answer is not read past the bound: the outcome is unknown, and the connection is closed early', async () => {
      const front = await frontOf(tencent.endpoint);
      const appId = await tencentApp(front);
      front.answer = { kind: 'huge', status: 200, bytes: HUGE_BYTES, ...accepted };

      const { result, rssGrowthMb } = await withPeakRss(() => testSend(appId, phone));
      expect(result).toEqual({ message_id: expect.any(String), provider: 'tencent', biz_id: null, status: 'unknown' });
      expect((await rows(appId))[0]).toMatchObject({ status: 'unknown', error: null, biz_id: null, provider_code: 'AnswerTooLarge' });
      expect(await front.settled()).toEqual([{ written: expect.any(Number), closedEarly: true }]);
      expect(front.sent[0].written).toBeLessThan(WRITTEN_AT_MOST);
      expect(rssGrowthMb).toBeLessThan(RSS_GROWTH_AT_MOST_MB);

      await expectServesAfter(front, appId, phone);
    });

    it('a gzip bomb (256 MB inflated) is not inflated: its requests ask for no content coding, and an answer in one is not read', async () => {
      const front = await frontOf(tencent.endpoint);
      const appId = await tencentApp(front);
      front.answer = { kind: 'gzip', status: 200, body: await gzipBomb(accepted.prefix.replace(',"Padding":"', ''), BOMB_INFLATED_BYTES, '}}') };

      const { result, rssGrowthMb } = await withPeakRss(() => testSend(appId, phone));
      expect(result).toMatchObject({ provider: 'tencent', biz_id: null, status: 'unknown' });
      expect((await rows(appId))[0]).toMatchObject({ status: 'unknown', error: null, provider_code: 'AnswerEncoded' });
      expect(rssGrowthMb).toBeLessThan(RSS_GROWTH_AT_MOST_MB);

      await expectServesAfter(front, appId, phone);
      expect(tencent.requests.at(-1)?.headers['accept-encoding']).toBe('identity');
    });
  });

  describe('twilio (axios)', () => {
    const phone = { mcode: '+44', mobile: '7400123456' };
    const accepted = { prefix: `{"sid":"SM${'0'.repeat(32)}","account_sid":"${SID}","status":"queued","padding":"`, suffix: '"}' };

    it('a 64 MB answer is not read past the bound: the outcome is unknown, and the connection is closed early', async () => {
      const front = await frontOf(twilio.endpoint);
      const appId = await twilioApp(front);
      front.answer = { kind: 'huge', status: 201, bytes: HUGE_BYTES, ...accepted };

      const { result, rssGrowthMb } = await withPeakRss(() => testSend(appId, phone));
      expect(result).toEqual({ message_id: expect.any(String), provider: 'twilio', biz_id: null, status: 'unknown' });
      expect((await rows(appId))[0]).toMatchObject({
        status: 'unknown', error: null, biz_id: null, provider_code: 'ERR_BAD_RESPONSE', provider_message: `maxContentLength size of ${MAX_ANSWER_BYTES} exceeded`,
      });
      expect(await front.settled()).toEqual([{ written: expect.any(Number), closedEarly: true }]);
      expect(front.sent[0].written).toBeLessThan(WRITTEN_AT_MOST);
      expect(rssGrowthMb).toBeLessThan(RSS_GROWTH_AT_MOST_MB);

      await expectServesAfter(front, appId, phone);
    });

    it('a gzip bomb (256 MB inflated) is inflated only up to the bound', async () => {
      const front = await frontOf(twilio.endpoint);
      const appId = await twilioApp(front);
      front.answer = { kind: 'gzip', status: 201, body: await gzipBomb(accepted.prefix.replace(',"padding":"', ''), BOMB_INFLATED_BYTES, '}') };

      const { result, rssGrowthMb } = await withPeakRss(() => testSend(appId, phone));
      expect(result).toMatchObject({ provider: 'twilio', biz_id: null, status: 'unknown' });
      expect((await rows(appId))[0]).toMatchObject({
        status: 'unknown', error: null, provider_code: 'ERR_BAD_RESPONSE', provider_message: `maxContentLength size of ${MAX_ANSWER_BYTES} exceeded`,
      });
      expect(rssGrowthMb).toBeLessThan(RSS_GROWTH_AT_MOST_MB);

      await expectServesAfter(front, appId, phone);
    });
  });
});
