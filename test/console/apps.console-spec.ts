import { createHash, randomBytes } from 'node:crypto';
import { chromiumAvailable, eventually, openBrowser, signIn, step, type Browser } from './support/browser.js';
import { startConsoleServer, type ConsoleServer } from './support/console-server.js';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

// Code run in the page (page.evaluate) is given as text: the tests' tsconfig has no DOM types.

interface Envelope<T = Record<string, unknown>> {
  code: string | number;
  msg: string;
  data: T;
}

describeWithChromium('console: apps', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let token: string;

  /** The admin API as the test reads it, beside the console. */
  async function admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Envelope<T>> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Envelope<T>;
  }

  /**
   * A v1 check of a code never sent, signed with `secret`: a good signature answers 200
   * (`not_found`), a bad one a signature error. Proves a secret is the app's without SMS.
   */
  async function signsWith(appkey: string, secret: string): Promise<boolean> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sign = createHash('md5').update(appkey + timestamp + secret).digest('hex');
    const res = await fetch(`${server.url}/v1/sms/check_code`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ appkey, timestamp, sign, mcode: '+86', mobile: '13800138000', scene: 'login', verify_code: '123456' }).toString(),
    });
    const answer = (await res.json()) as Envelope<{ result?: string }>;
    return answer.code === 200 && answer.data.result === 'not_found';
  }

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await openBrowser();
    const login = await fetch(`${server.url}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    token = ((await login.json()) as Envelope<{ access_token: string }>).data.access_token;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an owner creates an app, reads its secret once, finds it, changes its settings, disables it and rotates its secret', async () => {
    const { page } = browser;
    const name = `Console app ${randomBytes(3).toString('hex')}`;
    let id = '';
    let appkey = '';
    let secret = '';

    await step(page, 'sign in', async () => {
      await signIn(page, server.url, 'admin', server.adminPassword);
      await page.getByRole('heading', { name: 'Apps' }).waitFor();
    });

    await step(page, 'create an app', async () => {
      await page.getByRole('button', { name: 'Create app' }).click();
      await page.getByRole('dialog', { name: 'Create app' }).getByRole('textbox', { name: 'Name' }).fill(name);
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      const shown = page.getByRole('dialog', { name: 'App created' });
      await shown.getByText('The secret will not be shown again', { exact: false }).waitFor();
      appkey = await shown.getByRole('textbox', { name: 'Appkey' }).inputValue();
      secret = await shown.getByRole('textbox', { name: 'Secret' }).inputValue();
      await shown.getByRole('button', { name: 'Copy secret' }).waitFor();
    });

    await step(page, 'the modal showed the app\'s appkey and a secret that signs its requests', async () => {
      const listed = await admin<{ items: { id: string; name: string; appkey: string }[] }>('GET', `/admin/apps?q=${encodeURIComponent(name)}`);
      expect(listed.data.items).toHaveLength(1);
      expect(listed.data.items[0].appkey).toBe(appkey);
      id = listed.data.items[0].id;
      expect(secret.length).toBeGreaterThanOrEqual(20);
      expect(await signsWith(appkey, secret)).toBe(true);
      expect(await signsWith(appkey, `${secret}x`)).toBe(false);
    });

    await step(page, 'closing the modal opens the app; the secret is gone from the page and the browser', async () => {
      await page.getByRole('button', { name: 'I have stored it' }).click();
      await page.getByRole('heading', { name }).waitFor();
      expect(new URL(page.url()).hash).toBe(`#/apps/${id}`);
      expect(await page.getByTestId('appkey').textContent()).toBe(appkey);
      expect(await page.content()).not.toContain(secret);
      const stored = await page.evaluate<string>('JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage })');
      expect(stored).not.toContain(secret);
    });

    await step(page, 'search finds it, and the search is in the link', async () => {
      await page.goto(`${server.url}/console/#/apps`);
      await page.getByRole('searchbox', { name: 'Name or appkey' }).fill(name);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL((url) => url.hash.includes(`q=${encodeURIComponent(name).replace(/%20/g, '+')}`));
      const table = page.getByRole('table', { name: 'Apps' });
      // The hash changes before the page renders the search's answer: the list before it may still show.
      await eventually(async () => expect(await table.getByRole('row').count()).toBe(2)); // the header and the app
      await table.getByRole('link', { name }).waitFor();
      await page.reload();
      await page.getByRole('table', { name: 'Apps' }).getByRole('link', { name }).click();
      await page.getByRole('heading', { name }).waitFor();
    });

    const policy = page.getByRole('group', { name: 'Code policy' });
    const ttl = policy.getByRole('textbox', { name: 'Code lifetime (seconds)' });

    await step(page, 'an out-of-range code lifetime shows the API\'s message under the field', async () => {
      const refused = await admin('PATCH', `/admin/apps/${id}`, { code_policy: { ttl_s: 5 } });
      expect(refused.code).toBe('VALIDATION_FAILED');
      expect(refused.data.field).toBe('code_policy.ttl_s');
      await ttl.fill('5');
      await policy.getByRole('button', { name: 'Save' }).click();
      await policy.getByText(refused.msg, { exact: true }).waitFor();
      expect(await ttl.getAttribute('aria-invalid')).toBe('true');
    });

    await step(page, 'a valid code lifetime is saved, and only it is sent', async () => {
      await ttl.fill('120');
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/admin/apps/${id}`)),
        policy.getByRole('button', { name: 'Save' }).click(),
      ]);
      expect(request.postDataJSON()).toEqual({ code_policy: { ttl_s: 120 } });
      await policy.getByRole('status').getByText('Saved').waitFor();
      const app = await admin<{ code_policy: { ttl_s: number } }>('GET', `/admin/apps/${id}`);
      expect(app.data.code_policy.ttl_s).toBe(120);
    });

    await step(page, 'disable it after confirming', async () => {
      await page.getByRole('button', { name: 'Disable' }).click();
      const dialog = page.getByRole('dialog', { name: `Disable ${name}?` });
      await dialog.getByRole('button', { name: 'Disable' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByRole('main').getByText('Disabled', { exact: true }).waitFor();
      expect((await admin<{ status: string }>('GET', `/admin/apps/${id}`)).data.status).toBe('disabled');
      expect(await signsWith(appkey, secret)).toBe(false);
    });

    await step(page, 'enable it again', async () => {
      await page.getByRole('button', { name: 'Enable' }).click();
      await page.getByRole('main').getByText('Enabled', { exact: true }).waitFor();
      expect((await admin<{ status: string }>('GET', `/admin/apps/${id}`)).data.status).toBe('enabled');
    });

    await step(page, 'rotate the secret with no grace: the new one signs, the old one no longer', async () => {
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      const form = page.getByRole('dialog', { name: 'Rotate the secret' });
      await form.getByRole('textbox', { name: 'Grace period (seconds)' }).fill('0');
      await form.getByRole('button', { name: 'Rotate' }).click();
      const shown = page.getByRole('dialog', { name: 'New secret' });
      const rotated = await shown.getByRole('textbox', { name: 'Secret' }).inputValue();
      expect(rotated).not.toBe(secret);
      expect(await signsWith(appkey, rotated)).toBe(true);
      expect(await signsWith(appkey, secret)).toBe(false);
      await shown.getByRole('button', { name: 'I have stored it' }).click();
      await shown.waitFor({ state: 'hidden' });
      expect(await page.content()).not.toContain(rotated);
    });

    await step(page, 'the tab is in the link', async () => {
      await page.getByRole('tab', { name: 'Statistics' }).click();
      await page.waitForURL((url) => url.hash === `#/apps/${id}?tab=stats`);
      await page.reload();
      expect(await page.getByRole('tab', { name: 'Statistics' }).getAttribute('aria-selected')).toBe('true');
      await page.getByRole('tab', { name: 'Settings' }).click();
    });

    await step(page, 'in Chinese', async () => {
      await page.getByText('中文', { exact: true }).click();
      await page.getByRole('tab', { name: '设置' }).waitFor();
      await page.getByRole('group', { name: '验证码策略' }).getByRole('textbox', { name: '验证码有效期（秒）' }).waitFor();
      expect(await page.getByRole('button', { name: '轮换密钥' }).isVisible()).toBe(true);
      await page.getByText('English', { exact: true }).click();
    });
  });

  it('on a 375 px screen the list and the app page fit the width', async () => {
    const { page } = browser;
    const created = await admin<{ id: string }>('POST', '/admin/apps', { name: `Narrow app with a rather long name ${randomBytes(3).toString('hex')}` });
    expect(created.code).toBe('OK');
    await step(page, 'sign in', async () => {
      await page.goto(`${server.url}/console/`);
      await page.evaluate('sessionStorage.clear()');
      await signIn(page, server.url, 'admin', server.adminPassword);
    });
    await page.setViewportSize({ width: 375, height: 740 });
    try {
      await step(page, 'list', async () => {
        await page.goto(`${server.url}/console/#/apps`);
        await page.getByRole('button', { name: 'Create app' }).waitFor();
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      });
      await step(page, 'app page', async () => {
        await page.goto(`${server.url}/console/#/apps/${created.data.id}`);
        await page.getByRole('button', { name: 'Rotate secret' }).waitFor();
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      });
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('a viewer sees an app\'s settings but no action and no form to save', async () => {
    const { page } = browser;
    const app = await admin<{ id: string; name: string; code_policy: { ttl_s: number } }>('POST', '/admin/apps', { name: `Viewed app ${randomBytes(3).toString('hex')}` });
    const username = `viewer${randomBytes(3).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    expect((await admin('POST', '/admin/operators', { username, password, role: 'viewer' })).code).toBe('OK');

    await step(page, 'sign in as a viewer', async () => {
      await page.goto(`${server.url}/console/`);
      await page.evaluate('sessionStorage.clear()');
      await signIn(page, server.url, username, password);
    });
    await step(page, 'no create button on the list', async () => {
      await page.goto(`${server.url}/console/#/apps`);
      await page.getByRole('table', { name: 'Apps' }).getByRole('link', { name: app.data.name }).waitFor();
      expect(await page.getByRole('button', { name: 'Create app' }).count()).toBe(0);
    });
    await step(page, 'a link whose path is no valid escape shows the API\'s answer, not a blank page', async () => {
      await page.goto(`${server.url}/console/#/apps/%E0%A4%A`);
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Apps' }).count()).toBe(1);
    });
    await step(page, 'the app page shows its settings, disabled, and no action', async () => {
      await page.goto(`${server.url}/console/#/apps/${app.data.id}`);
      const ttl = page.getByRole('group', { name: 'Code policy' }).getByRole('textbox', { name: 'Code lifetime (seconds)' });
      await ttl.waitFor();
      expect(await ttl.inputValue()).toBe(String(app.data.code_policy.ttl_s));
      expect(await ttl.isDisabled()).toBe(true);
      for (const name of ['Disable', 'Rotate secret', 'Save']) expect(await page.getByRole('button', { name }).count()).toBe(0);
      const audit = page.getByRole('main').getByRole('link', { name: 'Audit log' });
      expect(await audit.getAttribute('href')).toBe(`#/audit?target_id=${app.data.id}`);
    });
  });
});

if (!chromiumAvailable()) {
  // eslint-disable-next-line no-console
  console.warn('console browser tests skipped: no chromium (apt-get install chromium, or set CHROMIUM_PATH)');
}
