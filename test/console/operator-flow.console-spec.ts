import { createHash } from 'node:crypto';
import { chromiumAvailable, openBrowser, signIn, step, type Browser } from './support/browser.js';
import { startConsoleServer, type ConsoleServer } from './support/console-server.js';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

jest.setTimeout(240_000);

/**
 * The walk through the console, every step in the browser: sign in,
 * create an app and read its secret, set up a console SMS route for it, send a
 * code through v1 with that secret, find the message in the send log, disable
 * the app and find the audit entry of it.
 */
describeWithChromium('console: an operator sets up an app end to end', () => {
  let server: ConsoleServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await openBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Seed 001's send, signed with what the console showed. */
  async function v1Send(appkey: string, secret: string, mobile: string): Promise<{ code: number; msg: string }> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sign = createHash('md5').update(appkey + timestamp + secret).digest('hex');
    const res = await fetch(`${server.url}/v1/sms/verify_code`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ appkey, timestamp, sign, mcode: '+86', mobile, scene: 'login' }).toString(),
    });
    return (await res.json()) as { code: number; msg: string };
  }

  it('sign in, create an app, route its SMS, send through v1, find the message, disable the app, read the audit entry', async () => {
    const { page } = browser;
    const name = 'Flow Shop';
    let appkey = '';
    let secret = '';
    let appUrl = '';

    await step(page, 'sign in', async () => {
      await signIn(page, server.url, 'admin', server.adminPassword);
    });

    await step(page, 'create an app and read its secret', async () => {
      await page.getByRole('button', { name: 'Create app' }).click();
      await page.getByRole('dialog', { name: 'Create app' }).getByRole('textbox', { name: 'Name' }).fill(name);
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      const shown = page.getByRole('dialog', { name: 'App created' });
      appkey = await shown.getByRole('textbox', { name: 'Appkey' }).inputValue();
      secret = await shown.getByRole('textbox', { name: 'Secret' }).inputValue();
      await page.getByRole('button', { name: 'I have stored it' }).click();
      await page.getByRole('heading', { name }).waitFor();
      appUrl = page.url();
      expect(secret.length).toBeGreaterThanOrEqual(20);
    });

    await step(page, 'before its SMS is set up, a v1 send is refused', async () => {
      const refused = await v1Send(appkey, secret, '13800138000');
      expect(refused.code).not.toBe(200);
    });

    await step(page, 'an SMS account on the console provider, its signature and template', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'SMS accounts' }).click();
      await page.getByRole('textbox', { name: 'Account name' }).fill('Log only');
      await page.getByRole('button', { name: 'Create account' }).click();
      const panel = page.getByRole('region', { name: 'Account Log only' });
      await panel.getByRole('textbox', { name: 'Sign name' }).fill('Flow Shop');
      await panel.getByRole('button', { name: 'Add signature' }).click();
      await panel.getByRole('table', { name: 'Signatures' }).getByRole('cell', { name: 'Flow Shop', exact: true }).waitFor();
      await panel.getByRole('textbox', { name: 'Template code' }).fill('FLOW_CODE');
      await panel.getByLabel('Content').fill('Your Flow Shop code is ${code}.');
      await panel.getByRole('button', { name: 'Add template' }).click();
      await panel.getByRole('table', { name: 'Templates' }).getByRole('cell', { name: 'FLOW_CODE', exact: true }).waitFor();
    });

    await step(page, 'bind the app\'s login scene to them', async () => {
      await page.goto(appUrl);
      await page.getByRole('tab', { name: 'SMS' }).click();
      const form = page.getByRole('form', { name: 'Bind a scene' });
      await form.getByLabel('Binding scene').selectOption('login');
      await form.getByRole('combobox', { name: /^Template/ }).selectOption({ index: 1 });
      await form.getByRole('combobox', { name: /^Signature/ }).selectOption({ index: 1 });
      await form.getByRole('button', { name: 'Save binding' }).click();
      await page.getByRole('table', { name: 'SMS bindings' }).getByText('FLOW_CODE').first().waitFor();
    });

    await step(page, 'a v1 send signed with the secret the console showed goes out', async () => {
      const sent = await v1Send(appkey, secret, '13800138000');
      expect(sent).toMatchObject({ code: 200 });
    });

    await step(page, 'the send log shows it', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Send log' }).click();
      await page.getByRole('textbox', { name: 'Phone' }).fill('+8613800138000');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      // Newest first: the send that went out, and the one refused before the app had SMS.
      await page.getByText('2 in all', { exact: true }).waitFor();
      const rows = page.getByRole('table', { name: 'Send log' }).getByTestId('message-row');
      const [sent, refused] = [await rows.nth(0).textContent(), await rows.nth(1).textContent()];
      expect(sent).toContain('+8613800138000');
      expect(sent).toContain(name);
      expect(sent).toMatch(/sent/i);
      expect(sent).toContain('console');
      expect(refused).toContain('SMS_NOT_CONFIGURED');
    });

    await step(page, 'disable the app', async () => {
      await page.goto(appUrl);
      await page.getByRole('button', { name: 'Disable' }).click();
      await page.getByRole('dialog', { name: `Disable ${name}?` }).getByRole('button', { name: 'Disable' }).click();
      await page.getByRole('main').getByText('Disabled', { exact: true }).waitFor();
      const refused = await v1Send(appkey, secret, '13900139000');
      expect(refused.code).not.toBe(200);
    });

    await step(page, 'the audit log holds the disabling, by admin', async () => {
      await page.getByRole('link', { name: 'Audit log' }).first().click();
      const log = page.getByRole('table', { name: 'Audit log' });
      await log.getByText('app.disable', { exact: true }).waitFor();
      const row = log.getByRole('row').filter({ hasText: 'app.disable' });
      expect(await row.textContent()).toContain('admin');
      expect(await log.getByText('app.create', { exact: true }).count()).toBe(1);
    });
  });
});
