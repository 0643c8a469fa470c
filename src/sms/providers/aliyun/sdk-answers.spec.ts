import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { type ClientRequest, createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type SmsAccountConnection } from '../sms-provider.js';
import { AliyunSmsProvider } from './aliyun-sms.provider.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** An Aliyun stand-in that accepts every SendSms at once, over keep-alive connections. */
async function instantAliyun(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ RequestId: 'r', Code: 'OK', Message: 'OK', BizId: 'b' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('Aliyun SDK calls are let go once answered', () => {
  let server: Server;
  beforeAll(async () => {
    server = await instantAliyun();
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('no request of a finished call is still held, with a minute of read timeout left', async () => {
    const provider = new AliyunSmsProvider();
    const account: SmsAccountConnection = {
      id: 'acc',
      provider: 'aliyun',
      credentials: { access_key_id: 'LTAI5tTimers', access_key_secret: 'secret' },
      settings: {},
      endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      protocol: 'http',
      timeoutMs: 60_000,
    };
    const requests: Array<WeakRef<ClientRequest>> = [];
    const seen = (message: unknown) => requests.push(new WeakRef((message as { request: ClientRequest }).request));
    subscribe('http.client.response.finish', seen);
    try {
      // Five at a time, so keep-alive sockets carry one call after another.
      for (let round = 0; round < 8; round++) {
        const outcomes = await Promise.all(
          Array.from({ length: 5 }, () => provider.send({ account, phone: '+8613800138000', signName: 'Passcode', templateCode: 'SMS_1', params: { code: '123456' } })),
        );
        expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      }
    } finally {
      unsubscribe('http.client.response.finish', seen);
    }
    expect(requests).toHaveLength(40);
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    // Before the fix every one of them stayed, held by its running read timer for the account's timeout.
    expect(requests.filter((ref) => ref.deref() !== undefined).length).toBeLessThanOrEqual(5);
  });
});
