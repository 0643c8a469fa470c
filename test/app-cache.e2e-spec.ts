import { DataSource } from 'typeorm';
import { AppsService } from '../src/apps/apps.service.js';
import { createApp } from './support/admin.js';
import { NEEDS_POSTGRES, SHARED_POSTGRES_URL } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';

describe('app lookups by appkey', () => {
  it('see an admin change at once in the instance that made it', async () => {
    const t = await startTestApp();
    try {
      const app = await createApp(t);
      const apps = t.app.get(AppsService);
      expect((await apps.findByAppkey(app.appkey))?.status).toBe('enabled');
      await t.http.post(`/admin/apps/${app.id}/disable`).set('authorization', `Bearer ${await t.adminToken()}`).expect(200);
      expect((await apps.findByAppkey(app.appkey))?.status).toBe('disabled');
      await t.http.delete(`/admin/apps/${app.id}`).set('authorization', `Bearer ${await t.adminToken()}`).expect(200);
      expect(await apps.findByAppkey(app.appkey)).toBeNull();
    } finally {
      await t.close();
    }
  });

  it('see a change no one announced once the entry is 30 s old, by the app\'s clock', async () => {
    const t = await startTestApp();
    try {
      const app = await createApp(t);
      const apps = t.app.get(AppsService);
      expect((await apps.findByAppkey(app.appkey))?.status).toBe('enabled');
      await t.app.get(DataSource).query(`UPDATE apps SET status = 'disabled' WHERE id = $1`, [app.id]);
      t.clock.advanceSeconds(29);
      expect((await apps.findByAppkey(app.appkey))?.status).toBe('enabled');
      t.clock.advanceSeconds(2);
      expect((await apps.findByAppkey(app.appkey))?.status).toBe('disabled');
    } finally {
      await t.close();
    }
  });

  (SHARED_POSTGRES_URL ? it : it.skip)(`see an admin change made by another instance on the same Postgres within moments ${NEEDS_POSTGRES}`, async () => {
    const a = await startTestApp({ postgres: true });
    const b = await startTestApp({ db: a.db });
    try {
      const app = await createApp(a);
      const cachedInA = a.app.get(AppsService);
      expect((await cachedInA.findByAppkey(app.appkey))?.status).toBe('enabled');
      await b.http.post(`/admin/apps/${app.id}/disable`).set('authorization', `Bearer ${await b.adminToken()}`).expect(200);
      const deadline = Date.now() + 3000;
      let status: string | undefined = 'enabled';
      while (status === 'enabled' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await cachedInA.findByAppkey(app.appkey))?.status;
      }
      expect(status).toBe('disabled');
    } finally {
      await b.close(true);
      await a.close();
    }
  });
});
