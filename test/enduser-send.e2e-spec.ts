import { DataSource } from 'typeorm';
import { sha256Hex } from '../src/common/crypto/hashing.js';
import { createApp } from './support/admin.js';
import { enduserSendParams } from './support/enduser.js';
import { configureSmsDetailed, FailingSmsProvider, RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { POSTGRES_URL } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import { createSmsApp, useSmsTestApp } from './support/v1.js';

const PATH = '/v2/sms/enduserapi/v2/sendPhoneSmsCode';

describe('enduser sendPhoneSmsCode (seed 003)', () => {
  const sms = new FailingSmsProvider();
  const s = useSmsTestApp({ sms });
  let seq = 0;
  const nextPhone = () => `1370000${String(++seq).padStart(4, '0')}`;
  const send = (query: object) => s.t.http.post(PATH).query(query).expect(200);
  const sent = async (appId: string) => s.t.app.get(DataSource).query('SELECT phone, scene, origin, status FROM sms_messages WHERE app_id = $1', [appId]);

  beforeEach(() => {
    sms.fail = null;
    sms.clear();
    s.t.clock.reset();
  });

  it("replays the seed's example (its phone, codeType, random and ts) with a computed signature", async () => {
    s.t.clock.advance(1744773894369 - Date.now());
    const a = await createSmsApp(s.t);
    const query = { userDomain: a.appkey, internationalCode: '+86', phone: '13800138000', codeType: '3', random: '76a6L647F02CAoN9', ts: '1744773894369' };
    const signature = sha256Hex('13800138000' + '3' + '76a6L647F02CAoN9' + '1744773894369' + a.secret);
    expect((await send({ ...query, signature })).body).toEqual({ code: 200, msg: 'success', extMsg: '', data: {} });
    expect(sms.messages).toEqual([expect.objectContaining({ phone: '+8613800138000', templateCode: 'TPL_REGISTER' })]);
    expect(await sent(a.id)).toEqual([{ phone: '+8613800138000', scene: 'register', origin: 'enduser', status: 'sent' }]);
  });

  it("refuses the seed's sample signature (the SHA-256 of the empty string) and sends nothing", async () => {
    const query = { ...enduserSendParams(s.t, s.app, nextPhone()), signature: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' };
    expect((await send(query)).body).toEqual({ code: 5006, msg: '签名错误', extMsg: '', data: {} });
    expect(sms.messages).toEqual([]);
  });

  it.each([
    ['1', 'TPL_RESET_PASSWORD'],
    ['2', 'TPL_LOGIN'],
    ['3', 'TPL_REGISTER'],
    ['4', 'TPL_DEREGISTER'],
    ['5', 'TPL_BIND_PUSH'],
  ])('codeType %s sends the %s template', async (codeType, templateCode) => {
    const phone = nextPhone();
    expect((await send(enduserSendParams(s.t, s.app, phone, { codeType }))).body.code).toBe(200);
    expect(sms.messages).toEqual([expect.objectContaining({ phone: `+86${phone}`, templateCode })]);
  });

  it('refuses a replayed random, and sends nothing the second time', async () => {
    const query = enduserSendParams(s.t, s.app, nextPhone());
    expect((await send(query)).body.code).toBe(200);
    s.t.clock.advanceSeconds(120); // past the resend cooldown: only the nonce can refuse it
    expect((await send(query)).body).toEqual({ code: 5007, msg: '随机数已使用', extMsg: '', data: {} });
    expect(sms.messages).toHaveLength(1);
  });

  it('remembers a random for as long as its ts is accepted: a future ts cannot be replayed once 10 minutes pass', async () => {
    const query = enduserSendParams(s.t, s.app, nextPhone(), { skewMs: 590_000 });
    expect((await send(query)).body.code).toBe(200);
    s.t.clock.advanceSeconds(630); // ts is now 40 s in the past: still inside the window
    expect((await send(query)).body).toEqual({ code: 5007, msg: '随机数已使用', extMsg: '', data: {} });
    expect(sms.messages).toHaveLength(1);
    s.t.clock.advanceSeconds(561); // ts is now 10 min 1 s in the past: refused for its time
    expect((await send(query)).body.code).toBe(5005);
  });

  it('does not burn a random on a bad signature', async () => {
    const phone = nextPhone();
    const good = enduserSendParams(s.t, s.app, phone);
    expect((await send({ ...good, signature: 'a'.repeat(64) })).body.code).toBe(5006);
    expect((await send(good)).body.code).toBe(200);
  });

  it("refuses a signature made with another app's secret", async () => {
    const other = await createApp(s.t);
    expect((await send(enduserSendParams(s.t, s.app, nextPhone(), { secret: other.secret }))).body.code).toBe(5006);
    expect(sms.messages).toEqual([]);
  });

  it.each([601_000, -601_000])('refuses a ts %i ms off and accepts one just inside ±10 min', async (skewMs) => {
    expect((await send(enduserSendParams(s.t, s.app, nextPhone(), { skewMs }))).body).toEqual({ code: 5005, msg: '时间戳已过期', extMsg: '', data: {} });
    expect((await send(enduserSendParams(s.t, s.app, nextPhone(), { skewMs: Math.sign(skewMs) * 590_000 }))).body.code).toBe(200);
  });

  it.each([
    ['phone', 5021],
    ['userDomain', 5023],
    ['internationalCode', 5116],
    ['codeType', 5002],
    ['random', 5003],
    ['ts', 5004],
    ['signature', 5006],
  ])('answers a missing %s with %i', async (name, code) => {
    const query: Record<string, unknown> = { ...enduserSendParams(s.t, s.app, nextPhone()) };
    delete query[name];
    expect((await send(query)).body.code).toBe(code);
    expect(sms.messages).toEqual([]);
  });

  it('answers malformed parameters with their codes', async () => {
    const phone = nextPhone();
    expect((await send(enduserSendParams(s.t, s.app, phone, { codeType: '6' }))).body.code).toBe(5002);
    expect((await send(enduserSendParams(s.t, s.app, phone, { random: 'short' }))).body.code).toBe(5003);
    expect((await send(enduserSendParams(s.t, s.app, phone, { random: 'x'.repeat(17) }))).body.code).toBe(5003);
    expect((await send({ ...enduserSendParams(s.t, s.app, phone), ts: 'yesterday' })).body.code).toBe(5004);
    expect((await send({ ...enduserSendParams(s.t, s.app, phone), userDomain: 'NoSuchAppkey0000' })).body).toEqual({ code: 5008, msg: '用户域不存在', extMsg: '', data: {} });
    expect(sms.messages).toEqual([]);
  });

  it('answers 5019 for a number that is not a mobile number, without burning the random', async () => {
    const bad = enduserSendParams(s.t, s.app, '12345');
    expect((await send(bad)).body).toEqual({ code: 5019, msg: '手机号格式不正确', extMsg: 'phone must be valid', data: {} });
    for (const internationalCode of ['+abc', '+0086', '086', '1234', '+86+86']) {
      expect((await send(enduserSendParams(s.t, s.app, nextPhone(), { internationalCode }))).body.code).toBe(5019);
    }
    const phone = nextPhone();
    expect((await send(enduserSendParams(s.t, s.app, phone, { random: bad.random }))).body.code).toBe(200);
  });

  it.each([['86'], ['0086'], [' 86'], ['８６']])('takes internationalCode %p as +86 (the seed gives it no format)', async (internationalCode) => {
    const phone = nextPhone();
    expect((await send(enduserSendParams(s.t, s.app, phone, { internationalCode }))).body.code).toBe(200);
    expect(sms.messages).toEqual([expect.objectContaining({ phone: `+86${phone}` })]);
  });

  it('reads an unencoded + in the query as the + of +86', async () => {
    const phone = nextPhone();
    const query = new URLSearchParams({ ...enduserSendParams(s.t, s.app, phone) }).toString().replace('internationalCode=%2B86', 'internationalCode=+86');
    expect((await s.t.http.post(`${PATH}?${query}`).expect(200)).body.code).toBe(200);
    expect(sms.messages).toEqual([expect.objectContaining({ phone: `+86${phone}` })]);
  });

  it('takes a JSON content type with no body: the parameters are in the query', async () => {
    const phone = nextPhone();
    const res = await s.t.http.post(PATH).query({ ...enduserSendParams(s.t, s.app, phone) }).set('content-type', 'application/json').expect(200);
    expect(res.body).toEqual({ code: 200, msg: 'success', extMsg: '', data: {} });
    expect(sms.messages).toEqual([expect.objectContaining({ phone: `+86${phone}` })]);
  });

  it('answers 5058 for a resend within the cooldown', async () => {
    const phone = nextPhone();
    expect((await send(enduserSendParams(s.t, s.app, phone))).body.code).toBe(200);
    const res = await send(enduserSendParams(s.t, s.app, phone));
    expect(res.body).toMatchObject({ code: 5058, msg: '短信发送超出频率', extMsg: '' });
    expect(res.body.data.retryAfter).toBeGreaterThan(0);
    expect(sms.messages).toHaveLength(1);
  });

  it.each([
    ['SMS_PROVIDER_FAILED', 5059],
    ['SMS_PROVIDER_REJECTED', 5059],
    ['SMS_PROVIDER_RATE_LIMITED', 5058],
  ] as const)('answers the provider failure %s with %i', async (failure, code) => {
    sms.fail = failure;
    const phone = nextPhone();
    expect((await send(enduserSendParams(s.t, s.app, phone))).body.code).toBe(code);
    const rows = await s.t.app.get(DataSource).query('SELECT status, error FROM sms_messages WHERE app_id = $1 AND phone = $2', [s.app.id, `+86${phone}`]);
    expect(rows).toEqual([{ status: 'failed', error: failure }]);
  });

  describe('SMS configuration codes, through the admin API', () => {
    const admin = async () => ({ authorization: `Bearer ${await s.t.adminToken()}` });

    it.each([
      ['the account is disabled', 5128, (s: { accountId: string }) => `/admin/sms/accounts/${s.accountId}/disable`],
      ['the signature is disabled', 5123, (s: { signatureId: string }) => `/admin/sms/signatures/${s.signatureId}/disable`],
      ['the template is disabled', 5125, (s: { templates: { register?: { id: string } } }) => `/admin/sms/templates/${s.templates.register!.id}/disable`],
    ])('answers when %s: %i', async (_what, code, path) => {
      const a = await createApp(s.t);
      const setup = await configureSmsDetailed(s.t, a.id);
      await s.t.http.post(path(setup)).set(await admin()).expect((r) => expect(r.status).toBeLessThan(300));
      expect((await send(enduserSendParams(s.t, a, nextPhone()))).body.code).toBe(code);
      expect(sms.messages).toEqual([]);
    });

    it('answers 5188 when the scene is not bound', async () => {
      const a = await createApp(s.t);
      await configureSmsDetailed(s.t, a.id);
      await s.t.http.delete(`/admin/apps/${a.id}/sms/bindings/register`).set(await admin()).expect(200);
      expect((await send(enduserSendParams(s.t, a, nextPhone(), { codeType: '3' }))).body).toEqual({ code: 5188, msg: '企业短信账号不存在', extMsg: '', data: {} });
      expect((await send(enduserSendParams(s.t, a, nextPhone(), { codeType: '2' }))).body.code).toBe(200);
    });
  });

  (POSTGRES_URL ? it : it.skip)('refuses a replay that reaches a second app instance', async () => {
    const otherSms = new RecordingSmsProvider();
    const second = await startTestApp({ db: s.t.db, override: withRecordingSms(otherSms) });
    try {
      const query = enduserSendParams(s.t, s.app, nextPhone());
      expect((await send(query)).body.code).toBe(200);
      const replay = await second.http.post(PATH).query(query).expect(200);
      expect(replay.body.code).toBe(5007);
      expect(otherSms.messages).toEqual([]);
      expect(sms.messages).toHaveLength(1);
    } finally {
      await second.close(true);
    }
  });
});
