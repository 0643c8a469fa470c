import { createHash, randomBytes } from 'node:crypto';
import { chromiumAvailable, eventually, openBrowser, signIn, step, type Browser } from './support/browser.js';
import { startConsoleServer, type ConsoleServer } from './support/console-server.js';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

interface Envelope<T = any> {
  code: string;
  msg: string;
  data: T;
}

/** The operators' console pages of issue 18 the ops helper owns: operators, my account, audit log, statistics. */
describeWithChromium('console: operators, my account, audit log, statistics', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let ownerToken: string;
  const suffix = randomBytes(3).toString('hex');
  const viewer = { username: `vera-${suffix}`, password: 'viewer-password-1', newPassword: 'viewer-password-2' };
  const admin = { username: `adam-${suffix}`, password: 'admin-password-01' };
  let app: { id: string; name: string; appkey: string; secret: string };

  async function api<T = any>(method: string, path: string, body?: unknown, token = ownerToken): Promise<{ status: number; body: Envelope<T> }> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Envelope<T> };
  }

  /** A v1 request (seed 000/001) signed as the app's back end signs it: md5(appkey + timestamp + secret). */
  async function v1(path: string, fields: Record<string, string>): Promise<Envelope> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sign = createHash('md5').update(`${app.appkey}${timestamp}${app.secret}`).digest('hex');
    const res = await fetch(`${server.url}${path}`, { method: 'POST', body: new URLSearchParams({ appkey: app.appkey, timestamp, sign, ...fields }) });
    return (await res.json()) as Envelope;
  }

  /** The newest code the console SMS provider wrote to the server's log for this number. */
  function lastCode(mobile: string): string {
    const lines = server.output().split('\n').filter((l) => l.includes('"console SMS"') && l.includes(mobile.slice(-4)));
    const code = JSON.parse(lines[lines.length - 1]).params.code as string;
    return code;
  }

  /** Signs in through the form, signed out first (each test starts from whoever the one before left signed in). */
  async function signInAs(username: string, password: string): Promise<void> {
    const { page } = browser;
    await page.goto(`${server.url}/console/`);
    await page.evaluate("sessionStorage.removeItem('passcode.token')"); // a string: the tests' TypeScript has no DOM
    await signIn(page, server.url, username, password);
  }

  beforeAll(async () => {
    // info: the console SMS provider's log lines carry the codes the statistics test approves.
    server = await startConsoleServer({ LOG_LEVEL: 'info' });
    browser = await openBrowser();
    const login = await fetch(`${server.url}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    ownerToken = ((await login.json()) as Envelope<{ access_token: string }>).data.access_token;
    const created = await api('POST', '/admin/apps', { name: `Ops App ${suffix}` });
    expect(created.body.code).toBe('OK');
    app = created.body.data;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the owner creates a viewer and an admin of one app; a taken username and demoting the last owner show the API\'s refusal', async () => {
    const { page } = browser;
    await step(page, 'sign in as the owner', async () => {
      await signInAs('admin', server.adminPassword);
      await page.getByRole('navigation').getByRole('link', { name: 'Operators' }).click();
      await page.getByRole('table', { name: 'Operators' }).getByRole('cell', { name: 'admin', exact: false }).first().waitFor();
    });
    await step(page, 'create a viewer', async () => {
      await page.getByRole('button', { name: 'New operator' }).click();
      const dialog = page.getByRole('dialog', { name: 'New operator' });
      await dialog.getByRole('textbox', { name: 'Username' }).fill(viewer.username);
      await dialog.getByRole('textbox', { name: 'Password' }).fill(viewer.password);
      await dialog.getByRole('combobox', { name: 'Role' }).selectOption('viewer');
      await dialog.getByRole('button', { name: 'Create operator' }).click();
      await page.getByRole('status').getByText(`Operator ${viewer.username} created.`).waitFor();
      await page.getByRole('table', { name: 'Operators' }).getByRole('cell', { name: viewer.username, exact: true }).waitFor();
    });
    await step(page, 'create an admin of the app', async () => {
      await page.getByRole('button', { name: 'New operator' }).click();
      const dialog = page.getByRole('dialog', { name: 'New operator' });
      await dialog.getByRole('textbox', { name: 'Username' }).fill(admin.username);
      await dialog.getByRole('textbox', { name: 'Password' }).fill(admin.password);
      await dialog.getByRole('combobox', { name: 'Role' }).selectOption('admin');
      await dialog.getByLabel('Apps', { exact: true }).click();
      await page.getByRole('option', { name: app.name }).click();
      await page.keyboard.press('Escape');
      await dialog.getByRole('button', { name: 'Create operator' }).click();
      const row = page.getByRole('table', { name: 'Operators' }).getByRole('row').filter({ hasText: admin.username });
      await row.getByRole('cell', { name: app.name }).waitFor();
      const stored = (await api<{ items: Array<{ username: string; role: string; app_ids: string[] }> }>('GET', '/admin/operators')).body.data.items;
      expect(stored.find((o) => o.username === admin.username)).toMatchObject({ role: 'admin', app_ids: [app.id] });
      expect(stored.find((o) => o.username === viewer.username)).toMatchObject({ role: 'viewer', app_ids: [] });
    });
    await step(page, 'a taken username', async () => {
      await page.getByRole('button', { name: 'New operator' }).click();
      const dialog = page.getByRole('dialog', { name: 'New operator' });
      await dialog.getByRole('textbox', { name: 'Username' }).fill(viewer.username);
      await dialog.getByRole('textbox', { name: 'Password' }).fill('another-password-1');
      await dialog.getByRole('button', { name: 'Create operator' }).click();
      await dialog.getByRole('alert').getByText('OPERATOR_USERNAME_TAKEN').waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    });
    await step(page, 'the last owner cannot demote themselves', async () => {
      await page.getByRole('button', { name: 'Edit admin', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit admin' });
      await dialog.getByRole('combobox', { name: 'Role' }).selectOption('viewer');
      await dialog.getByRole('button', { name: 'Save' }).click();
      const alert = dialog.getByRole('alert');
      await alert.getByText('OPERATOR_LAST_OWNER').waitFor();
      const me = (await api<{ id: string }>('GET', '/admin/operators/me')).body.data;
      const refusal = await api('PATCH', `/admin/operators/${me.id}`, { role: 'viewer' });
      expect(refusal.status).toBe(409);
      expect(await alert.textContent()).toContain(refusal.body.msg);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect((await api('GET', '/admin/operators/me')).body.data.role).toBe('owner');
    });
  });

  it('the viewer sees no Operators link and nothing to change, reads the operators\' creation in the audit log, and changes their own password', async () => {
    const { page } = browser;
    await step(page, 'sign in as the viewer', async () => {
      // The test before creates the viewer through the console; alone, this one creates it here.
      const operators = (await api<{ items: Array<{ username: string }> }>('GET', '/admin/operators')).body.data.items;
      if (!operators.some((o) => o.username === viewer.username)) {
        expect((await api('POST', '/admin/operators', { username: viewer.username, password: viewer.password, role: 'viewer' })).body.code).toBe('OK');
      }
      await signInAs(viewer.username, viewer.password);
      expect(await page.getByTestId('operator').textContent()).toBe(`${viewer.username} · viewer`);
      const nav = page.getByRole('navigation');
      await nav.getByRole('link', { name: 'Audit log' }).waitFor();
      expect(await nav.getByRole('link', { name: 'Operators' }).count()).toBe(0);
    });
    await step(page, 'the operators page refuses and offers nothing to change', async () => {
      await page.goto(`${server.url}/console/#/operators`);
      await page.getByRole('alert').getByText('FORBIDDEN').waitFor();
      expect(await page.getByRole('button', { name: 'New operator' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Edit / }).count()).toBe(0);
    });
    await step(page, 'the audit log shows the operators\' creation', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Audit log' }).click();
      await page.getByRole('table', { name: 'Audit log' }).waitFor();
      // Hold the filtered list's request: until it answers, the rows before the filter must not show as its answer.
      let release!: () => void;
      const held = new Promise<void>((resolve) => { release = resolve; });
      const filtered = /\/admin\/audit-log\?.*action=operator\.create/;
      await page.route(filtered, async (route) => { await held; await route.continue(); });
      await page.getByRole('textbox', { name: 'Action' }).fill('operator.create');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/#\/audit\?action=operator\.create/);
      await page.getByLabel('Loading').waitFor();
      expect(await page.getByRole('table', { name: 'Audit log' }).count()).toBe(0);
      release();
      const entries = (await api<{ items: Array<{ target_id: string; details: { username: string } }> }>('GET', '/admin/audit-log?action=operator.create')).body.data.items;
      const created = entries.find((e) => e.details.username === viewer.username)!;
      expect(created).toBeDefined();
      const table = page.getByRole('table', { name: 'Audit log' });
      // Released, the request answers and the page renders the filter's list.
      await eventually(async () => {
        expect(await table.getByRole('row').count()).toBe(entries.length + 1);
        expect(await table.locator('tbody tr > td:nth-child(3)').allTextContents()).toEqual(entries.map(() => 'operator.create'));
      });
      await page.unroute(filtered);
      const row = table.getByRole('row').filter({ hasText: created.target_id });
      expect(await row.getByRole('cell').nth(1).textContent()).toBe('admin');
      expect(await row.getByRole('cell').nth(2).textContent()).toBe('operator.create');
      await row.getByRole('button', { name: 'Show details' }).click();
      expect(JSON.parse((await row.locator('pre').textContent())!)).toEqual(created.details);
      expect(created.details).toEqual({ username: viewer.username, role: 'viewer', app_ids: [] });
    });
    await step(page, 'change my password', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'My account' }).click();
      expect(await page.getByTestId('me-username').textContent()).toBe(viewer.username);
      const oldToken = await page.evaluate<string | null>("sessionStorage.getItem('passcode.token')");
      await page.getByRole('textbox', { name: 'Current password' }).fill('not-my-password');
      await page.getByRole('textbox', { name: 'New password', exact: true }).fill(viewer.newPassword);
      await page.getByRole('textbox', { name: 'Repeat the new password' }).fill(viewer.newPassword);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('alert').getByText('OPERATOR_PASSWORD_WRONG').waitFor();
      await page.getByRole('textbox', { name: 'Current password' }).fill(viewer.password);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('status').getByText('Sign in again with the new password').waitFor();
      expect((await api('GET', '/admin/operators/me', undefined, oldToken!)).status).toBe(401);
      await page.getByRole('button', { name: 'Sign in again' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    });
    await step(page, 'sign in with the new password', async () => {
      await signIn(page, server.url, viewer.username, viewer.newPassword);
      expect(await page.getByTestId('operator').textContent()).toBe(`${viewer.username} · viewer`);
    });
  });

  it('the statistics page charts a range with the app\'s sends, as GET /admin/stats counts them, in English and in Chinese', async () => {
    const { page } = browser;
    await step(page, 'sign in as the owner', async () => {
      await signInAs('admin', server.adminPassword);
    });
    await step(page, 'send codes through v1 by a console SMS account', async () => {
      const account = (await api('POST', '/admin/sms/accounts', { name: 'Log only', provider: 'console' })).body.data;
      const signature = (await api('POST', `/admin/sms/accounts/${account.id}/signatures`, { sign_name: 'Ops' })).body.data;
      const template = (await api('POST', `/admin/sms/accounts/${account.id}/templates`, { template_code: 'CODE', content: 'Your code is ${code}.' })).body.data;
      const bound = await api('PUT', `/admin/apps/${app.id}/sms/bindings/register`, { template_id: template.id, signature_id: signature.id });
      expect(bound.body.code).toBe('OK');
      for (const mobile of ['13800138101', '13800138102', '13800138103']) {
        expect((await v1('/v1/sms/verify_code', { mcode: '+86', mobile, scene: 'register' })).code).toBe(200);
      }
      const checked = await v1('/v1/sms/check_code', { mcode: '+86', mobile: '13800138101', scene: 'register', verify_code: lastCode('13800138101') });
      expect(checked.data.result).toBe('approved');
    });
    const today = new Date().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    let totals: { sent: number; approved: number };
    await step(page, 'the page shows the range the API counts', async () => {
      totals = (await api('GET', `/admin/stats?from=${weekAgo}&to=${today}`)).body.data.totals;
      expect(totals).toMatchObject({ sent: 3, approved: 1 });
      await page.getByRole('navigation').getByRole('link', { name: 'Statistics' }).click();
      await page.getByLabel('From (UTC)').fill(weekAgo);
      await page.getByLabel('To (UTC)').fill(today);
      await page.getByRole('button', { name: 'Show' }).click();
      await page.waitForURL(new RegExp(`#/stats\\?from=${weekAgo}&to=${today}`));
      const cells = page.getByRole('table', { name: 'Totals' }).getByTestId('stats-totals').getByRole('cell');
      await cells.first().getByText(String(totals.sent)).waitFor();
      expect(await cells.nth(2).textContent()).toBe(String(totals.approved));
      expect(await cells.nth(3).textContent()).toBe('33.3 %');
      const chart = page.getByRole('img', { name: /per day/ });
      expect(await chart.getAttribute('aria-label')).toContain(`${weekAgo} to ${today}: 3 sent, 1 approved in all; most sent on ${today} (3)`);
      const todayRow = page.getByRole('table', { name: 'Per day' }).getByRole('row').filter({ hasText: today });
      expect(await todayRow.getByRole('cell').allTextContents()).toEqual([today, '3', '0', '1', '0']);
      await page.getByRole('table', { name: 'By app' }).getByRole('link', { name: app.name }).waitFor();
    });
    await step(page, 'a narrow screen scrolls the tables, not the page', async () => {
      await page.setViewportSize({ width: 375, height: 800 });
      await page.getByRole('img', { name: /per day/ }).waitFor();
      // The tables' scroll areas measure themselves after the resize: wait for the layout to settle.
      // (Polled with evaluate: waitForFunction compiles its predicate with eval, which the console's CSP refuses.)
      const fits = () => page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return root.scrollWidth <= root.clientWidth;
      });
      for (let i = 0; i < 50 && !(await fits()); i++) await page.waitForTimeout(100);
      expect(await fits()).toBe(true);
      await page.setViewportSize({ width: 1280, height: 800 });
    });
    await step(page, 'in Chinese', async () => {
      await page.getByText('中文', { exact: true }).click();
      await page.getByRole('heading', { name: '统计', exact: true }).waitFor();
      const chart = page.getByRole('img', { name: /每日发送短信/ });
      expect(await chart.getAttribute('aria-label')).toContain('共发送 3 条，验证通过 1 个');
      await page.getByText('English', { exact: true }).click();
      await page.getByRole('heading', { name: 'Statistics', exact: true }).waitFor();
    });
  });
});

if (!chromiumAvailable()) {
  // eslint-disable-next-line no-console
  console.warn('console browser tests skipped: no chromium (apt-get install chromium, or set CHROMIUM_PATH)');
}
