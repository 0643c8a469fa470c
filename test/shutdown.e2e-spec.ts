import { once } from 'node:events';
import { type AddressInfo, createConnection } from 'node:net';
import { DataSource } from 'typeorm';
import { HangingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, signParams } from './support/v1.js';

/** The HTTP/1.1 responses in `raw`, in order (Content-Length bodies, as Passcode sends them). */
function responses(raw: string): Array<{ status: number; headers: Record<string, string>; body: unknown }> {
  const out = [];
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at);
    const [statusLine, ...lines] = raw.slice(at, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length']);
    out.push({ status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(raw.slice(end + 4, end + 4 + length)) });
    at = end + 4 + length;
  }
  return out;
}

function post(path: string, body: object): string {
  const text = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}

/** Whether a new connection to `port` is still taken (false once the listener has closed). */
async function accepting(port: number): Promise<boolean> {
  const socket = createConnection({ port, host: '127.0.0.1' });
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/**
 * A stopping instance (SIGTERM: Nest closes the app) finishes the requests it has
 * started, with the database still open, and tells a request that arrives after
 * it stopped listening (on a connection that was busy, or pipelined) to go
 * elsewhere, in that request's dialect rather than in Fastify's own words.
 */
describe('shutting down', () => {
  const sms = new HangingSmsProvider();
  let t: TestApp;
  let restarted: TestApp | undefined;

  beforeAll(async () => {
    t = await startTestApp({ override: withRecordingSms(sms) });
  });
  afterAll(async () => {
    sms.release();
    await restarted?.close();
  });

  it('answers the send in flight, completes its send-log row, and answers a request arriving meanwhile SERVICE_UNAVAILABLE, unrun', async () => {
    const app = await createSmsApp(t);
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const socket = createConnection({ port, host: '127.0.0.1' });
    await once(socket, 'connect');
    let raw = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
    const socketClosed = once(socket, 'close');
    let arrived = 0;
    t.app.getHttpServer().on('request', () => arrived++);

    socket.write(post('/v1/sms/verify_code', { ...signParams(t, app), mcode: '+86', mobile: '13800138000', scene: 'login' }));
    // The provider has the message and holds its answer: the send is in flight.
    while (sms.messages.length === 0) await new Promise((r) => setTimeout(r, 10));

    const closed = t.app.close();
    while (await accepting(port)) await new Promise((r) => setTimeout(r, 10));
    // On the busy connection, pipelined behind the send: arrives while the server is closing.
    socket.write(post('/v1/sms/check_code', { ...signParams(t, app), mcode: '+86', mobile: '13800138000', scene: 'login', verify_code: '000000' }));
    while (arrived < 2) await new Promise((r) => setTimeout(r, 10));
    sms.hang = false;
    sms.release();
    await closed;
    await socketClosed;

    const [sent, refused, ...more] = responses(raw);
    expect(more).toEqual([]);
    expect(sent.body).toMatchObject({ code: 200, msg: 'success' });
    expect(refused.status).toBe(200);
    expect(refused.body).toEqual({ code: 503, msg: 'Service Unavailable' });
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['x-request-id']).toMatch(/\S/);
    expect(t.logs.text()).not.toContain('send-log row not completed');

    // What the database kept: the send's row completed before it closed, and the check never ran.
    restarted = await startTestApp({ db: t.db });
    const ds = restarted.app.get(DataSource);
    expect(await ds.query('SELECT status FROM sms_messages WHERE app_id = $1', [app.id])).toEqual([{ status: 'sent' }]);
    expect(await ds.query('SELECT attempts FROM verification_codes WHERE app_id = $1', [app.id])).toEqual([{ attempts: 0 }]);
  });
});
