import { NonceService } from '../src/auth/nonce.service.js';
import { createApp } from './support/admin.js';
import { itRaces, raceBehindLock } from './support/race.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('request nonces', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  const inTenMinutes = () => new Date(t.clock.nowMs() + 600_000);
  /** For raceBehindLock: the nonce's row, inserted and not committed, where every claim meets. */
  const nonceRow = (appId: string, nonce: string) => ({ sql: `INSERT INTO request_nonces (app_id, nonce, expires_at) VALUES ($1, $2, 'epoch')`, params: [appId, nonce] });

  it('accepts a nonce once per app, and again in another app', async () => {
    const [a, b] = [await createApp(t), await createApp(t)];
    const nonces = t.app.get(NonceService);
    expect(await nonces.claim(a.id, '76a6L647F02CAoN9', inTenMinutes())).toBe(true);
    expect(await nonces.claim(a.id, '76a6L647F02CAoN9', inTenMinutes())).toBe(false);
    expect(await nonces.claim(b.id, '76a6L647F02CAoN9', inTenMinutes())).toBe(true);
  });

  itRaces('lets exactly one of twenty concurrent claims of one nonce through', async () => {
    const app = await createApp(t);
    const nonces = t.app.get(NonceService);
    const { result: results, queued } = await raceBehindLock(t, nonceRow(app.id, 'concurrent-nonce'), () =>
      Promise.all(Array.from({ length: 20 }, () => nonces.claim(app.id, 'concurrent-nonce', inTenMinutes()))),
    );
    expect(queued).toBeGreaterThan(1);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('remembers a nonce up to and including its until, and forgets it after', async () => {
    const app = await createApp(t);
    const nonces = t.app.get(NonceService);
    t.clock.freeze();
    try {
      const until = new Date(t.clock.nowMs() + 1000);
      expect(await nonces.claim(app.id, 'short-lived', until)).toBe(true);
      t.clock.advance(1000);
      expect(await nonces.claim(app.id, 'short-lived', until)).toBe(false);
      t.clock.advance(1);
      expect(await nonces.claim(app.id, 'short-lived', new Date(t.clock.nowMs() + 1000))).toBe(true);
    } finally {
      t.clock.reset();
    }
  });

  itRaces('refuses a replay that reaches a second instance', async () => {
    const second = await startTestApp({ db: t.db });
    try {
      const app = await createApp(t);
      // Ten claims through each instance's pool at once.
      const { result: results, queued } = await raceBehindLock(
        t,
        nonceRow(app.id, 'cross-instance'),
        () => Promise.all([t, second].flatMap((instance) => Array.from({ length: 10 }, () => instance.app.get(NonceService).claim(app.id, 'cross-instance', inTenMinutes())))),
        20,
      );
      expect(queued).toBeGreaterThan(1);
      expect(results.filter(Boolean)).toHaveLength(1);
    } finally {
      await second.close(true);
    }
  });
});
