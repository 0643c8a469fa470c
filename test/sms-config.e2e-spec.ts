import { DataSource } from 'typeorm';
import { createApp } from './support/admin.js';
import { POSTGRES_URL } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('sms configuration: duplicates', () => {
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

  async function account(name = 'C'): Promise<string> {
    const res = await t.http.post('/admin/sms/accounts').set(auth()).send({ name, provider: 'console' }).expect(201);
    return res.body.data.id as string;
  }

  async function auditCount(action: string, accountId: string): Promise<number> {
    const [{ n }] = await t.app.get(DataSource).query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND details->>'account_id' = $2`,
      [action, accountId],
    );
    return n as number;
  }

  it('refuses a sign name the account already has, naming the field; nothing is written', async () => {
    const id = await account();
    const other = await account('D');
    await t.http.post(`/admin/sms/accounts/${id}/signatures`).set(auth()).send({ sign_name: 'S' }).expect(201);
    const dup = await t.http.post(`/admin/sms/accounts/${id}/signatures`).set(auth()).send({ sign_name: 'S', type: 'notification' }).expect(400);
    expect(dup.body).toEqual({ code: 'VALIDATION_FAILED', msg: 'sign_name already exists on this account', data: { field: 'sign_name' }, request_id: expect.any(String) });
    const list = await t.http.get(`/admin/sms/accounts/${id}/signatures`).set(auth()).expect(200);
    expect(list.body.data.items).toEqual([expect.objectContaining({ sign_name: 'S', type: 'verification' })]);
    expect(await auditCount('sms_signature.create', id)).toBe(1);
    // Another account may use the same name.
    await t.http.post(`/admin/sms/accounts/${other}/signatures`).set(auth()).send({ sign_name: 'S' }).expect(201);
  });

  it('refuses a template code the account already has, naming the field; nothing is written', async () => {
    const id = await account();
    const other = await account('D');
    await t.http.post(`/admin/sms/accounts/${id}/templates`).set(auth()).send({ template_code: 'T1' }).expect(201);
    const dup = await t.http.post(`/admin/sms/accounts/${id}/templates`).set(auth()).send({ template_code: 'T1', scene: 'login' }).expect(400);
    expect(dup.body).toEqual({ code: 'VALIDATION_FAILED', msg: 'template_code already exists on this account', data: { field: 'template_code' }, request_id: expect.any(String) });
    const list = await t.http.get(`/admin/sms/accounts/${id}/templates`).set(auth()).expect(200);
    expect(list.body.data.items).toEqual([expect.objectContaining({ template_code: 'T1', scene: null })]);
    expect(await auditCount('sms_template.create', id)).toBe(1);
    await t.http.post(`/admin/sms/accounts/${other}/templates`).set(auth()).send({ template_code: 'T1' }).expect(201);
  });

  // PGlite serves one transaction at a time: only Postgres can interleave the creations.
  (POSTGRES_URL ? it : it.skip)('lets one of concurrent creations of the same name win and refuses the others as duplicates', async () => {
    const id = await account();
    for (const [path, body, field] of [
      ['signatures', { sign_name: 'Race' }, 'sign_name'],
      ['templates', { template_code: 'RACE' }, 'template_code'],
    ] as const) {
      const answers = await Promise.all(
        [0, 1, 2].map(() => t.http.post(`/admin/sms/accounts/${id}/${path}`).set(auth()).send(body)),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([201, 400, 400]);
      for (const r of answers.filter((a) => a.status === 400)) expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field } });
    }
  });

  it('refuses a duplicate on a disabled account too, and an unknown account first', async () => {
    const id = await account();
    await t.http.post(`/admin/sms/accounts/${id}/signatures`).set(auth()).send({ sign_name: 'S' }).expect(201);
    await t.http.post(`/admin/sms/accounts/${id}/disable`).set(auth()).expect(200);
    await t.http.post(`/admin/sms/accounts/${id}/signatures`).set(auth()).send({ sign_name: 'S' }).expect(400);
    const missing = await t.http.post('/admin/sms/accounts/00000000-0000-4000-8000-000000000000/templates').set(auth()).send({ template_code: 'T1' }).expect(404);
    expect(missing.body.code).toBe('SMS_ACCOUNT_NOT_FOUND');
  });

  it('rebinds a scene in place: same id and creation time, the new pair', async () => {
    const app = await createApp(t, {}, token);
    const id = await account();
    const sig = await t.http.post(`/admin/sms/accounts/${id}/signatures`).set(auth()).send({ sign_name: 'R' }).expect(201);
    const [first, second] = await Promise.all(
      ['R1', 'R2'].map((code) => t.http.post(`/admin/sms/accounts/${id}/templates`).set(auth()).send({ template_code: code }).expect(201)),
    );
    const put = (templateId: string) =>
      t.http.put(`/admin/apps/${app.id}/sms/bindings/login`).set(auth()).send({ template_id: templateId, signature_id: sig.body.data.id }).expect(200);
    const bound = (await put(first.body.data.id)).body.data;
    t.clock.advanceSeconds(60);
    const rebound = (await put(second.body.data.id)).body.data;
    expect(rebound).toEqual({ ...bound, template_id: second.body.data.id, updated_at: expect.any(String) });
    expect(Date.parse(rebound.updated_at) - Date.parse(bound.updated_at)).toBeGreaterThanOrEqual(60_000);
  });

  (POSTGRES_URL ? it : it.skip)('binds a scene once however many concurrent requests bind it', async () => {
    const app = await createApp(t, {}, token);
    const id = await account();
    const sig = await t.http.post(`/admin/sms/accounts/${id}/signatures`).set(auth()).send({ sign_name: 'B' }).expect(201);
    const tpl = await t.http.post(`/admin/sms/accounts/${id}/templates`).set(auth()).send({ template_code: 'B1' }).expect(201);
    const answers = await Promise.all(
      [0, 1, 2, 3].map(() =>
        t.http.put(`/admin/apps/${app.id}/sms/bindings/login`).set(auth()).send({ template_id: tpl.body.data.id, signature_id: sig.body.data.id }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const list = await t.http.get(`/admin/apps/${app.id}/sms/bindings`).set(auth()).expect(200);
    expect(list.body.data.items).toEqual([expect.objectContaining({ scene: 'login', template_id: tpl.body.data.id, signature_id: sig.body.data.id })]);
    const [{ n }] = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'sms_binding.put' AND target_id = $1`, [app.id]);
    expect(n).toBe(4);
  });
});
