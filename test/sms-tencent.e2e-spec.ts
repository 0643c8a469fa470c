import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { DeliveryPoller } from '../src/sms/delivery-poller.js';
import { SmsSender } from '../src/sms/sms-sender.js';
import { createApp } from './support/admin.js';
import { FakeTencent, type FakeTencentReply } from './support/fake-tencent.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SECRET_ID = 'AKIDfakeSecretId0001';
const SECRET_KEY = 'fake-tencent-key-0001-do-not-leak';
const SDK_APP_ID = '1400006666';
const PHONE = '+8618518768888';

describe('sms: tencent cloud through the official SDK against a signature-checking fake', () => {
  let t: TestApp;
  let token: string;
  let fake: FakeTencent;
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({ env: { SMS_TIMEOUT_MS: '3000' } });
    token = await t.adminToken();
    fake = await FakeTencent.start({ [SECRET_ID]: SECRET_KEY });
  });
  afterAll(async () => {
    await fake.close();
    await t.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.reply = { kind: 'ok' };
  });

  async function tencentAccount(extra: Record<string, unknown> = {}, secretKey = SECRET_KEY, secretId = SECRET_ID): Promise<string> {
    const res = await t.http
      .post('/admin/sms/accounts')
      .set(auth())
      .send({
        name: 'Tencent', provider: 'tencent', credentials: { secret_id: secretId, secret_key: secretKey },
        settings: { sdk_app_id: SDK_APP_ID }, endpoint: fake.endpoint, protocol: 'http', ...extra,
      })
      .expect(201);
    return res.body.data.id as string;
  }

  /** An app whose login scene sends through a new Tencent account (template 1234567, code as its first parameter). */
  async function appOn(accountId: string): Promise<string> {
    const sig = await t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(auth()).send({ sign_name: '腾讯云' }).expect(201);
    const tpl = await t.http.post(`/admin/sms/accounts/${accountId}/templates`).set(auth()).send({ template_code: '1234567', scene: 'login' }).expect(201);
    const app = await createApp(t, {}, token);
    await t.http.put(`/admin/apps/${app.id}/sms/bindings/login`).set(auth()).send({ template_id: tpl.body.data.id, signature_id: sig.body.data.id }).expect(200);
    return app.id;
  }

  const send = (appId: string) => t.app.get(SmsSender).send({ appId, scene: 'login', phone: PHONE, params: { code: '123456' }, origin: 'v1' });
  const rows = (appId: string) => t.app.get(DataSource).query('SELECT * FROM sms_messages WHERE app_id = $1 ORDER BY attempt', [appId]);

  it('sends SendSms with a valid TC3 signature, the documented fields, and logs the SerialNo', async () => {
    const appId = await appOn(await tencentAccount());
    const result = await send(appId);
    expect(result).toEqual({ messageId: expect.any(String), provider: 'tencent', bizId: expect.stringMatching(/^2645:/), status: 'sent' });
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req).toMatchObject({ action: 'SendSms', version: '2021-01-11', region: 'ap-guangzhou', secretId: SECRET_ID, signatureValid: true });
    expect(req.body).toEqual({ PhoneNumberSet: [PHONE], SmsSdkAppId: SDK_APP_ID, TemplateId: '1234567', SignName: '腾讯云', TemplateParamSet: ['123456'] });
    const [row] = await rows(appId);
    expect(row).toMatchObject({ id: result.messageId, status: 'sent', provider: 'tencent', biz_id: result.bizId, provider_code: 'Ok', error: null });
  });

  it('the fake refuses a signed request whose body was tampered with, and one signed with another key', async () => {
    const appId = await appOn(await tencentAccount());
    await send(appId);
    const [signed] = fake.requests;
    const headers = Object.fromEntries(
      Object.entries(signed.headers).filter(([k]) => k === 'authorization' || k.startsWith('x-tc-') || k === 'content-type'),
    ) as Record<string, string>;
    const replay = (body: unknown) => fetch(`http://${fake.endpoint}/`, { method: 'POST', headers, body: JSON.stringify(body) });
    const tampered = await (await replay({ ...signed.body, PhoneNumberSet: ['+8613800000000'] })).json();
    expect(tampered).toMatchObject({ Response: { Error: { Code: 'AuthFailure.SignatureFailure' } } });
    const same = (await (await replay(signed.body)).json()) as { Response: { Error?: unknown } };
    expect(same.Response.Error).toBeUndefined();

    const wrong = await appOn(await tencentAccount({}, 'not-the-secret-key'));
    await expect(send(wrong)).rejects.toMatchObject({ code: 'SMS_ACCESS_KEY_NOT_FOUND' });
    expect(fake.requests.at(-1)!.signatureValid).toBe(false);
    expect((await rows(wrong))[0]).toMatchObject({ status: 'failed', error: 'SMS_ACCESS_KEY_NOT_FOUND', provider_code: 'AuthFailure.SignatureFailure' });
  });

  it('an unknown SecretId is SMS_ACCESS_KEY_NOT_FOUND (AuthFailure.SecretIdNotFound)', async () => {
    const appId = await appOn(await tencentAccount({}, SECRET_KEY, 'AKIDunknownSecretId99'));
    await expect(send(appId)).rejects.toMatchObject({ code: 'SMS_ACCESS_KEY_NOT_FOUND' });
    expect((await rows(appId))[0].provider_code).toBe('AuthFailure.SecretIdNotFound');
  });

  it('a poll pulls the number\'s reports since the send and records the one of the send\'s SerialNo: delivered, failed, or none yet', async () => {
    const appId = await appOn(await tencentAccount());
    const sentAt = t.clock.now();
    const [delivered, failed, waiting] = [await send(appId), await send(appId), await send(appId)];
    const received = Math.ceil(sentAt.getTime() / 1000) + 4;
    fake.statuses.push(
      { PhoneNumber: PHONE, SerialNo: delivered.bizId!, ReportStatus: 'SUCCESS', Description: 'DELIVRD', UserReceiveTime: received },
      { PhoneNumber: PHONE, SerialNo: failed.bizId!, ReportStatus: 'FAIL', Description: 'MK:0001', UserReceiveTime: received },
      // Another message's report, and the waiting one's SerialNo on another number: neither is the waiting message's.
      { PhoneNumber: PHONE, SerialNo: '2645:99990000000000', ReportStatus: 'SUCCESS', Description: 'DELIVRD', UserReceiveTime: received },
      { PhoneNumber: '+8613800000000', SerialNo: waiting.bizId!, ReportStatus: 'FAIL', Description: 'MK:0005', UserReceiveTime: received },
    );
    t.clock.advanceSeconds(31);
    await t.app.get(DeliveryPoller).poll();

    const pulls = fake.requests.filter((r) => r.action === 'PullSmsSendStatusByPhoneNumber');
    expect(pulls.length).toBeGreaterThanOrEqual(3);
    for (const pull of pulls) {
      expect(pull).toMatchObject({ signatureValid: true, body: { PhoneNumber: PHONE, SmsSdkAppId: SDK_APP_ID, Offset: 0, Limit: 100 } });
    }
    expect(pulls.map((p) => p.body!.BeginTime)).toContain(Math.floor(sentAt.getTime() / 1000));
    const status = Object.fromEntries(((await rows(appId)) as Array<Record<string, unknown>>).map((r) => [r.biz_id, [r.delivery_status, r.delivery_code, r.delivery_reported_at]]));
    expect(status).toEqual({
      [delivered.bizId!]: ['delivered', 'DELIVRD', new Date(received * 1000)],
      [failed.bizId!]: ['failed', 'MK:0001', new Date(received * 1000)],
      [waiting.bizId!]: ['pending', null, null],
    });
  });

  it('pulls for one account go at most 20 a second, however many messages a poll asks about', async () => {
    const appId = await appOn(await tencentAccount());
    const phone = '+8613900000077';
    for (let i = 0; i < 25; i++) await t.app.get(SmsSender).send({ appId, scene: 'login', phone, params: { code: '123456' }, origin: 'v1' });
    t.clock.advanceSeconds(31);
    await t.app.get(DeliveryPoller).poll();
    const at = fake.requests.filter((r) => r.action === 'PullSmsSendStatusByPhoneNumber' && r.body?.PhoneNumber === phone).map((r) => r.at);
    expect(at).toHaveLength(25);
    // Any 21 of them in a row left a second apart; the fake reads them a few milliseconds after, give or take
    // (signing, the connection). Unpaced, the 25 arrived within some 20 ms.
    for (let i = 0; i + 20 < at.length; i++) expect(at[i + 20] - at[i]).toBeGreaterThanOrEqual(950);
  });

  describe('status reports pushed by Tencent', () => {
    /** `yyyy-MM-dd HH:mm:ss` in China time, as Tencent writes user_receive_time. */
    const chinaTime = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    const report = (sid: string, extra: Record<string, unknown> = {}) => ({
      user_receive_time: chinaTime(t.clock.now()), nationcode: '86', mobile: PHONE.slice(3), report_status: 'SUCCESS', errmsg: 'DELIVRD', description: '用户短信送达成功', sid, ...extra,
    });
    const issue = async (accountId: string) => {
      const res = await t.http.post(`/admin/sms/accounts/${accountId}/receipt-token`).set(auth()).expect(200);
      return res.body.data.receipt_path as string;
    };
    const delivery = async (appId: string) => {
      const [row] = (await rows(appId)) as Array<Record<string, unknown>>;
      return [row.delivery_status, row.delivery_code, row.delivery_reported_at];
    };

    it('a report of the send\'s SerialNo and number records its outcome and is acknowledged as Tencent expects', async () => {
      const accountId = await tencentAccount();
      const appId = await appOn(accountId);
      const path = await issue(accountId);
      expect(path).toMatch(new RegExp(`^/sms/receipts/tencent/${accountId}/[A-Za-z0-9]{32}$`));
      const { bizId } = await send(appId);
      t.clock.advanceSeconds(3);
      const receivedAt = new Date(Math.floor(t.clock.nowMs() / 1000) * 1000);

      // Another number's report with this SerialNo, and another SerialNo's of this number, change nothing.
      const others = [report(bizId!, { mobile: '13800000000' }), report('2645:99990000000000')];
      expect((await t.http.post(path).send(others).expect(200)).body).toEqual({ result: 0, errmsg: 'OK' });
      expect(await delivery(appId)).toEqual(['pending', null, null]);

      // Reported at the second read above: the test clock runs on, and a report built a moment later may fall in the next second.
      const res = await t.http
        .post(path)
        .send([report(bizId!, { report_status: 'FAIL', errmsg: 'MK:0001', description: '空号', user_receive_time: chinaTime(receivedAt) })])
        .expect(200);
      expect(res.body).toEqual({ result: 0, errmsg: 'OK' });
      expect(await delivery(appId)).toEqual(['failed', 'MK:0001', receivedAt]);
      // The first outcome stands.
      await t.http.post(path).send([report(bizId!)]).expect(200);
      expect(await delivery(appId)).toEqual(['failed', 'MK:0001', receivedAt]);
    });

    it('a push without the account\'s token, or not of its shape, changes nothing', async () => {
      const accountId = await tencentAccount();
      const appId = await appOn(accountId);
      const { bizId } = await send(appId);
      const body = [report(bizId!)];
      await t.http.post(`/sms/receipts/tencent/${accountId}/${'a'.repeat(32)}`).send(body).expect(401);
      const path = await issue(accountId);
      const token = path.split('/').pop();
      const refused = await t.http.post(`/sms/receipts/aliyun/${accountId}/${token}`).send(body).expect(401); // the other provider's route
      expect(refused.body).toMatchObject({ code: 'UNAUTHORIZED' });
      await t.http.post(`/sms/receipts/tencent/00000000-0000-4000-8000-000000000000/${token}`).send(body).expect(401);
      for (const [bad, field] of [
        [{ reports: body }, 'body'],
        [[report(bizId!, { report_status: 'DELIVERED' })], '[0].report_status'],
        [[report(bizId!, { mobile: '+8613800000000' })], '[0].mobile'],
        [[report(bizId!, { nationcode: 86 })], '[0].nationcode'],
        [[report(bizId!, { sid: '' })], '[0].sid'],
        [[report(bizId!, { errmsg: 'x'.repeat(65) })], '[0].errmsg'],
        [Array.from({ length: 501 }, () => report(bizId!)), 'body'],
      ] as const) {
        const res = await t.http.post(path).send(bad).expect(400);
        expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field } });
      }
      expect(await delivery(appId)).toEqual(['pending', null, null]);
      await t.http.post(path).send(body).expect(200);
      expect((await delivery(appId))[0]).toBe('delivered');
    });
  });

  it('sends from the account\'s region', async () => {
    const appId = await appOn(await tencentAccount({ settings: { sdk_app_id: SDK_APP_ID, region: 'ap-beijing' } }));
    await send(appId);
    expect(fake.requests[0]).toMatchObject({ region: 'ap-beijing', signatureValid: true });
  });

  // Every documented reply class: the number refused in SendStatusSet, or the request refused in Response.Error.
  const refusals: Array<[string, FakeTencentReply, string, string]> = [
    ['LimitExceeded.PhoneNumberDailyLimit', { kind: 'status', code: 'LimitExceeded.PhoneNumberDailyLimit' }, 'SMS_PROVIDER_RATE_LIMITED', 'LimitExceeded.PhoneNumberDailyLimit'],
    ['LimitExceeded.PhoneNumberThirtySecondLimit', { kind: 'status', code: 'LimitExceeded.PhoneNumberThirtySecondLimit' }, 'SMS_PROVIDER_RATE_LIMITED', 'LimitExceeded.PhoneNumberThirtySecondLimit'],
    ['InvalidParameterValue.IncorrectPhoneNumber', { kind: 'status', code: 'InvalidParameterValue.IncorrectPhoneNumber' }, 'SMS_PHONE_REJECTED', 'InvalidParameterValue.IncorrectPhoneNumber'],
    ['FailedOperation.PhoneNumberInBlacklist', { kind: 'status', code: 'FailedOperation.PhoneNumberInBlacklist' }, 'SMS_PHONE_REJECTED', 'FailedOperation.PhoneNumberInBlacklist'],
    ['FailedOperation.InsufficientBalanceInSmsPackage', { kind: 'error', code: 'FailedOperation.InsufficientBalanceInSmsPackage' }, 'SMS_PROVIDER_REJECTED', 'FailedOperation.InsufficientBalanceInSmsPackage'],
    ['LimitExceeded.AppDailyLimit', { kind: 'status', code: 'LimitExceeded.AppDailyLimit' }, 'SMS_PROVIDER_REJECTED', 'LimitExceeded.AppDailyLimit'],
    ['FailedOperation.SignatureIncorrectOrUnapproved', { kind: 'error', code: 'FailedOperation.SignatureIncorrectOrUnapproved' }, 'SMS_SIGNATURE_NOT_FOUND', 'FailedOperation.SignatureIncorrectOrUnapproved'],
    ['FailedOperation.TemplateIncorrectOrUnapproved', { kind: 'error', code: 'FailedOperation.TemplateIncorrectOrUnapproved' }, 'SMS_TEMPLATE_NOT_FOUND', 'FailedOperation.TemplateIncorrectOrUnapproved'],
    ['InvalidParameterValue.SdkAppIdNotExist', { kind: 'error', code: 'InvalidParameterValue.SdkAppIdNotExist' }, 'SMS_ACCESS_KEY_NOT_FOUND', 'InvalidParameterValue.SdkAppIdNotExist'],
    ['UnauthorizedOperation.ServiceSuspendDueToArrears', { kind: 'error', code: 'UnauthorizedOperation.ServiceSuspendDueToArrears' }, 'SMS_ACCESS_KEY_NOT_FOUND', 'UnauthorizedOperation.ServiceSuspendDueToArrears'],
    ['RequestLimitExceeded', { kind: 'error', code: 'RequestLimitExceeded' }, 'SMS_PROVIDER_FAILED', 'RequestLimitExceeded'],
    ['InternalError.OtherError', { kind: 'error', code: 'InternalError.OtherError' }, 'SMS_PROVIDER_FAILED', 'InternalError.OtherError'],
    ['HTTP 502 from a gateway', { kind: 'http', status: 502 }, 'SMS_PROVIDER_FAILED', 'HTTP 502'],
    ['HTTP 403 from a gateway', { kind: 'http', status: 403 }, 'SMS_PROVIDER_REJECTED', 'HTTP 403'],
  ];

  it.each(refusals)('%s ends in %s with a failed log row', async (_label, reply, error, providerCode) => {
    const appId = await appOn(await tencentAccount());
    fake.reply = reply;
    await expect(send(appId)).rejects.toMatchObject({ code: error });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].signatureValid).toBe(true);
    expect((await rows(appId))[0]).toMatchObject({ status: 'failed', error, provider_code: providerCode, attempt: 1 });
  });

  // The message may have left: the send stands as unknown, no error, no failover.
  it.each<[string, FakeTencentReply, RegExp]>([
    ['InternalError.Timeout (Tencent says: check whether it went)', { kind: 'error', code: 'InternalError.Timeout' }, /^InternalError\.Timeout$/],
    ['InternalError.SendAndRecvFail', { kind: 'error', code: 'InternalError.SendAndRecvFail' }, /^InternalError\.SendAndRecvFail$/],
    ['a gateway timeout (504)', { kind: 'http', status: 504 }, /^HTTP 504$/],
    ['no answer', { kind: 'hang' }, /^(Error|Timeout)$/],
    ['a dropped connection after the request', { kind: 'reset' }, /^Error$/],
    ['an answer that is not JSON', { kind: 'garbage' }, /./],
  ])('%s: the outcome is unknown, with an unknown log row', async (_label, reply, providerCode) => {
    const appId = await appOn(await tencentAccount({ timeout_ms: 1000 }));
    fake.reply = reply;
    const result = await send(appId);
    expect(result).toEqual({ messageId: expect.any(String), provider: 'tencent', bizId: null, status: 'unknown' });
    const [row] = await rows(appId);
    expect(row).toMatchObject({ status: 'unknown', error: null, provider_code: expect.stringMatching(providerCode) });
  });

  // The SDK throws on a status other than 200 without reading the body; node-fetch under it buffers what fits (16 KB)
  // and stops. Left so, a longer page held its connection, out of the pool, until the other side closed it: one
  // connection per send. The rest is now read away beside the send's own database work, and a send that ends first
  // may find the connection still busy and open another (once in a CI run under load): fewer connections than sends
  // is what tells the page read away from the page that held its connection.
  it.each([['a short page', 100], ['a 200 KB page', 200_000]])('an HTTP 502 with %s leaves its connection to the next request', async (_label, page) => {
    const appId = await appOn(await tencentAccount());
    fake.reply = { kind: 'http', status: 502, page };
    const before = fake.connections;
    for (let i = 0; i < 3; i++) await expect(send(appId)).rejects.toMatchObject({ code: 'SMS_PROVIDER_FAILED' });
    expect(fake.requests).toHaveLength(3);
    expect(fake.connections - before).toBeLessThan(3);
    expect(fake.connections - before).toBeGreaterThan(0);
  });

  it('an HTTP 502 with a page over the answer bound is read to the bound, and its connection closed', async () => {
    const appId = await appOn(await tencentAccount());
    fake.reply = { kind: 'http', status: 502, page: 3 * 1024 * 1024 };
    const before = fake.connections;
    for (let i = 0; i < 2; i++) await expect(send(appId)).rejects.toMatchObject({ code: 'SMS_PROVIDER_FAILED' });
    for (let waited = 0; fake.openSince(before) > 0 && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(fake.connections - before).toBe(2);
    expect(fake.openSince(before)).toBe(0);
  });

  // The SDK hands an event stream back in a model that reads it line by line: no more to read for the send.
  // As with the 502 pages above, the rest is read away beside the send, and a send may find the connection still
  // busy and open another (once in a CI run under load): fewer connections than sends is the point.
  it('an answer in an event stream is unknown, and leaves its connection to the next request', async () => {
    const appId = await appOn(await tencentAccount());
    fake.reply = { kind: 'event-stream', bytes: 200_000 };
    const before = fake.connections;
    for (let i = 0; i < 3; i++) expect(await send(appId)).toMatchObject({ status: 'unknown' });
    expect(fake.connections - before).toBeLessThan(3);
    expect(fake.connections - before).toBeGreaterThan(0);
    expect((await rows(appId))[0]).toMatchObject({ status: 'unknown', provider_code: 'EmptyAnswer' });
  });

  it('a redirect is not followed: the signed request goes to the account\'s endpoint only, and the outcome is unknown', async () => {
    const elsewhere: string[] = [];
    const internal = createServer((req, res) => {
      elsewhere.push(`${req.method} ${req.url} ${String(req.headers.authorization)}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    try {
      const appId = await appOn(await tencentAccount({ timeout_ms: 1000 }));
      fake.reply = { kind: 'redirect', location: `http://127.0.0.1:${(internal.address() as AddressInfo).port}/secret` };
      expect(await send(appId)).toMatchObject({ status: 'unknown' });
      expect(fake.requests).toHaveLength(1);
      expect(elsewhere).toEqual([]);
      expect((await rows(appId))[0]).toMatchObject({ status: 'unknown', provider_message: expect.stringContaining('not followed') });
    } finally {
      internal.close();
    }
  });

  it('a refused connection sent nothing: SMS_PROVIDER_FAILED', async () => {
    const closed = await FakeTencent.start({ [SECRET_ID]: SECRET_KEY });
    const endpoint = closed.endpoint;
    await closed.close();
    const appId = await appOn(await tencentAccount({ endpoint }));
    await expect(send(appId)).rejects.toMatchObject({ code: 'SMS_PROVIDER_FAILED' });
    expect((await rows(appId))[0]).toMatchObject({ status: 'failed', provider_code: 'NotConnected' });
  });

  it('keeps the SecretKey sealed and write-only, shows the SecretId masked and the settings plainly', async () => {
    const id = await tencentAccount();
    const got = await t.http.get(`/admin/sms/accounts/${id}`).set(auth()).expect(200);
    expect(got.body.data).toMatchObject({
      provider: 'tencent', credential_id: 'AKID****0001', access_key_id: 'AKID****0001', has_credentials: true, settings: { sdk_app_id: SDK_APP_ID },
    });
    const [row] = await t.app.get(DataSource).query('SELECT * FROM sms_accounts WHERE id = $1', [id]);
    const audit = await t.app.get(DataSource).query('SELECT * FROM audit_log WHERE target_id = $1', [id]);
    for (const text of [JSON.stringify(got.body), JSON.stringify(row), JSON.stringify(audit), t.logs.text()]) {
      expect(text).not.toContain(SECRET_KEY);
      expect(text).not.toContain(SECRET_ID);
    }
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no credentials', { settings: { sdk_app_id: SDK_APP_ID } }, 'credentials'],
    ['half the credentials', { credentials: { secret_id: SECRET_ID }, settings: { sdk_app_id: SDK_APP_ID } }, 'credentials.secret_key'],
    ['another type\'s credential', { credentials: { secret_id: SECRET_ID, secret_key: SECRET_KEY, access_key_id: 'x' }, settings: { sdk_app_id: SDK_APP_ID } }, 'credentials.access_key_id'],
    ['aliyun\'s AccessKey fields', { access_key_id: 'LTAI5tFakeKeyId0001', access_key_secret: 'x', settings: { sdk_app_id: SDK_APP_ID } }, 'access_key_id'],
    ['no SdkAppId', { credentials: { secret_id: SECRET_ID, secret_key: SECRET_KEY } }, 'settings.sdk_app_id'],
    ['a malformed SdkAppId', { credentials: { secret_id: SECRET_ID, secret_key: SECRET_KEY }, settings: { sdk_app_id: 'app' } }, 'settings.sdk_app_id'],
    ['a malformed region', { credentials: { secret_id: SECRET_ID, secret_key: SECRET_KEY }, settings: { sdk_app_id: SDK_APP_ID, region: 'Guangzhou!' } }, 'settings.region'],
    ['an unknown setting', { credentials: { secret_id: SECRET_ID, secret_key: SECRET_KEY }, settings: { sdk_app_id: SDK_APP_ID, from: '+1555' } }, 'settings.from'],
  ])('refuses an account with %s (VALIDATION_FAILED on %s)', async (_what, body, field) => {
    const res = await t.http.post('/admin/sms/accounts').set(auth()).send({ name: 'Tencent', provider: 'tencent', ...body }).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field } });
  });

  it('replaces the credentials whole and keeps them write-only; changed settings are checked by type', async () => {
    const id = await tencentAccount();
    await t.http.patch(`/admin/sms/accounts/${id}`).set(auth()).send({ credentials: { secret_id: 'AKIDotherSecretId0002' } }).expect(400);
    await t.http.patch(`/admin/sms/accounts/${id}`).set(auth()).send({ settings: { region: 'ap-beijing' } }).expect(400);
    const upd = await t.http.patch(`/admin/sms/accounts/${id}`).set(auth()).send({ credentials: { secret_id: 'AKIDotherSecretId0002', secret_key: 'other-key-0002' } }).expect(200);
    expect(upd.body.data.credential_id).toBe('AKID****0002');
    expect(JSON.stringify(upd.body)).not.toContain('other-key-0002');
  });
});
