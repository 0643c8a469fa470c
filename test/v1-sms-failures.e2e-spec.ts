import { type Scene } from '../src/common/scenes.js';
import { createApp, type CreatedApp } from './support/admin.js';
import { FakeAliyun } from './support/fake-aliyun.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signParams } from './support/v1.js';

const AK = 'LTAI5tFakeKeyIdV1001';
const SECRET = 'fake-secret-v1-0001-do-not-leak';

/** The six SMS rows of a send endpoint's document, by what they mean. */
type Row = 'exception' | 'failed' | 'accessKey' | 'template' | 'signature' | 'config';

interface Route {
  accountId: string;
  signatureId: string;
  templateId: string;
}

/**
 * Every SMS failure of the three send endpoints, produced as it happens in
 * production: the fake Aliyun answering as the real one does, or the operator's
 * configuration (bindings, disabled parts) made so through the admin API.
 */
describe('v1: each SMS failure answers the code its endpoint documents', () => {
  let t: TestApp;
  let admin: { authorization: string };
  let fake: FakeAliyun;
  let seq = 0;
  const nextMobile = () => `1370000${String(++seq).padStart(4, '0')}`;

  beforeAll(async () => {
    t = await startTestApp({ env: { SMS_TIMEOUT_MS: '3000' } });
    admin = { authorization: `Bearer ${await t.adminToken()}` };
    fake = await FakeAliyun.start({ [AK]: SECRET });
  });
  afterAll(async () => {
    await fake.close();
    await t.close();
  });
  afterEach(() => {
    fake.reply = { kind: 'ok' };
  });

  /** An Aliyun account (on the fake unless `endpoint` says otherwise) with a signature and a template for `scene`. */
  async function aliyunRoute(scene: Scene, account: { id?: string; endpoint?: string } = {}): Promise<Route> {
    const created = await t.http
      .post('/admin/sms/accounts')
      .set(admin)
      .send({ name: 'Aliyun', provider: 'aliyun', access_key_id: account.id ?? AK, access_key_secret: SECRET, endpoint: account.endpoint ?? fake.endpoint, protocol: 'http' })
      .expect(201);
    const accountId = created.body.data.id as string;
    const sig = await t.http.post(`/admin/sms/accounts/${accountId}/signatures`).set(admin).send({ sign_name: '在行云' }).expect(201);
    const tpl = await t.http.post(`/admin/sms/accounts/${accountId}/templates`).set(admin).send({ template_code: 'SMS_100000001', scene }).expect(201);
    return { accountId, signatureId: sig.body.data.id, templateId: tpl.body.data.id };
  }

  const bind = (app: CreatedApp, scene: Scene, r: Route) =>
    t.http.put(`/admin/apps/${app.id}/sms/bindings/${scene}`).set(admin).send({ template_id: r.templateId, signature_id: r.signatureId }).expect(200);

  /** What each case does to the app's route for the scene before the send. */
  const CASES: Array<[string, Row, (app: CreatedApp, scene: Scene, r: Route) => Promise<unknown>]> = [
    ['the provider answers 503', 'exception', async () => (fake.reply = { kind: 'http', status: 503, code: 'ServiceUnavailable' })],
    ['the provider is unreachable', 'exception', async (app, scene) => bind(app, scene, await aliyunRoute(scene, { endpoint: '127.0.0.1:1' }))],
    ['the provider refuses the message (isv.AMOUNT_NOT_ENOUGH)', 'failed', async () => (fake.reply = { kind: 'business', code: 'isv.AMOUNT_NOT_ENOUGH' })],
    ['the provider does not know the AccessKey (InvalidAccessKeyId.NotFound)', 'accessKey', async (app, scene) => bind(app, scene, await aliyunRoute(scene, { id: 'LTAI5tNoSuchKey0000' }))],
    ['the provider does not know the template (isv.SMS_TEMPLATE_ILLEGAL)', 'template', async () => (fake.reply = { kind: 'business', code: 'isv.SMS_TEMPLATE_ILLEGAL' })],
    ['the bound template is disabled', 'template', async (_a, _s, r) => t.http.post(`/admin/sms/templates/${r.templateId}/disable`).set(admin).expect(200)],
    ['the provider refuses the signature (isv.SMS_SIGNATURE_ILLEGAL)', 'signature', async () => (fake.reply = { kind: 'business', code: 'isv.SMS_SIGNATURE_ILLEGAL' })],
    ['the bound signature is disabled', 'signature', async (_a, _s, r) => t.http.post(`/admin/sms/signatures/${r.signatureId}/disable`).set(admin).expect(200)],
    ['the scene has no binding', 'config', async (app, scene) => t.http.delete(`/admin/apps/${app.id}/sms/bindings/${scene}`).set(admin).expect(200)],
    ['the bound account is disabled', 'config', async (_a, _s, r) => t.http.post(`/admin/sms/accounts/${r.accountId}/disable`).set(admin).expect(200)],
  ];

  interface Endpoint {
    path: string;
    scene: Scene;
    codes: Record<Row, number>;
    /** Sends a code to `mobile` for `app` in the given encoding (after whatever login the endpoint needs). */
    prepare(app: CreatedApp): Promise<(mobile: string, type: 'form' | 'json') => Promise<{ code: number; msg: string }>>;
  }

  const ENDPOINTS: Endpoint[] = [
    {
      // login_verify_code.md
      path: '/v1/login/verify_code',
      scene: 'login',
      codes: { exception: 400190, failed: 400191, accessKey: 400192, template: 400193, signature: 400194, config: 400195 },
      prepare: async (app) => async (mobile, type) =>
        (await t.http.post('/v1/login/verify_code').type(type).send({ ...signParams(t, app), mcode: '+86', mobile }).expect(200)).body,
    },
    {
      // Seed 000 (user_update_verify_code.md)
      path: '/v1/user/verify_code',
      scene: 'update_phone',
      codes: { exception: 400192, failed: 400193, accessKey: 400194, template: 400195, signature: 400196, config: 400197 },
      prepare: async (app) => {
        const token = await login(app);
        return async (mobile, type) =>
          (await t.http.post('/v1/user/verify_code').type(type).set({ authorization: `Bearer ${token}` }).send({ mcode: '+86', mobile }).expect(200)).body;
      },
    },
    {
      // Passcode's own: numbered as its signed sibling /v1/login/verify_code.
      path: '/v1/sms/verify_code',
      scene: 'register',
      codes: { exception: 400190, failed: 400191, accessKey: 400192, template: 400193, signature: 400194, config: 400195 },
      prepare: async (app) => async (mobile, type) =>
        (await t.http.post('/v1/sms/verify_code').type(type).send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'register' }).expect(200)).body,
    },
  ];

  /** A user's token, through a login code the fake Aliyun received. */
  async function login(app: CreatedApp): Promise<string> {
    const mobile = nextMobile();
    await t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile }).expect(200, { code: 200, msg: 'success' });
    const sent = fake.requests.filter((r) => r.query.PhoneNumbers === mobile).at(-1)!;
    const code = JSON.parse(sent.query.TemplateParam).code as string;
    const res = await t.http.post('/v1/login/mobile').send({ ...signParams(t, app), mcode: '+86', mobile, verify_code: code, version_number: 1, channel: 'test' }).expect(200);
    expect(res.body.code).toBe(200);
    return res.body.data.access_token;
  }

  describe.each(ENDPOINTS)('$path', (endpoint) => {
    it.each(CASES.flatMap(([what, row, make]) => (['form', 'json'] as const).map((type) => ({ what, row, make, type }))))(
      'when $what → its "$row" code ($type body)',
      async ({ row, make, type }) => {
        const app = await createApp(t, {}, admin.authorization.slice('Bearer '.length));
        const route = await aliyunRoute(endpoint.scene);
        await bind(app, endpoint.scene, route);
        if (endpoint.scene !== 'login') await bind(app, 'login', await aliyunRoute('login'));
        const send = await endpoint.prepare(app);
        await make(app, endpoint.scene, route);
        const body = await send(nextMobile(), type);
        expect(body).toEqual({ code: endpoint.codes[row], msg: expect.any(String) });
      },
    );
  });
});
