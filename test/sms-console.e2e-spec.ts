import { DataSource } from 'typeorm';
import { SmsSender } from '../src/sms/sms-sender.js';
import { createApp } from './support/admin.js';
import { configureSms, configureSmsDetailed, RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('sms: configuration, console provider and send log', () => {
  let t: TestApp;
  let token: string;
  const recorder = new RecordingSmsProvider();
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({ override: withRecordingSms(recorder) });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => recorder.clear());

  it('sends through the bound template and signature and logs the attempt', async () => {
    const app = await createApp(t, {}, token);
    await configureSms(t, app.id);
    const sender = t.app.get(SmsSender);
    const result = await sender.send({ appId: app.id, scene: 'login', phone: '+8618518768888', params: { code: '123456' }, origin: 'v1' });
    expect(result).toEqual({ messageId: expect.any(String), provider: 'console', bizId: 'rec-1', status: 'sent' });
    expect(recorder.messages).toEqual([
      { phone: '+8618518768888', signName: 'Passcode', templateCode: 'TPL_LOGIN', params: { code: '123456' }, text: '【Passcode】Your login code is 123456.' },
    ]);
    expect(recorder.lastCodeFor('+8618518768888')).toBe('123456');
    expect(recorder.lastCodeFor('+8618500000000')).toBeUndefined();

    const [row] = await t.app.get(DataSource).query('SELECT * FROM sms_messages WHERE id = $1', [result.messageId]);
    expect(row).toMatchObject({ app_id: app.id, scene: 'login', phone: '+8618518768888', provider: 'console', status: 'sent', attempt: 1, origin: 'v1', template_code: 'TPL_LOGIN', sign_name: 'Passcode', biz_id: 'rec-1', error: null });
    expect(row.latency_ms).toEqual(expect.any(Number));

    const log = await t.http.get('/admin/sms/messages').query({ app_id: app.id }).set(auth()).expect(200);
    expect(log.body.data).toMatchObject({ total: 1, page: 1, page_size: 20 });
    expect(log.body.data.items[0]).toMatchObject({ id: result.messageId, status: 'sent', phone: '+8618518768888', provider_code: 'OK' });
  });

  it('refuses an unbound scene with SMS_NOT_CONFIGURED, logs it, and calls no provider', async () => {
    const app = await createApp(t, {}, token);
    await configureSms(t, app.id, { scenes: ['login'] });
    const sender = t.app.get(SmsSender);
    await expect(sender.send({ appId: app.id, scene: 'register', phone: '+8618518768888', params: { code: '1' }, origin: 'v1' })).rejects.toMatchObject({ code: 'SMS_NOT_CONFIGURED' });
    expect(recorder.messages).toHaveLength(0);
    const res = await t.http.post(`/admin/apps/${app.id}/sms/test`).set(auth()).send({ scene: 'register', mobile: '18518768888' }).expect(422);
    expect(res.body.code).toBe('SMS_NOT_CONFIGURED');
    const log = await t.http.get('/admin/sms/messages').query({ app_id: app.id, status: 'failed' }).set(auth()).expect(200);
    expect(log.body.data.items.map((m: { error: string }) => m.error)).toEqual(['SMS_NOT_CONFIGURED', 'SMS_NOT_CONFIGURED']);
  });

  it('test-sends through the admin API and audits it', async () => {
    const app = await createApp(t, {}, token);
    await configureSms(t, app.id, { scenes: ['login'] });
    const res = await t.http.post(`/admin/apps/${app.id}/sms/test`).set(auth()).send({ scene: 'login', mobile: '18518768888', params: { code: '654321' } }).expect(200);
    expect(res.body.data).toEqual({ message_id: expect.any(String), provider: 'console', biz_id: expect.stringMatching(/^rec-/), status: 'sent' });
    expect(recorder.lastCodeFor('+8618518768888')).toBe('654321');
    const audit = await t.http.get('/admin/audit-log').query({ target_id: app.id, action: 'sms.test_send' }).set(auth()).expect(200);
    expect(audit.body.data.items).toHaveLength(1);
    await t.http.post(`/admin/apps/${app.id}/sms/test`).set(auth()).send({ scene: 'login', mobile: '12' }).expect(400);
  });

  it('test-sends only flat string template parameters: nothing else is sent, nor logged', async () => {
    const app = await createApp(t, {}, token);
    await configureSms(t, app.id, { scenes: ['login'] });
    const sent = async () => (await t.http.get('/admin/sms/messages').query({ app_id: app.id }).set(auth()).expect(200)).body.data.total as number;
    const refused = [
      { code: { a: 1 } }, // sent as JSON inside the parameter before
      { code: 123456 },
      { code: ['1', '2'] },
      { code: null },
      { 'co de': '1' },
      { code: 'x'.repeat(257) },
      Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`v${i}`, '1'])),
      ['123456'],
      'code=123456',
    ];
    for (const params of refused) {
      const res = await t.http.post(`/admin/apps/${app.id}/sms/test`).set(auth()).send({ scene: 'login', mobile: '18518768888', params });
      expect({ params, status: res.status, code: res.body.code, field: res.body.data?.field }).toEqual({ params, status: 400, code: 'VALIDATION_FAILED', field: 'params' });
    }
    const one = await t.http.post(`/admin/apps/${app.id}/sms/test`).set(auth()).send({ scene: 'login', mobile: '18518768888', params: { code: 1 } }).expect(400);
    expect(one.body.msg).toBe('params must be an object of at most 20 template variables (letters, digits, _), each a string of at most 256 characters');
    expect(await sent()).toBe(0);
    // At the bounds: 20 variables, 256 characters (a character outside the BMP counts once).
    const full = { code: '\u{1F600}'.repeat(256), ...Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`v_${i}`, '1'])) };
    await t.http.post(`/admin/apps/${app.id}/sms/test`).set(auth()).send({ scene: 'login', mobile: '18518768888', params: full }).expect(200);
    expect(await sent()).toBe(1);
  });

  it('refuses bindings that mix accounts or types, with the registry codes', async () => {
    const app = await createApp(t, {}, token);
    const a = await configureSmsDetailed(t, app.id, { scenes: ['login'], token });
    const b = await configureSmsDetailed(t, app.id, { scenes: ['register'], token });
    const mixed = await t.http
      .put(`/admin/apps/${app.id}/sms/bindings/login`)
      .set(auth())
      .send({ template_id: a.templates.login!.id, signature_id: b.signatureId })
      .expect(422);
    expect(mixed.body).toMatchObject({ code: 'SMS_BINDING_ACCOUNT_MISMATCH', data: { field: 'signature_id' } });

    const notice = await t.http.post(`/admin/sms/accounts/${a.accountId}/signatures`).set(auth()).send({ sign_name: 'Notice', type: 'notification' }).expect(201);
    const typed = await t.http
      .put(`/admin/apps/${app.id}/sms/bindings/login`)
      .set(auth())
      .send({ template_id: a.templates.login!.id, signature_id: notice.body.data.id })
      .expect(422);
    expect(typed.body.code).toBe('SMS_BINDING_TYPE_MISMATCH');

    const unknown = await t.http
      .put(`/admin/apps/${app.id}/sms/bindings/login`)
      .set(auth())
      .send({ template_id: '00000000-0000-4000-8000-000000000000', signature_id: a.signatureId })
      .expect(422);
    expect(unknown.body.code).toBe('SMS_TEMPLATE_NOT_FOUND');
    await t.http.put(`/admin/apps/${app.id}/sms/bindings/nope`).set(auth()).send({ template_id: a.templates.login!.id, signature_id: a.signatureId }).expect(400);

    const withFallback = await t.http
      .put(`/admin/apps/${app.id}/sms/bindings/login`)
      .set(auth())
      .send({ template_id: a.templates.login!.id, signature_id: a.signatureId, fallback_template_id: b.templates.register!.id, fallback_signature_id: b.signatureId })
      .expect(200);
    expect(withFallback.body.data).toMatchObject({ scene: 'login', fallback_signature_id: b.signatureId });
    const list = await t.http.get(`/admin/apps/${app.id}/sms/bindings`).set(auth()).expect(200);
    expect(list.body.data.items.map((x: { scene: string }) => x.scene)).toEqual(['login', 'register']);
  });
});
