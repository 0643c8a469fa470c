import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Arbitrary input on every public endpoint: never a 500, never a stack trace, nothing written on rejection. */
describe('fuzzed input', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp();
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t.close();
  });

  const clean = (status: number, body: unknown) => {
    expect(status).toBeLessThan(500);
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
});
