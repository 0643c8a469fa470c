import { createHash } from 'node:crypto';
import { chromiumAvailable, openBrowser, signIn, step, type Browser } from './support/browser.js';
import { startConsoleServer, type ConsoleServer } from './support/console-server.js';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

jest.setTimeout(240_000);

/** An app's statistics and fraud guard tabs, with real v1 sends behind them. */
describeWithChromium('console: an app\'s statistics and fraud guard', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let token: string;

  async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as { code: string; msg: string; data: T };
    if (json.code !== 'OK') throw new Error(`${method} ${path}: ${json.code} ${json.msg}`);
    return json.data;
  }

  async function v1Send(app: { appkey: string; secret: string }, mobile: string): Promise<{ code: number; msg: string }> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sign = createHash('md5').update(app.appkey + timestamp + app.secret).digest('hex');
    const res = await fetch(`${server.url}/v1/sms/verify_code`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ appkey: app.appkey, timestamp, sign, mcode: '+86', mobile, scene: 'login' }).toString(),
    });
    return (await res.json()) as { code: number; msg: string };
  }

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await openBrowser();
    const res = await fetch(`${server.url}/admin/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    token = ((await res.json()) as { data: { access_token: string } }).data.access_token;
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('unapproved sends to one range flag it: the fraud tab lists it and lifts it; the statistics tab counts the sends', async () => {
    const { page } = browser;
    // A guard that judges a range after five sends and challenges it below half approved.
    const app = await api('POST', '/admin/apps', {
      name: 'Guarded',
      code_policy: { fraud_guard: { enabled: true, min_sends_prefix: 5, challenge_below_pct: 50, block_below_pct: 0, recover_at_pct: 60 } },
    });
    const account = await api('POST', '/admin/sms/accounts', { name: 'Log only', provider: 'console' });
    const signature = await api('POST', `/admin/sms/accounts/${account.id}/signatures`, { sign_name: 'Guarded' });
    const template = await api('POST', `/admin/sms/accounts/${account.id}/templates`, { template_code: 'CODE', content: 'Your code is ${code}.' });
    await api('PUT', `/admin/apps/${app.id}/sms/bindings/login`, { template_id: template.id, signature_id: signature.id });
    // Four go out; the fifth is judged with its own count (0 of 5 approved) and must bring a captcha.
    for (let i = 1; i <= 4; i++) expect(await v1Send(app, `1380013800${i}`)).toMatchObject({ code: 200 });
    expect(await v1Send(app, '13800138005')).toMatchObject({ code: 400186 });
    const flagged = await api<Array<{ kind: string; key: string; state: string }>>('GET', `/admin/apps/${app.id}/fraud/buckets`);
    expect(flagged).toEqual([expect.objectContaining({ kind: 'prefix', key: '+861380013', state: 'challenge' })]);

    await step(page, 'sign in and open the app\'s fraud guard tab', async () => {
      await signIn(page, server.url, 'admin', server.adminPassword);
      await page.goto(`${server.url}/console/#/apps/${app.id}`);
      await page.getByRole('tab', { name: 'Fraud guard' }).click();
    });

    await step(page, 'the policy and the flagged range are shown as the API holds them', async () => {
      await page.getByRole('table', { name: 'Fraud guard policy' }).waitFor();
      const buckets = page.getByRole('table', { name: 'Flagged buckets' });
      const row = buckets.getByRole('row').filter({ hasText: '+861380013' });
      await row.waitFor();
      const text = await row.textContent();
      expect(text).toContain('number range');
      expect(text).toMatch(/challenge/i);
    });

    await step(page, 'lifting it (its + sent as %2B) empties the list', async () => {
      await page.getByRole('button', { name: 'Lift +861380013' }).click();
      await page.getByRole('dialog', { name: 'Lift +861380013?' }).getByRole('button', { name: 'Lift' }).click();
      await page.getByRole('table', { name: 'Flagged buckets' }).getByRole('row').filter({ hasText: '+861380013' }).waitFor({ state: 'detached' });
      expect(await api('GET', `/admin/apps/${app.id}/fraud/buckets`)).toEqual([]);
    });

    await step(page, 'the statistics tab counts the four messages sent as GET /admin/apps/:id/stats does', async () => {
      await page.getByRole('tab', { name: 'Statistics' }).click();
      const totals = page.getByRole('table', { name: 'Totals' });
      await totals.waitFor();
      const day = new Date().toISOString().slice(0, 10);
      const stats = await api<{ totals: { sent: number } }>('GET', `/admin/apps/${app.id}/stats?from=${day}&to=${day}`);
      expect(stats.totals.sent).toBe(4);
      await totals.getByRole('cell', { name: String(stats.totals.sent), exact: true }).first().waitFor();
      await page.getByRole('img', { name: /per day/ }).waitFor();
    });
  });
});
