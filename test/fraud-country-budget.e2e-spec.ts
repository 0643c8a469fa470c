import { FailingSmsProvider } from './support/sms.js';
import { createSmsApp, signParams, useSmsTestApp } from './support/v1.js';

/*
 * The per-app, per-country daily SMS budget: code_policy.per_country_daily and
 * per_country_daily_overrides, counted in send_counters like the other daily caps
 * (one conditional upsert in the send's statement).
 */

describe('fraud guard: per-country daily budget', () => {
  const sms = new FailingSmsProvider();
  const s = useSmsTestApp({ sms });
  const admin = async () => ({ authorization: `Bearer ${await s.t.adminToken()}` });
  let seq = 0;
  const nextCn = () => `1360000${String(++seq).padStart(4, '0')}`;
  const nextGb = () => `7400${String(100000 + ++seq)}`;
  const send = (app: { appkey: string; secret: string }, mcode: string, mobile: string) =>
    s.t.http.post('/v1/login/verify_code').send({ ...signParams(s.t, app), mcode, mobile }).expect(200);

  beforeEach(() => {
    sms.fail = null;
    sms.clear();
    s.t.clock.reset();
    s.t.clock.toNextUtcNoon(); // the day's window cannot end between the sends
  });

  it('refuses the send past a country\'s cap with 429 until the next UTC day, other countries going on to their own caps', async () => {
    const a = await createSmsApp(s.t, { code_policy: { per_country_daily: 2, per_country_daily_overrides: [{ country: 'GB', daily: 3 }] } });
    expect((await send(a, '+86', nextCn())).body.code).toBe(200);
    expect((await send(a, '+86', nextCn())).body.code).toBe(200);
    const refused = (await send(a, '+86', nextCn())).body;
    expect(refused).toEqual({ code: 429, msg: 'Too Many Requests', data: { retry_after: expect.any(Number) } });
    expect(refused.data.retry_after).toBeGreaterThan(12 * 3600 - 120); // the day's end, from noon
    for (let i = 0; i < 3; i++) expect((await send(a, '+44', nextGb())).body.code).toBe(200);
    expect((await send(a, '+44', nextGb())).body.code).toBe(429);
    expect(sms.messages).toHaveLength(5);
    s.t.clock.advanceSeconds(12 * 3600);
    expect((await send(a, '+86', nextCn())).body.code).toBe(200);
  });

  it('gives the count back when the SMS could not leave', async () => {
    const a = await createSmsApp(s.t, { code_policy: { per_country_daily: 1 } });
    sms.fail = 'SMS_PROVIDER_FAILED';
    expect((await send(a, '+86', nextCn())).body.code).not.toBe(200);
    sms.fail = null;
    expect((await send(a, '+86', nextCn())).body.code).toBe(200);
    expect((await send(a, '+86', nextCn())).body.code).toBe(429);
  });

  it('shows the default and refuses a malformed override', async () => {
    const a = await createSmsApp(s.t);
    const shown = await s.t.http.get(`/admin/apps/${a.id}`).set(await admin()).expect(200);
    expect(shown.body.data.code_policy).toMatchObject({ per_country_daily: 50_000, per_country_daily_overrides: [] });
    for (const bad of [[{ country: 'cn', daily: 5 }], [{ country: 'CN', daily: 0 }], [{ country: 'CN' }], { CN: 5 }]) {
      const res = await s.t.http.patch(`/admin/apps/${a.id}`).set(await admin()).send({ code_policy: { per_country_daily_overrides: bad } }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.data.field).toMatch(/^code_policy\.per_country_daily_overrides/);
    }
    await s.t.http.patch(`/admin/apps/${a.id}`).set(await admin()).send({ code_policy: { per_country_daily: 0 } }).expect(400);
  });
});
