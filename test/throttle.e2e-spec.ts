import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
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
  it('lets requests through instead of failing them', async () => {
    const t = await startTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1', THROTTLE_LIMIT: '2' } });
    try {
      for (let i = 0; i < 4; i++) await t.http.get('/admin/apps').expect(401);
    } finally {
      await t.close();
    }
  });
});
