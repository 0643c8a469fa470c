import { DataSource } from 'typeorm';
import { SendLogSweeper } from '../src/sms/send-log-sweeper.js';
import { SmsSender } from '../src/sms/sms-sender.js';
import { createApp } from './support/admin.js';
import { configureSms, RecordingSmsProvider } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signParams, useSmsTestApp } from './support/v1.js';

describe('sms: console provider output, send log filters and paging, admin errors', () => {
  let t: TestApp;
  let token: string;
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t.close();
  });

  it('the console provider writes one log line with the masked phone and the rendered message', async () => {
    const app = await createApp(t, {}, token);
    await configureSms(t, app.id, { scenes: ['register'] });
    await t.app.get(SmsSender).send({ appId: app.id, scene: 'register', phone: '+8613912345678', params: { code: '246810' }, origin: 'v1' });
    const lines = t.logs.lines().filter((l) => l.msg === 'console SMS');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ phone: '+86139****5678', sign_name: 'Passcode', template_code: 'TPL_REGISTER', text: '【Passcode】Your register code is 246810.' });
    expect(t.logs.text()).not.toContain('13912345678');
  });

  it('filters the send log by app, phone, status, scene and time, and pages it', async () => {
    const app = await createApp(t, {}, token);
    const other = await createApp(t, {}, token);
    await configureSms(t, app.id, { scenes: ['login', 'register'] });
    await configureSms(t, other.id, { scenes: ['login'] });
    const sender = t.app.get(SmsSender);
    const send = (appId: string, scene: 'login' | 'register' | 'deregister', phone: string) =>
      sender.send({ appId, scene, phone, params: { code: '111111' }, origin: 'v1' }).catch(() => null);

    await send(app.id, 'login', '+8618500000001');
    await send(app.id, 'login', '+8618500000002');
    t.clock.advanceSeconds(3600);
    const middle = t.clock.now().toISOString();
    await send(app.id, 'register', '+8618500000001');
    await send(app.id, 'deregister', '+8618500000001'); // not bound: a failed row
    await send(other.id, 'login', '+8618500000001');

    const list = (query: Record<string, unknown>) => t.http.get('/admin/sms/messages').query(query).set(auth()).expect(200).then((r) => r.body.data);
    expect((await list({ app_id: app.id })).total).toBe(4);
    expect((await list({ app_id: app.id, phone: '+8618500000001' })).total).toBe(3);
    expect((await list({ app_id: app.id, status: 'failed' })).items).toEqual([expect.objectContaining({ scene: 'deregister', error: 'SMS_NOT_CONFIGURED' })]);
    expect((await list({ app_id: app.id, scene: 'login' })).total).toBe(2);
    expect((await list({ app_id: app.id, from: middle })).total).toBe(2);
    expect((await list({ app_id: app.id, to: middle })).total).toBe(2);
    // A day the month does not have is refused, not read as the next month's (2024-02-30 was March 1).
    for (const query of [{ from: '2024-02-30' }, { to: '2026-02-29T10:00:00Z' }]) {
      const bad = await t.http.get('/admin/sms/messages').query({ app_id: app.id, ...query }).set(auth()).expect(400);
      expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: Object.keys(query)[0] } });
    }
    expect((await list({ app_id: app.id, from: '2024-02-29' })).total).toBe(4);
    expect((await list({ phone: '+8618500000001', status: 'sent' })).total).toBeGreaterThanOrEqual(3);

    const page1 = await list({ app_id: app.id, page: 1, page_size: 3 });
    const page2 = await list({ app_id: app.id, page: 2, page_size: 3 });
    expect(page1).toMatchObject({ total: 4, page: 1, page_size: 3 });
    expect(page1.items).toHaveLength(3);
    expect(page2.items).toHaveLength(1);
    // Newest first.
    expect(page1.items[0].scene).toBe('deregister');
    expect(page2.items[0].phone).toBe('+8618500000001');

    const bad = await t.http.get('/admin/sms/messages').query({ status: 'lost' }).set(auth()).expect(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'status' } });
  });

  it('answers unknown objects and bad input with the registry errors, audits changes, and requires an operator', async () => {
    await t.http.get('/admin/sms/accounts').expect(401);
    const missing = await t.http.get('/admin/sms/accounts/00000000-0000-4000-8000-000000000000').set(auth()).expect(404);
    expect(missing.body.code).toBe('SMS_ACCOUNT_NOT_FOUND');
    await t.http.post('/admin/sms/templates/nope/disable').set(auth()).expect(422);
    await t.http.post('/admin/sms/signatures/nope/disable').set(auth()).expect(422);

    const unknownField = await t.http.post('/admin/sms/accounts').set(auth()).send({ name: 'x', provider: 'console', secret: 'y' }).expect(400);
    expect(unknownField.body.code).toBe('VALIDATION_FAILED');
    const noKey = await t.http.post('/admin/sms/accounts').set(auth()).send({ name: 'x', provider: 'aliyun' }).expect(400);
    expect(noKey.body.data).toMatchObject({ field: 'access_key_id' });
    await t.http.post('/admin/sms/accounts').set(auth()).send({ name: 'x', provider: 'tencent' }).expect(400);

    const acc = await t.http.post('/admin/sms/accounts').set(auth()).send({ name: 'C', provider: 'console' }).expect(201);
    const id = acc.body.data.id;
    await t.http.post(`/admin/sms/accounts/${id}/signatures`).set(auth()).send({ sign_name: 'S' }).expect(201);
    const dup = await t.http.post(`/admin/sms/accounts/${id}/signatures`).set(auth()).send({ sign_name: 'S' }).expect(400);
    expect(dup.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'sign_name' } });
    const tpl = await t.http.post(`/admin/sms/accounts/${id}/templates`).set(auth()).send({ template_code: 'T1' }).expect(201);
    expect(tpl.body.data).toMatchObject({ code_param: 'code', type: 'verification', status: 'enabled', scene: null });
    await t.http.post(`/admin/sms/accounts/${id}/disable`).set(auth()).expect(200);
    const templates = await t.http.get(`/admin/sms/accounts/${id}/templates`).set(auth()).expect(200);
    expect(templates.body.data.items).toHaveLength(1);

    const audit = await t.http.get('/admin/audit-log').query({ page_size: 100 }).set(auth()).expect(200);
    const actions = audit.body.data.items.map((e: { action: string }) => e.action);
    for (const a of ['sms_account.create', 'sms_signature.create', 'sms_template.create', 'sms_account.disable', 'sms_binding.put']) expect(actions).toContain(a);
  });

  it('marks a row a stopped process left sending as unknown after ten minutes, and only then', async () => {
    const app = await createApp(t, {}, token);
    // What a process that died during the provider call leaves behind.
    await t.app.get(DataSource).query(
      `INSERT INTO sms_messages (app_id, scene, phone, origin, attempt, provider, status, created_at) VALUES ($1, 'login', '+8618500000009', 'v1', 1, 'aliyun', 'sending', $2)`,
      [app.id, t.clock.now()],
    );
    const rows = async (status: string) =>
      (await t.http.get('/admin/sms/messages').query({ app_id: app.id, status }).set(auth()).expect(200)).body.data.items as Array<Record<string, unknown>>;
    const sweeper = t.app.get(SendLogSweeper);

    t.clock.advanceSeconds(9 * 60);
    expect(await sweeper.sweep()).toBe(0);
    expect(await rows('sending')).toHaveLength(1);

    t.clock.advanceSeconds(2 * 60);
    expect(await sweeper.sweep()).toBe(1);
    expect(await rows('sending')).toHaveLength(0);
    const [unknown] = await rows('unknown');
    expect(unknown).toMatchObject({ status: 'unknown', phone: '+8618500000009', provider_message: expect.stringContaining('stopped during the provider call') });
    expect(unknown.completed_at).toBeTruthy();
    expect(await sweeper.sweep()).toBe(0);
  });
});

