import { JwtService } from '@nestjs/jwt';
import { ADMIN_PASSWORD, ADMIN_USERNAME, startTestApp, type TestApp } from './support/test-app.js';

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
      for (let i = 0; i < 3; i++) await other.http.post('/admin/login').send({ username: ADMIN_USERNAME, password: 'wrong' }).expect(401);
      const locked = await other.http.post('/admin/login').send({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }).expect(429);
      expect(locked.body.code).toBe('LOGIN_LOCKED');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(100);
      other.clock.advanceSeconds(121);
      await other.http.post('/admin/login').send({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }).expect(200);
    } finally {
      await other.close();
    }
  });

  it('throttles logins per client IP, failed or not', async () => {
    const other = await startTestApp({ env: { ADMIN_LOGIN_PER_MINUTE: '3' } });
    try {
      for (let i = 0; i < 3; i++) await other.http.post('/admin/login').send({ username: 'nobody', password: 'x' }).expect(401);
      const res = await other.http.post('/admin/login').send({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }).expect(429);
      expect(res.body.code).toBe('TOO_MANY_REQUESTS');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // Other admin routes are not affected by the login budget.
      await other.http.get('/admin/apps').expect(401);
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
      await t.http.get('/admin/apps').set('authorization', `Bearer ${forged}`).expect(401);
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
      await t.http.get('/admin/apps').set('authorization', `Bearer ${endUser}`).expect(401);
    });

    it('refuse a token whose operator no longer exists', async () => {
      const ghost = sign({}, { subject: '00000000-0000-4000-8000-000000000000', audience: 'passcode:operator', issuer: 'passcode', expiresIn: 600 });
      await t.http.get('/admin/apps').set('authorization', `Bearer ${ghost}`).expect(401);
    });

    it('refuse a malformed authorization header', async () => {
      await t.http.get('/admin/apps').set('authorization', 'Bearer not.a.jwt').expect(401);
      await t.http.get('/admin/apps').set('authorization', 'Basic YWRtaW46YWRtaW4=').expect(401);
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
