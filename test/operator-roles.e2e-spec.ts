import { randomUUID } from 'node:crypto';
import { createApp, type CreatedApp } from './support/admin.js';
import { ADMIN_PASSWORD, ADMIN_USERNAME, startTestApp, type TestApp } from './support/test-app.js';

type Role = 'owner' | 'admin' | 'viewer';
type Verdict = 'allowed' | 'forbidden';

/**
 * The rules as this test states them, from the method and the path alone
 * (independently of the server's route declarations): what each role may do.
 * `own` says whether the route's app, if it has one, is the admin's.
 */
function expected(method: string, path: string, role: Role, own: boolean): Verdict {
  const ok = (b: boolean): Verdict => (b ? 'allowed' : 'forbidden');
  if (role === 'owner') return 'allowed';
  const read = method === 'get';
  if (path.startsWith('/admin/operators/me')) return 'allowed';
  if (path.startsWith('/admin/operators')) return 'forbidden';
  // Erasing a person's number reaches every app.
  if (path === '/admin/erasures') return 'forbidden';
  if (path === '/admin/audit-log' || path === '/admin/stats') return ok(role === 'viewer');
  if (path === '/admin/apps') return ok(read);
  const appRoute = /^\/admin\/apps\/\{(id|appId)\}/.exec(path);
  if (appRoute) {
    if (method === 'delete' && path === '/admin/apps/{id}') return 'forbidden';
    if (role === 'viewer') return ok(read);
    return ok(own);
  }
  // The send log names its app in a filter; an admin's must be theirs.
  if (path === '/admin/sms/messages' && role === 'admin') return ok(own);
  if (path.startsWith('/admin/sms/')) return ok(read);
  throw new Error(`no rule for ${method} ${path}: state one here`);
}

