import { createHmac } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { POSTGRES_URL } from './support/test-database.js';
import { ADMIN_PASSWORD, ADMIN_USERNAME, startTestApp, type TestApp } from './support/test-app.js';

/** For supertest's expect: the admin envelope's error code. */
const code = (expected: string) => (res: Response) => expect(res.body.code).toBe(expected);

describe('operators and admin authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_MAX_FAILED_LOGINS: '3', ADMIN_LOCK_S: '120' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates the first operator from ADMIN_USERNAME/ADMIN_PASSWORD and logs it in', async () => {
    const res = await t.http.post('/admin/login').send({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }).expect(200);
    expect(res.body.code).toBe('OK');
    expect(res.body.data).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 43200 });
    await t.http.get('/admin/apps').set('authorization', `Bearer ${res.body.data.access_token}`).expect(200);
    const rows = await t.app.get(JwtService).decode(res.body.data.access_token);
    expect(rows).toMatchObject({ aud: 'passcode:operator', iss: 'passcode' });
  });

  it('accepts form-encoded login too', async () => {
    await t.http.post('/admin/login').type('form').send({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }).expect(200);
  });

  it('refuses a wrong password with 401 and no token', async () => {
    const res = await t.http.post('/admin/login').send({ username: ADMIN_USERNAME, password: 'wrong' }).expect(401);
    expect(res.body).toMatchObject({ code: 'INVALID_CREDENTIALS', msg: 'invalid username or password' });
    expect(JSON.stringify(res.body)).not.toContain('access_token');
    // The failure counter must not outlive a successful login.
    await t.adminToken();
  });

  it('answers an unknown user exactly like a wrong password', async () => {
    const res = await t.http.post('/admin/login').send({ username: 'nobody', password: 'x' }).expect(401);
    expect(res.body.code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a login without a password as a validation error naming the field', async () => {
    const res = await t.http.post('/admin/login').send({ username: ADMIN_USERNAME }).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'password' } });
  });

  it('locks the operator after repeated failures, even against the right password', async () => {
    const other = await startTestApp({ env: { ADMIN_MAX_FAILED_LOGINS: '3', ADMIN_LOCK_S: '120' } });
    try {
      for (let i = 0; i < 3; i++) await other.http.post('/admin/login').send({ username: ADMIN_USERNAME, password: 'wrong' }).expect(401).expect(code('INVALID_CREDENTIALS'));
      const locked = await other.http.post('/admin/login').send({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }).expect(429);
      expect(locked.body.code).toBe('LOGIN_LOCKED');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(100);
      other.clock.advanceSeconds(121);
      await other.http.post('/admin/login').send({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }).expect(200);
    } finally {
      await other.close();
    }
  });

  describe('lockout per username and client IP', () => {
    const LOCK = { ADMIN_MAX_FAILED_LOGINS: '3', ADMIN_LOCK_S: '120', TRUST_PROXY: 'true' };
    let o: TestApp;
    beforeEach(async () => {
      o = await startTestApp({ env: LOCK });
    });
    afterEach(async () => {
      await o.close();
    });
    const login = (username: string, password: string, ip = '203.0.113.7') =>
      o.http.post('/admin/login').set('x-forwarded-for', ip).send({ username, password });
    const refusal = (res: Response) => [res.status, res.body.code];

    it('restarts the count when a lock expires: one wrong password after it does not lock again', async () => {
      for (let i = 0; i < 3; i++) expect(refusal(await login(ADMIN_USERNAME, 'wrong'))).toEqual([401, 'INVALID_CREDENTIALS']);
      expect((await login(ADMIN_USERNAME, ADMIN_PASSWORD)).body.code).toBe('LOGIN_LOCKED');
      o.clock.advanceSeconds(121);
      const again = await login(ADMIN_USERNAME, 'wrong');
      expect(again.status).toBe(401);
      expect(again.body.code).toBe('INVALID_CREDENTIALS');
      expect((await login(ADMIN_USERNAME, ADMIN_PASSWORD)).status).toBe(200);
    });

    it('answers an unknown username like a known one: same codes, same failures before LOGIN_LOCKED, same wait', async () => {
      o.clock.freeze();
      const answers = async (username: string) => {
        const seen: Array<[number, string, string | undefined]> = [];
        for (let i = 0; i < 4; i++) {
          const res = await login(username, 'wrong');
          seen.push([res.status, res.body.code, res.headers['retry-after']]);
        }
        return seen;
      };
      const known = await answers(ADMIN_USERNAME);
      const unknown = await answers('nobody');
      expect(known).toEqual([...Array(3).fill([401, 'INVALID_CREDENTIALS', undefined]), [429, 'LOGIN_LOCKED', '120']]);
      expect(unknown).toEqual(known);
    });

    it("lets the operator log in from another IP while an attacker's IP is locked", async () => {
      for (let i = 0; i < 3; i++) await login(ADMIN_USERNAME, 'wrong', '198.51.100.66');
      expect((await login(ADMIN_USERNAME, ADMIN_PASSWORD, '198.51.100.66')).body.code).toBe('LOGIN_LOCKED');
      expect((await login(ADMIN_USERNAME, ADMIN_PASSWORD, '203.0.113.7')).status).toBe(200);
      // The operator's login clears only its own IP's count: the attacker's stays locked.
      expect((await login(ADMIN_USERNAME, ADMIN_PASSWORD, '198.51.100.66')).body.code).toBe('LOGIN_LOCKED');
    });

    it('locks a pair that locks again for twice as long, and a success from it starts over', async () => {
      o.clock.freeze();
      const lockOut = async () => {
        for (let i = 0; i < 3; i++) expect(refusal(await login(ADMIN_USERNAME, 'wrong'))).toEqual([401, 'INVALID_CREDENTIALS']);
        return login(ADMIN_USERNAME, ADMIN_PASSWORD);
      };
      expect((await lockOut()).headers['retry-after']).toBe('120');
      o.clock.advanceSeconds(120);
      expect((await lockOut()).headers['retry-after']).toBe('240');
      o.clock.advanceSeconds(240);
      expect((await lockOut()).headers['retry-after']).toBe('480');
      o.clock.advanceSeconds(480);
      expect((await login(ADMIN_USERNAME, ADMIN_PASSWORD)).status).toBe(200);
      expect((await lockOut()).headers['retry-after']).toBe('120');
    });

    it('locks on the first failure when ADMIN_MAX_FAILED_LOGINS is 1', async () => {
      const one = await startTestApp({ env: { ...LOCK, ADMIN_MAX_FAILED_LOGINS: '1' } });
      try {
        one.clock.freeze();
        const login1 = (username: string) => one.http.post('/admin/login').set('x-forwarded-for', '203.0.113.9').send({ username, password: 'wrong' });
        for (const username of [ADMIN_USERNAME, 'nobody']) {
          expect((await login1(username)).body.code).toBe('INVALID_CREDENTIALS');
          const locked = await login1(username);
          expect([locked.body.code, locked.headers['retry-after']]).toEqual(['LOGIN_LOCKED', '120']);
        }
      } finally {
        await one.close();
      }
    });

    it('forgets a pair a day after its last failure or lock', async () => {
      for (let i = 0; i < 3; i++) await login('nobody', 'wrong', '198.51.100.1');
      await login('nobody', 'wrong', '198.51.100.2');
      const rows = () => o.app.get(DataSource).query(`SELECT ip FROM operator_login_failures ORDER BY ip`);
      expect(await rows()).toEqual([{ ip: '198.51.100.1' }, { ip: '198.51.100.2' }]);
      o.clock.advanceSeconds(86_400 + 121);
      // Any failure sweeps the rows that are past forgetting.
      await login('nobody', 'wrong', '198.51.100.3');
      expect(await rows()).toEqual([{ ip: '198.51.100.3' }]);
    });

    it('counts a client whose forwarded address is not an IP (TRUST_PROXY passes it through) without failing', async () => {
      const garbage = 'x'.repeat(300);
      for (let i = 0; i < 3; i++) expect((await login('nobody', 'wrong', garbage)).body.code).toBe('INVALID_CREDENTIALS');
      expect((await login('nobody', 'wrong', garbage)).body.code).toBe('LOGIN_LOCKED');
    });

    (POSTGRES_URL ? it : it.skip)('holds a lock across instances', async () => {
      const second = await startTestApp({ env: LOCK, db: o.db });
      try {
        for (let i = 0; i < 3; i++) await login(ADMIN_USERNAME, 'wrong');
        const res = await second.http.post('/admin/login').set('x-forwarded-for', '203.0.113.7').send({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD });
        expect(res.body.code).toBe('LOGIN_LOCKED');
      } finally {
        await second.close(true);
      }
    });
  });

  it('throttles logins per client IP, failed or not', async () => {
    const other = await startTestApp({ env: { ADMIN_LOGIN_PER_MINUTE: '3' } });
    try {
      for (let i = 0; i < 3; i++) await other.http.post('/admin/login').send({ username: 'nobody', password: 'x' }).expect(401).expect(code('INVALID_CREDENTIALS'));
      const res = await other.http.post('/admin/login').send({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }).expect(429);
      expect(res.body.code).toBe('TOO_MANY_REQUESTS');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // Other admin routes are not affected by the login budget.
      await other.http.get('/admin/apps').expect(401).expect(code('UNAUTHORIZED'));
    } finally {
      await other.close();
    }
  });

  describe('admin routes', () => {
    const sign = (payload: object, options: object, secret = t.config.secrets.jwtSecret) =>
      t.app.get(JwtService).sign(payload, { secret, algorithm: 'HS256', ...options });

    it('refuse a request without a token', async () => {
      const res = await t.http.get('/admin/apps').expect(401);
      expect(res.body).toMatchObject({ code: 'UNAUTHORIZED', request_id: expect.any(String) });
    });

    it('refuse a token signed with another secret', async () => {
      const operatorId = (await t.app.get(JwtService).decode(await t.adminToken())).sub;
      const forged = sign({}, { subject: operatorId, audience: 'passcode:operator', issuer: 'passcode', expiresIn: 600 }, 'x'.repeat(32));
      await t.http.get('/admin/apps').set('authorization', `Bearer ${forged}`).expect(401).expect(code('UNAUTHORIZED'));
    });

    it('refuse a token signed with the right secret whose payload is no object: null was a 500', async () => {
      const hs256 = (payload: string) => {
        const body = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
        return `${body}.${createHmac('sha256', t.config.secrets.jwtSecret).update(body).digest('base64url')}`;
      };
      for (const payload of ['null', '[1]', '7', '"x"']) {
        await t.http.get('/admin/apps').set('authorization', `Bearer ${hs256(payload)}`).expect(401).expect(code('UNAUTHORIZED'));
      }
    });

    it('read the token of `Bearer <token>` alone: nothing after it, no other separator, no header past 4,096 characters', async () => {
      const token = await t.adminToken();
      for (const header of [`bearer ${token}`, `BEARER\t${token} `]) await t.http.get('/admin/apps').set('authorization', header).expect(200);
      // passport-jwt's own reading took the first two words, and backtracked through a long header without a space.
      for (const header of [`Bearer ${token} junk`, `Bearer\u00a0${token}`, `Bearer${' '.repeat(4096)}${token}`, `Bearer ${'a'.repeat(16_000)}`]) {
        await t.http.get('/admin/apps').set('authorization', header).expect(401).expect(code('UNAUTHORIZED'));
      }
    });

    it('refuse an expired token as TOKEN_EXPIRED', async () => {
      const operatorId = (await t.app.get(JwtService).decode(await t.adminToken())).sub;
      const expired = sign({ exp: Math.floor(Date.now() / 1000) - 10 }, { subject: operatorId, audience: 'passcode:operator', issuer: 'passcode' });
      const res = await t.http.get('/admin/apps').set('authorization', `Bearer ${expired}`).expect(401);
      expect(res.body.code).toBe('TOKEN_EXPIRED');
    });

    it('refuse a validly signed token of another audience (an end-user token)', async () => {
      const operatorId = (await t.app.get(JwtService).decode(await t.adminToken())).sub;
      const endUser = sign({}, { subject: operatorId, audience: 'app:whatever', issuer: 'passcode', expiresIn: 600 });
      await t.http.get('/admin/apps').set('authorization', `Bearer ${endUser}`).expect(401).expect(code('UNAUTHORIZED'));
    });

    it('refuse a token whose operator no longer exists', async () => {
      const ghost = sign({}, { subject: '00000000-0000-4000-8000-000000000000', audience: 'passcode:operator', issuer: 'passcode', expiresIn: 600 });
      await t.http.get('/admin/apps').set('authorization', `Bearer ${ghost}`).expect(401).expect(code('UNAUTHORIZED'));
    });

    it('refuse a malformed authorization header', async () => {
      await t.http.get('/admin/apps').set('authorization', 'Bearer not.a.jwt').expect(401).expect(code('UNAUTHORIZED'));
      await t.http.get('/admin/apps').set('authorization', 'Basic YWRtaW46YWRtaW4=').expect(401).expect(code('UNAUTHORIZED'));
    });
  });
});

describe('first start without ADMIN_PASSWORD', () => {
  it('generates a password, prints it once, and it works', async () => {
    const printed: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    let t: TestApp | undefined;
    try {
      t = await startTestApp({ env: { ADMIN_PASSWORD: '' } });
    } finally {
      spy.mockRestore();
    }
    try {
      const text = printed.join('');
      const password = /password: (\S+)/.exec(text)?.[1];
      expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
      await t.http.post('/admin/login').send({ username: ADMIN_USERNAME, password }).expect(200);
      expect(t.logs.text()).not.toContain(password);
    } finally {
      await t.close(true);
    }

    // A second start on the same database prints nothing: the operator exists.
    const again: string[] = [];
    const spy2 = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      again.push(String(chunk));
      return true;
    });
    const t2 = await startTestApp({ env: { ADMIN_PASSWORD: '' }, db: t.db }).finally(() => spy2.mockRestore());
    try {
      expect(again.join('')).not.toContain('password:');
    } finally {
      await t2.close();
    }
  });
});
