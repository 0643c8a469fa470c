import { randomBytes } from 'node:crypto';
import { createConnection, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { REDIS_RETRY_AFTER_MS } from '../src/throttle/redis-throttler.storage.js';
import { FreezableProxy } from './support/freezable-proxy.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, signParams } from './support/v1.js';

const REDIS_URL = process.env.TEST_REDIS_URL || process.env.REDIS_URL;

describe('per-IP throttling', () => {
  /** A test app whose clock stands still but for the test's advances: no window ends midway on a slow machine. */
  async function startFrozen(env: Record<string, string>): Promise<TestApp> {
    const t = await startTestApp({ env });
    t.clock.freeze();
    return t;
  }

  it('answers 429 with the wait once a client IP spends its budget', async () => {
    const t = await startFrozen({ THROTTLE_LIMIT: '3', THROTTLE_TTL_MS: '60000' });
    try {
      for (let i = 0; i < 3; i++) await t.http.get('/admin/apps').expect(401);
      const res = await t.http.get('/admin/apps').expect(429);
      expect(res.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', data: { retry_after_s: expect.any(Number) } });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // Health checks are never throttled.
      await t.http.get('/health').expect(200);
    } finally {
      await t.close();
    }
  });

  it('counts one budget per IP across all routes', async () => {
    const t = await startFrozen({ THROTTLE_LIMIT: '4', THROTTLE_TTL_MS: '60000' });
    try {
      for (const path of ['/admin/apps', '/admin/audit-log', '/admin/apps', '/admin/audit-log']) await t.http.get(path).expect(401);
      expect((await t.http.get('/admin/apps').expect(429)).body.code).toBe('TOO_MANY_REQUESTS');
      expect((await t.http.get('/admin/audit-log').expect(429)).body.code).toBe('TOO_MANY_REQUESTS');
    } finally {
      await t.close();
    }
  });

  it('gives the budget back when the window ends', async () => {
    const t = await startFrozen({ THROTTLE_LIMIT: '2', THROTTLE_TTL_MS: '60000' });
    try {
      for (let i = 0; i < 2; i++) await t.http.get('/admin/apps').expect(401);
      await t.http.get('/admin/apps').expect(429);
      t.clock.advance(59_000);
      await t.http.get('/admin/apps').expect(429);
      t.clock.advance(1_000);
      for (let i = 0; i < 2; i++) await t.http.get('/admin/apps').expect(401);
      await t.http.get('/admin/apps').expect(429);
    } finally {
      await t.close();
    }
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
    const t = await startFrozen({ THROTTLE_LIMIT: '2' });
    try {
      await t.http.get('/admin/apps').set('x-forwarded-for', '203.0.113.1').expect(401);
      await t.http.get('/admin/apps').set('x-forwarded-for', '203.0.113.2').expect(401);
      await t.http.get('/admin/apps').set('x-forwarded-for', '203.0.113.3').expect(429);
    } finally {
      await t.close();
    }
  });

  it('takes the client IP from X-Forwarded-For when TRUST_PROXY is set', async () => {
    const t = await startFrozen({ THROTTLE_LIMIT: '2', TRUST_PROXY: 'true' });
    try {
      for (const ip of ['203.0.113.1', '203.0.113.1']) await t.http.get('/admin/apps').set('x-forwarded-for', ip).expect(401);
      await t.http.get('/admin/apps').set('x-forwarded-for', '203.0.113.1').expect(429);
      await t.http.get('/admin/apps').set('x-forwarded-for', '203.0.113.2').expect(401);
    } finally {
      await t.close();
    }
  });
});

describe('the client address behind TRUST_PROXY', () => {
  it('ends the forwarded chain at an entry that is not an IP address, so no column overflows', async () => {
    const sms = new RecordingSmsProvider();
    const t = await startTestApp({ env: { TRUST_PROXY: 'true' }, override: withRecordingSms(sms) });
    try {
      const app = await createSmsApp(t);
      const send = (mobile: string, forwarded: string) =>
        t.http.post('/v1/login/verify_code').set('x-forwarded-for', forwarded).send({ ...signParams(t, app), mcode: '+86', mobile });
      // The client's own junk in front of what the trusted proxy saw: the proxy's entry counts.
      expect((await send('18800000301', `${'x'.repeat(100)}, 203.0.113.77`).expect(200)).body).toEqual({ code: 200, msg: 'success' });
      // Nothing valid at all: the socket's address.
      expect((await send('18800000302', 'y'.repeat(300)).expect(200)).body).toEqual({ code: 200, msg: 'success' });
      const ips = await t.app.get(DataSource).query(`SELECT phone_e164, ip FROM verification_codes ORDER BY phone_e164`);
      expect(ips).toEqual([
        { phone_e164: '+8618800000301', ip: '203.0.113.77' },
        { phone_e164: '+8618800000302', ip: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$|^::1$/) },
      ]);
    } finally {
      await t.close();
    }
  });
});

describe('the per-IP send cap', () => {
  let sms: RecordingSmsProvider;
  let t: TestApp;
  beforeEach(() => {
    sms = new RecordingSmsProvider();
  });
  afterEach(async () => {
    await t?.close();
  });

  const sendFrom = (app: { appkey: string; secret: string }, mobile: string, forwarded?: string) => {
    const req = t.http.post('/v1/login/verify_code');
    if (forwarded) void req.set('x-forwarded-for', forwarded);
    return req.send({ ...signParams(t, app), mcode: '+86', mobile }).expect(200);
  };

  it('TRUST_PROXY=1 trusts one hop: the client is the last forwarded entry, whatever the client wrote before it', async () => {
    t = await startTestApp({ env: { TRUST_PROXY: '1' }, override: withRecordingSms(sms) });
    const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1 } });
    expect((await sendFrom(app, '18800000311', '198.51.100.1, 203.0.113.78')).body).toEqual({ code: 200, msg: 'success' });
    // A new address of the client's choosing in front does not make it another client.
    expect((await sendFrom(app, '18800000312', '198.51.100.2, 203.0.113.78')).body).toMatchObject({ code: 429 });
    const rows = await t.app.get(DataSource).query(`SELECT ip FROM verification_codes`);
    expect(rows).toEqual([{ ip: '203.0.113.78' }]);
  });

  it('counts an IPv6 client by its /64, as the throttle does', async () => {
    t = await startTestApp({ env: { TRUST_PROXY: 'true' }, override: withRecordingSms(sms) });
    const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 2 } });
    expect((await sendFrom(app, '18800000321', '2001:db8:cc:dd::1')).body).toEqual({ code: 200, msg: 'success' });
    expect((await sendFrom(app, '18800000322', '2001:db8:cc:dd:ffff:1:2:3')).body).toEqual({ code: 200, msg: 'success' });
    expect((await sendFrom(app, '18800000323', '2001:db8:cc:dd::abcd')).body).toMatchObject({ code: 429 });
    // Another /64 is another client.
    expect((await sendFrom(app, '18800000324', '2001:db8:cc:de::1')).body).toEqual({ code: 200, msg: 'success' });
  });

  it('counts a send whose client reset the connection right after writing it', async () => {
    t = await startTestApp({ override: withRecordingSms(sms) });
    const app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1 } });
    const body = new URLSearchParams({ ...signParams(t, app), mcode: '+86', mobile: '18800000331' }).toString();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const socket = createConnection({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`POST /v1/login/verify_code HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`, () => socket.resetAndDestroy());
    const db = t.app.get(DataSource);
    for (let i = 0; i < 100 && !(await db.query(`SELECT 1 FROM verification_codes WHERE phone_e164 = '+8618800000331'`)).length; i++) await new Promise((r) => setTimeout(r, 50));
    const [row] = await db.query(`SELECT ip FROM verification_codes WHERE phone_e164 = '+8618800000331'`);
    expect(row.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    // It took the address's one send of the hour.
    expect((await sendFrom(app, '18800000332')).body).toMatchObject({ code: 429 });
  });
});

