import { chromiumAvailable, openBrowser, step, type Browser } from './support/browser.js';
import { startConsoleServer, type ConsoleServer } from './support/console-server.js';

const describeWithChromium = chromiumAvailable() ? describe : describe.skip;

jest.setTimeout(120_000);

/** The API docs at /docs: Swagger UI, under the same page headers as the console. */
describeWithChromium('the API docs page', () => {
  let server: ConsoleServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await openBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('forbids framing and loading from elsewhere, on the page, its assets and the document', async () => {
    for (const path of ['/docs', '/docs/', '/docs/swagger-ui-init.js', '/docs/swagger-ui.css', '/docs-json']) {
      const res = await fetch(`${server.url}${path}`);
      expect([path, res.status]).toEqual([path, 200]);
      expect([path, res.headers.get('x-frame-options')]).toEqual([path, 'DENY']);
      expect([path, res.headers.get('content-security-policy')]).toEqual([path, expect.stringContaining("frame-ancestors 'none'")]);
      expect([path, res.headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
    }
    // The API's own answers are not pages, and go without them.
    const health = await fetch(`${server.url}/health`);
    expect(health.headers.get('content-security-policy')).toBeNull();
  });

  it('renders its operations under that policy, with nothing refused', async () => {
    const { page } = browser;
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });
    page.on('pageerror', (err) => refused.push(err.message));
    await step(page, 'open the docs', async () => {
      await page.goto(`${server.url}/docs/`);
      await page.getByText('/v1/sms/check_code').first().waitFor();
    });
    await step(page, 'open an operation', async () => {
      await page.getByText('/v1/sms/check_code').first().click();
      await page.getByRole('button', { name: 'Try it out' }).first().waitFor();
    });
    expect(refused).toEqual([]);
  });
});
