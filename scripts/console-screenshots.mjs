// Screenshots of the console's main pages for the README (docs/console/*.png):
// a server on a throw-away embedded database, seeded through the admin API, and
// Debian's chromium driven by playwright-core. Run: npm run console:screenshots
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const OUT = 'docs/console';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = s.address();
    s.close(() => resolve(free));
  });
});
const dataDir = mkdtempSync(join(tmpdir(), 'passcode-shots-'));
const password = randomBytes(12).toString('hex');
const server = spawn(process.execPath, ['dist/src/main.js'], {
  env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_PASSWORD: password, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/health/ready`)).ok) break; } catch { /* starting */ }
    if (i > 600) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  let token;
  const api = async (method, path, body) => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    if (json.code !== 'OK') throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json.data;
  };
  token = (await api('POST', '/admin/login', { username: 'admin', password })).access_token;
  const apps = [];
  for (const name of ['Shop', 'Forum', 'Bank']) apps.push(await api('POST', '/admin/apps', { name, code_policy: { allowed_country_codes: ['CN'] } }));
  const account = await api('POST', '/admin/sms/accounts', { name: 'Log only', provider: 'console' });
  const signature = await api('POST', `/admin/sms/accounts/${account.id}/signatures`, { sign_name: 'Shop' });
  const template = await api('POST', `/admin/sms/accounts/${account.id}/templates`, { template_code: 'CODE', content: 'Your code is ${code}.' });
  for (const scene of ['login', 'register']) {
    await api('PUT', `/admin/apps/${apps[0].id}/sms/bindings/${scene}`, { template_id: template.id, signature_id: signature.id });
  }
  for (let i = 0; i < 6; i++) await api('POST', `/admin/apps/${apps[0].id}/sms/test`, { scene: 'login', mobile: `1380013800${i}` });
  await api('POST', `/admin/apps/${apps[2].id}/disable`);
  await api('POST', '/admin/operators', { username: 'li.wei', password: randomBytes(9).toString('hex'), role: 'viewer' });

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
  await page.goto(`${base}/console/`);
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, 'sign-in.png') });
  await page.evaluate((t) => sessionStorage.setItem('passcode.token', t), token);
  const shots = [
    ['apps', '#/apps'],
    ['app-settings', `#/apps/${apps[0].id}`],
    ['app-sms', `#/apps/${apps[0].id}?tab=sms`],
    ['sms-accounts', '#/sms'],
    ['send-log', '#/messages'],
    ['audit-log', '#/audit'],
    ['operators', '#/operators'],
  ];
  for (const [name, hash] of shots) {
    // A new document each time: the console reads its token and language when it loads.
    await page.goto(`${base}/console/${hash}`);
    await page.reload();
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(OUT, `${name}.png`) });
    console.log(`${OUT}/${name}.png`);
  }
  const narrow = await browser.newPage({ viewport: { width: 375, height: 720 } });
  await narrow.goto(`${base}/console/`);
  await narrow.evaluate((t) => { sessionStorage.setItem('passcode.token', t); localStorage.setItem('passcode.lang', 'zh'); }, token);
  await narrow.goto(`${base}/console/#/apps`);
  await narrow.reload();
  await narrow.waitForLoadState('networkidle');
  await narrow.screenshot({ path: join(OUT, 'apps-narrow-zh.png') });
  console.log(`${OUT}/apps-narrow-zh.png`);
  await browser.close();
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
