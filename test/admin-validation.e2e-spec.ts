import { startTestApp, type TestApp } from './support/test-app.js';

/** What an admin request is refused for: the first field at fault, and why. */
type Refusal = { field: string; msg: string };

describe('admin validation: paged lists and account changes', () => {
  let t: TestApp;
  let token: string;
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t.close();
  });

  async function refusal(res: { status: number; body: { code: string; msg: string; data: { field: string } } }): Promise<Refusal> {
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    return { field: res.body.data.field, msg: res.body.msg };
  }

  describe.each([
    { path: '/admin/apps', size: 20, max: 100, filter: { status: 'lost' }, filterField: 'status' },
    { path: '/admin/sms/messages', size: 20, max: 100, filter: { status: 'lost' }, filterField: 'status' },
    { path: '/admin/audit-log', size: 50, max: 200, filter: { action: 'a'.repeat(65) }, filterField: 'action' },
  ])('$path', ({ path, size, max, filter, filterField }) => {
    const list = (query: Record<string, unknown>) => t.http.get(path).query(query).set(auth());

    it('pages from 1 with its default size', async () => {
      const res = await list({}).expect(200);
      expect(res.body.data).toMatchObject({ page: 1, page_size: size });
      expect((await list({ page: '3', page_size: String(max) }).expect(200)).body.data).toMatchObject({ page: 3, page_size: max });
    });

    it('refuses each bad paging value, naming it', async () => {
      expect(await refusal(await list({ page: 0 }))).toEqual({ field: 'page', msg: 'page must not be less than 1' });
      expect(await refusal(await list({ page: 100_001 }))).toEqual({ field: 'page', msg: 'page must not be greater than 100000' });
      expect(await refusal(await list({ page: 'x' }))).toEqual({ field: 'page', msg: 'page must not be greater than 100000' }); // NaN fails the first constraint checked
      expect(await refusal(await list({ page_size: 0 }))).toEqual({ field: 'page_size', msg: 'page_size must not be less than 1' });
      expect(await refusal(await list({ page_size: max + 1 }))).toEqual({ field: 'page_size', msg: `page_size must not be greater than ${max}` });
      expect(await refusal(await list({ page_size: '1.5' }))).toEqual({ field: 'page_size', msg: 'page_size must be an integer number' });
    });

    it('names the paging before a filter, and an unknown parameter before either', async () => {
      expect((await refusal(await list({ ...filter, page: 0 }))).field).toBe('page');
      expect((await refusal(await list({ ...filter, page_size: 0 }))).field).toBe('page_size');
      expect((await refusal(await list({ ...filter }))).field).toBe(filterField);
      expect(await refusal(await list({ page: 0, sort: 'name' }))).toEqual({ field: 'sort', msg: 'property sort should not exist' });
    });
  });

  describe('PATCH /admin/sms/accounts/:id', () => {
    let id: string;
    beforeAll(async () => {
      const res = await t.http.post('/admin/sms/accounts').set(auth()).send({ name: 'A', provider: 'console', endpoint: 'sms.example:8080', timeout_ms: 500 }).expect(201);
      id = res.body.data.id;
    });
    const patch = (body: Record<string, unknown>) => t.http.patch(`/admin/sms/accounts/${id}`).set(auth()).send(body);

    it('changes only what it is given; null resets the endpoint and the timeout', async () => {
      const same = (await patch({}).expect(200)).body.data;
      expect(same).toMatchObject({ name: 'A', endpoint: 'sms.example:8080', protocol: 'https', timeout_ms: 500 });
      const changed = (await patch({ name: 'B', protocol: 'http', endpoint: null, timeout_ms: null }).expect(200)).body.data;
      expect(changed).toMatchObject({ name: 'B', provider: 'console', endpoint: null, protocol: 'http', timeout_ms: null });
    });

    it('refuses a null name, and takes a null protocol for the default, as creation does (no 500)', async () => {
      expect(await refusal(await patch({ name: null }))).toEqual({ field: 'name', msg: 'name must be shorter than or equal to 100 characters' });
      await patch({ protocol: 'http' }).expect(200);
      expect((await patch({ protocol: null }).expect(200)).body.data).toMatchObject({ name: 'B', protocol: 'https' });
    });

    it('refuses each bad field, and the provider, naming the first in the create order', async () => {
      const cases: Array<[Record<string, unknown>, Refusal]> = [
        [{ provider: 'aliyun' }, { field: 'provider', msg: 'property provider should not exist' }],
        [{ name: '' }, { field: 'name', msg: 'name should not be empty' }],
        [{ name: 5 }, { field: 'name', msg: 'name must be shorter than or equal to 100 characters' }],
        [{ access_key_id: '' }, { field: 'access_key_id', msg: 'access_key_id should not be empty' }],
        [{ endpoint: 'no host!' }, { field: 'endpoint', msg: expect.stringContaining('endpoint must match') }],
        [{ protocol: 'ftp' }, { field: 'protocol', msg: 'protocol must be one of the following values: http, https' }],
        [{ timeout_ms: 99 }, { field: 'timeout_ms', msg: 'timeout_ms must not be less than 100' }],
        [{ timeout_ms: 1.5 }, { field: 'timeout_ms', msg: 'timeout_ms must not be less than 100' }],
        [{ timeout_ms: 60_001 }, { field: 'timeout_ms', msg: 'timeout_ms must not be greater than 60000' }],
        [{ timeout_ms: 'x', protocol: 'ftp', name: '' }, { field: 'name', msg: 'name should not be empty' }],
        [{ timeout_ms: 'x', protocol: 'ftp' }, { field: 'protocol', msg: 'protocol must be one of the following values: http, https' }],
        [{ timeout_ms: 'x', endpoint: 'no host!' }, { field: 'endpoint', msg: expect.stringContaining('endpoint must match') }],
        [{ access_key_id: 'LTAI0123456789' }, { field: 'access_key_secret', msg: 'access_key_id and access_key_secret go together' }],
      ];
      for (const [body, expected] of cases) expect({ body, refusal: await refusal(await patch(body)) }).toEqual({ body, refusal: expected });
      expect((await t.http.get(`/admin/sms/accounts/${id}`).set(auth()).expect(200)).body.data.name).toBe('B');
    });
  });
});
