import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { RecordingSmsProvider, withRecordingSms } from '../support/sms.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createSmsApp, signParams } from '../support/v1.js';
import { type CreatedApp } from '../support/admin.js';

/** Arbitrary input on every public endpoint: never a 500, never a stack trace, nothing written on rejection. */
describe('fuzzed input', () => {
  let t: TestApp;
  let token: string;
  let smsApp: CreatedApp;
  const sms = new RecordingSmsProvider();
  beforeAll(async () => {
    t = await startTestApp({ override: withRecordingSms(sms) });
    token = await t.adminToken();
    smsApp = await createSmsApp(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const clean = (status: number, body: unknown) => {
    expect(status).toBeLessThan(500);
    // The seed dialects answer HTTP 200 whatever happened: their 500 is in the body.
    const { code, statusCode } = (body ?? {}) as { code?: unknown; statusCode?: unknown };
    expect([500, '500', 'INTERNAL']).not.toContain(code);
    expect(statusCode).not.toBe(500);
    expect(JSON.stringify(body)).not.toMatch(/at \S+ \(|node_modules|\.ts:\d+/);
  };
  const count = async () => (await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM apps'))[0].n as number;

  /** Values of every JSON shape, with the awkward strings fuzzing is for. */
  const nasty = fc.oneof(
    fc.jsonValue(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('', ' ', '\u0000', '１８５１８７６８８８８', '١٨٥١٨٧٦٨٨٨٨', "' OR 1=1 --", '{"$gt":""}', 'x'.repeat(5000), '-1', '1e309', 'NaN', '__proto__'),
    fc.integer(),
    fc.double(),
    fc.array(fc.jsonValue(), { maxLength: 5 }),
  );

  it('POST /admin/login', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('username', 'password', 'extra', '__proto__', 'constructor'), nasty), async (body) => {
        const res = await t.http.post('/admin/login').send(body);
        clean(res.status, res.body);
        expect([400, 401]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
  });

  it('POST /admin/apps', async () => {
    const keys = fc.constantFrom('name', 'login_config', 'code_policy', 'secret', 'status');
    const policy = fc.dictionary(fc.constantFrom('length', 'ttl_s', 'max_attempts', 'allowed_country_codes', 'captcha_required', 'bogus'), nasty);
    await fc.assert(
      fc.asyncProperty(fc.dictionary(keys, fc.oneof(nasty, policy)), async (body) => {
        const before = await count();
        const res = await t.http.post('/admin/apps').set('authorization', `Bearer ${token}`).send(body);
        clean(res.status, res.body);
        expect([201, 400]).toContain(res.status);
        expect(await count()).toBe(before + (res.status === 201 ? 1 : 0));
      }),
      { numRuns: 150 },
    );
  });

  it('raw bodies of any content type', async () => {
    const types = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=latin1', 'multipart/form-data', '');
    const paths = fc.constantFrom('/admin/login', '/admin/apps', '/v1/login/verify_code', '/v1/login/mobile', '/oauth/api/account/sendSmsCode');
    await fc.assert(
      fc.asyncProperty(paths, types, fc.string({ unit: 'binary', maxLength: 300 }), async (path, type, raw) => {
        const req = t.http.post(path).set('authorization', `Bearer ${token}`);
        if (type) req.set('content-type', type);
        const res = await req.send(raw);
        clean(res.status, res.body);
      }),
      { numRuns: 200 },
    );
  });

  it('GET with arbitrary query strings and headers', async () => {
    const paths = fc.constantFrom('/admin/apps', '/admin/audit-log', '/oauth/api/account/imgCode', '/health', '/v1/user/info');
    const header = fc.string({ unit: 'grapheme-ascii', maxLength: 80 }).filter((s) => !/[\r\n]/.test(s));
    await fc.assert(
      fc.asyncProperty(paths, fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 })), header, async (path, query, value) => {
        const res = await t.http.get(path).query(query).set('x-app-key', value).set('authorization', `Bearer ${value}`);
        clean(res.status, res.body);
      }),
      { numRuns: 150 },
    );
  });

  it('any method on any path, malformed escapes included, answers in the path\'s dialect', async () => {
    // Each dialect's error envelope, recognisable by its fields (Fastify's own error JSON has none of these shapes).
    const dialects: Array<[prefix: string, envelope: (b: Record<string, unknown>) => boolean]> = [
      ['/v1/', (b) => typeof b.code === 'number' && typeof b.msg === 'string'],
      ['/admin/', (b) => typeof b.code === 'string' && typeof b.request_id === 'string'],
      ['/api/v3/', (b) => typeof b.statusCode === 'number' && typeof b.apiCode === 'number'],
      ['/oauth/api/', (b) => typeof b.code === 'string' && typeof b.msg === 'string'],
      ['/v2/sms/enduserapi/', (b) => typeof b.code === 'number' && typeof b.extMsg === 'string'],
      ['/v2/enduser/enduserapi/', (b) => typeof b.code === 'number' && typeof b.extMsg === 'string'],
    ];
    const segment = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('%', '%zz', '%E4%B8', '%00', '..', '.', '', 'verify_code', 'send-sms', 'apps', ';x', '%2F'));
    const method = fc.constantFrom('get', 'post', 'put', 'delete', 'patch', 'options') as fc.Arbitrary<'get' | 'post' | 'put' | 'delete' | 'patch' | 'options'>;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...dialects), fc.array(segment, { maxLength: 4 }), method, async ([prefix, envelope], segments, verb) => {
        const path = prefix + segments.map((x) => x.replace(/[?#\s]/g, '')).join('/');
        const res = await t.http[verb](path);
        clean(res.status, res.body);
        expect(envelope(res.body)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  /** Rows any v1 call could write: a rejected request must leave all of them as they were. */
  const written = async () =>
    (
      await t.app.get(DataSource).query(
        `SELECT (SELECT count(*) FROM verification_codes)::int AS codes, (SELECT count(*) FROM users)::int AS users,
                (SELECT count(*) FROM sms_messages)::int AS sms, (SELECT count(*) FROM user_sessions)::int AS sessions,
                (SELECT count(*) FROM send_counters)::int AS counters`,
      )
    )[0] as Record<string, number>;

  it('signed v1 requests with arbitrary business fields', async () => {
    const paths = fc.constantFrom('/v1/sms/verify_code', '/v1/sms/check_code', '/v1/login/verify_code', '/v1/login/mobile', '/v1/user/verify_code', '/v1/user/mobile', '/v1/user/cancel');
    const fields = fc.dictionary(
      fc.constantFrom('mcode', 'mobile', 'scene', 'verify_code', 'version_number', 'channel', 'oaid', 'device_id', 'need_user_detail', 'appkey', 'sign', '__proto__'),
      fc.oneof(nasty, fc.constantFrom('+86', '18518768888', 'login', 'register', '123456')),
    );
    await fc.assert(
      fc.asyncProperty(paths, fields, fc.boolean(), async (path, body, form) => {
        t.clock.advanceSeconds(3600);
        const before = await written();
        const req = t.http.post(path);
        const payload = { ...body, ...signParams(t, smsApp) };
        const res = form ? await req.type('form').send(payload as Record<string, string>) : await req.send(payload);
        clean(res.status, res.body);
        expect(res.status).toBe(200);
        expect(typeof res.body.code).toBe('number');
        if (res.body.code !== 200) expect(await written()).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('one number spelled in ASCII, full-width and Arabic-Indic digits logs in to one user', async () => {
    const spellings = ['18518769999', '１８５１８７６９９９９', '١٨٥١٨٧٦٩٩٩٩', '۱۸۵۱۸۷۶۹۹۹۹', '185 1876 9999'];
    for (const mobile of spellings) {
      t.clock.advanceSeconds(3600);
      const sent = await t.http.post('/v1/login/verify_code').send({ mcode: '+86', mobile, ...signParams(t, smsApp) });
      expect(sent.body.code).toBe(200);
      const code = sms.lastCodeFor('+8618518769999')!;
      const res = await t.http
        .post('/v1/login/mobile')
        .send({ mcode: '+86', mobile, verify_code: code, version_number: 1, channel: 'fuzz', need_user_detail: 1, ...signParams(t, smsApp) });
      expect(res.body.code).toBe(200);
    }
    const users = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM users WHERE app_id = $1 AND phone_e164 = '+8618518769999'`, [smsApp.id]);
    expect(users[0].n).toBe(1);
  });

  it('full-width and Arabic-Indic mcode spellings reach the same number', async () => {
    t.clock.advanceSeconds(3600);
    const res = await t.http.post('/v1/sms/verify_code').send({ mcode: '＋８６', mobile: '١٨٥١٨٧٦٧٧٧٧', scene: 'register', ...signParams(t, smsApp) });
    expect(res.body.code).toBe(200);
    expect(sms.lastCodeFor('+8618518767777')).toMatch(/^\d+$/);
  });
});
