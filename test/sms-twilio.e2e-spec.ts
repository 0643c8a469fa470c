import { DataSource } from 'typeorm';
import { DeliveryPoller } from '../src/sms/delivery-poller.js';
import { SmsSender } from '../src/sms/sms-sender.js';
import { createApp } from './support/admin.js';
import { FakeTwilio, type FakeTwilioReply, twilioSignature } from './support/fake-twilio.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'fake-twilio-auth-token-0001-do-not-leak';
const SERVICE = `MG${'fedcba9876543210'.repeat(2)}`;
const PHONE = '+447700900123';
const METRICS = 'metrics-token-0123456789';

/** The admin steps of these tests, on the test app, admin token and fake that `get` answers. */
function twilioKit(get: () => { t: TestApp; token: string; fake: FakeTwilio }) {
  const auth = () => ({ authorization: `Bearer ${get().token}` });
  async function twilioAccount(extra: Record<string, unknown> = {}, authToken = TOKEN): Promise<string> {
    const res = await get().t.http
      .post('/admin/sms/accounts')
      .set(auth())
      .send({ name: 'Twilio', provider: 'twilio', credentials: { account_sid: SID, auth_token: authToken }, settings: { from: '+14155550100' }, endpoint: get().fake.endpoint, protocol: 'http', ...extra })
      .expect(201);
    return res.body.data.id as string;
  }

  /** An app whose login scene sends through the account with an English template. */
  async function appOn(accountId: string): Promise<string> {
    const sig = await get().t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(auth()).send({ sign_name: 'Passcode' }).expect(201);
    const tpl = await get().t.http
      .post(`/admin/sms/accounts/${accountId}/templates`)
      .set(auth())
      .send({ template_code: 'login-en', scene: 'login', content: 'Your Passcode login code is ${code}. It expires in 5 minutes.' })
      .expect(201);
    const app = await createApp(get().t, {}, get().token);
    await get().t.http.put(`/admin/apps/${app.id}/sms/bindings/login`).set(auth()).send({ template_id: tpl.body.data.id, signature_id: sig.body.data.id }).expect(200);
    return app.id;
  }

  return { auth, twilioAccount, appOn };
}

