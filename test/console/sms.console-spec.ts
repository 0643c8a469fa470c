import { withFraudGuardOff } from '../support/admin.js';
import { chromiumAvailable, eventually, openBrowser, signIn, step, type Browser } from './support/browser.js';
import { startConsoleServer, type ConsoleServer } from './support/console-server.js';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

// Two dozen sends and three sign-ins: longer than the suite's default on a shared machine.
jest.setTimeout(240_000);

const PUBLIC_URL = 'https://passcode.example.test';

describeWithChromium('console: SMS accounts and the send log', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let token: string;

  /** An admin API call as the owner; answers the envelope's data (fails the test on another code). */
  async function api<T = any>(method: string, path: string, body?: unknown, bearer = token): Promise<T> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as { code: string; msg: string; data: T };
    if (json.code !== 'OK') throw new Error(`${method} ${path}: ${json.code} ${json.msg}`);
    return json.data;
  }

  async function login(username: string, password: string): Promise<string> {
    const res = await fetch(`${server.url}/admin/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
    });
    return ((await res.json()) as { data: { access_token: string } }).data.access_token;
  }

  beforeAll(async () => {
    // Where Twilio would reach this server: a twilio account shows the status callback URL under it.
    server = await startConsoleServer({ PUBLIC_URL });
    browser = await openBrowser();
    token = await login('admin', server.adminPassword);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an owner creates accounts, signatures and templates; credentials are never shown back', async () => {
    const { page } = browser;
    await signIn(page, server.url, 'admin', server.adminPassword);

    await step(page, 'create a console account', async () => {
      await page.goto(`${server.url}/console/#/sms`);
      await page.getByRole('textbox', { name: 'Account name' }).fill('Log only');
      expect(await page.getByLabel('Provider').inputValue()).toBe('console');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('region', { name: 'Account Log only' }).waitFor();
      const { items } = await api('GET', '/admin/sms/accounts');
      expect(items).toEqual([expect.objectContaining({ name: 'Log only', provider: 'console', status: 'enabled' })]);
      expect(page.url()).toContain(`#/sms?account=${items[0].id}`);
    });

    const panel = page.getByRole('region', { name: 'Account Log only' });
    await step(page, 'add a signature', async () => {
      await panel.getByRole('textbox', { name: 'Sign name' }).fill('My App');
      await panel.getByRole('button', { name: 'Add signature' }).click();
      await panel.getByRole('table', { name: 'Signatures' }).getByRole('cell', { name: 'My App', exact: true }).waitFor();
    });

    await step(page, 'add a template', async () => {
      await panel.getByRole('textbox', { name: 'Template code' }).fill('CODE');
      await panel.getByRole('form', { name: 'New template' }).getByLabel('Scene').selectOption('login');
      await panel.getByLabel('Content').fill('Your code is ${code}.');
      await panel.getByRole('button', { name: 'Add template' }).click();
      await panel.getByRole('table', { name: 'Templates' }).getByRole('cell', { name: 'CODE', exact: true }).waitFor();
    });

    const accountId = (await api('GET', '/admin/sms/accounts')).items[0].id as string;
    await step(page, 'edit the template', async () => {
      await panel.getByRole('button', { name: 'Edit template CODE' }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit template CODE' });
      await dialog.getByLabel('Locale').fill('en');
      await dialog.getByRole('button', { name: 'Save template' }).click();
      await dialog.waitFor({ state: 'detached' });
      await panel.getByRole('table', { name: 'Templates' }).getByRole('cell', { name: 'en', exact: true }).waitFor();
      const { items } = await api('GET', `/admin/sms/accounts/${accountId}/templates`);
      expect(items).toEqual([expect.objectContaining({ template_code: 'CODE', scene: 'login', locale: 'en', content: 'Your code is ${code}.' })]);
    });

    await step(page, 'disable and enable the signature', async () => {
      await panel.getByRole('button', { name: 'Disable signature My App' }).click();
      await panel.getByRole('button', { name: 'Enable signature My App' }).waitFor();
      expect((await api('GET', `/admin/sms/accounts/${accountId}/signatures`)).items[0].status).toBe('disabled');
      await panel.getByRole('button', { name: 'Enable signature My App' }).click();
      await panel.getByRole('button', { name: 'Disable signature My App' }).waitFor();
      expect((await api('GET', `/admin/sms/accounts/${accountId}/signatures`)).items[0].status).toBe('enabled');
    });

    const secret = 'do-not-show-this-secret-9f2c';
    await step(page, 'an aliyun account: the secret is never shown back', async () => {
      await page.getByRole('textbox', { name: 'Account name' }).fill('Aliyun main');
      await page.getByLabel('Provider').selectOption('aliyun');
      await page.getByRole('textbox', { name: 'AccessKey ID' }).fill('LTAIexample00001234');
      await page.getByLabel('AccessKey secret').fill(secret);
      await page.getByRole('button', { name: 'Create account' }).click();
      const aliyun = page.getByRole('region', { name: 'Account Aliyun main' });
      await aliyun.waitFor();
      const created = (await api('GET', '/admin/sms/accounts')).items.find((a: { name: string }) => a.name === 'Aliyun main');
      expect(created.credential_id).toMatch(/\*/);
      await page.getByRole('table', { name: 'SMS accounts' }).getByText(created.credential_id).waitFor();
      expect(await page.content()).not.toContain(secret);
      // Its receipt token is shown once, in the path to configure.
      await aliyun.getByRole('button', { name: 'Issue receipt token' }).click();
      expect(await page.getByTestId('receipt-path').textContent()).toContain(`/sms/receipts/aliyun/${created.id}/`);
    });

    await step(page, 'a tencent account: its receipt token, for Tencent\'s callback URL', async () => {
      await page.getByRole('textbox', { name: 'Account name' }).fill('Tencent main');
      await page.getByLabel('Provider').selectOption('tencent');
      await page.getByRole('textbox', { name: 'SecretId' }).fill('AKIDexample0000001234');
      await page.getByLabel('SecretKey').fill(secret);
      await page.getByRole('textbox', { name: 'SdkAppId' }).fill('1400006666');
      await page.getByRole('button', { name: 'Create account' }).click();
      const tencent = page.getByRole('region', { name: 'Account Tencent main' });
      await tencent.waitFor();
      const created = (await api('GET', '/admin/sms/accounts')).items.find((a: { name: string }) => a.name === 'Tencent main');
      await tencent.getByRole('button', { name: 'Issue receipt token' }).click();
      expect(await tencent.getByTestId('receipt-path').textContent()).toContain(`/sms/receipts/tencent/${created.id}/`);
      await tencent.getByText('as Tencent Cloud SMS\'s status-report callback URL').waitFor();
    });

    await step(page, 'a twilio account: the status callback URL its messages give Twilio, no token to issue', async () => {
      await page.getByRole('textbox', { name: 'Account name' }).fill('Twilio main');
      await page.getByLabel('Provider').selectOption('twilio');
      await page.getByRole('textbox', { name: 'Account SID' }).fill(`AC${'0123456789abcdef'.repeat(2)}`);
      await page.getByLabel('Auth token').fill(secret);
      await page.getByRole('textbox', { name: 'From (E.164 number or sender id)' }).fill('+14155550100');
      await page.getByRole('button', { name: 'Create account' }).click();
      const twilio = page.getByRole('region', { name: 'Account Twilio main' });
      await twilio.waitFor();
      const created = (await api('GET', '/admin/sms/accounts')).items.find((a: { name: string }) => a.name === 'Twilio main');
      expect(await twilio.getByTestId('status-callback').textContent()).toBe(`${PUBLIC_URL}/sms/receipts/twilio/${created.id}`);
      expect(await twilio.getByRole('button', { name: /receipt token/ }).count()).toBe(0);
      expect(await page.content()).not.toContain(secret);
    });
  });

  it('the send log shows the test sends, filtered and paged from the hash query', async () => {
    const { page } = browser;
    const [account] = (await api('GET', '/admin/sms/accounts')).items.filter((a: { provider: string }) => a.provider === 'console');
    const [template] = (await api('GET', `/admin/sms/accounts/${account.id}/templates`)).items;
    const [signature] = (await api('GET', `/admin/sms/accounts/${account.id}/signatures`)).items;
    const app = await api('POST', '/admin/apps', withFraudGuardOff({ name: 'Shop' }));
    await api('PUT', `/admin/apps/${app.id}/sms/bindings/login`, { template_id: template.id, signature_id: signature.id });
    // 21 to one number (a second page of 20), one to another.
    for (let i = 0; i < 21; i++) {
      expect(await api('POST', `/admin/apps/${app.id}/sms/test`, { scene: 'login', mobile: '13800138000' })).toMatchObject({ status: 'sent' });
    }
    const single = await api('POST', `/admin/apps/${app.id}/sms/test`, { scene: 'login', mobile: '13900139000' });
    const rows = page.getByRole('table', { name: 'Send log' }).getByTestId('message-row');

    await step(page, 'filter by app and phone through the form', async () => {
      await page.goto(`${server.url}/console/#/messages`);
      await page.getByRole('combobox', { name: /^App\b/ }).selectOption({ label: 'Shop' });
      await page.getByRole('textbox', { name: 'Phone' }).fill('+8613900139000');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('1 in all', { exact: true }).waitFor();
      expect(await rows.count()).toBe(1);
      expect(await rows.first().textContent()).toContain('+8613900139000');
      expect(decodeURIComponent(page.url())).toContain(`app=${app.id}&phone=+8613900139000`);
    });

    await step(page, 'a row expands to the rest of the message', async () => {
      await rows.first().getByRole('button', { name: /^Details of the message to \+8613900139000/ }).click();
      await page.getByText(single.message_id).waitFor();
      await page.getByText('Attempt', { exact: true }).waitFor();
    });

    await step(page, 'a status no row has', async () => {
      await page.getByRole('combobox', { name: /^Status/ }).selectOption('failed');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('No messages match.').waitFor();
      expect(page.url()).toContain('status=failed');
    });

    await step(page, 'pages of a link', async () => {
      await page.goto(`${server.url}/console/#/messages?app=${app.id}&phone=%2B8613800138000&status=sent`);
      await page.getByText('21 in all', { exact: true }).waitFor();
      expect(await rows.count()).toBe(20);
      await page.getByRole('button', { name: '2', exact: true }).click();
      await page.waitForURL(/page=2/);
      await page.getByText('21 in all', { exact: true }).waitFor();
      await eventually(async () => expect(await rows.count()).toBe(1));
      // The link alone reproduces the view.
      await page.reload();
      await page.getByText('21 in all', { exact: true }).waitFor();
      await eventually(async () => expect(await rows.count()).toBe(1));
      expect(await page.getByRole('combobox', { name: /^Status/ }).inputValue()).toBe('sent');
    });

    await step(page, 'days', async () => {
      // The browser runs on this machine's clock and zone: today's sends are within today, none from tomorrow.
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toLocaleDateString('en-CA');
      await page.goto(`${server.url}/console/#/messages?app=${app.id}&from=${day(0)}&to=${day(0)}`);
      await page.getByText('22 in all', { exact: true }).waitFor();
      await page.getByLabel('From (day)').fill(day(1));
      await page.getByLabel('To (day, included)').fill(day(1));
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('No messages match.').waitFor();
      expect(page.url()).toContain(`from=${day(1)}`);
    });

    await step(page, 'in Chinese', async () => {
      await page.goto(`${server.url}/console/#/messages?app=${app.id}&phone=%2B8613800138000&status=sent`);
      await page.getByText('中文', { exact: true }).click();
      await page.getByRole('heading', { name: '发送记录' }).waitFor();
      await page.getByRole('table', { name: '发送记录' }).getByRole('columnheader', { name: '手机号' }).waitFor();
      await page.getByText('共 21 条').waitFor();
      await page.getByText('English', { exact: true }).click();
    });
  });

  it('an admin reads accounts without changing them and chooses an app for the send log', async () => {
    const { page } = browser;
    const app = (await api('GET', '/admin/apps')).items.find((a: { name: string }) => a.name === 'Shop');
    await api('POST', '/admin/operators', { username: 'ada', password: 'a-long-password-1', role: 'admin', app_ids: [app.id] });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, server.url, 'ada', 'a-long-password-1');

    await step(page, 'SMS accounts read only', async () => {
      await page.goto(`${server.url}/console/#/sms`);
      await page.getByRole('table', { name: 'SMS accounts' }).getByRole('link', { name: 'Log only' }).click();
      await page.getByRole('region', { name: 'Account Log only' }).getByRole('cell', { name: 'CODE', exact: true }).waitFor();
      expect(await page.getByRole('button', { name: 'Create account' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Disable/ }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Add template' }).count()).toBe(0);
    });

    await step(page, 'the send log asks for an app first', async () => {
      await page.goto(`${server.url}/console/#/messages`);
      await page.getByText('Admins read the send log of one of their apps at a time', { exact: false }).waitFor();
      expect(await page.getByRole('table', { name: 'Send log' }).count()).toBe(0);
      await page.getByRole('combobox', { name: /^App\b/ }).selectOption({ label: 'Shop' });
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('22 in all', { exact: true }).waitFor();
    });
  });
});

if (!chromiumAvailable()) {
  // eslint-disable-next-line no-console
  console.warn('console browser tests skipped: no chromium (apt-get install chromium, or set CHROMIUM_PATH)');
}
