import pg from 'pg';
import { MIGRATIONS } from '../../migrations/index.js';
import { POSTGRES_URL } from '../support/test-database.js';
import { startCluster, type Cluster } from './support/cluster.js';

/** Several real Passcode processes on one Postgres, started at the same moment. */
(POSTGRES_URL ? describe : describe.skip)('three instances sharing one Postgres', () => {
  let cluster: Cluster;
  let token: string;
  beforeAll(async () => {
    cluster = await startCluster(3);
    const res = await post(cluster.instances[1].url, '/admin/login', { username: 'admin', password: cluster.adminPassword });
    token = res.body.data.access_token;
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  async function post(base: string, path: string, body: unknown, auth?: string) {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { data: Record<string, string> } };
  }

  it('applied the migrations once and created exactly one first operator', async () => {
    const client = new pg.Client({ connectionString: cluster.db.url });
    await client.connect();
    try {
      const ops = await client.query('SELECT username FROM operators');
      expect(ops.rows).toEqual([{ username: 'admin' }]);
      // Every migration exactly once, in order: three instances raced to apply them.
      const migrations = await client.query('SELECT name FROM schema_migrations ORDER BY id');
      expect(migrations.rows.map((r: { name: string }) => r.name)).toEqual(MIGRATIONS.map((M) => new M().name));
    } finally {
      await client.end();
    }
    // The generated-password path was not taken: nothing was printed.
    for (const i of cluster.instances) expect(i.output()).not.toContain('password:');
  });

  it('accepts an operator token from one instance on the others', async () => {
    const created = await post(cluster.instances[0].url, '/admin/apps', { name: 'Cluster App' }, token);
    expect(created.status).toBe(201);
    for (const i of cluster.instances) {
      const res = await fetch(`${i.url}/admin/apps/${created.body.data.id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
    }
  });

  it('sees an app disabled on one instance as disabled on another that had it cached', async () => {
    const created = await post(cluster.instances[0].url, '/admin/apps', { name: 'Cached App' }, token);
    const appkey = created.body.data.appkey;
    const imgCode = async (base: string) => ((await (await fetch(`${base}/oauth/api/account/imgCode`, { headers: { 'x-app-key': appkey } })).json()) as { code: string }).code;
    expect(await imgCode(cluster.instances[2].url)).toBe('000');
    expect((await post(cluster.instances[1].url, `/admin/apps/${created.body.data.id}/disable`, {}, token)).status).toBe(200);
    const deadline = Date.now() + 3000;
    let code = '000';
    while (code === '000' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      code = await imgCode(cluster.instances[2].url);
    }
    expect(code).toBe('404');
  });

  it('shuts down on SIGTERM by itself, without needing a SIGKILL', async () => {
    const last = cluster.instances[2];
    const started = Date.now();
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => last.process.once('exit', (code, signal) => r({ code, signal })));
    last.process.kill('SIGTERM');
    // Nest closes the app, then re-raises the signal: the process ends by SIGTERM, not SIGKILL.
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
