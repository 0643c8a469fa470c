import type { Test } from 'supertest';
import { FakeAliyun } from './support/fake-aliyun.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const AK = 'LTAI5tNoSecretsKey01';
const AK_SECRET = 'aliyun-secret-first-0001';
const AK2 = 'LTAI5tNoSecretsKey02';
const AK2_SECRET = 'aliyun-secret-second-0002';

/**
 * A secret is shown once, in the answer that made it, and nowhere after: not in
 * any admin answer (the audit log, which every operator reads, included) and
 * not in the logs.
 */
describe('secrets after creation', () => {
  let t: TestApp;
  let fake: FakeAliyun;
  let token: string;
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.adminToken();
    fake = await FakeAliyun.start({ [AK]: AK_SECRET, [AK2]: AK2_SECRET });
  });
  afterAll(async () => {
    await fake.close();
    await t.close();
  });

  it('appear in no admin answer after the one that made them, the audit log included, nor in the logs', async () => {
    /** Every answer but the two that show a secret once, by request. */
    const answers: Array<[request: string, body: unknown]> = [];
    const seen = async (req: Test) => {
      const res = await req;
      const url = new URL(req.url);
      answers.push([`${req.method} ${url.pathname}${url.search}`, res.body]);
      return res;
    };

    const created = await t.http.post('/admin/apps').set(auth()).send({ name: 'Secretive' }).expect(201);
    const appId = created.body.data.id as string;
    const firstSecret = created.body.data.secret as string;
    expect(firstSecret).toMatch(/^[A-Za-z0-9]{32}$/);
    const rotated = await t.http.post(`/admin/apps/${appId}/rotate-secret`).set(auth()).send({ grace_s: 600 }).expect(200);
    const secondSecret = rotated.body.data.secret as string;
    expect(secondSecret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(secondSecret).not.toBe(firstSecret);
    await seen(t.http.patch(`/admin/apps/${appId}`).set(auth()).send({ name: 'Secretive, renamed' }).expect(200));
    await seen(t.http.post(`/admin/apps/${appId}/disable`).set(auth()).expect(200));
    await seen(t.http.post(`/admin/apps/${appId}/enable`).set(auth()).expect(200));

    const account = await seen(
      t.http
        .post('/admin/sms/accounts')
        .set(auth())
        .send({ name: 'Aliyun', provider: 'aliyun', access_key_id: AK, access_key_secret: AK_SECRET, endpoint: fake.endpoint, protocol: 'http' })
        .expect(201),
    );
    const accountId = account.body.data.id as string;
    const sig = await seen(t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(auth()).send({ sign_name: '在行云' }).expect(201));
    const tpl = await seen(t.http.post(`/admin/sms/accounts/${accountId}/templates`).set(auth()).send({ template_code: 'SMS_100000001', scene: 'login' }).expect(201));
    await seen(
      t.http.put(`/admin/apps/${appId}/sms/bindings/login`).set(auth()).send({ template_id: tpl.body.data.id, signature_id: sig.body.data.id }).expect(200),
    );
    // A send with each AccessKey, so the send log has rows written with either secret in use.
    const testSend = () => seen(t.http.post(`/admin/apps/${appId}/sms/test`).set(auth()).send({ scene: 'login', mobile: '18518768888' }).expect(200));
    await testSend();
    await seen(t.http.patch(`/admin/sms/accounts/${accountId}`).set(auth()).send({ access_key_id: AK2, access_key_secret: AK2_SECRET }).expect(200));
    await testSend();
    expect(fake.requests.map((r) => [r.accessKeyId, r.signatureValid])).toEqual([
      [AK, true],
      [AK2, true],
    ]);

    for (const path of [
      '/admin/apps',
      `/admin/apps/${appId}`,
      `/admin/apps/${appId}/sms/bindings`,
      '/admin/audit-log?page_size=200',
      `/admin/audit-log?target_id=${appId}`,
      `/admin/audit-log?target_id=${accountId}`,
      '/admin/sms/accounts',
      `/admin/sms/accounts/${accountId}`,
      `/admin/sms/accounts/${accountId}/signatures`,
      `/admin/sms/accounts/${accountId}/templates`,
      '/admin/sms/messages',
    ]) {
      await seen(t.http.get(path).set(auth()).expect(200));
    }

    // The reads did read what was written: the audit log has the rotation and the account update, the send log both sends.
    const read = (path: string) => answers.find(([what]) => what === `GET ${path}`)![1] as { data: { items: unknown[] } };
    const actions = (read('/admin/audit-log?page_size=200').data.items as Array<{ action: string }>).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['app.create', 'app.rotate_secret', 'app.update', 'sms_account.create', 'sms_account.update']));
    expect(read('/admin/sms/messages').data.items).toHaveLength(2);

    const texts = answers.map(([what, body]) => `${what}: ${JSON.stringify(body)}`);
    expect(texts).toHaveLength(21);

    for (const secret of [firstSecret, secondSecret, AK_SECRET, AK2_SECRET]) {
      expect(texts.filter((text) => text.includes(secret))).toEqual([]);
      expect(t.logs.text()).not.toContain(secret);
    }
  });
});
