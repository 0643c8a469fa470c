import { DataSource } from 'typeorm';
import { COUNT_APPROVAL, COUNT_SEND, UNCOUNT_SEND } from '../src/fraud/fraud-buckets.statements.js';
import { type CreatedApp } from './support/admin.js';
import { solvedCaptcha } from './support/captcha.js';
import { enduserSendParams } from './support/enduser.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp } from './support/test-app.js';
import { createSmsApp, signParams, useSmsTestApp } from './support/v1.js';

/*
 * Conversion-aware throttling (src/fraud/): per app, sends and approvals by country
 * and by number prefix (E.164 minus its last four digits). These apps judge a
 * prefix after 5 sends (min_sends_prefix) and a country never (a high minimum), so
 * each test drives one range of +86 numbers: 1370000xxxx is the prefix +861370000.
 */

const GUARD = { min_sends_prefix: 5, min_sends_country: 1_000_000, cooling_off_s: 600, recover_at_pct: 30 };

describe('fraud guard: conversion buckets', () => {
  const s = useSmsTestApp();
  const admin = async () => ({ authorization: `Bearer ${await s.t.adminToken()}` });
  const db = () => s.t.app.get(DataSource);
  let range = 1000;
  /** A fresh range of numbers: `n(i)` is its i-th number. */
  const freshRange = () => {
    const r = String(++range);
    return { prefix: `+86137${r}`, n: (i: number) => `137${r}${String(i).padStart(4, '0')}` };
  };

  const send = (app: CreatedApp, mobile: string, captcha?: { id: string; answer: string }) =>
    s.t.http
      .post('/v1/sms/verify_code')
      .send({ ...signParams(s.t, app), mcode: '+86', mobile, scene: 'login', ...(captcha ? { img_code_id: captcha.id, img_code: captcha.answer } : {}) })
      .expect(200);
  const approve = async (app: CreatedApp, mobile: string) => {
    const res = await s.t.http.post('/v1/sms/check_code').send({ ...signParams(s.t, app), mcode: '+86', mobile, scene: 'login', verify_code: s.sms.lastCodeFor(`+86${mobile}`) }).expect(200);
    expect(res.body.data.result).toBe('approved');
  };
  const auditOf = async (app: CreatedApp) =>
    (await db().query(`SELECT details FROM audit_log WHERE action = 'fraud.bucket_changed' AND target_id = $1 ORDER BY id`, [app.id])).map((r: { details: unknown }) => r.details);

  beforeEach(() => {
    s.sms.clear();
    s.t.clock.reset();
  });

  it('challenges a range whose codes are never approved, then blocks it; other ranges and approving users go on', async () => {
    const a = await createSmsApp(s.t, { code_policy: { fraud_guard: GUARD } });
    const attack = freshRange();
    for (let i = 0; i < 4; i++) expect((await send(a, attack.n(i))).body.code).toBe(200);
    // The fifth send makes 5 sends, none approved: the range now needs a captcha.
    expect((await send(a, attack.n(4))).body.code).toBe(400186);
    expect(s.sms.messages).toHaveLength(4);
    // A person who solves it still gets a code.
    expect((await send(a, attack.n(5), await solvedCaptcha(s.t, a.appkey))).body.code).toBe(200);
    // Bots that do not: at 10 sends under 10 % approved, the range is refused outright.
    for (let i = 6; i < 9; i++) expect((await send(a, attack.n(i))).body.code).toBe(400186);
    const blocked = (await send(a, attack.n(9))).body;
    expect(blocked).toEqual({ code: 400200, msg: 'sending to this number range is paused: suspected SMS pumping', data: { retry_after: 600 } });
    expect((await send(a, attack.n(10), await solvedCaptcha(s.t, a.appkey))).body.code).toBe(400200);
    expect(s.sms.messages).toHaveLength(5);

    const other = freshRange();
    expect((await send(a, other.n(1))).body.code).toBe(200);

    const listed = await s.t.http.get(`/admin/apps/${a.id}/fraud/buckets`).set(await admin()).expect(200);
    expect(listed.body.data).toEqual([{ kind: 'prefix', key: attack.prefix, state: 'blocked', until: expect.any(String), changed_at: expect.any(String), sends: 11, approvals: 0 }]); // the refused send counts too
    expect((await s.t.http.get(`/admin/apps/${a.id}/fraud/buckets?state=challenge`).set(await admin()).expect(200)).body.data).toEqual([]);
    expect(await auditOf(a)).toEqual([
      expect.objectContaining({ kind: 'prefix', key: attack.prefix, from: 'normal', to: 'challenge', reason: 'low_conversion', sends: 5, approvals: 0 }),
      expect.objectContaining({ kind: 'prefix', key: attack.prefix, from: 'challenge', to: 'blocked', reason: 'still_low_conversion', sends: 10, approvals: 0 }),
    ]);
  });

  it('lifts a challenged range whose users solve the captcha and approve their codes', async () => {
    const a = await createSmsApp(s.t, { code_policy: { fraud_guard: GUARD } });
    const r = freshRange();
    for (let i = 0; i < 4; i++) await send(a, r.n(i));
    expect((await send(a, r.n(4))).body.code).toBe(400186);
    // Real users behind the captcha: each solves it and approves the code, until conversion reaches 30 % (each of them asked twice: the first ask, refused, counts too).
    let i = 10;
    for (; i < 30; i++) {
      const res = await send(a, r.n(i));
      if (res.body.code === 200) break;
      expect(res.body.code).toBe(400186);
      expect((await send(a, r.n(i), await solvedCaptcha(s.t, a.appkey))).body.code).toBe(200);
      await approve(a, r.n(i));
    }
    expect(i).toBeLessThan(30);
    expect((await auditOf(a)).map((d: { to: string; reason: string }) => `${d.to}:${d.reason}`)).toEqual(['challenge:low_conversion', 'normal:recovered']);
  });

  it('ends a block when its cooling-off period is over', async () => {
    const a = await createSmsApp(s.t, { code_policy: { fraud_guard: GUARD } });
    const r = freshRange();
    for (let i = 0; i < 10; i++) await send(a, r.n(i));
    expect((await send(a, r.n(10))).body.code).toBe(400200);
    s.t.clock.advanceSeconds(601);
    expect((await send(a, r.n(11))).body.code).toBe(200);
    expect((await auditOf(a)).map((d: { to: string }) => d.to)).toEqual(['challenge', 'blocked', 'normal']);
  });

  it('admin: lifts a bucket by hand (audited with the operator), 404s an unknown one, and the range sends again', async () => {
    const a = await createSmsApp(s.t, { code_policy: { fraud_guard: GUARD } });
    const r = freshRange();
    for (let i = 0; i < 10; i++) await send(a, r.n(i));
    expect((await send(a, r.n(10))).body.code).toBe(400200);
    const lifted = await s.t.http.delete(`/admin/apps/${a.id}/fraud/buckets/prefix/${encodeURIComponent(r.prefix)}`).set(await admin()).expect(200);
    expect(lifted.body.data).toMatchObject({ kind: 'prefix', key: r.prefix, state: 'normal', until: null, sends: 0 });
    expect((await send(a, r.n(11))).body.code).toBe(200);
    const [entry] = await db().query(`SELECT operator_username, details FROM audit_log WHERE action = 'fraud.bucket_changed' AND target_id = $1 ORDER BY id DESC LIMIT 1`, [a.id]);
    expect(entry).toMatchObject({ operator_username: 'admin', details: { from: 'blocked', to: 'normal', reason: 'lifted_by_operator' } });
    const missing = await s.t.http.delete(`/admin/apps/${a.id}/fraud/buckets/prefix/%2B8600000`).set(await admin()).expect(404);
    expect(missing.body).toMatchObject({ code: 'FRAUD_BUCKET_NOT_FOUND' });
    await s.t.http.delete(`/admin/apps/${a.id}/fraud/buckets/planet/earth`).set(await admin()).expect(404);
    await s.t.http.get(`/admin/apps/${a.id}/fraud/buckets?state=normal`).set(await admin()).expect(400);
  });

  it('publishes every change to the app\'s webhooks in the transaction that makes it', async () => {
    const a = await createSmsApp(s.t, { code_policy: { fraud_guard: GUARD } });
    await s.t.http.post(`/admin/apps/${a.id}/webhook-endpoints`).set(await admin()).send({ url: 'http://127.0.0.1:9/hook', event_types: ['fraud.bucket_changed'] }).expect(201);
    const r = freshRange();
    for (let i = 0; i < 5; i++) await send(a, r.n(i));
    const rows = await db().query(`SELECT type, payload FROM webhook_deliveries WHERE app_id = $1`, [a.id]);
    expect(rows).toEqual([{ type: 'fraud.bucket_changed', payload: expect.objectContaining({ type: 'fraud.bucket_changed', data: expect.objectContaining({ kind: 'prefix', key: r.prefix, from: 'normal', to: 'challenge' }) }) }]);
  });

  it('answers a blocked range in every dialect', async () => {
    const a = await createSmsApp(s.t, { code_policy: { fraud_guard: GUARD } });
    const r = freshRange();
    for (let i = 0; i < 10; i++) await send(a, r.n(i));
    const enduser = await s.t.http.post('/v2/sms/enduserapi/v2/sendPhoneSmsCode').query(enduserSendParams(s.t, a, r.n(20))).expect(200);
    expect(enduser.body).toEqual({ code: 5011, msg: '该号段短信发送已暂停', extMsg: '', data: { retryAfter: expect.any(Number) } });
    const captcha = await solvedCaptcha(s.t, a.appkey);
    const oauth = await s.t.http.post('/oauth/api/account/sendSmsCode').set('x-app-key', a.appkey).send({ mobile: r.n(21), img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'LOGIN' }).expect(200);
    expect(oauth.body).toEqual({ request_id: expect.any(String), code: '734', msg: '该号段短信发送已暂停', data: { retry_after: expect.any(Number) } });
    const authing = await s.t.http.post('/api/v3/send-sms').set('x-authing-app-id', a.appkey).send({ channel: 'CHANNEL_LOGIN', phoneNumber: r.n(22), phoneCountryCode: '+86' }).expect(200);
    expect(authing.body).toMatchObject({ statusCode: 400, apiCode: 30012, message: '该号段短信发送已暂停', data: { retryAfter: expect.any(Number) } });
  });

  it('counts a send and its approval in both buckets, the approval by the country on the code\'s row (or by parsing the number when the row has none)', async () => {
    const a = await createSmsApp(s.t, { code_policy: { fraud_guard: GUARD } });
    const r = freshRange();
    const buckets = async () => (await db().query(`SELECT kind, key, sends, approvals FROM fraud_buckets WHERE app_id = $1 ORDER BY kind`, [a.id])) as unknown[];
    await send(a, r.n(1));
    await approve(a, r.n(1));
    expect(await buckets()).toEqual([{ kind: 'country', key: 'CN', sends: 1, approvals: 1 }, { kind: 'prefix', key: r.prefix, sends: 1, approvals: 1 }]);
    await send(a, r.n(2));
    await db().query(`UPDATE verification_codes SET country = NULL WHERE app_id = $1 AND phone_e164 = $2`, [a.id, `+86${r.n(2)}`]);
    await approve(a, r.n(2));
    expect(await buckets()).toEqual([{ kind: 'country', key: 'CN', sends: 2, approvals: 2 }, { kind: 'prefix', key: r.prefix, sends: 2, approvals: 2 }]);
  });

  it('commits its counts without waiting for a WAL flush, in their own transaction only', async () => {
    const a = await createSmsApp(s.t, { code_policy: { fraud_guard: GUARD } });
    const r = freshRange();
    const at = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const params = [a.id, 'CN', r.prefix, at, 3600, new Date()];
    // Inside a transaction, to read the setting each statement leaves for the rest of its own.
    const settingAfter = (text: string, values: unknown[]) =>
      db().transaction(async (m) => {
        await m.query(text, values);
        return ((await m.query(`SHOW synchronous_commit`)) as Array<{ synchronous_commit: string }>)[0].synchronous_commit;
      });
    expect(await settingAfter(COUNT_SEND.text, params)).toBe('off'); // the first send of a bucket inserts it
    expect(await settingAfter(COUNT_SEND.text, params)).toBe('off');
    expect(await settingAfter(UNCOUNT_SEND.text, [a.id, 'CN', at])).toBe('off');
    expect(await settingAfter(COUNT_APPROVAL.text, params)).toBe('off');
    expect(((await db().query(`SHOW synchronous_commit`)) as Array<{ synchronous_commit: string }>)[0].synchronous_commit).toBe('on');
    expect(await db().query(`SELECT kind, sends, approvals FROM fraud_buckets WHERE app_id = $1 ORDER BY kind`, [a.id])).toEqual([
      { kind: 'country', sends: 1, approvals: 1 },
      { kind: 'prefix', sends: 2, approvals: 1 },
    ]);
  });

  it('counts nothing for an app whose guard is off', async () => {
    const a = await createSmsApp(s.t, { code_policy: { fraud_guard: { ...GUARD, enabled: false } } });
    const r = freshRange();
    for (let i = 0; i < 12; i++) expect((await send(a, r.n(i))).body.code).toBe(200);
    const [{ n }] = await db().query(`SELECT count(*)::int AS n FROM fraud_buckets WHERE app_id = $1`, [a.id]);
    expect(n).toBe(0);
  });

  it('admin: validates the thresholds', async () => {
    for (const bad of [{ window_s: 10 }, { challenge_below_pct: 101 }, { min_sends_prefix: 'x' }, { nope: 1 }]) {
      const res = await s.t.http.patch(`/admin/apps/${s.app.id}`).set(await admin()).send({ code_policy: { fraud_guard: bad } }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    const ok = await s.t.http.patch(`/admin/apps/${s.app.id}`).set(await admin()).send({ code_policy: { fraud_guard: { window_s: 600 } } }).expect(200);
    expect(ok.body.data.code_policy.fraud_guard).toEqual({ enabled: false, window_s: 600, min_sends_prefix: 20, min_sends_country: 100, challenge_below_pct: 20, block_below_pct: 10, recover_at_pct: 30, cooling_off_s: 3600 });
  });
});

describe('fraud guard: metrics', () => {
  it('counts each state change once, by app, kind and state entered, and the refusals', async () => {
    const token = 'metrics-token-0123456789';
    const t = await startTestApp({ env: { METRICS_TOKEN: token }, override: withRecordingSms(new RecordingSmsProvider()) });
    try {
      const a = await createSmsApp(t, { code_policy: { fraud_guard: GUARD } });
      for (let i = 0; i < 11; i++) await t.http.post('/v1/sms/verify_code').send({ ...signParams(t, a), mcode: '+86', mobile: `1375555${String(i).padStart(4, '0')}`, scene: 'login' }).expect(200);
      const text = (await t.http.get('/metrics').set('authorization', `Bearer ${token}`).expect(200)).text;
      expect(text).toContain(`passcode_fraud_bucket_changes_total{app="${a.id}",kind="prefix",state="challenge"} 1`);
      expect(text).toContain(`passcode_fraud_bucket_changes_total{app="${a.id}",kind="prefix",state="blocked"} 1`);
      expect(text).toMatch(/passcode_refusals_total\{kind="SEND_BLOCKED"\} 2/);
    } finally {
      await t.close();
    }
  });
});