(REDIS_URL ? describe : describe.skip)('per-IP throttling shared through Redis (needs Redis: REDIS_URL, or one reachable at 127.0.0.1:6379)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: `passcode-test-${randomBytes(6).toString('hex')}:`, THROTTLE_LIMIT: '4' };
    a = await startTestApp({ env });
    b = await startTestApp({ env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('counts one budget across two instances and all routes', async () => {
    for (const [t, path] of [
      [a, '/admin/apps'],
      [b, '/admin/audit-log'],
      [a, '/admin/audit-log'],
      [b, '/admin/apps'],
    ] as const) {
      await t.http.get(path).expect(401);
    }
    await a.http.get('/admin/apps').expect(429);
    await b.http.get('/admin/audit-log').expect(429);
  });
});

describe('per-IP throttling when Redis is down', () => {
  it('counts in the instance instead: the budget holds per instance, and nothing fails', async () => {
    const t = await startTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1', THROTTLE_LIMIT: '2' } });
    try {
      for (let i = 0; i < 2; i++) await t.http.get('/admin/apps').expect(401);
      await t.http.get('/admin/apps').expect(429);
      expect(t.logs.text()).toContain('Redis cannot count');
    } finally {
      await t.close();
    }
  });
});

(REDIS_URL ? describe : describe.skip)('per-IP throttling when Redis stops answering (needs Redis: REDIS_URL, or one reachable at 127.0.0.1:6379)', () => {
  it('counts in the instance while Redis is silent, shares the count again once it answers, and closes without waiting for it', async () => {
    const proxy = await FreezableProxy.start(REDIS_URL!);
    const prefix = `passcode-test-${randomBytes(6).toString('hex')}:`;
    const t = await startTestApp({ env: { REDIS_URL: proxy.urlFor(REDIS_URL!), REDIS_KEY_PREFIX: prefix, REDIS_TIMEOUT_MS: '200', THROTTLE_LIMIT: '3' } });
    const redis = new Redis(REDIS_URL!);
    let closed = false;
    try {
      await t.http.get('/admin/apps').expect(401);
      const [hitsKey] = await redis.keys(`${prefix}throttle:default:*:hits`);
      expect(await redis.get(hitsKey)).toBe('1');

      // Silent: each request is answered (it waited for Redis without end), counted by the instance alone.
      proxy.freeze();
      for (let i = 0; i < 3; i++) await t.http.get('/admin/apps').expect(401);
      await t.http.get('/admin/apps').expect(429);
      expect(await redis.get(hitsKey)).toBe('1');
      expect(t.logs.text()).toContain('Redis cannot count (Command timed out)');

      // Answering again: after the pause one request tries it, and the count is Redis's once more.
      // The count that timed out reaches Redis when the proxy thaws, so it is cleared after the pause, not before.
      proxy.thaw();
      await new Promise((resolve) => setTimeout(resolve, REDIS_RETRY_AFTER_MS + 100));
      await redis.del(hitsKey);
      await t.http.get('/admin/apps').expect(401);
      expect(await redis.get(hitsKey)).toBe('1');
      expect(t.logs.text()).toContain('Redis counts again');

      // Closing while Redis is silent does not wait for it (the QUIT is never acknowledged).
      proxy.freeze();
      await t.close();
      closed = true;
    } finally {
      if (!closed) await t.close();
      redis.disconnect();
      await proxy.close();
    }
  }, 30_000);

  it('a counter under the prefix that is no integer, or has no expiry, starts again or gets one, and a block without expiry is lifted', async () => {
    const prefix = `passcode-test-${randomBytes(6).toString('hex')}:`;
    const t = await startTestApp({ env: { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: prefix, THROTTLE_LIMIT: '3' } });
    const redis = new Redis(REDIS_URL!);
    try {
      await t.http.get('/admin/apps').expect(401);
      const [hitsKey] = await redis.keys(`${prefix}throttle:default:*:hits`);
      const blockKey = hitsKey.replace(/:hits$/, ':block');
      // Not an integer, or past 2^63: every count failed, and the client was throttled by nobody.
      for (const value of ['abc', '1.5', '9223372036854775807']) {
        await redis.set(hitsKey, value);
        await t.http.get('/admin/apps').expect(401);
        expect(await redis.get(hitsKey)).toBe('1');
      }
      await redis.del(hitsKey);
      await redis.hset(hitsKey, 'a', '1');
      await t.http.get('/admin/apps').expect(401);
      expect(await redis.get(hitsKey)).toBe('1');
      // Over the limit without an expiry: the client was refused for good.
      await redis.set(hitsKey, '100');
      await t.http.get('/admin/apps').expect(429);
      expect(await redis.pttl(hitsKey)).toBeGreaterThan(0);
      await redis.del(hitsKey);
      await redis.set(blockKey, '1');
      await t.http.get('/admin/apps').expect(401);
      expect(await redis.exists(blockKey)).toBe(0);
      expect(t.logs.text()).not.toContain('Redis cannot count');
    } finally {
      await t.close();
      redis.disconnect();
    }
  });
});
