import { NonceService } from '../src/auth/nonce.service.js';
import { createApp } from './support/admin.js';
import { POSTGRES_URL } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('request nonces', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('accepts a nonce once per app, and again in another app', async () => {
    const [a, b] = [await createApp(t), await createApp(t)];
    const nonces = t.app.get(NonceService);
    expect(await nonces.claim(a.id, '76a6L647F02CAoN9', 600_000)).toBe(true);
    expect(await nonces.claim(a.id, '76a6L647F02CAoN9', 600_000)).toBe(false);
    expect(await nonces.claim(b.id, '76a6L647F02CAoN9', 600_000)).toBe(true);
  });

  it('lets exactly one of twenty concurrent claims of one nonce through', async () => {
    const app = await createApp(t);
    const nonces = t.app.get(NonceService);
    const results = await Promise.all(Array.from({ length: 20 }, () => nonces.claim(app.id, 'concurrent-nonce', 600_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('forgets a nonce once its window has passed', async () => {
    const app = await createApp(t);
    const nonces = t.app.get(NonceService);
    expect(await nonces.claim(app.id, 'short-lived', 1000)).toBe(true);
    t.clock.advanceSeconds(2);
    try {
      expect(await nonces.claim(app.id, 'short-lived', 1000)).toBe(true);
    } finally {
      t.clock.reset();
    }
  });

  (POSTGRES_URL ? it : it.skip)('refuses a replay that reaches a second instance', async () => {
    const second = await startTestApp({ db: t.db });
    try {
      const app = await createApp(t);
      const [first, replay] = await Promise.all([
        t.app.get(NonceService).claim(app.id, 'cross-instance', 600_000),
        second.app.get(NonceService).claim(app.id, 'cross-instance', 600_000),
      ]);
      expect([first, replay].filter(Boolean)).toHaveLength(1);
    } finally {
      await second.close(true);
    }
  });
});
