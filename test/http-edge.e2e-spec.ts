import { createConnection } from 'node:net';
import { gzipSync } from 'node:zlib';
import { type AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, signParams } from './support/v1.js';

/** What clients get for broken requests: a clear 4xx envelope in the path's dialect, never a 500 or a stack. */
describe('malformed requests', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp();
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t.close();
  });

  const noLeak = (body: unknown) => {
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+|stack/i);
  };

  describe('admin (REST statuses)', () => {
    it('malformed JSON → 400 MALFORMED_BODY', async () => {
      const res = await t.http.post('/admin/apps').set('authorization', `Bearer ${token}`).set('content-type', 'application/json').send('{"name": "x",').expect(400);
      expect(res.body).toMatchObject({ code: 'MALFORMED_BODY', request_id: expect.any(String) });
      noLeak(res.body);
    });

    it('a 2 MB body → 413 BODY_TOO_LARGE', async () => {
      const res = await t.http
        .post('/admin/apps')
        .set('authorization', `Bearer ${token}`)
        .set('content-type', 'application/json')
        .send(JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }))
        .expect(413);
      expect(res.body.code).toBe('BODY_TOO_LARGE');
      noLeak(res.body);
    });

    it('a wrong content type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const res = await t.http.post('/admin/apps').set('authorization', `Bearer ${token}`).set('content-type', 'application/xml').send('<app/>').expect(415);
      expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      noLeak(res.body);
    });

    it('a compressed body, JSON or multipart → 415 UNSUPPORTED_MEDIA_TYPE saying so; nothing created', async () => {
      const auth = { authorization: `Bearer ${token}` };
      const json = await t.http.post('/admin/apps').set(auth).set('content-type', 'application/json').set('content-encoding', 'gzip').send(gzipSync('{"name":"zipped"}')).expect(415);
      expect(json.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', msg: expect.stringContaining('Content-Encoding gzip') });
      const multipart = await t.http.post('/admin/apps').set(auth).set('content-encoding', 'deflate').field('name', 'zipped').expect(415);
      expect(multipart.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      // identity is no encoding at all.
      await t.http.post('/admin/apps').set(auth).set('content-encoding', 'identity').send({ name: 'plain' }).expect(201);
      const names = ((await t.http.get('/admin/apps').set(auth).expect(200)).body.data.items as Array<{ name: string }>).map((a) => a.name);
      expect(names).not.toContain('zipped');
    });

    it('an empty JSON body is no body: 400 VALIDATION_FAILED naming the first missing field', async () => {
      const res = await t.http.post('/admin/login').set('content-type', 'application/json').send('').expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'username' } });
    });

    it('an unknown route → 404 ROUTE_NOT_FOUND', async () => {
      const res = await t.http.get('/admin/nothing-here').expect(404);
      expect(res.body.code).toBe('ROUTE_NOT_FOUND');
    });

    it('a known path with another method → 405 METHOD_NOT_ALLOWED with Allow', async () => {
      const res = await t.http.delete('/admin/apps').set('authorization', `Bearer ${token}`).expect(405);
      expect(res.body).toMatchObject({ code: 'METHOD_NOT_ALLOWED', request_id: expect.any(String) });
      expect(res.headers.allow).toBe('GET, POST');
      // A path parameter and a trailing slash match too; an unknown path and a malformed one stay 404.
      expect((await t.http.post('/admin/apps/some-id/').set('authorization', `Bearer ${token}`).expect(405)).headers.allow).toMatch(/GET/);
      await t.http.delete('/admin/nothing-here').expect(404);
    });

    it('a malformed URL → 404 ROUTE_NOT_FOUND in the envelope', async () => {
      const res = await t.http.get('/admin/%zz').expect(404);
      expect(res.body).toMatchObject({ code: 'ROUTE_NOT_FOUND', request_id: res.headers['x-request-id'] });
      noLeak(res.body);
    });

    it('echoes a sane x-request-id and replaces an insane one', async () => {
      const res = await t.http.get('/admin/nothing-here').set('x-request-id', 'abc-123').expect(404);
      expect(res.headers['x-request-id']).toBe('abc-123');
      expect(res.body.request_id).toBe('abc-123');
      const bad = await t.http.get('/admin/nothing-here').set('x-request-id', 'x'.repeat(200)).expect(404);
      expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('NUL characters (Postgres text cannot hold U+0000)', () => {
    const apps = async () => (await t.app.get(DataSource).query('SELECT count(*)::int AS n FROM apps'))[0].n as number;

    it('in an admin body, nested or not, or a query → 400 VALIDATION_FAILED naming the field; nothing written', async () => {
      const before = await apps();
      const auth = { authorization: `Bearer ${token}` };
      const top = await t.http.post('/admin/apps').set(auth).send({ name: 'a\u0000b' }).expect(400);
      // A name's display rule (no control characters) refuses it first.
      expect(top.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'name' } });
      const nested = await t.http.post('/admin/apps').set(auth).send({ name: 'ok', code_policy: { allowed_country_codes: ['+86', '+1\u0000'] } }).expect(400);
      // Its pattern refuses it first; either way the request names the field.
      expect(nested.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'code_policy.allowed_country_codes' } });
      const query = await t.http.get('/admin/apps').set(auth).query({ q: 'x\u0000' }).expect(400);
      expect(query.body).toMatchObject({ code: 'VALIDATION_FAILED', msg: 'q must not contain NUL characters', data: { field: 'q' } });
      const param = await t.http.get('/admin/sms/accounts/a%00b').set(auth).expect(400);
      expect(param.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'id' } });
      expect(await apps()).toBe(before);
    });

    it('in a v1 parameter → that parameter\'s malformed code', async () => {
      const app = await createSmsApp(t);
      const body = { ...signParams(t, app), mcode: '+86', mobile: '18500000001', verify_code: '123456', version_number: '1', channel: 'x\u0000' };
      const res = await t.http.post('/v1/login/mobile').send(body).expect(200);
      expect(res.body).toMatchObject({ code: 400114 });
      const form = await t.http.post('/v1/login/mobile').type('form').send({ ...body, ...signParams(t, app) }).expect(200);
      expect(form.body).toMatchObject({ code: 400114 });
      // A field the v1 API ignores is dropped before the check, NUL or not.
      const ignored = await t.http.post('/v1/login/mobile').send({ ...body, ...signParams(t, app), channel: 'test', extra: 'x\u0000' }).expect(200);
      expect(ignored.body).toMatchObject({ code: 400195 });
    });
  });

  describe('unpaired UTF-16 surrogates (no UTF-8 encoding, so Postgres cannot store them)', () => {
    const rows = async () =>
      (
        await t.app.get(DataSource).query(
          'SELECT (SELECT count(*) FROM apps)::int AS apps, (SELECT count(*) FROM audit_log)::int AS audit, (SELECT count(*) FROM sms_messages)::int AS sms, (SELECT count(*) FROM users)::int AS users',
        )
      )[0] as Record<string, number>;

    it('in an admin body, alone or nested → 400 VALIDATION_FAILED naming the field; no app, no audit entry', async () => {
      const before = await rows();
      const auth = { authorization: `Bearer ${token}` };
      const high = await t.http.post('/admin/apps').set(auth).send({ name: '\ud800x' }).expect(400);
      expect(high.body).toMatchObject({ code: 'VALIDATION_FAILED', msg: 'name must not contain unpaired surrogates', data: { field: 'name' } });
      const low = await t.http.post('/admin/apps').set(auth).send({ name: 'x\udc00' }).expect(400);
      expect(low.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'name' } });
      expect(await rows()).toEqual(before);
      const app = await createSmsApp(t);
      const sent = await rows();
      const nested = await t.http.post(`/admin/apps/${app.id}/sms/test`).set(auth).send({ scene: 'login', mobile: '18518768888', params: { code: '12\udfff' } }).expect(400);
      expect(nested.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'params.code' } });
      expect(await rows()).toEqual(sent);
      // A surrogate pair is a character like any other.
      const emoji = await t.http.post('/admin/apps').set(auth).send({ name: 'app \ud83d\ude00' }).expect(201);
      expect(emoji.body.data.name).toBe('app \ud83d\ude00');
    });

    it('in a v1 parameter → that parameter\'s malformed code; nothing written', async () => {
      const app = await createSmsApp(t);
      const before = await rows();
      const body = { ...signParams(t, app), mcode: '+86', mobile: '18500000001', verify_code: '123456', version_number: '1', channel: '\ud800' };
      expect((await t.http.post('/v1/login/mobile').send(body).expect(200)).body).toMatchObject({ code: 400114 });
      expect(await rows()).toEqual(before);
    });

    it('in an Authing field → apiCode 10001 naming it', async () => {
      const app = await createSmsApp(t);
      const res = await t.http.post('/api/v3/send-sms').set('x-authing-app-id', app.appkey).send({ channel: 'CHANNEL_LOGIN', phoneNumber: '1880000000\udbff' }).expect(200);
      expect(res.body).toMatchObject({ statusCode: 400, apiCode: 10001, data: { field: 'phoneNumber' } });
    });

    it('as a v1 appkey, or NUL in one, or one longer than any appkey → the unknown-appkey code, not a 500', async () => {
      for (const appkey of ['a\u0000b', '\ud800', 'k'.repeat(100_000)]) {
        const res = await t.http.post('/v1/login/verify_code').send({ appkey, timestamp: '1700000000', sign: '0'.repeat(32) }).expect(200);
        expect(res.body).toEqual({ code: 400199, msg: 'appkey not found' });
      }
    });
  });

  describe('v1 (HTTP 200, global codes)', () => {
    it('malformed JSON → code 400', async () => {
      const res = await t.http.post('/v1/login/verify_code').set('content-type', 'application/json').send('{').expect(200);
      expect(res.body).toEqual({ code: 400, msg: 'Invalid Request' });
    });

    it('an empty JSON body → the code of the first missing parameter', async () => {
      const res = await t.http.post('/v1/login/verify_code').set('content-type', 'application/json').send('').expect(200);
      expect(res.body).toEqual({ code: 400180, msg: 'appkey is required' });
    });

    it('multipart/form-data: a file part → code 400, a field over 64 KB or 51 fields → 413, no boundary or a cut-off body → 400', async () => {
      const file = await t.http.post('/v1/login/verify_code').field('mcode', '+86').attach('mobile', Buffer.from('18500000001'), 'mobile.txt').expect(200);
      expect(file.body).toEqual({ code: 400, msg: 'Invalid Request' });
      const long = await t.http.post('/v1/login/verify_code').field('mcode', '+86').field('mobile', '1'.repeat(65 * 1024)).expect(200);
      expect(long.body).toEqual({ code: 413, msg: 'Request Entity Too Large' });
      const unbounded = await t.http.post('/v1/login/verify_code').set('content-type', 'multipart/form-data').send('mcode=%2B86').expect(200);
      expect(unbounded.body).toEqual({ code: 400, msg: 'Invalid Request' });
      const proto = await t.http.post('/v1/login/verify_code').field('__proto__', 'x').expect(200);
      expect(proto.body).toEqual({ code: 400, msg: 'Invalid Request' });
      const many = t.http.post('/v1/login/verify_code');
      for (let i = 0; i < 51; i++) void many.field(`f${i}`, 'x');
      expect((await many.expect(200)).body).toEqual({ code: 413, msg: 'Request Entity Too Large' });
      const multipart = (body: string) => t.http.post('/v1/login/verify_code').set('content-type', 'multipart/form-data; boundary=XX').send(body).expect(200);
      const cut = await multipart('--XX\r\nContent-Disposition: form-data; name="mcode"\r\n\r\n+8');
      expect(cut.body).toEqual({ code: 400, msg: 'Invalid Request' });
      // No body is no fields, as with every content type: the first missing parameter is named.
      expect((await multipart('')).body).toEqual({ code: 400180, msg: 'appkey is required' });
    });

    it('a 2 MB body → code 413', async () => {
      const res = await t.http.post('/v1/login/verify_code').type('form').send(`mobile=${'1'.repeat(2 * 1024 * 1024)}`).expect(200);
      expect(res.body).toEqual({ code: 413, msg: 'Request Entity Too Large' });
    });

    it('a known endpoint with another method → code 405', async () => {
      const res = await t.http.get('/v1/login/verify_code').expect(200);
      expect(res.body).toEqual({ code: 405, msg: 'Method Not Allowed' });
      expect(res.headers.allow).toBe('POST');
    });

    it('an unknown endpoint, or a malformed URL → code 404', async () => {
      const res = await t.http.get('/v1/no/such/thing').expect(200);
      expect(res.body).toEqual({ code: 404, msg: 'Not Found' });
      // Whatever its body: one of no known type was a 406, a malformed one a 400.
      expect((await t.http.post('/v1/nope').set('content-type', 'text/plain').send('hello').expect(200)).body).toEqual({ code: 404, msg: 'Not Found' });
      expect((await t.http.post('/v1/nope').set('content-type', 'application/json').send('{"a":').expect(200)).body).toEqual({ code: 404, msg: 'Not Found' });
      expect((await t.http.post('/admin/nope').set('content-type', 'application/x-www-form-urlencoded').send('a=%zz').expect(404)).body.code).toBe('ROUTE_NOT_FOUND');
      expect((await t.http.post('/v1/%zz').expect(200)).body).toEqual({ code: 404, msg: 'Not Found' });
    });
  });

  it.each([
    ['enduser', '/v2/sms/enduserapi/v2/sendPhoneSmsCode', 200, { code: 405, msg: '方法不允许' }],
    ['Authing', '/api/v3/send-sms', 405, { statusCode: 405, apiCode: 10006, message: '方法不允许' }],
    ['oauth', '/oauth/api/account/sendSmsCode', 200, { code: '405', msg: '方法不允许' }],
  ])('%s: a known path with another method → its 405', async (_dialect, path, status, body) => {
    const res = await t.http.get(path).expect(status);
    expect(res.body).toMatchObject(body);
    expect(res.headers.allow).toBe('POST');
  });

  describe('requests Node\'s HTTP server refuses before routing: the path\'s dialect, a request id, a log line', () => {
    /** Sends `request` on a connection of its own; answers what came back before the server closed it. */
    async function raw(request: string): Promise<{ status: number; headers: string; body: unknown }> {
      await t.app.listen(0, '127.0.0.1').catch(() => undefined); // listening already after the first
      const { port } = t.app.getHttpServer().address() as AddressInfo;
      const socket = createConnection({ port, host: '127.0.0.1' });
      let received = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
      socket.on('error', () => undefined);
      socket.write(Buffer.from(request, 'latin1'));
      await new Promise((resolve) => socket.once('close', resolve));
      const [head, body] = [received.slice(0, received.indexOf('\r\n\r\n')), received.slice(received.indexOf('\r\n\r\n') + 4)];
      return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(Buffer.from(body, 'latin1').toString('utf8')) };
    }
    const huge = 'x'.repeat(20_000);
    const lineOf = (requestId: string) => t.logs.lines().find((l) => l.reqId === requestId);

    it.each([
      ['v1', '/v1/user/info', 200, { code: 431, msg: 'Request Header Fields Too Large' }],
      ['Authing', '/api/v3/send-sms', 431, { statusCode: 431, apiCode: 10009, message: '请求头过大' }],
      ['enduser', '/v2/enduser/enduserapi/setPhone', 200, { code: 431, msg: '请求头过大' }],
      ['oauth', '/oauth/api/account/sendSmsCode', 200, { code: '431', msg: '请求头过大' }],
      ['admin', '/admin/apps', 431, { code: 'HEADERS_TOO_LARGE', msg: 'request headers too large' }],
    ])('%s: headers over 16 KB → HEADERS_TOO_LARGE', async (_dialect, path, status, body) => {
      const res = await raw(`GET ${path}?sign=abc HTTP/1.1\r\nHost: test\r\nAuthorization: ${huge}\r\n\r\n`);
      expect(res).toMatchObject({ status, body });
      expect(res.headers).toContain('connection: close');
      const requestId = /x-request-id: ([\w-]+)/.exec(res.headers)![1];
      expect(lineOf(requestId)).toMatchObject({ level: 40, req: { url: path }, cause: 'HPE_HEADER_OVERFLOW' });
    });

    it('a refused request pipelined behind one still being answered is answered after it, not over it, and logged without its path', async () => {
      await t.app.listen(0, '127.0.0.1').catch(() => undefined);
      const socket = createConnection({ port: (t.app.getHttpServer().address() as AddressInfo).port, host: '127.0.0.1' });
      let received = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
      socket.on('error', () => undefined);
      // One packet: a request Fastify answers, then one Node's parser refuses. The refusal was written over the first
      // one's answer (dropped), and logged with the first one's path.
      socket.write(`GET /health HTTP/1.1\r\nHost: test\r\n\r\nGET /v1/probe HTTP/1.1\r\nHost: test\r\nX-Probe: a\u0001b\r\n\r\n`);
      await new Promise((resolve) => socket.once('close', resolve));
      const answers = received.split(/(?=HTTP\/1\.1 )/);
      expect(answers.map((a) => a.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request']);
      expect(answers[0]).toMatch(/\{"status":"ok"\}$/);
      expect(answers[1]).toMatch(/"code":"MALFORMED_REQUEST"/);
      const requestId = /x-request-id: ([\w-]+)/.exec(answers[1])![1];
      expect(lineOf(requestId)).toMatchObject({ level: 40, req: { id: requestId }, cause: 'HPE_INVALID_HEADER_TOKEN' });
      expect((lineOf(requestId)!.req as { url?: string }).url).toBeUndefined();
    });

    it.each([
      ['a control character in a header', 'X-Probe: a\u0001b\r\n'],
      ['a space before the colon', 'X-Probe : b\r\n'],
      ['a folded header', 'X-Probe: a\r\n b\r\n'],
    ])('%s → MALFORMED_REQUEST (v1: code 400; admin: 400)', async (_what, header) => {
      const v1 = await raw(`POST /v1/sms/check_code HTTP/1.1\r\nHost: test\r\n${header}\r\n`);
      expect(v1).toMatchObject({ status: 200, body: { code: 400, msg: 'Invalid Request' } });
      const admin = await raw(`GET /admin/apps HTTP/1.1\r\nHost: test\r\n${header}\r\n`);
      expect(admin).toMatchObject({ status: 400, body: { code: 'MALFORMED_REQUEST' } });
      const requestId = /x-request-id: ([\w-]+)/.exec(admin.headers)![1];
      expect(lineOf(requestId)).toMatchObject({ level: 40, req: { url: '/admin/apps' }, msg: 'request refused by the HTTP parser: MALFORMED_REQUEST' });
    });
  });

  describe('a body declared over the limit', () => {
    let small: TestApp;
    let port: number;
    beforeAll(async () => {
      small = await startTestApp({ env: { BODY_LIMIT_BYTES: '1024' } });
      await small.app.listen(0, '127.0.0.1');
      port = (small.app.getHttpServer().address() as AddressInfo).port;
    });
    afterAll(async () => {
      await small.close();
    });

    /** Writes `head` and `body` whole before reading anything, as Python's http.client and most SDKs do; answers what came back, or the write's error. */
    async function writeThenRead(head: string, body: Buffer): Promise<{ answer: string; writeError?: string }> {
      const socket = createConnection({ port, host: '127.0.0.1' });
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.pause();
      let writeError: string | undefined;
      socket.on('error', (err: NodeJS.ErrnoException) => (writeError ??= err.code));
      await new Promise<void>((resolve) => socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]), () => resolve()));
      let answer = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
      socket.resume();
      await new Promise((resolve) => socket.once('close', resolve));
      return { answer, writeError };
    }

    it('is read away before its 413, so a client that writes its whole body first still gets the answer, in its dialect', async () => {
      const body = Buffer.alloc(8 * 1024 * 1024, 'a');
      for (let i = 0; i < 3; i++) {
        const { answer, writeError } = await writeThenRead(
          `POST /v1/sms/verify_code HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`,
          body,
        );
        expect(writeError).toBeUndefined();
        expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
        expect(answer).toMatch(/\{"code":413,"msg":"Request Entity Too Large"\}$/);
      }
    });

    it('sent in chunks, with no length declared, is read away before its 413 too', async () => {
      const piece = Buffer.alloc(64 * 1024, 'a');
      const chunk = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`, 'latin1'), piece, Buffer.from('\r\n', 'latin1')]);
      const body = Buffer.concat([...Array.from({ length: 128 }, () => chunk), Buffer.from('0\r\n\r\n', 'latin1')]);
      for (let i = 0; i < 3; i++) {
        const { answer, writeError } = await writeThenRead(
          `POST /v1/sms/verify_code HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n`,
          body,
        );
        expect(writeError).toBeUndefined();
        expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
        expect(answer).toMatch(/\{"code":413,"msg":"Request Entity Too Large"\}$/);
      }
    });

    it('waiting for 100 Continue, gets its 413 instead, and sends no body', async () => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      let answer = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
      socket.on('error', () => undefined);
      socket.write(`POST /admin/apps HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n`);
      await new Promise((resolve) => socket.once('close', resolve));
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
      expect(answer).toMatch(/"code":"BODY_TOO_LARGE"/);
      // A body within the limit still gets its 100.
      const within = createConnection({ port, host: '127.0.0.1' });
      let first = '';
      within.setEncoding('latin1').once('data', (chunk: string) => (first = chunk));
      within.write(`POST /admin/apps HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 20\r\nExpect: 100-continue\r\n\r\n`);
      await new Promise((resolve) => within.once('data', resolve));
      expect(first).toMatch(/^HTTP\/1\.1 100 Continue/);
      within.end('{"name":"continued"}');
      await new Promise((resolve) => within.once('close', resolve));
    });
  });

  it('logs every request with its id and without query values', async () => {
    await t.http.get('/v1/no/such/thing?mobile=18518768888&sign=abc').set('x-request-id', 'log-probe-1').expect(200);
    const line = t.logs.lines().find((l) => (l.req as { id?: string } | undefined)?.id === 'log-probe-1');
    expect(line).toMatchObject({ req: { method: 'GET', url: '/v1/no/such/thing?mobile=~&sign=~' }, res: { statusCode: 200 } });
    expect(t.logs.text()).not.toContain('18518768888');
  });

  it('serves the OpenAPI document', async () => {
    const res = await t.http.get('/docs-json').expect(200);
    expect(res.body.paths['/admin/apps']).toBeDefined();
  });
});
