import { DataSource } from 'typeorm';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, signParams } from './support/v1.js';
import { type CreatedApp } from './support/admin.js';

const TOKEN = 'metrics-token-0123456789';

/** The value of the sample `name{labels}` in a Prometheus text answer, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...m[2].matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('is off unless METRICS_TOKEN is set: an unknown path', async () => {
    const t = await startTestApp();
    try {
      const res = await t.http.get('/metrics').expect(404);
      expect(res.body.code).toBe('ROUTE_NOT_FOUND');
    } finally {
      await t.close();
    }
  });

  it('refuses METRICS_TOKEN shorter than 16 characters at start', async () => {
    await expect(startTestApp({ env: { METRICS_TOKEN: 'short' } })).rejects.toThrow(/METRICS_TOKEN must be at least 16 characters/);
  });

  describe('when on', () => {
    const sms = new RecordingSmsProvider();
    let t: TestApp;
    let app: CreatedApp;
    const scrape = async () => (await t.http.get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200)).text;
    beforeAll(async () => {
      t = await startTestApp({ env: { METRICS_TOKEN: TOKEN }, override: withRecordingSms(sms) });
      app = await createSmsApp(t);
    });
    afterAll(async () => {
      await t.close();
    });

    it('answers 401 without the token or with another, saying how to authenticate', async () => {
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789', TOKEN, `Basic ${TOKEN}`]) {
        const req = t.http.get('/metrics');
        if (authorization) req.set('authorization', authorization);
        const res = await req.expect(401);
        expect({ code: res.body.code, challenge: res.headers['www-authenticate'] }).toEqual({ code: 'UNAUTHORIZED', challenge: 'Bearer realm="metrics"' });
      }
    });

    it('counts sends by app, scene, country, account and outcome, checks by outcome, refusals by kind, requests by route', async () => {
      const mobile = '13700001111';
      const send = () => t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login' });
      const check = (code: string) => t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode: '+86', mobile, scene: 'login', verify_code: code });
      expect((await send().expect(200)).body.code).toBe(200);
      expect((await send().expect(200)).body.code).not.toBe(200); // the resend cooldown (v1 answers HTTP 200 with its code)
      const code = sms.lastCodeFor(`+86${mobile}`)!;
      expect((await check(code === '000000' ? '111111' : '000000').expect(200)).body.data.result).toBe('wrong_code');
      expect((await check(code).expect(200)).body.data.result).toBe('approved');
      await t.http.get('/no/such/path/xyzzy').expect(404);

      const text = await scrape();
      const [{ account_id: account }] = await t.app.get(DataSource).query('SELECT account_id FROM sms_messages WHERE app_id = $1', [app.id]);
      expect({
        sent: sample(text, 'passcode_sms_sends_total', { app: app.id, scene: 'login', country: 'CN', account, outcome: 'accepted' }),
        providerCalls: sample(text, 'passcode_sms_provider_duration_seconds_count', { account, outcome: 'accepted' }),
        approved: sample(text, 'passcode_code_checks_total', { app: app.id, scene: 'login', outcome: 'approved' }),
        wrong: sample(text, 'passcode_code_checks_total', { app: app.id, scene: 'login', outcome: 'wrong_code' }),
        cooldowns: sample(text, 'passcode_refusals_total', { kind: 'SEND_COOLDOWN' }),
        sendRequests: sample(text, 'passcode_http_requests_total', { method: 'POST', route: '/v1/sms/verify_code', status: '200' }),
        checkTimings: sample(text, 'passcode_http_request_duration_seconds_count', { method: 'POST', route: '/v1/sms/check_code' }),
        unmatched: sample(text, 'passcode_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }),
        appCacheHits: (sample(text, 'passcode_cache_lookups_total', { cache: 'app', result: 'hit' }) ?? 0) > 0,
        poolGauge: sample(text, 'passcode_db_pool_connections', { state: 'waiting' }),
      }).toEqual({ sent: 1, providerCalls: 1, approved: 1, wrong: 1, cooldowns: 1, sendRequests: 2, checkTimings: 2, unmatched: 1, appCacheHits: true, poolGauge: 0 });
      // No phone number, code or raw path becomes a label. The path's last segment has letters no number or UUID holds: the
      // default metrics print dozens of long numbers (heap bytes, CPU seconds), and one held 4711, the segment this test used before.
      expect(text).not.toContain(mobile);
      expect(text).not.toContain('xyzzy');
      expect(text).toMatch(/^process_cpu_seconds_total /m);
    });

    it('counts a throttled request as a refusal', async () => {
      const throttled = await startTestApp({ env: { METRICS_TOKEN: TOKEN, THROTTLE_LIMIT: '2' } });
      try {
        for (let i = 0; i < 3; i++) await throttled.http.get('/v1/user/info');
        const text = (await throttled.http.get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200)).text;
        expect(sample(text, 'passcode_refusals_total', { kind: 'TOO_MANY_REQUESTS' })).toBe(1);
      } finally {
        await throttled.close();
      }
    });
  });
});
