import { DataSource } from 'typeorm';
import { type Scene } from '../src/common/scenes.js';
import { SmsSender } from '../src/sms/sms-sender.js';
import { createApp } from './support/admin.js';
import { FakeAliyun } from './support/fake-aliyun.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const AK = 'LTAI5tFakeKeyId0001';
const SECRET = 'fake-secret-0001-do-not-leak';
const AK2 = 'LTAI5tFakeKeyId0002';
const SECRET2 = 'fake-secret-0002-do-not-leak';
const PHONE = '+8618518768888';

interface Route {
  accountId: string;
  signatureId: string;
  templateId: string;
}

describe('sms: aliyun through the official SDK against a fake', () => {
  let t: TestApp;
  let token: string;
  let fake: FakeAliyun;
  let fake2: FakeAliyun;
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({ env: { SMS_TIMEOUT_MS: '3000' } });
    token = await t.adminToken();
    fake = await FakeAliyun.start({ [AK]: SECRET });
    fake2 = await FakeAliyun.start({ [AK2]: SECRET2 });
  });
  afterAll(async () => {
    await fake.close();
    await fake2.close();
    await t.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake2.requests.length = 0;
    fake.reply = { kind: 'ok' };
    fake2.reply = { kind: 'ok' };
  });

  /** An aliyun account on a fake with one verification signature and template. */
  async function aliyunRoute(
    on: FakeAliyun,
    creds: { id: string; secret: string },
    extra: Record<string, unknown> = {},
  ): Promise<Route> {
    const account = await t.http
      .post('/admin/sms/accounts')
      .set(auth())
      .send({ name: 'Aliyun', provider: 'aliyun', access_key_id: creds.id, access_key_secret: creds.secret, endpoint: on.endpoint, protocol: 'http', ...extra })
      .expect(201);
    const accountId = account.body.data.id as string;
    const sig = await t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(auth()).send({ sign_name: '在行云' }).expect(201);
    const tpl = await t.http
      .post(`/admin/sms/accounts/${accountId}/templates`)
      .set(auth())
      .send({ template_code: 'SMS_100000001', scene: 'login' })
      .expect(201);
    return { accountId, signatureId: sig.body.data.id, templateId: tpl.body.data.id };
  }

  async function appWith(primary: Route, fallback?: Route, scene: Scene = 'login'): Promise<string> {
    const app = await createApp(t, {}, token);
    await t.http
      .put(`/admin/apps/${app.id}/sms/bindings/${scene}`)
      .set(auth())
      .send({
        template_id: primary.templateId,
        signature_id: primary.signatureId,
        ...(fallback ? { fallback_template_id: fallback.templateId, fallback_signature_id: fallback.signatureId } : {}),
      })
      .expect(200);
    return app.id;
  }

  const send = (appId: string) => t.app.get(SmsSender).send({ appId, scene: 'login', phone: PHONE, params: { code: '123456' }, origin: 'v1' });
  const rows = (appId: string) => t.app.get(DataSource).query('SELECT * FROM sms_messages WHERE app_id = $1 ORDER BY attempt', [appId]);

  it('sends the documented fields with a valid ACS3 signature and logs the BizId', async () => {
    const appId = await appWith(await aliyunRoute(fake, { id: AK, secret: SECRET }));
    const result = await send(appId);
    expect(result).toEqual({ messageId: expect.any(String), provider: 'aliyun', bizId: expect.stringMatching(/^biz-/), status: 'sent' });
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/', accessKeyId: AK, signatureValid: true });
    expect(req.query).toEqual({ PhoneNumbers: '18518768888', SignName: '在行云', TemplateCode: 'SMS_100000001', TemplateParam: '{"code":"123456"}' });
    expect(req.headers).toMatchObject({ 'x-acs-action': 'SendSms', 'x-acs-version': '2017-05-25' });
    const [row] = await rows(appId);
    expect(row).toMatchObject({ id: result.messageId, status: 'sent', provider: 'aliyun', biz_id: result.bizId, provider_code: 'OK', attempt: 1, error: null });
  });

  it('reuses one kept-alive connection for the sends of an account, not one per message', async () => {
    const own = await FakeAliyun.start({ [AK]: SECRET });
    try {
      const appId = await appWith(await aliyunRoute(own, { id: AK, secret: SECRET }));
      for (let i = 0; i < 5; i++) expect((await send(appId)).status).toBe('sent');
      expect({ requests: own.requests.length, connections: own.connections }).toEqual({ requests: 5, connections: 1 });
    } finally {
      await own.close();
    }
  });

  it('concurrent sends each record their own outcome on their own row', async () => {
    // The outcomes of sends that finish while one is being written go together in one statement (GroupWriter).
    const appId = await appWith(await aliyunRoute(fake, { id: AK, secret: SECRET }));
    const results = await Promise.all(Array.from({ length: 40 }, () => send(appId)));
    const byId = new Map<string, { status: string; biz_id: string; delivery_status: string; completed_at: Date | null; latency_ms: number | null }>(
      (await rows(appId)).map((r: { id: string }) => [r.id, r]),
    );
    expect(new Set(results.map((r) => r.bizId)).size).toBe(40);
    for (const result of results) {
      expect(byId.get(result.messageId)).toMatchObject({ status: 'sent', biz_id: result.bizId, delivery_status: 'pending', completed_at: expect.any(Date), latency_ms: expect.any(Number) });
    }
  });

  it('the fake refuses a signed request whose query was tampered with', async () => {
    const appId = await appWith(await aliyunRoute(fake, { id: AK, secret: SECRET }));
    await send(appId);
    const [signed] = fake.requests;
    const headers = Object.fromEntries(
      Object.entries(signed.headers).filter(([k]) => k === 'authorization' || k.startsWith('x-acs-') || k === 'host'),
    ) as Record<string, string>;
    const replay = (phone: string) =>
      fetch(`http://${fake.endpoint}/?${new URLSearchParams({ ...signed.query, PhoneNumbers: phone })}`, { method: 'POST', headers });
    const tampered = await replay('13800000000');
    expect(tampered.status).toBe(400);
    expect(await tampered.json()).toMatchObject({ Code: 'SignatureDoesNotMatch' });
    expect((await replay('18518768888')).status).toBe(200);
  });

  it('puts the code under the template’s own parameter name', async () => {
    const route = await aliyunRoute(fake, { id: AK, secret: SECRET });
    await t.http.patch(`/admin/sms/templates/${route.templateId}`).set(auth()).send({ code_param: 'number' }).expect(200);
    await send(await appWith(route));
    expect(fake.requests[0].query.TemplateParam).toBe('{"number":"123456"}');
  });

  it('a wrong secret is refused by the fake and surfaces as SMS_ACCESS_KEY_NOT_FOUND in the log and the API', async () => {
    const appId = await appWith(await aliyunRoute(fake, { id: AK, secret: 'not-the-secret' }));
    const res = await t.http.post(`/admin/apps/${appId}/sms/test`).set(auth()).send({ scene: 'login', mobile: '18518768888' }).expect(422);
    expect(res.body).toMatchObject({ code: 'SMS_ACCESS_KEY_NOT_FOUND', data: { provider_code: 'SignatureDoesNotMatch' } });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].signatureValid).toBe(false);
    const [row] = await rows(appId);
    expect(row).toMatchObject({ status: 'failed', error: 'SMS_ACCESS_KEY_NOT_FOUND', provider_code: 'SignatureDoesNotMatch' });
    const log = await t.http.get('/admin/sms/messages').query({ app_id: appId }).set(auth()).expect(200);
    expect(log.body.data.items[0]).toMatchObject({ error: 'SMS_ACCESS_KEY_NOT_FOUND', provider_code: 'SignatureDoesNotMatch' });
  });

  it('an unknown AccessKey id is SMS_ACCESS_KEY_NOT_FOUND too', async () => {
    const appId = await appWith(await aliyunRoute(fake, { id: 'LTAI5tUnknownKey99', secret: SECRET }));
    await expect(send(appId)).rejects.toMatchObject({ code: 'SMS_ACCESS_KEY_NOT_FOUND' });
    expect((await rows(appId))[0].provider_code).toBe('InvalidAccessKeyId.NotFound');
  });

  const classes: Array<[string, string, FakeAliyun['reply'], string]> = [
    ['isv.MOBILE_NUMBER_ILLEGAL', 'SMS_PHONE_REJECTED', { kind: 'business', code: 'isv.MOBILE_NUMBER_ILLEGAL' }, 'isv.MOBILE_NUMBER_ILLEGAL'],
    ['isv.BUSINESS_LIMIT_CONTROL', 'SMS_PROVIDER_RATE_LIMITED', { kind: 'business', code: 'isv.BUSINESS_LIMIT_CONTROL' }, 'isv.BUSINESS_LIMIT_CONTROL'],
    ['isv.DAY_LIMIT_CONTROL', 'SMS_PROVIDER_RATE_LIMITED', { kind: 'business', code: 'isv.DAY_LIMIT_CONTROL' }, 'isv.DAY_LIMIT_CONTROL'],
    ['isv.SMS_SIGNATURE_ILLEGAL', 'SMS_SIGNATURE_NOT_FOUND', { kind: 'business', code: 'isv.SMS_SIGNATURE_ILLEGAL' }, 'isv.SMS_SIGNATURE_ILLEGAL'],
    ['isv.SMS_TEMPLATE_ILLEGAL', 'SMS_TEMPLATE_NOT_FOUND', { kind: 'business', code: 'isv.SMS_TEMPLATE_ILLEGAL' }, 'isv.SMS_TEMPLATE_ILLEGAL'],
    ['isp.RAM_PERMISSION_DENY', 'SMS_ACCESS_KEY_NOT_FOUND', { kind: 'business', code: 'isp.RAM_PERMISSION_DENY' }, 'isp.RAM_PERMISSION_DENY'],
    ['isv.AMOUNT_NOT_ENOUGH', 'SMS_PROVIDER_REJECTED', { kind: 'business', code: 'isv.AMOUNT_NOT_ENOUGH' }, 'isv.AMOUNT_NOT_ENOUGH'],
    ['isp.SYSTEM_ERROR', 'SMS_PROVIDER_FAILED', { kind: 'business', code: 'isp.SYSTEM_ERROR' }, 'isp.SYSTEM_ERROR'],
    ['HTTP 503', 'SMS_PROVIDER_FAILED', { kind: 'http', status: 503, code: 'ServiceUnavailable' }, 'ServiceUnavailable'],
    ['HTTP 400 Throttling', 'SMS_PROVIDER_FAILED', { kind: 'http', status: 400, code: 'Throttling.User' }, 'Throttling.User'],
  ];

  it.each(classes)('%s ends in %s with a failed log row', async (_label, error, reply, providerCode) => {
    const appId = await appWith(await aliyunRoute(fake, { id: AK, secret: SECRET }));
    fake.reply = reply;
    await expect(send(appId)).rejects.toMatchObject({ code: error });
    expect(fake.requests).toHaveLength(1);
    const [row] = await rows(appId);
    expect(row).toMatchObject({ status: 'failed', error, attempt: 1 });
    expect(row.provider_code).toContain(providerCode);
    expect(row.latency_ms).toEqual(expect.any(Number));
  });

  // DESIGN §8: the provider may have taken the message, so the send stands (no error, no failover) and the row says so.
  // A hang ends by the SDK's read timeout, or by our own bound just past it when the machine is slow to connect.
  it.each<[string, FakeAliyun['reply'], RegExp]>([
    ['never answers', { kind: 'hang' }, /^(RequestTimeoutError|Timeout)$/],
    ['drops the connection after the request', { kind: 'reset' }, /^ECONNRESET$/],
    ['answers something that is not JSON', { kind: 'garbage' }, /^SyntaxError$/],
  ])('a provider that %s: the outcome is unknown, with an unknown log row', async (_label, reply, providerCode) => {
    const appId = await appWith(await aliyunRoute(fake, { id: AK, secret: SECRET }, { timeout_ms: 700 }));
    fake.reply = reply;
    const result = await send(appId);
    expect(result).toEqual({ messageId: expect.any(String), provider: 'aliyun', bizId: null, status: 'unknown' });
    expect(fake.requests).toHaveLength(1);
    const [row] = await rows(appId);
    expect(row).toMatchObject({ id: result.messageId, status: 'unknown', error: null, attempt: 1, provider_code: expect.stringMatching(providerCode) });
    expect(row.completed_at).not.toBeNull();
  });

  it('an answer after the account timeout is an unknown outcome; one within it is waited for', async () => {
    // The same answer 1.5 s late: past the account's 700 ms (though within SMS_TIMEOUT_MS, 3 s), and within 2.5 s.
    fake.reply = { kind: 'slow', afterMs: 1500 };
    const late = await appWith(await aliyunRoute(fake, { id: AK, secret: SECRET }, { timeout_ms: 700 }));
    expect(await send(late)).toMatchObject({ status: 'unknown', bizId: null });
    expect(await rows(late)).toEqual([expect.objectContaining({ status: 'unknown', error: null })]);
    const patient = await appWith(await aliyunRoute(fake, { id: AK, secret: SECRET }, { timeout_ms: 2500 }));
    expect((await send(patient)).bizId).toMatch(/^biz-/);
    expect(await rows(patient)).toEqual([expect.objectContaining({ status: 'sent' })]);
  });

  it('a refused connection is SMS_PROVIDER_FAILED', async () => {
    const closed = await FakeAliyun.start({ [AK]: SECRET });
    const route = await aliyunRoute(closed, { id: AK, secret: SECRET });
    await closed.close();
    const appId = await appWith(route);
    await expect(send(appId)).rejects.toMatchObject({ code: 'SMS_PROVIDER_FAILED' });
    expect((await rows(appId))[0].provider_code).toBe('ECONNREFUSED');
  });

  it('fails over once on a transient failure, through the fallback account, and logs both attempts', async () => {
    const appId = await appWith(await aliyunRoute(fake, { id: AK, secret: SECRET }), await aliyunRoute(fake2, { id: AK2, secret: SECRET2 }));
    fake.reply = { kind: 'http', status: 500, code: 'InternalError' };
    const result = await send(appId);
    expect(result.bizId).toMatch(/^biz-/);
    expect(fake.requests).toHaveLength(1);
    expect(fake2.requests).toHaveLength(1);
    expect(fake2.requests[0]).toMatchObject({ accessKeyId: AK2, signatureValid: true });
    const [first, second] = await rows(appId);
    expect(first).toMatchObject({ attempt: 1, status: 'failed', error: 'SMS_PROVIDER_FAILED', provider_code: 'InternalError' });
    expect(second).toMatchObject({ id: result.messageId, attempt: 2, status: 'sent', biz_id: result.bizId });
    expect(second.account_id).not.toBe(first.account_id);
  });

  it('a failed fallback ends the send: two attempts, no third', async () => {
    const appId = await appWith(await aliyunRoute(fake, { id: AK, secret: SECRET }), await aliyunRoute(fake2, { id: AK2, secret: SECRET2 }));
    fake.reply = { kind: 'business', code: 'isp.SYSTEM_ERROR' };
    fake2.reply = { kind: 'http', status: 503, code: 'ServiceUnavailable' };
    await expect(send(appId)).rejects.toMatchObject({ code: 'SMS_PROVIDER_FAILED' });
    expect(fake.requests.length + fake2.requests.length).toBe(2);
    expect((await rows(appId)).map((r: { attempt: number }) => r.attempt)).toEqual([1, 2]);
  });

  it('does not fail over on a business rejection', async () => {
    const appId = await appWith(await aliyunRoute(fake, { id: AK, secret: SECRET }), await aliyunRoute(fake2, { id: AK2, secret: SECRET2 }));
    fake.reply = { kind: 'business', code: 'isv.MOBILE_NUMBER_ILLEGAL' };
    await expect(send(appId)).rejects.toMatchObject({ code: 'SMS_PHONE_REJECTED' });
    expect(fake2.requests).toHaveLength(0);
    expect(await rows(appId)).toHaveLength(1);
  });

  it.each([
    ['account', 'SMS_ACCOUNT_DISABLED', (r: Route) => `/admin/sms/accounts/${r.accountId}/disable`],
    ['signature', 'SMS_SIGNATURE_DISABLED', (r: Route) => `/admin/sms/signatures/${r.signatureId}/disable`],
    ['template', 'SMS_TEMPLATE_DISABLED', (r: Route) => `/admin/sms/templates/${r.templateId}/disable`],
  ])('a disabled %s is refused with %s and no provider call', async (_what, error, path) => {
    const route = await aliyunRoute(fake, { id: AK, secret: SECRET });
    const appId = await appWith(route);
    await t.http.post(path(route)).set(auth()).expect(200);
    const res = await t.http.post(`/admin/apps/${appId}/sms/test`).set(auth()).send({ scene: 'login', mobile: '18518768888' }).expect(422);
    expect(res.body.code).toBe(error);
    expect(fake.requests).toHaveLength(0);
    const [row] = await rows(appId);
    expect(row).toMatchObject({ status: 'failed', error, provider_code: null });
  });

  it('an answer whose text Postgres cannot store, or that is no text, is stored made fit: the refusal stands, the send is not a 500', async () => {
    const appId = await appWith(await aliyunRoute(fake, { id: AK, secret: SECRET }));
    // A NUL in the message of a refusal: the send-log write failed, and the caller got a 500.
    fake.reply = { kind: 'answer', body: { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: 'limit\u0000nul \u001b[31m\ud800' } };
    await expect(send(appId)).rejects.toMatchObject({ code: 'SMS_PROVIDER_RATE_LIMITED' });
    // An acceptance whose BizId no report can match: a NUL in it, over 128 characters. (The SDK's model takes only strings.)
    for (const BizId of ['1\u0000', 'x'.repeat(129)]) {
      fake.reply = { kind: 'answer', body: { Code: 'OK', Message: 'OK', BizId } };
      expect(await send(appId)).toMatchObject({ status: 'sent', bizId: null });
    }
    const logged = (await rows(appId)).map((r: Record<string, unknown>) => [r.status, r.biz_id, r.provider_code, r.provider_message]);
    expect(logged.sort()).toEqual([
      ['failed', null, 'isv.BUSINESS_LIMIT_CONTROL', 'limit\ufffdnul \ufffd[31m\ufffd'],
      ['sent', null, 'OK', 'OK'],
      ['sent', null, 'OK', 'OK'],
    ]);
  });

  it('never shows, logs or stores the credentials in plain text', async () => {
    const route = await aliyunRoute(fake, { id: AK, secret: SECRET });
    const appId = await appWith(route);
    await send(appId);
    const got = await t.http.get(`/admin/sms/accounts/${route.accountId}`).set(auth()).expect(200);
    expect(got.body.data).toMatchObject({ provider: 'aliyun', access_key_id: 'LTAI****0001', has_credentials: true, endpoint: fake.endpoint, protocol: 'http' });
    const list = await t.http.get('/admin/sms/accounts').set(auth()).expect(200);
    const audit = await t.http.get('/admin/audit-log').query({ target_id: route.accountId }).set(auth()).expect(200);
    expect(audit.body.data.items[0]).toMatchObject({ action: 'sms_account.create' });
    const [row] = await t.app.get(DataSource).query('SELECT * FROM sms_accounts WHERE id = $1', [route.accountId]);
    expect(row.credentials_enc).toMatch(/^v1:/);
    const auditRows = await t.app.get(DataSource).query('SELECT * FROM audit_log');
    const messages = await t.app.get(DataSource).query('SELECT * FROM sms_messages');
    for (const text of [JSON.stringify(got.body), JSON.stringify(list.body), JSON.stringify(audit.body), t.logs.text(), JSON.stringify(row), JSON.stringify(auditRows), JSON.stringify(messages)]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(AK);
    }

    // Replacing the key is write-only too, and the new one is used.
    const upd = await t.http.patch(`/admin/sms/accounts/${route.accountId}`).set(auth()).send({ access_key_id: AK2, access_key_secret: SECRET2, endpoint: fake2.endpoint }).expect(200);
    expect(upd.body.data.access_key_id).toBe('LTAI****0002');
    expect(JSON.stringify(upd.body)).not.toContain(SECRET2);
    await send(appId);
    expect(fake2.requests[0]).toMatchObject({ accessKeyId: AK2, signatureValid: true });
    await t.http.patch(`/admin/sms/accounts/${route.accountId}`).set(auth()).send({ access_key_id: AK }).expect(400);
  });
});
