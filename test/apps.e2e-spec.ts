import { DataSource } from 'typeorm';
import { AppsService } from '../src/apps/apps.service.js';
import { createApp } from './support/admin.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('apps (admin)', () => {
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
  afterEach(() => {
    t.clock.reset();
  });

  it('creates an app with a 16-character appkey, a secret shown once, and the default settings', async () => {
    const res = await t.http.post('/admin/apps').set(auth()).send({ name: 'Shop' }).expect(201);
    expect(res.body.code).toBe('OK');
    const app = res.body.data;
    expect(app.appkey).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(app.secret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(app).toMatchObject({
      name: 'Shop',
      status: 'enabled',
      login_config: { enabled: true, mobile_login_enabled: true, token_ttl_days: 30, max_sessions_per_user: 5, require_old_phone_on_change: false },
      code_policy: { length: 6, ttl_s: 300, resend_interval_s: 60, max_attempts: 5, allowed_country_codes: [], captcha_required: false },
    });

    const got = await t.http.get(`/admin/apps/${app.id}`).set(auth()).expect(200);
    expect(got.body.data).toEqual({ ...withoutSecret(app), updated_at: expect.any(String) });
    const list = await t.http.get('/admin/apps').query({ q: app.appkey }).set(auth()).expect(200);
    expect(list.body.data.items).toHaveLength(1);

    // The secret appears in no later answer, in no log line, and not in the database in plain text.
    for (const body of [got.body, list.body]) expect(JSON.stringify(body)).not.toContain(app.secret);
    expect(t.logs.text()).not.toContain(app.secret);
    const [row] = await t.app.get(DataSource).query('SELECT * FROM apps WHERE id = $1', [app.id]);
    expect(JSON.stringify(row)).not.toContain(app.secret);
    expect(row.secret_enc).toMatch(/^v1:/);
    const audit = await t.http.get('/admin/audit-log').query({ target_id: app.id }).set(auth()).expect(200);
    expect(audit.body.data.items[0]).toMatchObject({ action: 'app.create', operator: 'admin', target_type: 'app' });
    expect(JSON.stringify(audit.body)).not.toContain(app.secret);
  });

  it('accepts settings at creation and merges partial updates', async () => {
    const app = await createApp(t, { code_policy: { length: 4, allowed_country_codes: ['CN'] }, login_config: { token_ttl_days: 7 } }, token);
    expect(app.code_policy).toMatchObject({ length: 4, ttl_s: 300, allowed_country_codes: ['CN'] });
    const res = await t.http
      .patch(`/admin/apps/${app.id}`)
      .set(auth())
      .send({ name: 'Renamed', code_policy: { ttl_s: 120 }, login_config: { require_old_phone_on_change: true } })
      .expect(200);
    expect(res.body.data).toMatchObject({
      name: 'Renamed',
      code_policy: { length: 4, ttl_s: 120, allowed_country_codes: ['CN'] },
      login_config: { token_ttl_days: 7, require_old_phone_on_change: true, enabled: true },
    });
    const audit = await t.http.get('/admin/audit-log').query({ target_id: app.id, action: 'app.update' }).set(auth()).expect(200);
    expect(audit.body.data.items[0].details).toMatchObject({ name: 'Renamed', code_policy: { ttl_s: 120 } });
  });

  it('removes the login config with null, and creates an app without one', async () => {
    const app = await createApp(t, { login_config: null }, token);
    expect(app.login_config).toBeNull();
    const app2 = await createApp(t, {}, token);
    const res = await t.http.patch(`/admin/apps/${app2.id}`).set(auth()).send({ login_config: null }).expect(200);
    expect(res.body.data.login_config).toBeNull();
  });

  it.each([
    [{ code_policy: { length: 3 } }, 'code_policy.length'],
    [{ code_policy: { length: 7 } }, 'code_policy.length'],
    [{ code_policy: { ttl_s: 0 } }, 'code_policy.ttl_s'],
    [{ code_policy: { max_attempts: 1.5 } }, 'code_policy.max_attempts'],
    [{ code_policy: { resend_interval_s: '60' } }, 'code_policy.resend_interval_s'],
    [{ code_policy: { allowed_country_codes: ['china'] } }, 'code_policy.allowed_country_codes'],
    [{ code_policy: { captcha_required: 'yes' } }, 'code_policy.captcha_required'],
    [{ login_config: { token_ttl_days: 0 } }, 'login_config.token_ttl_days'],
    [{ login_config: { max_sessions_per_user: 101 } }, 'login_config.max_sessions_per_user'],
    [{ login_config: 'on' }, 'login_config'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
  ])('refuses %j with 400 naming %s, and writes nothing', async (patch, field) => {
    const before = await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM apps');
    const res = await t.http.post('/admin/apps').set(auth()).send({ name: 'Bad', ...patch }).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field } });
    expect(res.body.msg).toContain(field);
    const after = await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM apps');
    expect(after).toEqual(before);
  });

  it('refuses the same out-of-range values on update, leaving the app unchanged', async () => {
    const app = await createApp(t, {}, token);
    const res = await t.http.patch(`/admin/apps/${app.id}`).set(auth()).send({ code_policy: { ttl_s: 0 } }).expect(400);
    expect(res.body.data.field).toBe('code_policy.ttl_s');
    const got = await t.http.get(`/admin/apps/${app.id}`).set(auth()).expect(200);
    expect(got.body.data.code_policy.ttl_s).toBe(300);
  });

  it.each([
    [{ name: 'X', secret: 'mine' }, 'secret'],
    [{ name: 'X', appkey: 'D5fceA1sVtmaMY1F' }, 'appkey'],
    [{ name: 'X', code_policy: { lenght: 6 } }, 'code_policy.lenght'],
  ])('refuses unknown admin field in %j', async (body, field) => {
    const res = await t.http.post('/admin/apps').set(auth()).send(body).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field } });
  });

  it('refuses a name that shows nothing, or holds control or bidirectional formatting characters, on create and update', async () => {
    const app = await createApp(t, {}, token);
    // An empty, unclickable link in the owner's list; a name shown reversed; a line break.
    for (const name of ['\u200b\u200b', '   ', '\u2066\u2069', 'Mine\u202egnp.exe', 'a\u200fb', 'two\nlines', 'tab\there']) {
      const created = await t.http.post('/admin/apps').set(auth()).send({ name }).expect(400);
      expect(created.body).toMatchObject({ code: 'VALIDATION_FAILED', msg: 'name must show a visible character, without control or bidirectional formatting characters', data: { field: 'name' } });
      await t.http.patch(`/admin/apps/${app.id}`).set(auth()).send({ name }).expect(400);
    }
    // Any script, and an emoji sequence joined by U+200D.
    for (const name of ['在行云', 'Ünïcode app', '\u{1F468}\u200d\u{1F469}\u200d\u{1F467} family']) {
      expect((await t.http.patch(`/admin/apps/${app.id}`).set(auth()).send({ name }).expect(200)).body.data.name).toBe(name);
    }
  });

  it('refuses a body that is not an object', async () => {
    const res = await t.http.post('/admin/apps').set(auth()).set('content-type', 'application/json').send('[1,2]').expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1' OR '1'='1"]) {
      const res = await t.http.get(`/admin/apps/${encodeURIComponent(id)}`).set(auth()).expect(404);
      expect(res.body.code).toBe('APP_NOT_FOUND');
    }
  });

  it('pages the list newest first and filters by status', async () => {
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await createApp(t, { name: `Paged ${i}` }, token));
    await t.http.post(`/admin/apps/${created[1].id}/disable`).set(auth()).expect(200);
    const page1 = await t.http.get('/admin/apps').query({ page: 1, page_size: 2, q: 'Paged' }).set(auth()).expect(200);
    expect(page1.body.data).toMatchObject({ total: 3, page: 1, page_size: 2 });
    expect(page1.body.data.items.map((a: { name: string }) => a.name)).toEqual(['Paged 2', 'Paged 1']);
    const page2 = await t.http.get('/admin/apps').query({ page: 2, page_size: 2, q: 'Paged' }).set(auth()).expect(200);
    expect(page2.body.data.items.map((a: { name: string }) => a.name)).toEqual(['Paged 0']);
    const disabled = await t.http.get('/admin/apps').query({ status: 'disabled', q: 'Paged' }).set(auth()).expect(200);
    expect(disabled.body.data.items.map((a: { id: string }) => a.id)).toEqual([created[1].id]);
    await t.http.get('/admin/apps').query({ page_size: 101 }).set(auth()).expect(400);
    await t.http.get('/admin/apps').query({ page: 0 }).set(auth()).expect(400);
    await t.http.get('/admin/apps').query({ sort: 'name' }).set(auth()).expect(400);
  });

  it('enables and disables', async () => {
    const app = await createApp(t, {}, token);
    const off = await t.http.post(`/admin/apps/${app.id}/disable`).set(auth()).expect(200);
    expect(off.body.data.status).toBe('disabled');
    const on = await t.http.post(`/admin/apps/${app.id}/enable`).set(auth()).expect(200);
    expect(on.body.data.status).toBe('enabled');
  });

  it('deletes an app and audits it', async () => {
    const app = await createApp(t, {}, token);
    await t.http.delete(`/admin/apps/${app.id}`).set(auth()).expect(200);
    await t.http.get(`/admin/apps/${app.id}`).set(auth()).expect(404);
    await t.http.delete(`/admin/apps/${app.id}`).set(auth()).expect(404);
    const audit = await t.http.get('/admin/audit-log').query({ target_id: app.id }).set(auth()).expect(200);
    expect(audit.body.data.items.map((e: { action: string }) => e.action)).toEqual(['app.delete', 'app.create']);
  });

  describe('secret rotation', () => {
    it('shows the new secret once; without grace the old one stops working at once', async () => {
      const app = await createApp(t, {}, token);
      const res = await t.http.post(`/admin/apps/${app.id}/rotate-secret`).set(auth()).send({}).expect(200);
      const fresh = res.body.data.secret;
      expect(fresh).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(fresh).not.toBe(app.secret);
      expect(res.body.data.previous_secret_valid_until).toBeNull();
      expect(await activeSecrets(app.id)).toEqual([fresh]);
      const got = await t.http.get(`/admin/apps/${app.id}`).set(auth()).expect(200);
      expect(JSON.stringify(got.body)).not.toContain(fresh);
      expect(t.logs.text()).not.toContain(fresh);
    });

    it('keeps the old secret working for the grace period, then not', async () => {
      const app = await createApp(t, {}, token);
      const res = await t.http.post(`/admin/apps/${app.id}/rotate-secret`).set(auth()).send({ grace_s: 600 }).expect(200);
      const fresh = res.body.data.secret;
      expect(res.body.data.previous_secret_valid_until).toEqual(expect.any(String));
      expect(await activeSecrets(app.id)).toEqual([fresh, app.secret]);
      t.clock.advanceSeconds(601);
      expect(await activeSecrets(app.id)).toEqual([fresh]);
    });

    it('refuses a negative grace', async () => {
      const app = await createApp(t, {}, token);
      const res = await t.http.post(`/admin/apps/${app.id}/rotate-secret`).set(auth()).send({ grace_s: -1 }).expect(400);
      expect(res.body.data.field).toBe('grace_s');
    });
  });

  async function activeSecrets(id: string): Promise<string[]> {
    const apps = t.app.get(AppsService);
    const entity = await apps.findByAppkey((await apps.get(id)).appkey);
    return apps.activeSecrets(entity!);
  }
});

function withoutSecret(app: Record<string, unknown>): Record<string, unknown> {
  const { secret: _secret, ...rest } = app;
  return rest;
}
