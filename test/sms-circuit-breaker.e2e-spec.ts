import { DataSource } from 'typeorm';
import { SmsSender } from '../src/sms/sms-sender.js';
import { createApp } from './support/admin.js';
import { FakeAliyun } from './support/fake-aliyun.js';
import { FakeTencent } from './support/fake-tencent.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const AK = 'LTAI5tFakeBreaker001';
const AK_SECRET = 'fake-aliyun-breaker-secret';
const SECRET_ID = 'AKIDfakeBreakerSecret1';
const SECRET_KEY = 'fake-tencent-breaker-key';
const METRICS_TOKEN = 'metrics-token-breaker-0001';

/**
 * Provider health: an account whose recent calls mostly failed (transient or
 * unknown) is skipped for 30 s while another route may send, then tried once.
 */
describe('sms: the circuit breaker skips an unhealthy provider while another route exists', () => {
  let t: TestApp;
  let admin: { authorization: string };
  let aliyun: FakeAliyun;
  let tencent: FakeTencent;
  let aliyunAccount: string;
  let both: string;
  let aliyunOnly: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { SMS_TIMEOUT_MS: '3000', METRICS_TOKEN } });
    admin = { authorization: `Bearer ${await t.adminToken()}` };
    aliyun = await FakeAliyun.start({ [AK]: AK_SECRET });
    tencent = await FakeTencent.start({ [SECRET_ID]: SECRET_KEY });
    const account = async (body: Record<string, unknown>) =>
      (await t.http.post('/admin/sms/accounts').set(admin).send({ protocol: 'http', timeout_ms: 500, ...body }).expect(201)).body.data.id as string;
    const route = async (accountId: string, templateCode: string) => {
      const tpl = await t.http.post(`/admin/sms/accounts/${accountId}/templates`).set(admin).send({ template_code: templateCode, scene: 'login' }).expect(201);
      const sig = await t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(admin).send({ sign_name: '在行云' }).expect(201);
      return { template_id: tpl.body.data.id as string, signature_id: sig.body.data.id as string };
    };
    aliyunAccount = await account({ name: 'Aliyun', provider: 'aliyun', access_key_id: AK, access_key_secret: AK_SECRET, endpoint: aliyun.endpoint });
    const tencentAccount = await account({
      name: 'Tencent', provider: 'tencent', credentials: { secret_id: SECRET_ID, secret_key: SECRET_KEY }, settings: { sdk_app_id: '1400006666' }, endpoint: tencent.endpoint,
    });
    const a = await route(aliyunAccount, 'SMS_100000001');
    const tc = await route(tencentAccount, '1234567');
    const app = async (routes: unknown[]) => {
      const created = await createApp(t, {}, admin.authorization.slice(7));
      await t.http.put(`/admin/apps/${created.id}/sms/routes/login`).set(admin).send({ routes }).expect(200);
      return created.id;
    };
    both = await app([a, tc]);
    aliyunOnly = await app([a]);
  });
  afterAll(async () => {
    await Promise.all([aliyun.close(), tencent.close()]);
    await t.close();
  });

  const send = (appId: string) => t.app.get(SmsSender).send({ appId, scene: 'login', phone: '+8618518768888', params: { code: '123456' }, origin: 'v1' });
  const circuit = async () =>
    ((await t.http.get('/admin/sms/health').set(admin).expect(200)).body.data.items as Array<{ account_id: string }>).find((c) => c.account_id === aliyunAccount);
  const scrape = async () => (await t.http.get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
  const firstAttempt = async (appId: string) =>
    (await t.app.get(DataSource).query(`SELECT provider FROM sms_messages WHERE app_id = $1 AND attempt = 1 ORDER BY created_at DESC LIMIT 1`, [appId]))[0].provider;

  it('opens after mostly failed calls, skips the account while Tencent serves, then tries it once and closes', async () => {
    aliyun.reply = { kind: 'http', status: 503, code: 'ServiceUnavailable' };
    for (let i = 0; i < 5; i++) expect((await send(both)).provider).toBe('tencent');
    expect([aliyun.requests.length, tencent.requests.length]).toEqual([5, 5]);
    expect(await circuit()).toMatchObject({ state: 'open', opened_at: expect.any(String), retry_at: expect.any(String) });

    // Open: Aliyun is not asked at all, and the send's first attempt is Tencent.
    expect((await send(both)).provider).toBe('tencent');
    expect([aliyun.requests.length, tencent.requests.length]).toEqual([5, 6]);
    expect(await firstAttempt(both)).toBe('tencent');
    const metrics = await scrape();
    expect(metrics).toContain(`passcode_sms_circuit_open{account="${aliyunAccount}"} 1`);
    expect(metrics).toContain(`passcode_sms_circuit_skips_total{account="${aliyunAccount}"} 1`);

    // 30 s on, one call tries it: Aliyun has recovered, so the circuit closes.
    aliyun.reply = { kind: 'ok' };
    t.clock.advance(30_001);
    expect(await circuit()).toMatchObject({ state: 'half_open' });
    expect((await send(both)).provider).toBe('aliyun');
    expect(await circuit()).toMatchObject({ state: 'closed', opened_at: null });
    expect(await scrape()).toContain(`passcode_sms_circuit_open{account="${aliyunAccount}"} 0`);
  });

  it('unknown outcomes count against the account; with no other route the open account still sends', async () => {
    aliyun.reply = { kind: 'hang' };
    const before = aliyun.requests.length;
    const tencentBefore = tencent.requests.length;
    // The window holds the trial's success: with four unknown outcomes, 4 of 5 calls failed.
    for (let i = 0; i < 3; i++) {
      expect(await send(both)).toMatchObject({ provider: 'aliyun', status: 'unknown' });
      expect(await circuit()).toMatchObject({ state: 'closed' });
    }
    expect(await send(both)).toMatchObject({ provider: 'aliyun', status: 'unknown' });
    expect(await circuit()).toMatchObject({ state: 'open' });
    // Unknown never fails over: Tencent is not asked.
    expect(aliyun.requests.length - before).toBe(4);
    expect(tencent.requests.length).toBe(tencentBefore);
    aliyun.reply = { kind: 'ok' };
    expect((await send(aliyunOnly)).provider).toBe('aliyun');
    expect(aliyun.requests.length - before).toBe(5);
  });

  it('a failed trial opens the circuit again', async () => {
    t.clock.advance(30_001);
    aliyun.reply = { kind: 'http', status: 503, code: 'ServiceUnavailable' };
    expect((await send(both)).provider).toBe('tencent');
    const c = await circuit();
    expect(c).toMatchObject({ state: 'open' });
    const before = aliyun.requests.length;
    await send(both);
    expect(aliyun.requests.length).toBe(before);
  });

  it('a trial admitted but never made (the send refused before its call) holds the circuit only for a while', async () => {
    t.clock.advance(30_001);
    aliyun.reply = { kind: 'ok' };
    const before = aliyun.requests.length;
    // The trial is given to a send that is prepared and then dropped, as a cooldown refusal does.
    await t.app.get(SmsSender).prepare({ appId: both, scene: 'login', phone: '+8618518768888', params: { code: '123456' }, origin: 'v1' });
    expect((await send(both)).provider).toBe('tencent');
    expect(await circuit()).toMatchObject({ state: 'half_open' });
    t.clock.advance(30_001);
    expect((await send(both)).provider).toBe('aliyun');
    expect(aliyun.requests.length - before).toBe(1);
    expect(await circuit()).toMatchObject({ state: 'closed' });
  });
});
