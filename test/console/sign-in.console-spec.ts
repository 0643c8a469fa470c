import { chromiumAvailable, openBrowser, signIn, step, type Browser } from './support/browser.js';
import { startConsoleServer, type ConsoleServer } from './support/console-server.js';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

describeWithChromium('console: signing in', () => {
  let server: ConsoleServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a wrong password shows the API message; the right one opens the console as the owner', async () => {
    const { page } = browser;
    await step(page, 'wrong password', async () => {
      await page.goto(`${server.url}/console/`);
      await page.getByLabel('Username').fill('admin');
      await page.getByRole('textbox', { name: 'Password' }).fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').getByText('INVALID_CREDENTIALS').waitFor();
    });
    await step(page, 'right password', async () => {
      await signIn(page, server.url, 'admin', server.adminPassword);
      expect(await page.getByTestId('operator').textContent()).toBe('admin · owner');
    });
    await step(page, 'sign out', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    });
  });

  it('after failed sign-ins the lockout is shown as the API words it', async () => {
    const { page } = browser;
    // A username of its own: its lock leaves admin's sign-ins alone.
    const login = (password: string) => fetch(`${server.url}/admin/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'locked-out', password }),
    });
    for (let i = 0; i < 5; i++) await login('wrong');
    const locked = (await (await login('wrong')).json()) as { code: string; msg: string };
    expect(locked.code).toBe('LOGIN_LOCKED');
    await step(page, 'the form shows LOGIN_LOCKED with its message', async () => {
      await page.goto(`${server.url}/console/`);
      await page.getByLabel('Username').fill('locked-out');
      await page.getByRole('textbox', { name: 'Password' }).fill('anything');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await alert.getByText('LOGIN_LOCKED').waitFor();
      expect(await alert.textContent()).toContain(locked.msg);
    });
  });

  it('the console page forbids framing and loads nothing from elsewhere', async () => {
    const res = await fetch(`${server.url}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});

if (!chromiumAvailable()) {
  // eslint-disable-next-line no-console
  console.warn('console browser tests skipped: no chromium (apt-get install chromium, or set CHROMIUM_PATH)');
}