describe('operator roles: owners, admins of chosen apps, viewers', () => {
  let t: TestApp;
  let ownerToken: string;
  let mine: CreatedApp;
  let theirs: CreatedApp;
  const tokens: Partial<Record<Role, string>> = {};
  const ids: Record<string, string> = {};

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const login = async (username: string, password: string) =>
    (await t.http.post('/admin/login').send({ username, password }).expect(200)).body.data.access_token as string;

  beforeAll(async () => {
    t = await startTestApp();
    ownerToken = await t.adminToken();
    mine = await createApp(t, { name: 'Mine' }, ownerToken);
    theirs = await createApp(t, { name: 'Theirs' }, ownerToken);
    for (const [username, role, appIds] of [
      ['ada', 'admin', [mine.id]],
      ['vic', 'viewer', undefined],
    ] as const) {
      const res = await t.http
        .post('/admin/operators')
        .set(as(ownerToken))
        .send({ username, password: `${username}-password-123`, role, app_ids: appIds })
        .expect(201);
      ids[username] = res.body.data.id;
      tokens[role] = await login(username, `${username}-password-123`);
    }
    tokens.owner = ownerToken;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('owners manage operators: listed without passwords, each change audited', async () => {
    const list = await t.http.get('/admin/operators').set(as(ownerToken)).expect(200);
    expect(list.body.data.items.map((o: { username: string; role: string; app_ids: string[] }) => [o.username, o.role, o.app_ids])).toEqual([
      [ADMIN_USERNAME, 'owner', []],
      ['ada', 'admin', [mine.id]],
      ['vic', 'viewer', []],
    ]);
    expect(JSON.stringify(list.body)).not.toMatch(/password|hash/i);
    const me = await t.http.get('/admin/operators/me').set(as(tokens.admin!)).expect(200);
    expect(me.body.data).toMatchObject({ username: 'ada', role: 'admin', app_ids: [mine.id], status: 'enabled' });

    const audit = await t.http.get('/admin/audit-log').query({ target_type: 'operator' }).set(as(ownerToken)).expect(200);
    expect(audit.body.data.items.map((e: { action: string; target_id: string }) => [e.action, e.target_id])).toEqual([
      ['operator.create', ids.vic],
      ['operator.create', ids.ada],
    ]);
  });

  it('answers every admin route by role: FORBIDDEN with the reason before any input is read, never for the owner', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/admin/') && path !== '/admin/login')
      .flatMap(([path, ops]) => Object.keys(ops).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map((method) => ({ method, path })));
    expect(routes.length).toBeGreaterThan(40);

    const fill = (path: string, app: CreatedApp) =>
      path
        .replace(/^\/admin\/apps\/\{(id|appId)\}/, `/admin/apps/${app.id}`)
        .replace('{scene}', 'login')
        .replace(/\{[^}]+\}/g, () => randomUUID());
    const mismatches: string[] = [];
    for (const { method, path } of routes) {
      const cases: Array<{ role: Role; app: CreatedApp; own: boolean }> = [
        { role: 'admin', app: mine, own: true },
        { role: 'admin', app: theirs, own: false },
        { role: 'viewer', app: theirs, own: false },
      ];
      // The owner may do anything: asked only what changes nothing, so the matrix leaves the apps as they were.
      if (method === 'get') cases.push({ role: 'owner', app: theirs, own: false });
      for (const { role, app, own } of cases) {
        // The send log is read one app at a time by an admin: the filter names it.
        const query = path === '/admin/sms/messages' && role === 'admin' ? { app_id: app.id } : {};
        const res = await (t.http as unknown as Record<string, (url: string) => import('supertest').Test>)
          [method](fill(path, app))
          .query(query)
          .set(as(tokens[role]!))
          .send({});
        const want = expected(method, path, role, own);
        const got: Verdict = res.status === 403 ? 'forbidden' : 'allowed';
        if (got !== want) mismatches.push(`${role}${role === 'admin' ? (own ? ' (own app)' : ' (other app)') : ''} ${method.toUpperCase()} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
        if (got === 'forbidden') {
          expect(res.body).toMatchObject({ code: 'FORBIDDEN', msg: expect.stringMatching(/.{10,}/) });
        }
        expect(res.status).not.toBe(500);
      }
      const anonymous = await (t.http as unknown as Record<string, (url: string) => import('supertest').Test>)[method](fill(path, theirs)).send({});
      if (anonymous.status !== 401) mismatches.push(`anonymous ${method.toUpperCase()} ${path}: ${anonymous.status}`);
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it('scopes what an admin lists: their apps only, and the send log of one of their apps at a time', async () => {
    const apps = await t.http.get('/admin/apps').set(as(tokens.admin!)).expect(200);
    expect(apps.body.data.items.map((a: { id: string }) => a.id)).toEqual([mine.id]);
    expect(apps.body.data.total).toBe(1);
    const all = await t.http.get('/admin/apps').set(as(tokens.viewer!)).expect(200);
    expect(all.body.data.total).toBeGreaterThanOrEqual(2);
    const unscoped = await t.http.get('/admin/sms/messages').set(as(tokens.admin!)).expect(403);
    expect(unscoped.body).toMatchObject({ code: 'FORBIDDEN', msg: expect.stringContaining('app_id') });
    await t.http.get('/admin/sms/messages').query({ app_id: theirs.id }).set(as(tokens.admin!)).expect(403);
    await t.http.get('/admin/sms/messages').query({ app_id: mine.id }).set(as(tokens.admin!)).expect(200);
    // A UUID in capitals names the same app, as it does for an owner or a viewer.
    await t.http.get(`/admin/apps/${mine.id.toUpperCase()}`).set(as(tokens.admin!)).expect(200);
    await t.http.get(`/admin/apps/${mine.id.toUpperCase()}`).set(as(tokens.viewer!)).expect(200);
    await t.http.get(`/admin/apps/${theirs.id.toUpperCase()}`).set(as(tokens.admin!)).expect(403);
  });

  it('applies a change of role or apps at once, to tokens already issued', async () => {
    await t.http.get(`/admin/apps/${theirs.id}`).set(as(tokens.admin!)).expect(403);
    await t.http.patch(`/admin/operators/${ids.ada}`).set(as(ownerToken)).send({ app_ids: [mine.id, theirs.id] }).expect(200);
    await t.http.get(`/admin/apps/${theirs.id}`).set(as(tokens.admin!)).expect(200);
    const demoted = await t.http.patch(`/admin/operators/${ids.ada}`).set(as(ownerToken)).send({ role: 'viewer' }).expect(200);
    expect(demoted.body.data).toMatchObject({ role: 'viewer', app_ids: [] });
    await t.http.patch(`/admin/apps/${mine.id}`).set(as(tokens.admin!)).send({ name: 'x' }).expect(403);
    await t.http.get(`/admin/apps/${theirs.id}`).set(as(tokens.admin!)).expect(200);
    await t.http.patch(`/admin/operators/${ids.ada}`).set(as(ownerToken)).send({ role: 'admin', app_ids: [mine.id] }).expect(200);
    await t.http.patch(`/admin/apps/${mine.id}`).set(as(tokens.admin!)).send({ name: 'Mine' }).expect(200);
  });

  it('refuses bad operator changes with their codes: taken username, apps for a non-admin, unknown app or operator, the last owner', async () => {
    const taken = await t.http.post('/admin/operators').set(as(ownerToken)).send({ username: 'ada', password: 'another-password-1', role: 'viewer' }).expect(409);
    expect(taken.body).toMatchObject({ code: 'OPERATOR_USERNAME_TAKEN' });
    const viewerApps = await t.http
      .post('/admin/operators')
      .set(as(ownerToken))
      .send({ username: 'val', password: 'another-password-1', role: 'viewer', app_ids: [mine.id] })
      .expect(400);
    expect(viewerApps.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'app_ids' } });
    const unknownApp = await t.http
      .post('/admin/operators')
      .set(as(ownerToken))
      .send({ username: 'val', password: 'another-password-1', role: 'admin', app_ids: [randomUUID()] })
      .expect(404);
    expect(unknownApp.body).toMatchObject({ code: 'APP_NOT_FOUND' });
    const shortPassword = await t.http.post('/admin/operators').set(as(ownerToken)).send({ username: 'val', password: 'short', role: 'viewer' }).expect(400);
    expect(shortPassword.body).toMatchObject({ code: 'VALIDATION_FAILED', data: { field: 'password' } });
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const missing = await t.http.patch(`/admin/operators/${id}`).set(as(ownerToken)).send({ role: 'viewer' }).expect(404);
      expect(missing.body).toMatchObject({ code: 'OPERATOR_NOT_FOUND' });
    }
    const [owner] = (await t.http.get('/admin/operators').set(as(ownerToken)).expect(200)).body.data.items;
    for (const change of [{ role: 'admin' }, { status: 'disabled' }]) {
      const last = await t.http.patch(`/admin/operators/${owner.id}`).set(as(ownerToken)).send(change).expect(409);
      expect(last.body).toMatchObject({ code: 'OPERATOR_LAST_OWNER' });
    }
    // With a second owner, the first may step down; then the second is the last.
    const second = await t.http.post('/admin/operators').set(as(ownerToken)).send({ username: 'olga', password: 'olga-password-123', role: 'owner' }).expect(201);
    await t.http.patch(`/admin/operators/${owner.id}`).set(as(ownerToken)).send({ role: 'viewer' }).expect(200);
    await t.http.get('/admin/operators').set(as(ownerToken)).expect(403);
    const olga = await login('olga', 'olga-password-123');
    await t.http.patch(`/admin/operators/${second.body.data.id}`).set(as(olga)).send({ status: 'disabled' }).expect(409);
    await t.http.patch(`/admin/operators/${owner.id}`).set(as(olga)).send({ role: 'owner' }).expect(200);
  });

  it('two owners stepping down at once: one succeeds, the other is the last owner', async () => {
    const a = (await t.http.post('/admin/operators').set(as(ownerToken)).send({ username: 'race-a', password: 'race-password-123', role: 'owner' }).expect(201)).body.data;
    const owners = (await t.http.get('/admin/operators').set(as(ownerToken)).expect(200)).body.data.items.filter(
      (o: { role: string; status: string }) => o.role === 'owner' && o.status === 'enabled',
    );
    // Disable every owner but two, then let those two step down together.
    const keep = [a.id, owners.find((o: { username: string }) => o.username === ADMIN_USERNAME).id];
    for (const o of owners) if (!keep.includes(o.id)) await t.http.patch(`/admin/operators/${o.id}`).set(as(ownerToken)).send({ role: 'viewer' }).expect(200);
    const results = await Promise.all(keep.map((id) => t.http.patch(`/admin/operators/${id}`).set(as(ownerToken)).send({ role: 'viewer' })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const stillOwner = keep[results.findIndex((r) => r.status === 409)];
    const token = stillOwner === a.id ? await login('race-a', 'race-password-123') : await login(ADMIN_USERNAME, ADMIN_PASSWORD);
    for (const id of keep) await t.http.patch(`/admin/operators/${id}`).set(as(token)).send({ role: 'owner' }).expect(200);
  });

  it('an operator changes their own password: the current one is needed, older tokens end, the answer holds a fresh one', async () => {
    const before = await login('vic', 'vic-password-123');
    const wrong = await t.http.post('/admin/operators/me/password').set(as(before)).send({ current_password: 'nope', new_password: 'vic-new-password-1' }).expect(400);
    expect(wrong.body).toMatchObject({ code: 'OPERATOR_PASSWORD_WRONG', data: { field: 'current_password' } });
    const changed = await t.http
      .post('/admin/operators/me/password')
      .set(as(before))
      .send({ current_password: 'vic-password-123', new_password: 'vic-new-password-1' })
      .expect(200);
    const fresh = changed.body.data.access_token as string;
    await t.http.get('/admin/operators/me').set(as(fresh)).expect(200);
    for (const old of [before, tokens.viewer!]) expect((await t.http.get('/admin/operators/me').set(as(old)).expect(401)).body.code).toBe('UNAUTHORIZED');
    await t.http.post('/admin/login').send({ username: 'vic', password: 'vic-password-123' }).expect(401);
    tokens.viewer = await login('vic', 'vic-new-password-1');

    // A disable ends tokens too, and enabling again does not bring them back.
    const ownerNow = await t.adminToken();
    const adaToken = await login('ada', 'ada-password-123');
    await t.http.patch(`/admin/operators/${ids.ada}`).set(as(ownerNow)).send({ status: 'disabled' }).expect(200);
    await t.http.get('/admin/operators/me').set(as(adaToken)).expect(401);
    await t.http.post('/admin/login').send({ username: 'ada', password: 'ada-password-123' }).expect(401);
    await t.http.patch(`/admin/operators/${ids.ada}`).set(as(ownerNow)).send({ status: 'enabled' }).expect(200);
    await t.http.get('/admin/operators/me').set(as(adaToken)).expect(401);
    tokens.admin = await login('ada', 'ada-password-123');
  });
});