describe('sms: twilio through the official SDK against a fake', () => {
  let t: TestApp;
  let token: string;
  let fake: FakeTwilio;
  const { auth, twilioAccount, appOn } = twilioKit(() => ({ t, token, fake }));

  beforeAll(async () => {
    t = await startTestApp({ env: { SMS_TIMEOUT_MS: '3000' } });
    token = await t.adminToken();
    fake = await FakeTwilio.start({ [SID]: TOKEN });
  });
  afterAll(async () => {
    await fake.close();
    await t.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.reply = { kind: 'ok' };
  });

  const send = (appId: string) => t.app.get(SmsSender).send({ appId, scene: 'login', phone: PHONE, params: { code: '123456' }, origin: 'v1' });
  const rows = (appId: string) => t.app.get(DataSource).query('SELECT * FROM sms_messages WHERE app_id = $1 ORDER BY attempt', [appId]);

  it('creates a Message with Basic auth and the form body, the body rendered by Passcode, and logs the SID', async () => {
    const appId = await appOn(await twilioAccount());
    const result = await send(appId);
    expect(result).toEqual({ messageId: expect.any(String), provider: 'twilio', bizId: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'sent' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST', path: `/2010-04-01/Accounts/${SID}/Messages.json`, user: SID, authValid: true, contentType: expect.stringMatching(/^application\/x-www-form-urlencoded/),
      form: { To: PHONE, From: '+14155550100', Body: 'Your Passcode login code is 123456. It expires in 5 minutes.' },
    });
    expect((await rows(appId))[0]).toMatchObject({ status: 'sent', provider: 'twilio', biz_id: result.bizId, provider_code: 'queued' });
  });

  it('sends through a Messaging Service when the account names one', async () => {
    const appId = await appOn(await twilioAccount({ settings: { messaging_service_sid: SERVICE } }));
    await send(appId);
    expect(fake.requests[0].form).toEqual({ To: PHONE, MessagingServiceSid: SERVICE, Body: expect.stringContaining('123456') });
  });

  it('a wrong Auth Token is refused by the fake: SMS_ACCESS_KEY_NOT_FOUND (20003)', async () => {
    const appId = await appOn(await twilioAccount({}, 'not-the-auth-token-at-all'));
    await expect(send(appId)).rejects.toMatchObject({ code: 'SMS_ACCESS_KEY_NOT_FOUND' });
    expect(fake.requests[0].authValid).toBe(false);
    expect((await rows(appId))[0]).toMatchObject({ status: 'failed', error: 'SMS_ACCESS_KEY_NOT_FOUND', provider_code: '20003' });
  });

  it('a template without content cannot be sent through Twilio: refused before any call', async () => {
    const accountId = await twilioAccount();
    const sig = await t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(auth()).send({ sign_name: 'Passcode' }).expect(201);
    const tpl = await t.http.post(`/admin/sms/accounts/${accountId}/templates`).set(auth()).send({ template_code: 'bare', scene: 'login' }).expect(201);
    const app = await createApp(t, {}, token);
    await t.http.put(`/admin/apps/${app.id}/sms/bindings/login`).set(auth()).send({ template_id: tpl.body.data.id, signature_id: sig.body.data.id }).expect(200);
    await expect(send(app.id)).rejects.toMatchObject({ code: 'SMS_TEMPLATE_NOT_FOUND' });
    expect(fake.requests).toHaveLength(0);
  });

  const refusals: Array<[string, FakeTwilioReply, string, string]> = [
    ['21211 invalid To', { kind: 'error', status: 400, code: 21211 }, 'SMS_PHONE_REJECTED', '21211'],
    ['21610 unsubscribed recipient', { kind: 'error', status: 400, code: 21610 }, 'SMS_PHONE_REJECTED', '21610'],
    ['21614 not a mobile number', { kind: 'error', status: 400, code: 21614 }, 'SMS_PHONE_REJECTED', '21614'],
    ['21606 From not of this account', { kind: 'error', status: 400, code: 21606 }, 'SMS_SIGNATURE_NOT_FOUND', '21606'],
    ['21408 region not enabled', { kind: 'error', status: 400, code: 21408 }, 'SMS_PROVIDER_REJECTED', '21408'],
    ['20003 authentication', { kind: 'error', status: 401, code: 20003 }, 'SMS_ACCESS_KEY_NOT_FOUND', '20003'],
    ['20429 too many requests', { kind: 'error', status: 429, code: 20429 }, 'SMS_PROVIDER_FAILED', '20429'],
    ['a bare 429', { kind: 'http', status: 429 }, 'SMS_PROVIDER_FAILED', 'HTTP 429'],
    ['14107 rate limit', { kind: 'error', status: 400, code: 14107 }, 'SMS_PROVIDER_RATE_LIMITED', '14107'],
    ['30003 unreachable handset', { kind: 'error', status: 400, code: 30003 }, 'SMS_PHONE_REJECTED', '30003'],
    ['30007 carrier filtering', { kind: 'error', status: 400, code: 30007 }, 'SMS_PROVIDER_REJECTED', '30007'],
    ['30002 account suspended', { kind: 'error', status: 400, code: 30002 }, 'SMS_ACCESS_KEY_NOT_FOUND', '30002'],
    ['HTTP 500', { kind: 'error', status: 500, code: 20500 }, 'SMS_PROVIDER_FAILED', '20500'],
    ['a bare 503', { kind: 'http', status: 503 }, 'SMS_PROVIDER_FAILED', 'HTTP 503'],
  ];

  it.each(refusals)('%s ends in %s with a failed log row', async (_label, reply, error, providerCode) => {
    const appId = await appOn(await twilioAccount());
    fake.reply = reply;
    await expect(send(appId)).rejects.toMatchObject({ code: error });
    expect(fake.requests).toHaveLength(1);
    expect((await rows(appId))[0]).toMatchObject({ status: 'failed', error, provider_code: providerCode, attempt: 1 });
  });

  it.each<[string, FakeTwilioReply, RegExp]>([
    ['a gateway timeout (504)', { kind: 'http', status: 504 }, /^HTTP 504$/],
    ['no answer', { kind: 'hang' }, /^(ECONNABORTED|ETIMEDOUT|Timeout)$/],
    ['a dropped connection after the request', { kind: 'reset' }, /^(ECONNRESET|ERR_BAD_RESPONSE|Error)$/],
  ])('%s: the outcome is unknown, with an unknown log row', async (_label, reply, providerCode) => {
    const appId = await appOn(await twilioAccount({ timeout_ms: 1000 }));
    fake.reply = reply;
    expect(await send(appId)).toMatchObject({ provider: 'twilio', bizId: null, status: 'unknown' });
    expect((await rows(appId))[0]).toMatchObject({ status: 'unknown', error: null, provider_code: expect.stringMatching(providerCode) });
  });

  it('a poll fetches each Message by its SID: delivered, or failed with its error code, at the time Twilio last updated it', async () => {
    const accountId = await twilioAccount();
    const appId = await appOn(accountId);
    // Twilio signs the status callbacks it pushes (taken with PUBLIC_URL set, below): there is no receipt token to issue.
    const issued = await t.http.post(`/admin/sms/accounts/${accountId}/receipt-token`).set(auth()).expect(400);
    expect(issued.body).toMatchObject({ code: 'VALIDATION_FAILED', msg: expect.stringContaining('Twilio signs its status callbacks') });
    const sentAt = t.clock.now();
    const [delivered, undelivered, lost] = [await send(appId), await send(appId), await send(appId)];
    const status = async () =>
      Object.fromEntries(((await rows(appId)) as Array<Record<string, unknown>>).map((r) => [r.biz_id, [r.delivery_status, r.delivery_code, r.delivery_reported_at]]));
    const poll = () => t.app.get(DeliveryPoller).poll();
    const fetched = () => fake.requests.filter((r) => r.method === 'GET' && r.authValid).map((r) => r.path);

    // On its way (queued, then sent): still pending.
    t.clock.advanceSeconds(31);
    fake.deliveries.set(delivered.bizId!, { status: 'sent' });
    await poll();
    expect(fetched()).toEqual(expect.arrayContaining([delivered, undelivered, lost].map((m) => `/2010-04-01/Accounts/${SID}/Messages/${m.bizId}.json`)));
    expect(await status()).toEqual(Object.fromEntries([delivered, undelivered, lost].map((m) => [m.bizId, ['pending', null, null]])));

    // Twilio forgot one (404): it stays pending, for the deadline to settle.
    const updated = new Date(Math.ceil((sentAt.getTime() + 4000) / 1000) * 1000); // Twilio's times are whole seconds
    fake.deliveries.set(delivered.bizId!, { status: 'delivered', dateUpdated: updated });
    fake.deliveries.set(undelivered.bizId!, { status: 'undelivered', errorCode: 30003, dateUpdated: updated });
    fake.messages.delete(lost.bizId!);
    t.clock.advanceSeconds(31);
    await poll();
    expect(await status()).toEqual({
      [delivered.bizId!]: ['delivered', 'delivered', updated],
      [undelivered.bizId!]: ['failed', '30003', updated],
      [lost.bizId!]: ['pending', null, null],
    });
  });

  it('a refused connection sent nothing: SMS_PROVIDER_FAILED', async () => {
    const closed = await FakeTwilio.start({ [SID]: TOKEN });
    const endpoint = closed.endpoint;
    await closed.close();
    const appId = await appOn(await twilioAccount({ endpoint }));
    await expect(send(appId)).rejects.toMatchObject({ code: 'SMS_PROVIDER_FAILED' });
    expect((await rows(appId))[0]).toMatchObject({ status: 'failed', provider_code: 'ECONNREFUSED' });
  });

  it('keeps the Auth Token sealed and write-only; shows the Account SID masked', async () => {
    const id = await twilioAccount();
    const got = await t.http.get(`/admin/sms/accounts/${id}`).set(auth()).expect(200);
    expect(got.body.data).toMatchObject({ provider: 'twilio', credential_id: 'AC01****cdef', settings: { from: '+14155550100' } });
    const [row] = await t.app.get(DataSource).query('SELECT * FROM sms_accounts WHERE id = $1', [id]);
    for (const text of [JSON.stringify(got.body), JSON.stringify(row), t.logs.text()]) expect(text).not.toContain(TOKEN);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no sender', { credentials: { account_sid: SID, auth_token: TOKEN } }, 'settings.from'],
    ['both a sender and a service', { credentials: { account_sid: SID, auth_token: TOKEN }, settings: { from: '+14155550100', messaging_service_sid: SERVICE } }, 'settings.messaging_service_sid'],
    ['a malformed Account SID', { credentials: { account_sid: 'AC123', auth_token: TOKEN }, settings: { from: '+14155550100' } }, 'credentials.account_sid'],
    ['a malformed sender', { credentials: { account_sid: SID, auth_token: TOKEN }, settings: { from: 'not a valid sender!' } }, 'settings.from'],
  ])('refuses an account with %s (VALIDATION_FAILED on %s)', async (_what, body, field) => {
    const res = await t.http.post('/admin/sms/accounts').set(auth()).send({ name: 'Twilio', provider: 'twilio', ...body }).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field } });
  });
});

