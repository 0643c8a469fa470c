import { DataSource } from 'typeorm';
import { createApp } from './support/admin.js';
import { configureSmsDetailed, RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { NEEDS_POSTGRES, SHARED_POSTGRES_URL } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { signParams } from './support/v1.js';

let phoneSeq = 0;
async function send(t: TestApp, app: { appkey: string; secret: string }): Promise<number> {
  const mobile = `1390000${String(++phoneSeq).padStart(4, '0')}`;
  const res = await t.http.post('/v1/sms/verify_code').send({ mcode: '+86', mobile, scene: 'login', ...signParams(t, app) }).expect(200);
  return res.body.code as number;
}

describe('SMS routes cached by the send path', () => {
  it('follow an admin change at once in the instance that made it', async () => {
    const sms = new RecordingSmsProvider();
    const t = await startTestApp({ override: withRecordingSms(sms) });
    try {
      const app = await createApp(t);
      const setup = await configureSmsDetailed(t, app.id, { scenes: ['login'] });
      expect(await send(t, app)).toBe(200);
      const auth = { authorization: `Bearer ${await t.adminToken()}` };
      await t.http.post(`/admin/sms/templates/${setup.templates.login!.id}/disable`).set(auth).expect(200);
      expect(await send(t, app)).toBe(400193);
      await t.http.post(`/admin/sms/templates/${setup.templates.login!.id}/enable`).set(auth).expect(200);
      expect(await send(t, app)).toBe(200);
      expect(sms.messages).toHaveLength(2);
    } finally {
      await t.close();
    }
  });

  it('follow a change no one announced once the route is 30 s old, by the app\'s clock', async () => {
    const t = await startTestApp({ override: withRecordingSms(new RecordingSmsProvider()) });
    try {
      const app = await createApp(t);
      const setup = await configureSmsDetailed(t, app.id, { scenes: ['login'] });
      expect(await send(t, app)).toBe(200);
      await t.app.get(DataSource).query(`UPDATE sms_templates SET status = 'disabled' WHERE id = $1`, [setup.templates.login!.id]);
      t.clock.advanceSeconds(29);
      expect(await send(t, app)).toBe(200);
      t.clock.advanceSeconds(2);
      expect(await send(t, app)).toBe(400193);
    } finally {
      await t.close();
    }
  });

  (SHARED_POSTGRES_URL ? it : it.skip)(`follow an admin change made by another instance on the same Postgres within moments ${NEEDS_POSTGRES}`, async () => {
    const sms = new RecordingSmsProvider();
    const a = await startTestApp({ postgres: true, override: withRecordingSms(sms) });
    const b = await startTestApp({ db: a.db, override: withRecordingSms(new RecordingSmsProvider()) });
    try {
      const app = await createApp(a);
      const setup = await configureSmsDetailed(a, app.id, { scenes: ['login'] });
      expect(await send(a, app)).toBe(200);
      await b.http.post(`/admin/sms/templates/${setup.templates.login!.id}/disable`).set('authorization', `Bearer ${await b.adminToken()}`).expect(200);
      const deadline = Date.now() + 3000;
      let code = 200;
      while (code === 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        code = await send(a, app);
      }
      expect(code).toBe(400193);
    } finally {
      await b.close(true);
      await a.close();
    }
  });
});
