import { DataSource } from 'typeorm';
import { StatsRollup } from '../src/stats/stats-rollup.js';
import { type CreatedApp } from './support/admin.js';
import { FailingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createSmsApp, signParams } from './support/v1.js';

const DAY_MS = 86_400_000;
/** Noon UTC of 2026-11-20: the sends below fall on that day whatever the real date. */
const NOON = Date.UTC(2026, 10, 20, 12);

describe('per-app statistics', () => {
  const sms = new FailingSmsProvider();
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({ override: withRecordingSms(sms) });
    token = await t.adminToken();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => {
    sms.fail = null;
    t.clock.freezeAt(NOON);
  });

  const stats = (path: string, query: Record<string, string> = {}) => t.http.get(path).set('authorization', `Bearer ${token}`).query(query);
  const send = (app: CreatedApp, mcode: string, mobile: string) =>
    t.http.post('/v1/sms/verify_code').send({ ...signParams(t, app), mcode, mobile, scene: 'login' }).expect(200);
  const check = (app: CreatedApp, mcode: string, mobile: string, code: string) =>
    t.http.post('/v1/sms/check_code').send({ ...signParams(t, app), mcode, mobile, scene: 'login', verify_code: code }).expect(200);

  /** On 2026-11-20: three codes to China (one delivered and approved 20 s later, one checked wrong), one to the US, one refused by the provider. */
  async function activity(app: CreatedApp): Promise<void> {
    for (const mobile of ['13700000001', '13700000002', '13700000003']) expect((await send(app, '+86', mobile)).body.code).toBe(200);
    expect((await send(app, '+1', '2015550123')).body.code).toBe(200);
    sms.fail = 'SMS_PHONE_REJECTED';
    expect((await send(app, '+86', '13700000004')).body.code).not.toBe(200);
    sms.fail = null;
    // What a delivery receipt records (test/sms-receipts.e2e-spec.ts drives the real ones).
    await t.app.get(DataSource).query(`UPDATE sms_messages SET delivery_status = 'delivered' WHERE app_id = $1 AND phone = '+8613700000001'`, [app.id]);
    t.clock.advanceSeconds(20);
    expect((await check(app, '+86', '13700000001', sms.lastCodeFor('+8613700000001')!)).body.data.result).toBe('approved');
    expect((await check(app, '+86', '13700000002', '000000')).body.data.result).toMatch(/wrong_code|approved/);
  }

  const CN = { day: '2026-11-20', country: 'CN', sent: 3, delivered: 1, approved: 1, conversion: 0.3333, failed: 1, failures: { SMS_PHONE_REJECTED: 1 }, median_approval_s: 25 };
  const US = { day: '2026-11-20', country: 'US', sent: 1, delivered: 0, approved: 0, conversion: 0, failed: 0, failures: {}, median_approval_s: null };

  it('counts an app\'s codes sent and approved per day and country, with failures by reason and the median time to approval', async () => {
    const app = await createSmsApp(t);
    await activity(app);
    const res = await stats(`/admin/apps/${app.id}/stats`, { from: '2026-11-19', to: '2026-11-21' }).expect(200);
    expect(res.body.data).toEqual({
      app_id: app.id,
      from: '2026-11-19',
      to: '2026-11-21',
      totals: { sent: 4, delivered: 1, approved: 1, conversion: 0.25, failed: 1, failures: { SMS_PHONE_REJECTED: 1 }, median_approval_s: 25 },
      days: [CN, US],
    });
  });

  it('keeps a finished day\'s counts once stored, after its rows are gone', async () => {
    const app = await createSmsApp(t);
    await activity(app);
    t.clock.advance(3 * DAY_MS);
    expect(await t.app.get(StatsRollup).run()).toBeGreaterThanOrEqual(1);
    const ds = t.app.get(DataSource);
    await ds.query('DELETE FROM sms_messages WHERE app_id = $1', [app.id]);
    await ds.query('DELETE FROM verification_codes WHERE app_id = $1', [app.id]);
    const res = await stats(`/admin/apps/${app.id}/stats`, { from: '2026-11-20', to: '2026-11-20' }).expect(200);
    expect(res.body.data.days).toEqual([CN, US]);
    // A second run stores nothing more; the default range (the last 7 days) still holds the day.
    expect(await t.app.get(StatsRollup).run()).toBe(0);
    expect((await stats(`/admin/apps/${app.id}/stats`).expect(200)).body.data.totals.sent).toBe(4);
  });

  it('sums every app in the all-apps variant, with each app\'s totals', async () => {
    t.clock.freezeAt(NOON + 30 * DAY_MS); // a day no other test wrote to
    const day = '2026-12-20';
    const a = await createSmsApp(t);
    const b = await createSmsApp(t);
    expect((await send(a, '+86', '13900000001')).body.code).toBe(200);
    expect((await send(b, '+86', '13900000002')).body.code).toBe(200);
    expect((await send(b, '+86', '13900000003')).body.code).toBe(200);
    const res = await stats('/admin/stats', { from: day, to: day }).expect(200);
    expect(res.body.data.days).toEqual([{ day, country: 'CN', sent: 3, delivered: 0, approved: 0, conversion: 0, failed: 0, failures: {}, median_approval_s: null }]);
    expect(res.body.data.apps).toEqual([
      { app_id: b.id, sent: 2, delivered: 0, approved: 0, conversion: 0, failed: 0, failures: {}, median_approval_s: null },
      { app_id: a.id, sent: 1, delivered: 0, approved: 0, conversion: 0, failed: 0, failures: {}, median_approval_s: null },
    ]);
  });

  it.each([
    [{ from: '2026-11-21', to: '2026-11-20' }, 'from'],
    [{ from: '2026-02-30', to: '2026-03-01' }, 'from'],
    [{ from: '20261101' }, 'from'],
    [{ to: 'today' }, 'to'],
    [{ from: '2025-01-01', to: '2026-11-20' }, 'from'],
  ])('refuses the range %j, naming %s', async (query, field) => {
    const app = await createSmsApp(t);
    const res = await stats(`/admin/apps/${app.id}/stats`, query).expect(400);
    expect({ code: res.body.code, field: res.body.data.field }).toEqual({ code: 'VALIDATION_FAILED', field });
  });

  it('answers APP_NOT_FOUND for an unknown app, and 401 without an operator token', async () => {
    expect((await stats('/admin/apps/00000000-0000-4000-8000-000000000000/stats').expect(404)).body.code).toBe('APP_NOT_FOUND');
    await t.http.get('/admin/stats').expect(401);
  });
});
