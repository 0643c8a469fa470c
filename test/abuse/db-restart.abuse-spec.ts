import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CHANGE_FEED_APPLICATION_NAME } from '../../src/database/change-feed.js';
import { type CreatedApp } from '../support/admin.js';
import { enduserSendParams } from '../support/enduser.js';
import { expectServiceUnavailable, expectServing, probeDialects, probeUntilServing } from '../support/db-outage.js';
import { RecordingSmsProvider, withRecordingSms } from '../support/sms.js';
import { POSTGRES_URL } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createSmsApp, signParams } from '../support/v1.js';
import { postgresBinDir, PrivatePostgres } from './support/private-postgres.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The `n`th of 10,000 numbers after `prefix` (seven digits). */
const numbered = (prefix: string, n: number) => `${prefix}${String(n % 10_000).padStart(4, '0')}`;

/**
 * A Postgres that goes away and comes back (a private cluster, stopped and started
 * with pg_ctl): every dialect answers SERVICE_UNAVAILABLE meanwhile — v1 `{code: 503}`
 * with HTTP 200, admin HTTP 503 — never an internal error, and serves again after.
 */
(POSTGRES_URL && postgresBinDir() ? describe : describe.skip)('a Postgres restart (private cluster; needs Postgres binaries)', () => {
  let cluster: PrivatePostgres;
  let t: TestApp;
  let app: CreatedApp;
  let token: string;
  const sms = new RecordingSmsProvider();

  beforeAll(async () => {
    cluster = await PrivatePostgres.create();
    const url = await cluster.createDatabase('passcode');
    const dataDir = mkdtempSync(join(tmpdir(), 'passcode-test-'));
    t = await startTestApp({
      db: { url, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) },
      override: withRecordingSms(sms),
    });
    app = await createSmsApp(t, { code_policy: { per_ip_hourly: 1_000_000, per_app_daily: 100_000_000 } });
    token = await t.adminToken();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await cluster?.destroy();
  });

  const internalErrors = () => t.logs.lines().filter((l) => String(l.msg).includes('request failed: INTERNAL'));

  it('stopped: 503 in every dialect; started again: every dialect serves', async () => {
    expectServing(await probeDialects(t, app, token));
    await cluster.stop('fast');
    try {
      expectServiceUnavailable(await probeDialects(t, app, token));
    } finally {
      await cluster.start();
    }
    expectServing(await probeUntilServing(t, app, token));
    expect(internalErrors()).toEqual([]);
  }, 120_000);

  it('restarted and crashed under load: each answer is a success or a 503, never a 500, and then all succeed', async () => {
    let seq = 0;
    let running = true;
    const answers: Array<{ route: string; status: number; code: unknown }> = [];
    const sessions: Array<{ mobile: string; token: string }> = [];
    // A login: its code sent, then consumed, a user upserted and a session written. A code whose send was
    // answered 200 is committed, so the login that follows succeeds, or meets the outage (503).
    const login = async (n: number) => {
      const mobile = numbered('1360000', n);
      const sent = await t.http.post('/v1/login/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile });
      answers.push({ route: 'v1', status: sent.status, code: sent.body?.code });
      if (sent.body?.code !== 200) return;
      const verify_code = sms.lastCodeFor(`+86${mobile}`);
      const res = await t.http.post('/v1/login/mobile').send({ ...signParams(t, app), mcode: '+86', mobile, verify_code, version_number: '12', channel: 'vivo' });
      answers.push({ route: 'v1', status: res.status, code: res.body?.code });
      answers.push({ route: 'login', status: res.status, code: res.body?.code === 200 ? typeof res.body.data?.access_token : res.body?.code });
      if (res.body?.code === 200) sessions.push({ mobile, token: res.body.data.access_token });
    };
    const worker = async () => {
      while (running) {
        const n = ++seq;
        const mobile = numbered('1370000', n);
        if (n % 3 === 2) {
          await login(n);
        } else {
          const v1 =
            n % 3
              ? await t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login', verify_code: '123456' })
              : await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login' });
          answers.push({ route: 'v1', status: v1.status, code: v1.body?.code });
        }
        // The other dialects' sends, each in its envelope: Authing's statusCode, enduser's code.
        const authing = await t.http.post('/api/v3/send-sms').set('x-authing-app-id', app.appkey).send({ channel: 'CHANNEL_LOGIN', phoneNumber: numbered('1350000', n) });
        answers.push({ route: 'authing', status: authing.status, code: authing.body?.statusCode });
        const enduser = await t.http.post('/v2/sms/enduserapi/v2/sendPhoneSmsCode').query({ ...enduserSendParams(t, app, numbered('1340000', n)) });
        answers.push({ route: 'enduser', status: enduser.status, code: enduser.body?.code });
        const admin = await t.http.get(`/admin/apps/${app.id}`).set('authorization', `Bearer ${token}`);
        answers.push({ route: 'admin', status: admin.status, code: admin.body?.code });
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    try {
      await sleep(300);
      await cluster.stop('fast');
      await sleep(500);
      await cluster.start();
      await sleep(500);
      // A crash: the next start recovers, and connections meanwhile hear "the database system is starting up".
      await cluster.stop('immediate');
      await sleep(500);
      await cluster.start();
      await sleep(500);
    } finally {
      running = false;
      await Promise.all(workers);
    }

    const v1 = answers.filter((a) => a.route === 'v1');
    const admin = answers.filter((a) => a.route === 'admin');
    // First, as it names the error behind any 500 below.
    expect(internalErrors()).toEqual([]);
    // The outage was seen, as 503s, and nothing else went wrong.
    expect(v1.filter((a) => a.code === 503).length).toBeGreaterThan(0);
    expect(v1.filter((a) => a.status !== 200 || (a.code !== 200 && a.code !== 503))).toEqual([]);
    expect(admin.filter((a) => !(a.status === 200 && a.code === 'OK') && !(a.status === 503 && a.code === 'SERVICE_UNAVAILABLE'))).toEqual([]);
    for (const route of ['authing', 'enduser']) {
      const sends = answers.filter((a) => a.route === route);
      expect(sends.filter((a) => a.code === 200).length).toBeGreaterThan(0);
      expect(sends.filter((a) => a.status !== 200 || (a.code !== 200 && a.code !== 503))).toEqual([]);
    }
    // Logins ran throughout, and each answered a token or the outage.
    const logins = answers.filter((a) => a.route === 'login');
    expect(logins.filter((a) => a.code === 'string').length).toBeGreaterThan(0);
    expect(logins.filter((a) => a.code !== 'string' && a.code !== 503)).toEqual([]);

    expectServing(await probeUntilServing(t, app, token));
    // No acknowledged login was lost to the crash: every token handed out still opens its user's info.
    const infos = [];
    for (const { mobile, token: bearer } of sessions) {
      const info = await t.http.get('/v1/user/info').set('authorization', `Bearer ${bearer}`);
      infos.push({ status: info.status, code: info.body?.code, mobile: info.body?.data?.mobile === mobile ? 'own' : info.body?.data?.mobile });
    }
    expect(infos.filter((i) => i.status !== 200 || i.code !== 200 || i.mobile !== 'own')).toEqual([]);
  }, 120_000);

  it('after the restarts the instance holds exactly one change-feed connection', async () => {
    const client = new pg.Client({ connectionString: cluster.url() });
    await client.connect();
    try {
      const deadline = Date.now() + 30_000;
      let n = -1;
      while (Date.now() < deadline) {
        const { rows } = await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [CHANGE_FEED_APPLICATION_NAME]);
        n = rows[0].n;
        if (n === 1) break;
        await sleep(250);
      }
      expect(n).toBe(1);
    } finally {
      await client.end();
    }
  }, 60_000);
});