describe('sms: Twilio status callbacks (PUBLIC_URL set)', () => {
  const PUBLIC_URL = 'https://passcode.example.test/base';
  let t: TestApp;
  let token: string;
  let fake: FakeTwilio;
  const { auth, twilioAccount, appOn } = twilioKit(() => ({ t, token, fake }));

  beforeAll(async () => {
    t = await startTestApp({ env: { PUBLIC_URL: `${PUBLIC_URL}/`, METRICS_TOKEN: METRICS } });
    token = await t.adminToken();
    fake = await FakeTwilio.start({ [SID]: TOKEN });
  });
  afterAll(async () => {
    await fake.close();
    await t.close();
  });

  /** A Twilio account on the fake and an app whose login scene sends through it. */
  async function setup(): Promise<{ accountId: string; appId: string }> {
    const accountId = await twilioAccount();
    return { accountId, appId: await appOn(accountId) };
  }

  const send = (appId: string) => t.app.get(SmsSender).send({ appId, scene: 'login', phone: PHONE, params: { code: '123456' }, origin: 'v1' });
  /** The send log as the admin API shows it, by the provider's message id: [delivery status, code, reported at]. */
  const deliveries = async (appId: string) => {
    const res = await t.http.get('/admin/sms/messages').query({ app_id: appId }).set(auth()).expect(200);
    return Object.fromEntries((res.body.data.items as Array<Record<string, unknown>>).map((m) => [m.biz_id, [m.delivery_status, m.delivery_code, m.delivery_reported_at]]));
  };
  /** Posts a callback as Twilio would: to the path of the URL it was given (behind the proxy that serves PUBLIC_URL's prefix). */
  const post = (callback: { url: string; fields: Record<string, string>; signature?: string }, expected: number) => {
    const req = t.http.post(new URL(callback.url).pathname.replace(/^\/base/, '')).type('form');
    if (callback.signature !== undefined) req.set('X-Twilio-Signature', callback.signature);
    return req.send(callback.fields).expect(expected);
  };

  it('asks for status callbacks at the account\'s receipt URL under PUBLIC_URL, and takes the final ones Twilio signs', async () => {
    const { accountId, appId } = await setup();
    const [delivered, undelivered] = [await send(appId), await send(appId)];
    for (const m of [delivered, undelivered]) expect(fake.messages.get(m.bizId!)?.statusCallback).toBe(`${PUBLIC_URL}/sms/receipts/twilio/${accountId}`);

    // On its way: acknowledged, nothing changes.
    const sent = await post(fake.statusCallback(delivered.bizId!, 'sent'), 204);
    expect(sent.text).toBe('');
    expect(await deliveries(appId)).toEqual({ [delivered.bizId!]: ['pending', null, null], [undelivered.bizId!]: ['pending', null, null] });

    // Twilio's callback carries no time: the outcome is reported when it arrives.
    t.clock.freeze();
    t.clock.advanceSeconds(3);
    const at = t.clock.now().toISOString();
    await post(fake.statusCallback(delivered.bizId!, 'delivered'), 204);
    await post(fake.statusCallback(undelivered.bizId!, 'undelivered', 30003), 204);
    expect(await deliveries(appId)).toEqual({ [delivered.bizId!]: ['delivered', 'delivered', at], [undelivered.bizId!]: ['failed', '30003', at] });

    // A repeat, or a later status of a settled Message, changes nothing.
    t.clock.advanceSeconds(3);
    await post(fake.statusCallback(delivered.bizId!, 'read'), 204);
    await post(fake.statusCallback(undelivered.bizId!, 'failed', 30005), 204);
    expect(await deliveries(appId)).toEqual({ [delivered.bizId!]: ['delivered', 'delivered', at], [undelivered.bizId!]: ['failed', '30003', at] });
    t.clock.thaw();
  });

  it('shows a twilio account\'s status callback URL, the one its Messages give Twilio; other providers have none', async () => {
    const accountId = await twilioAccount();
    const url = `${PUBLIC_URL}/sms/receipts/twilio/${accountId}`;
    expect((await t.http.get(`/admin/sms/accounts/${accountId}`).set(auth()).expect(200)).body.data).toMatchObject({ status_callback_url: url });
    const aliyun = await t.http.post('/admin/sms/accounts').set(auth()).send({ name: 'Aliyun', provider: 'aliyun', access_key_id: 'LTAI5tExample', access_key_secret: 'secret' }).expect(201);
    expect(aliyun.body.data).toMatchObject({ status_callback_url: null });
    const { items } = (await t.http.get('/admin/sms/accounts').set(auth()).expect(200)).body.data as { items: Array<{ id: string; status_callback_url: string | null }> };
    expect(items.find((a) => a.id === accountId)?.status_callback_url).toBe(url);
    expect(items.find((a) => a.id === aliyun.body.data.id)?.status_callback_url).toBeNull();
    const changed = await t.http.patch(`/admin/sms/accounts/${accountId}`).set(auth()).send({ name: 'Twilio US' }).expect(200);
    expect(changed.body.data).toMatchObject({ name: 'Twilio US', status_callback_url: url });

    const m = await send(await appOn(accountId));
    expect(fake.messages.get(m.bizId!)?.statusCallback).toBe(url);
  });

  it('refuses (401) a callback Twilio did not sign for this account and URL, and changes nothing', async () => {
    const { accountId, appId } = await setup();
    const m = await send(appId);
    const good = fake.statusCallback(m.bizId!, 'delivered');
    const path = `/sms/receipts/twilio/${accountId}`;
    const forged = [
      { ...good, signature: undefined },
      { ...good, signature: '' },
      { ...good, signature: twilioSignature('another-auth-token', good.url, good.fields) },
      // Signed over another URL: the path without PUBLIC_URL's prefix, another host.
      { ...good, signature: twilioSignature(TOKEN, `https://passcode.example.test${path}`, good.fields) },
      { ...good, signature: twilioSignature(TOKEN, `https://elsewhere.example.test/base${path}`, good.fields) },
      // Fields changed after signing.
      { ...good, fields: { ...good.fields, To: '+447700900999' } },
      { ...good, fields: { ...good.fields, Extra: 'x' } },
    ];
    for (const callback of forged) {
      const res = await post(callback, 401);
      expect(res.body).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    // Signed rightly, but posted for another account: an unknown one, one that is no Twilio account, not an id.
    const aliyun = await t.http
      .post('/admin/sms/accounts')
      .set(auth())
      .send({ name: 'Aliyun', provider: 'aliyun', access_key_id: 'LTAI5tTwilioCase', access_key_secret: 'secret', endpoint: '127.0.0.1:9', protocol: 'http' })
      .expect(201);
    for (const other of ['00000000-0000-4000-8000-000000000000', aliyun.body.data.id as string, 'not-a-uuid']) {
      const url = `${PUBLIC_URL}/sms/receipts/twilio/${other}`;
      await post({ url, fields: good.fields, signature: twilioSignature(TOKEN, url, good.fields) }, 401);
    }
    expect(await deliveries(appId)).toEqual({ [m.bizId!]: ['pending', null, null] });
    // The genuine one still lands.
    await post(good, 204);
    expect((await deliveries(appId))[m.bizId!][0]).toBe('delivered');
  });

  it('reads an account once for its callbacks, and takes a changed Auth Token at once: a callback signed with the old one is refused', async () => {
    const { accountId, appId } = await setup();
    const [first, second] = [await send(appId), await send(appId)];
    const lookups = async () => {
      const text = (await t.http.get('/metrics').set('authorization', `Bearer ${METRICS}`).expect(200)).text;
      const count = (result: string) => Number(new RegExp(`passcode_cache_lookups_total\\{cache="sms_account",result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { hit: count('hit'), miss: count('miss') };
    };
    const before = await lookups();
    await post(fake.statusCallback(first.bizId!, 'sent'), 204);
    await post(fake.statusCallback(first.bizId!, 'delivered'), 204);
    const after = await lookups();
    expect({ hit: after.hit - before.hit, miss: after.miss - before.miss }).toEqual({ hit: 1, miss: 1 });

    const renewed = 'fake-twilio-auth-token-0002-renewed';
    await t.http.patch(`/admin/sms/accounts/${accountId}`).set(auth()).send({ credentials: { account_sid: SID, auth_token: renewed } }).expect(200);
    const old = fake.statusCallback(second.bizId!, 'delivered'); // signed with the token the account had
    expect((await post(old, 401)).body).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await deliveries(appId))[second.bizId!][0]).toBe('pending');
    await post({ ...old, signature: twilioSignature(renewed, old.url, old.fields) }, 204);
    expect((await deliveries(appId))[second.bizId!][0]).toBe('delivered');
  });

  it('refuses a body that is no form (400 body) and a signed callback of another shape (400 naming the field)', async () => {
    const { accountId, appId } = await setup();
    const m = await send(appId);
    const path = `/sms/receipts/twilio/${accountId}`;
    const asJson = await t.http.post(path).set('X-Twilio-Signature', 'x').send([{ MessageSid: m.bizId }]).expect(400);
    expect(asJson.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'body' } });
    const nested = await t.http.post(path).set('X-Twilio-Signature', 'x').send({ MessageSid: { $ne: null } }).expect(400);
    expect(nested.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'MessageSid' } });
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`F${i}`, 'x']));
    expect((await post({ url: `${PUBLIC_URL}${path}`, fields: many, signature: 'x' }, 400)).body).toMatchObject({ data: { field: 'body' } });

    const good = fake.statusCallback(m.bizId!, 'delivered');
    for (const [field, value] of [['MessageSid', 'SMnot-a-sid'], ['MessageStatus', 'Délivré'], ['To', '07700900123'], ['ErrorCode', '30003; DROP']]) {
      const fields = { ...good.fields, [field]: value };
      const res = await post({ url: good.url, fields, signature: twilioSignature(TOKEN, good.url, fields) }, 400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field } });
    }
    expect(await deliveries(appId)).toEqual({ [m.bizId!]: ['pending', null, null] });
  });
});

describe('sms: Twilio status callbacks without PUBLIC_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows no status callback URL on a twilio account: its statuses are polled', async () => {
    const token = await t.adminToken();
    const res = await t.http
      .post('/admin/sms/accounts')
      .set({ authorization: `Bearer ${token}` })
      .send({ name: 'Twilio', provider: 'twilio', credentials: { account_sid: SID, auth_token: TOKEN }, settings: { from: '+14155550100' } })
      .expect(201);
    expect(res.body.data).toMatchObject({ provider: 'twilio', status_callback_url: null });
  });

  it('refuses every callback (401): no URL was given to Twilio to sign', async () => {
    const fields = { MessageSid: `SM${'0'.repeat(32)}`, MessageStatus: 'delivered', To: PHONE };
    for (const base of ['http://127.0.0.1', 'https://passcode.example.test']) {
      const url = `${base}/sms/receipts/twilio/00000000-0000-4000-8000-000000000000`;
      const res = await t.http.post(new URL(url).pathname).type('form').set('X-Twilio-Signature', twilioSignature(TOKEN, url, fields)).send(fields).expect(401);
      expect(res.body).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });
});
