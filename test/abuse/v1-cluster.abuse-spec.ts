import pg from 'pg';
import { FakeAliyun } from '../support/fake-aliyun.js';
import { POSTGRES_URL } from '../support/test-database.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { createAliyunApp, FAKE_AK, FAKE_SECRET, lastCode, postJson, signed, type V1Answer, type V1App } from './support/v1-client.js';

const SMS_TIMEOUT_MS = 800;

/** The v1 send and check paths attacked through three real processes sharing one Postgres. */
(POSTGRES_URL ? describe : describe.skip)('v1 over three instances', () => {
  let cluster: Cluster;
  let fake: FakeAliyun;
  let token: string;
  let app: V1App;
  let db: pg.Client;
  let phoneSeq = 0;
  const nextMobile = () => `1391234${String(++phoneSeq).padStart(4, '0')}`;
  const at = (i: number) => cluster.instances[i % cluster.instances.length].url;

  beforeAll(async () => {
    fake = await FakeAliyun.start({ [FAKE_AK]: FAKE_SECRET });
    cluster = await startCluster(3, { SMS_TIMEOUT_MS: String(SMS_TIMEOUT_MS) });
    const login = await postJson(at(0), '/admin/login', { username: 'admin', password: cluster.adminPassword });
    token = login.body.data!.access_token as string;
    app = await createAliyunApp(at(1), token, fake, ['login', 'register']);
    db = new pg.Client({ connectionString: cluster.db.url });
    await db.connect();
  }, 90_000);
  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
    await fake?.close();
  });
  beforeEach(() => {
    fake.reply = { kind: 'ok' };
  });
  afterEach(() => {
    // No attack may take an instance down; if one did, its last words say why.
    for (const [i, instance] of cluster.instances.entries()) {
      if (instance.process.exitCode !== null || instance.process.signalCode !== null) {
        throw new Error(`instance ${i} exited (${instance.process.exitCode ?? instance.process.signalCode}):\n${instance.output().slice(-4000)}`);
      }
    }
  });

  const send = (i: number, mobile: string, scene = 'login') => postJson(at(i), '/v1/sms/verify_code', signed(app, { mcode: '+86', mobile, scene }));
  const check = (i: number, mobile: string, code: string, scene = 'login') =>
    postJson(at(i), '/v1/sms/check_code', signed(app, { mcode: '+86', mobile, scene, verify_code: code }));
  const smsTo = (mobile: string) => fake.requests.filter((r) => r.query.PhoneNumbers === mobile).length;

  it('50 parallel sends for one phone over three instances: one SMS, one accepted answer, the rest SEND_COOLDOWN', async () => {
    const mobile = nextMobile();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => send(i, mobile)));
    for (const a of answers) expect(a.status).toBe(200);
    const accepted = answers.filter((a) => a.body.code === 200);
    expect(accepted).toHaveLength(1);
    // Every refusal is the documented cooldown answer, never a 5xx-ish code.
    expect(answers.filter((a) => a.body.code !== 200).map((a) => a.body.code)).toEqual(Array(49).fill(429));
    expect(smsTo(mobile)).toBe(1);
    const codes = await db.query(`SELECT count(*)::int AS n FROM verification_codes WHERE phone_e164 = $1 AND superseded_at IS NULL`, [`+86${mobile}`]);
    expect(codes.rows[0].n).toBe(1);
    const log = await db.query(`SELECT status FROM sms_messages WHERE phone = $1`, [`+86${mobile}`]);
    expect(log.rows).toEqual([{ status: 'sent' }]);
  });

  it('50 parallel checks of one code over three instances: exactly one approved', async () => {
    const mobile = nextMobile();
    expect((await send(0, mobile)).body.code).toBe(200);
    const code = lastCode(fake, mobile)!;
    expect(code).toMatch(/^\d{4,8}$/);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => check(i, mobile, code)));
    for (const a of answers) expect(a.status).toBe(200);
    const results = answers.map((a) => (a.body.data as { result?: string } | null)?.result);
    expect(results.filter((r) => r === 'approved')).toHaveLength(1);
    expect(results.filter((r) => r !== 'approved').every((r) => r === 'not_found')).toBe(true);
    const consumed = await db.query(`SELECT count(*)::int AS n FROM verification_codes WHERE phone_e164 = $1 AND consumed_at IS NOT NULL`, [`+86${mobile}`]);
    expect(consumed.rows[0].n).toBe(1);
  });

  it('50 parallel logins with one code over three instances: one session, one user', async () => {
    const mobile = nextMobile();
    expect((await postJson(at(2), '/v1/login/verify_code', signed(app, { mcode: '+86', mobile }))).body.code).toBe(200);
    const code = lastCode(fake, mobile)!;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postJson(at(i), '/v1/login/mobile', signed(app, { mcode: '+86', mobile, verify_code: code, version_number: 1, channel: 'abuse' })),
      ),
    );
    expect(answers.filter((a) => a.body.code === 200)).toHaveLength(1);
    for (const a of answers) expect(a.status).toBe(200);
    const users = await db.query(`SELECT count(*)::int AS n FROM users WHERE app_id = $1 AND phone_e164 = $2`, [app.id, `+86${mobile}`]);
    expect(users.rows[0].n).toBe(1);
  });

  /** After a failed send (/v1/sms/verify_code numbers an SMS exception 400190, as login/verify_code does): no live code, every send-log row finished, and the cooldown given back. */
  async function expectCleanFailure(mobile: string, started: { code: number; ms: number }) {
    expect(started.code).toBe(400190);
    expect(started.ms).toBeLessThan(SMS_TIMEOUT_MS + 1500);
    const live = await db.query(
      `SELECT count(*)::int AS n FROM verification_codes WHERE phone_e164 = $1 AND superseded_at IS NULL AND consumed_at IS NULL`,
      [`+86${mobile}`],
    );
    expect(live.rows[0].n).toBe(0);
    const log = await db.query(`SELECT status, error, completed_at FROM sms_messages WHERE phone = $1`, [`+86${mobile}`]);
    expect(log.rows.length).toBeGreaterThanOrEqual(1);
    for (const row of log.rows) {
      expect(row).toMatchObject({ status: 'failed', error: 'SMS_PROVIDER_FAILED' });
      expect(row.completed_at).not.toBeNull();
    }
    // The provider is back: an immediate resend, on another instance, is accepted and delivered.
    fake.reply = { kind: 'ok' };
    const again = await send(1, mobile);
    expect(again.body.code).toBe(200);
    expect(lastCode(fake, mobile)).toMatch(/^\d+$/);
    const after = await db.query(`SELECT count(*)::int AS n FROM verification_codes WHERE phone_e164 = $1 AND superseded_at IS NULL`, [`+86${mobile}`]);
    expect(after.rows[0].n).toBe(1);
  }

  it('a provider that hangs: the outcome is unknown — answered as sent, the code live, the cooldown held on every instance', async () => {
    fake.reply = { kind: 'hang' };
    const mobile = nextMobile();
    const a = await send(0, mobile);
    expect(a.body.code).toBe(200);
    const live = await db.query(
      `SELECT count(*)::int AS n FROM verification_codes WHERE phone_e164 = $1 AND superseded_at IS NULL AND consumed_at IS NULL`,
      [`+86${mobile}`],
    );
    expect(live.rows[0].n).toBe(1);
    const log = await db.query(`SELECT status, error, completed_at FROM sms_messages WHERE phone = $1`, [`+86${mobile}`]);
    expect(log.rows).toEqual([{ status: 'unknown', error: null, completed_at: expect.any(Date) }]);
    // The message may arrive: no instance sends another before the cooldown ends.
    fake.reply = { kind: 'ok' };
    expect((await send(1, mobile)).body.code).toBe(429);
    expect(smsTo(mobile)).toBe(1);
    expect((await check(2, mobile, lastCode(fake, mobile)!)).body.data).toEqual({ result: 'approved' });
  });

  it('a provider answering 5xx: 400190, nothing half-written, cooldown released', async () => {
    fake.reply = { kind: 'http', status: 503, code: 'ServiceUnavailable' };
    const mobile = nextMobile();
    const a = await send(2, mobile);
    await expectCleanFailure(mobile, { code: a.body.code, ms: a.ms });
  });

  it('a provider refusing connections: 400190, nothing half-written, cooldown released', async () => {
    const closed = await FakeAliyun.start({});
    const endpoint = closed.endpoint;
    await closed.close();
    const patch = (body: unknown) =>
      fetch(`${at(0)}/admin/sms/accounts/${app.accountId}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    expect((await patch({ endpoint })).status).toBe(200);
    try {
      const mobile = nextMobile();
      const a = await send(1, mobile);
      expect(a.body.code).toBe(400190);
      expect((await patch({ endpoint: fake.endpoint })).status).toBe(200);
      await expectCleanFailure(mobile, { code: a.body.code, ms: a.ms });
    } finally {
      await patch({ endpoint: fake.endpoint });
    }
  });

  it('Postgres connections killed mid-load: error envelopes, a consistent outcome, then recovery without restart', async () => {
    // Load that runs until the kill has hit it: 20 clients, each sending to fresh phones one after another, over the three instances.
    const answers: Array<{ mobile: string; answer: V1Answer }> = [];
    let inFlight = 0;
    let stop = false;
    const client = async (c: number) => {
      while (!stop) {
        const mobile = nextMobile();
        inFlight++;
        const answer = await send(c, mobile);
        inFlight--;
        answers.push({ mobile, answer });
      }
    };
    const load = Promise.all(Array.from({ length: 20 }, (_, c) => client(c)));
    // Kill the instances' backends that are mid-statement or mid-transaction (a 20 ms head start
    // could fall before the first query or after the last), until a request has failed of it.
    const kills: Array<{ terminated: number; inFlight: number }> = [];
    const deadline = Date.now() + 10_000;
    try {
      while (Date.now() < deadline && !answers.some((a) => a.answer.body.code !== 200)) {
        const { rows } = await db.query(
          `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS terminated FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')`,
        );
        if (rows[0].terminated > 0) kills.push({ terminated: rows[0].terminated, inFlight });
        await new Promise((r) => setTimeout(r, 5));
      }
      // And every other connection (idle pool clients, the change feeds' LISTEN), as a failover would.
      await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      stop = true;
      await load;
    }
    expect(kills.length).toBeGreaterThan(0);
    for (const kill of kills) expect(kill.inFlight).toBeGreaterThan(0);

    // Whatever failed failed as the database-unavailable envelope (503), never as a 500 or a stack trace.
    const failed = answers.filter((a) => a.answer.body.code !== 200);
    expect(failed.length).toBeGreaterThan(0);
    for (const { answer } of answers) {
      expect(answer.status).toBe(200);
      expect(JSON.stringify(answer.body)).not.toMatch(/at \S+ \(|node_modules/);
    }
    expect(failed.map((a) => a.answer.body)).toEqual(failed.map(() => ({ code: 503, msg: 'Service Unavailable' })));

    // Consistent: an accepted send delivered one SMS and left one live code; a failed one left no live code.
    const live = await db.query(
      `SELECT phone_e164, count(*)::int AS n FROM verification_codes
        WHERE phone_e164 = ANY($1) AND superseded_at IS NULL AND consumed_at IS NULL GROUP BY phone_e164`,
      [answers.map((a) => `+86${a.mobile}`)],
    );
    const liveCodes = new Map(live.rows.map((r: { phone_e164: string; n: number }) => [r.phone_e164.slice(3), r.n]));
    const outcome = (ok: boolean) =>
      answers.filter((a) => (a.answer.body.code === 200) === ok).map((a) => ({ mobile: a.mobile, sms: Math.min(smsTo(a.mobile), 1), live: liveCodes.get(a.mobile) ?? 0 }));
    expect(outcome(true)).toEqual(outcome(true).map(({ mobile }) => ({ mobile, sms: 1, live: 1 })));
    for (const { mobile } of answers) expect(smsTo(mobile)).toBeLessThanOrEqual(1);
    expect(outcome(false).filter((o) => o.live > 0)).toEqual([]);

    // Recovery: every instance answers again within a few seconds, no restart.
    for (let i = 0; i < cluster.instances.length; i++) {
      const recovery = Date.now() + 10_000;
      let code = -1;
      while (Date.now() < recovery) {
        code = (await send(i, nextMobile())).body.code;
        if (code === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(code).toBe(200);
    }
  }, 60_000);
});