describe('sms: a code and the send-log row of its SMS commit together', () => {
  const sms = new RecordingSmsProvider();
  const s = useSmsTestApp({ sms });

  it('a send whose row cannot be written leaves no code and no cooldown, though nothing could be undone afterwards', async () => {
    const ds = s.t.app.get(DataSource);
    const doomed = '+8618500000777';
    // The database refuses this number's send-log row, and refuses too every change that could
    // give a send back afterwards (as when it is unreachable by then): only the one transaction
    // that writes the code with its row keeps the code from outliving a failed send.
    await ds.query(`CREATE FUNCTION passcode_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await ds.query(`CREATE TRIGGER refuse_row BEFORE INSERT ON sms_messages FOR EACH ROW WHEN (NEW.phone = '${doomed}') EXECUTE FUNCTION passcode_test_refuse()`);
    await ds.query(`CREATE TRIGGER refuse_undo BEFORE UPDATE OR DELETE ON verification_codes FOR EACH ROW WHEN (OLD.phone_e164 = '${doomed}') EXECUTE FUNCTION passcode_test_refuse()`);
    await ds.query(`CREATE TRIGGER refuse_release BEFORE UPDATE OR DELETE ON send_cooldowns FOR EACH ROW WHEN (OLD.phone_e164 = '${doomed}') EXECUTE FUNCTION passcode_test_refuse()`);
    try {
      const send = () => s.t.http.post('/v1/sms/verify_code').send({ ...signParams(s.t, s.app), mcode: '+86', mobile: doomed.slice(3), scene: 'login' }).expect(200);
      expect((await send()).body).toEqual({ code: 500, msg: 'Server Error' });
      expect(sms.messages).toEqual([]);
      expect(await ds.query(`SELECT id FROM verification_codes WHERE phone_e164 = $1`, [doomed])).toEqual([]);
      expect(await ds.query(`SELECT phone_e164 FROM send_cooldowns WHERE phone_e164 = $1`, [doomed])).toEqual([]);
      await ds.query(`DROP TRIGGER refuse_row ON sms_messages`);
      // Nothing was taken: the number may be sent to at once.
      expect((await send()).body).toMatchObject({ code: 200 });
      expect(sms.messages.map((m) => m.phone)).toEqual([doomed]);
    } finally {
      await ds.query(`DROP TRIGGER IF EXISTS refuse_row ON sms_messages`);
      await ds.query(`DROP TRIGGER IF EXISTS refuse_undo ON verification_codes`);
      await ds.query(`DROP TRIGGER IF EXISTS refuse_release ON send_cooldowns`);
    }
  });
});
