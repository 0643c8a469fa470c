import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { type Server } from 'node:http';
import { type AddressInfo, createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_BODY_DEPTH, MAX_INPUT_VALUES } from '../src/common/http/input-limits.js';
import { ConfigError, ensureGeneratedKeys, loadConfig } from '../src/config/app-config.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signParams, useSmsTestApp } from './support/v1.js';

/**
 * Bodies and query strings shaped to cost the server: deep nesting, wide objects
 * and arrays, many form fields or query parameters. Each is refused cheaply with
 * the dialect's own error, and the server keeps answering meanwhile.
 */
describe('hostile input shapes', () => {
  const ctx = useSmsTestApp();
  const json = { 'content-type': 'application/json' };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  const deepObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
  const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
  const values = (n: number) => Array(n).fill('1').join(',');

  /** Every dialect's MALFORMED_BODY, as its README section gives it. */
  const malformed: Record<string, { path: string; status: number; body: Record<string, unknown> }> = {
    v1: { path: '/v1/login/verify_code', status: 200, body: { code: 400, msg: 'Invalid Request' } },
    admin: { path: '/admin/login', status: 400, body: { code: 'MALFORMED_BODY' } },
    authing: { path: '/api/v3/send-sms', status: 400, body: { statusCode: 400, apiCode: 10002 } },
    enduser: { path: '/v2/sms/enduserapi/v2/sendPhoneSmsCode', status: 200, body: { code: 400, msg: '请求格式错误' } },
    oauth: { path: '/oauth/api/account/sendSmsCode', status: 200, body: { code: '400', msg: '请求格式错误' } },
  };
  const dialects = Object.keys(malformed);

  /** Sends `body` to the dialect's route (v1 signed in the query, so validation would walk it) and expects its MALFORMED_BODY. */
  async function expectMalformed(dialect: string, body: string, headers: Record<string, string> = json): Promise<void> {
    const { path, status, body: expected } = malformed[dialect];
    const res = await ctx.t.http.post(path).query(dialect === 'v1' ? signParams(ctx.t, ctx.app) : {}).set(headers).send(body);
    expect({ status: res.status, body: res.body }).toMatchObject({ status, body: expected });
  }

  describe(`JSON nesting deeper than MAX_BODY_DEPTH (${MAX_BODY_DEPTH})`, () => {
    it.each(dialects)('%s: 20,000 levels of objects or of arrays → MALFORMED_BODY', async (dialect) => {
      await expectMalformed(dialect, deepObject(20_000));
      await expectMalformed(dialect, deepArray(20_000));
      // Inside a field, and one level past the limit.
      await expectMalformed(dialect, `{"mobile":${deepObject(MAX_BODY_DEPTH)}}`);
    });

    it('an ignored field nesting to the limit is parsed and dropped; brackets inside strings do not count', async () => {
      const { t, app } = ctx;
      t.clock.advanceSeconds(61);
      const fields = JSON.stringify({ ...signParams(t, app), mcode: '+86', mobile: '18500000201', note: '"[[{{\\'.repeat(100) });
      const body = fields.slice(0, -1) + `,"extra":${deepObject(MAX_BODY_DEPTH - 1)}}`;
      const res = await t.http.post('/v1/login/verify_code').set(json).send(body).expect(200);
      expect(res.body).toEqual({ code: 200, msg: 'success' });
    });
  });

  describe(`more than MAX_INPUT_VALUES (${MAX_INPUT_VALUES}) values`, () => {
    it.each(dialects)('%s: a JSON array or object that wide → MALFORMED_BODY', async (dialect) => {
      await expectMalformed(dialect, `[${values(200_000)}]`);
      const keys = Array.from({ length: MAX_INPUT_VALUES + 1 }, (_, i) => `"k${i}":1`).join(',');
      await expectMalformed(dialect, `{"extra":{${keys}}}`);
      await expectMalformed(dialect, `{"mobile":"1","extra":[${values(MAX_INPUT_VALUES)}]}`);
    });

    it.each(['v1', 'admin', 'authing'])('%s: a form with that many fields → MALFORMED_BODY', async (dialect) => {
      await expectMalformed(dialect, Array.from({ length: MAX_INPUT_VALUES + 1 }, (_, i) => `k${i}=1`).join('&'), form);
      await expectMalformed(dialect, Array(100_000).fill('mobile=1').join('&'), form);
    });

    it('a body of exactly MAX_INPUT_VALUES values is parsed (JSON and form)', async () => {
      const { t, app } = ctx;
      t.clock.advanceSeconds(61);
      const fields = { ...signParams(t, app), mcode: '+86', mobile: '18500000202' };
      const spare = MAX_INPUT_VALUES - Object.keys(fields).length - 1; // the `extra` member itself counts
      const body = JSON.stringify(fields).slice(0, -1) + `,"extra":[${values(spare)}]}`;
      expect((await t.http.post('/v1/login/verify_code').set(json).send(body).expect(200)).body).toEqual({ code: 200, msg: 'success' });

      t.clock.advanceSeconds(61);
      const formFields = { ...signParams(t, app), mcode: '+86', mobile: '18500000202' };
      const padding = Array.from({ length: MAX_INPUT_VALUES - Object.keys(formFields).length }, (_, i) => `k${i}=1`);
      const formBody = [new URLSearchParams(formFields).toString(), ...padding].join('&');
      expect((await t.http.post('/v1/login/verify_code').set(form).send(formBody).expect(200)).body).toEqual({ code: 200, msg: 'success' });
    });

    it('a query string with that many parameters → the dialect\'s invalid request', async () => {
      const { t } = ctx;
      const query = Array.from({ length: MAX_INPUT_VALUES + 1 }, (_, i) => `k${i}`).join('&');
      const enduser = await t.http.post(`/v2/sms/enduserapi/v2/sendPhoneSmsCode?${query}`).expect(200);
      expect(enduser.body).toMatchObject({ code: 5001, extMsg: `the query string holds more than ${MAX_INPUT_VALUES} values` });
      const token = await t.adminToken();
      const admin = await t.http.get(`/admin/apps?${'page=1&'.repeat(MAX_INPUT_VALUES)}q=x`).set('authorization', `Bearer ${token}`).expect(400);
      expect(admin.body).toMatchObject({ code: 'VALIDATION_FAILED', msg: `the query string holds more than ${MAX_INPUT_VALUES} values` });
    });
  });

  it('a form __proto__ field → MALFORMED_BODY, as in JSON bodies (Fastify\'s prototype-poisoning checks still run)', async () => {
    await expectMalformed('admin', '__proto__=x&username=admin', form);
    await expectMalformed('v1', 'mcode=%2B86&__proto__=x', form);
    await expectMalformed('admin', '{"username":"a","__proto__":{"admin":true}}');
    await expectMalformed('admin', '{"username":"a","constructor":{"prototype":{"admin":true}}}');
  });

  it('/health answers while deep and wide bodies are being sent', async () => {
    const { t } = ctx;
    const hostile = [deepObject(20_000), deepArray(20_000), `{"extra":{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":1`).join(',')}}}`];
    // Twenty hostile bodies, four at a time, with a /health request beside each four.
    for (let round = 0; round < 5; round++) {
      const [health] = await Promise.all([
        t.http.get('/health'),
        ...[0, 1, 2, 3].map((i) => t.http.post('/api/v3/send-sms').set(json).send(hostile[(round + i) % hostile.length]).expect(400)),
      ]);
      expect({ status: health.status, body: health.body }).toEqual({ status: 200, body: { status: 'ok' } });
    }
  });
});

/**
 * Clients that send slowly or go quiet. The app runs with timeouts of a fraction
 * of a second; each test waits (up to jest's generous timeout) for the server to
 * close the connection, however long that takes.
 */
describe('slow clients', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ env: { HTTP_HEADERS_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '600', HTTP_KEEP_ALIVE_TIMEOUT_MS: '300', HTTP_SOCKET_TIMEOUT_MS: '5000' } });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  /** A raw connection to the app, with what it has received and a promise of its close. */
  async function connect(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
    const socket = createConnection({ port, host: '127.0.0.1' });
    await once(socket, 'connect');
    let data = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (data += chunk));
    // A reset is a close too. (events.once would reject on the 'error' that a
    // reset emits before 'close', so the close is awaited by hand.)
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    return { socket, received: () => data, closed };
  }

  /** Writes `text` one byte at a time, a byte every `everyMs`, until the socket closes. */
  function trickle(socket: Socket, text: string, everyMs: number): void {
    let at = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || at >= text.length) return clearInterval(timer);
      socket.write(text[at++]);
    }, everyMs);
    socket.once('close', () => clearInterval(timer));
  }

  it(
    'a v1 body trickling in is cut off with v1\'s 408 (HTTP 200), logged once as a timeout',
    async () => {
      const { socket, received, closed } = await connect();
      const body = JSON.stringify({ appkey: 'x'.repeat(200) });
      socket.write(`POST /v1/login/verify_code HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      trickle(socket, body, 100);
      await closed;
      // In the path's dialect (v1: HTTP 200), logged once as a timeout, not as the database failing the body cut off.
      expect(received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"code":408,"msg":"Request Timeout"\}$/);
      const requestId = /x-request-id: ([\w-]+)/.exec(received())![1];
      expect(t.logs.lines().find((l) => l.reqId === requestId)).toMatchObject({ req: { url: '/v1/login/verify_code' }, cause: 'ERR_HTTP_REQUEST_TIMEOUT' });
      await new Promise((resolve) => setTimeout(resolve, 200)); // the handler still reading the body learns of the close
      expect(t.logs.text()).not.toContain('database unavailable');
    },
    30_000,
  );

  it.each([
    ['Authing', '/api/v3/send-sms', /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*\r\n\r\n\{"statusCode":408,"message":"[^"]+","apiCode":10010,/],
    ['enduser', '/v2/sms/enduserapi/v2/sendPhoneSmsCode', /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"code":408,"msg":"[^"]+",/],
    ['oauth', '/oauth/api/account/sendSmsCode', /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"request_id":"[\w-]+","code":"408",/],
  ])(
    'a body trickling in on an %s route is cut off with its dialect\'s 408 (messages read as latin1: their UTF-8 bytes)',
    async (_dialect, path, answer) => {
      const { socket, received, closed } = await connect();
      const body = JSON.stringify({ phone: '13800138000', padding: 'x'.repeat(40) });
      socket.write(`POST ${path} HTTP/1.1\r\nHost: test\r\nx-authing-app-id: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      trickle(socket, body, 100);
      await closed;
      expect(received()).toMatch(answer);
    },
    30_000,
  );

  it(
    'headers trickling in are cut off',
    async () => {
      const { socket, received, closed } = await connect();
      trickle(socket, `GET /health HTTP/1.1\r\nHost: test\r\nX-Slow: ${'x'.repeat(200)}\r\n\r\n`, 100);
      await closed;
      expect(received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*\r\n\r\n\{"code":"REQUEST_TIMEOUT",/);
    },
    30_000,
  );

  it(
    'a keep-alive connection left idle after its answer is closed',
    async () => {
      const { socket, received, closed } = await connect();
      socket.write('GET /health HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n');
      await closed;
      expect(received()).toMatch(/^HTTP\/1\.1 200 [\s\S]*\{"status":"ok"\}$/);
    },
    30_000,
  );

  it(
    'a connection that never sends a byte is closed, without an answer or a warning (a browser\'s preconnect)',
    async () => {
      const refusals = () => t.logs.lines().filter((l) => l.msg === 'request refused by the HTTP parser: REQUEST_TIMEOUT').length;
      const before = refusals();
      const { received, closed } = await connect();
      await closed;
      expect(received()).toBe('');
      expect(refusals()).toBe(before);
    },
    30_000,
  );

  it('answers requests that arrive in time, on a server carrying the configured timeouts', async () => {
    await t.http.get('/health').expect(200, { status: 'ok' });
    const server = t.app.getHttpServer() as Server;
    expect({ headers: server.headersTimeout, request: server.requestTimeout, keepAlive: server.keepAliveTimeout, socket: server.timeout }).toEqual({
      headers: 300,
      request: 600,
      keepAlive: 300,
      socket: 5000,
    });
  });
});

describe('server timeout settings', () => {
  const env = { NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'passcode-config-')) };
  beforeAll(() => ensureGeneratedKeys(env));

  it('default to bounded values and refuse out-of-range or inconsistent ones', () => {
    expect(loadConfig(env).http).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 72_000, socketTimeoutMs: 120_000 });
    expect(() => loadConfig({ ...env, HTTP_REQUEST_TIMEOUT_MS: '0' })).toThrow(/HTTP_REQUEST_TIMEOUT_MS must be an integer in \[100, 3600000\]/);
    expect(() => loadConfig({ ...env, HTTP_KEEP_ALIVE_TIMEOUT_MS: 'soon' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(/must not exceed HTTP_REQUEST_TIMEOUT_MS/);
  });
});
