import fc from 'fast-check';
import { directRoutesOf } from '../src/common/http/direct-route.js';
import { md5Hex } from '../src/common/crypto/hashing.js';
import { type CreatedApp } from './support/admin.js';
import { RecordingSmsProvider, withRecordingSms } from './support/sms.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { solvedCaptcha } from './support/captcha.js';
import { enduserSendParams } from './support/enduser.js';
import { createSmsApp, loginWithSms, signParams } from './support/v1.js';

/*
 * Hot routes marked DirectRoute are answered by a plain Fastify handler rather
 * than Nest's router (src/common/http/direct-route.ts). Two instances, one with
 * direct routes and one without, get the same generated requests in the same
 * order — signed right or wrong, stale, malformed, nested, oversized, with
 * NUL and lone surrogates, repeated into cooldowns and spent attempts — and must
 * answer each alike: status, body and the headers a client reads.
 */

const INSTANT = Date.now();

interface Side {
  t: TestApp;
  app: CreatedApp;
  sms: RecordingSmsProvider;
}

async function side(directRoutes: boolean, env: Record<string, string> = {}): Promise<Side> {
  const sms = new RecordingSmsProvider();
  const t = await startTestApp({ override: withRecordingSms(sms), directRoutes, env });
  // Frozen clocks: both sides sign and judge timestamps, cooldowns and expiry at one instant.
  t.clock.freezeAt(INSTANT);
  return { t, app: await createSmsApp(t, { code_policy: { max_attempts: 3 } }), sms };
}

/** What a request is made of, independent of the side it is sent to (each has its own appkey, secret and codes). */
type Part<T> = { kind: 'absent' } | { kind: 'value'; value: unknown } | T;
interface Shape {
  appkey: Part<{ kind: 'right' }>;
  timestamp: Part<{ kind: 'now'; skewS: number }>;
  sign: Part<{ kind: 'right' } | { kind: 'upper' }>;
  mcode: Part<never>;
  mobile: Part<never>;
  scene: Part<never>;
  verify_code: Part<{ kind: 'sent' }>;
  /** The login's own fields (POST /v1/login/mobile). */
  version_number: Part<never>;
  channel: Part<never>;
  need_user_detail: Part<never>;
  extra: Record<string, unknown>;
  as: 'json' | 'form';
}

const odd = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', '\ud800', '１３８００１３８０００', 'x'.repeat(5000), '+86', '86', 'login', '123456'),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
  fc.string({ maxLength: 8 }),
);
const value = (common: fc.Arbitrary<unknown>) => fc.oneof(common.map((v) => ({ kind: 'value' as const, value: v })), fc.constant({ kind: 'absent' as const }), odd.map((v) => ({ kind: 'value' as const, value: v })));
const mobiles = fc.constantFrom('13800138000', '13800138001', '13900139000', '138-0013-8000', '1380013800');

const shape: fc.Arbitrary<Shape> = fc.record({
  appkey: fc.oneof({ weight: 6, arbitrary: fc.constant({ kind: 'right' as const }) }, { weight: 1, arbitrary: value(fc.constantFrom('NoSuchAppkey0000')) }),
  timestamp: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -200, max: 200 }).map((skewS) => ({ kind: 'now' as const, skewS: Math.abs(skewS) > 150 ? skewS : 0 })) }, { weight: 1, arbitrary: value(fc.constantFrom('12345')) }),
  sign: fc.oneof({ weight: 6, arbitrary: fc.constantFrom({ kind: 'right' as const }, { kind: 'upper' as const }) }, { weight: 1, arbitrary: value(fc.constantFrom('f'.repeat(32))) }),
  mcode: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('+86', '+1').map((v) => ({ kind: 'value' as const, value: v })) }, { weight: 1, arbitrary: value(fc.constant('+86')) }),
  mobile: fc.oneof({ weight: 6, arbitrary: mobiles.map((v) => ({ kind: 'value' as const, value: v })) }, { weight: 1, arbitrary: value(mobiles) }),
  scene: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('login', 'register', 'reset_password').map((v) => ({ kind: 'value' as const, value: v })) }, { weight: 1, arbitrary: value(fc.constant('login')) }),
  verify_code: fc.oneof({ weight: 4, arbitrary: fc.constant({ kind: 'sent' as const }) }, { weight: 2, arbitrary: value(fc.constantFrom('000000', '12345')) }),
  version_number: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(12, '7').map((v) => ({ kind: 'value' as const, value: v })) }, { weight: 1, arbitrary: value(fc.constantFrom(-1, 2 ** 31)) }),
  channel: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('vivo', 'official').map((v) => ({ kind: 'value' as const, value: v })) }, { weight: 1, arbitrary: value(fc.constant('x'.repeat(33))) }),
  need_user_detail: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1, '1').map((v) => ({ kind: 'value' as const, value: v })) }, { weight: 1, arbitrary: value(fc.constant(2)) }),
  extra: fc.dictionary(fc.constantFrom('foo', 'img_code', 'captcha_token', 'nested'), odd, { maxKeys: 2 }),
  as: fc.constantFrom('json' as const, 'json' as const, 'form' as const),
});

type Route = 'send' | 'check' | 'login send' | 'login';

function body(s: Side, x: Shape, route: Route): Record<string, unknown> {
  const out: Record<string, unknown> = { ...x.extra };
  const put = (name: string, part: Part<{ kind: string }>, resolve: () => unknown) => {
    if (part.kind === 'value') out[name] = (part as { value: unknown }).value;
    else if (part.kind !== 'absent') out[name] = resolve();
  };
  const nowS = Math.floor(s.t.clock.nowMs() / 1000);
  put('appkey', x.appkey, () => s.app.appkey);
  put('timestamp', x.timestamp, () => String(nowS + (x.timestamp as { skewS: number }).skewS));
  const stamp = typeof out.timestamp === 'string' ? out.timestamp : '';
  put('sign', x.sign, () => (x.sign.kind === 'upper' ? md5Hex(s.app.appkey + stamp + s.app.secret).toUpperCase() : md5Hex(s.app.appkey + stamp + s.app.secret)));
  put('mcode', x.mcode, () => undefined);
  put('mobile', x.mobile, () => undefined);
  put('scene', x.scene, () => undefined);
  if (route === 'check' || route === 'login') put('verify_code', x.verify_code, () => (typeof out.mobile === 'string' && s.sms.lastCodeFor(`+86${out.mobile.replace(/-/g, '')}`)) || '999999');
  if (route === 'login') {
    put('version_number', x.version_number, () => undefined);
    put('channel', x.channel, () => undefined);
    put('need_user_detail', x.need_user_detail, () => undefined);
  }
  return out;
}

/** A form body cannot carry objects: those fields are sent as JSON text, as a client would. */
function asForm(b: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** A POST's answer as a client reads it; `headers` and `query` go with the request (the seed dialects' app headers and signed queries). */
async function answer(s: Side, path: string, b: unknown, as: 'json' | 'form', { headers: given = {}, query }: { headers?: Record<string, string>; query?: object } = {}) {
  const req = s.t.http.post(path).set(given);
  if (query) void req.query(query);
  const res = b === undefined ? await req : as === 'json' ? await req.send(b as object) : await req.type('form').send(asForm(b as Record<string, unknown>));
  const headers = Object.fromEntries(['content-type', 'retry-after', 'allow', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'].map((h) => [h, res.headers[h]]));
  // A login's token carries its own session id: each side's is its own, of one shape.
  const data = (res.body as { data?: { access_token?: unknown } } | undefined)?.data;
  if (typeof data?.access_token === 'string') data.access_token = data.access_token.split('.').length === 3 ? '<jwt>' : data.access_token;
  return { status: res.status, body: res.body as unknown, headers };
}

describe('direct routes answer as Nest routes do', () => {
  let direct: Side;
  let nest: Side;

  beforeAll(async () => {
    direct = await side(true);
    nest = await side(false);
  });
  afterAll(async () => {
    await direct?.t.close();
    await nest?.t.close();
  });

  it('serves the v1 send, check and login and the seed dialects\' sends directly, and the other instance none', () => {
    expect(directRoutesOf(direct.t.app).sort()).toEqual([
      'POST /api/v3/send-sms',
      'POST /oauth/api/account/sendSmsCode',
      'POST /v1/login/mobile',
      'POST /v1/login/verify_code',
      'POST /v1/sms/check_code',
      'POST /v1/sms/verify_code',
      'POST /v2/sms/enduserapi/v2/sendPhoneSmsCode',
    ]);
    expect(directRoutesOf(nest.t.app)).toEqual([]);
  });

  it.each([
    ['send', '/v1/sms/verify_code'],
    ['check', '/v1/sms/check_code'],
    ['login send', '/v1/login/verify_code'],
    ['login', '/v1/login/mobile'],
  ] as const)('%s: every generated request gets the same answer from both', async (route, path) => {
    // A day on for both: the routes before left cooldowns and daily counts on these few numbers.
    for (const s of [direct, nest]) s.t.clock.advance(86_400_000);
    // Logins need live login codes to consume.
    if (route === 'login') {
      for (const s of [direct, nest]) {
        for (const mobile of ['13800138000', '13800138001', '13900139000']) {
          const sent = await answer(s, '/v1/login/verify_code', { ...signParams(s.t, s.app), mcode: '+86', mobile }, 'json');
          expect((sent.body as { code: number }).code).toBe(200);
        }
      }
    }
    const codes: unknown[] = [];
    await fc.assert(
      fc.asyncProperty(shape, async (x) => {
        const [a, b] = [await answer(direct, path, body(direct, x, route), x.as), await answer(nest, path, body(nest, x, route), x.as)];
        expect(a).toEqual(b);
        codes.push((a.body as { code?: unknown } | undefined)?.code);
      }),
      { numRuns: 150 },
    );
    // Both sides really sent, checked and logged in: the property did not pass on refusals alone.
    expect(codes).toContain(200);
    expect(direct.sms.messages.length).toBeGreaterThan(0);
    expect(direct.sms.messages.map((m) => m.phone)).toEqual(nest.sms.messages.map((m) => m.phone));
  });

  it('a login with the user detail answers alike, the user registered by it included', async () => {
    const results = [];
    for (const s of [direct, nest]) {
      const signed = signParams(s.t, s.app);
      const phone = { mcode: '+86', mobile: '13700137001' };
      const sent = await answer(s, '/v1/login/verify_code', { ...signed, ...phone }, 'json');
      const login = { ...signed, ...phone, verify_code: s.sms.lastCodeFor('+8613700137001'), version_number: 3, channel: 'vivo', oaid: 'o-1', need_user_detail: 1 };
      results.push([sent, await answer(s, '/v1/login/mobile', login, 'form')]);
    }
    expect(results[0]).toEqual(results[1]);
    expect((results[0][1].body as { data: { mobile: string } }).data.mobile).toBe('13700137001');
  });

  it('the sends of Authing (headers, an optional user), enduser (a signed query) and OAuth (a captcha) answer alike', async () => {
    for (const s of [direct, nest]) s.t.clock.advance(86_400_000);
    const results = [];
    for (const s of [direct, nest]) {
      const out: unknown[] = [];
      const { token } = await loginWithSms(s.t, s.sms, s.app, '13600136000');
      // One request id per request, the same on both sides: Authing and OAuth answer it in the body.
      const call = async (path: string, body: unknown, { headers = {}, query, form = false }: { headers?: Record<string, string>; query?: object; form?: boolean } = {}) => {
        out.push({ path, ...(await answer(s, path, body, form ? 'form' : 'json', { headers: { 'x-request-id': `direct-routes-${out.length}`, ...headers }, query })) });
      };
      const app = { 'x-authing-app-id': s.app.appkey };
      const authing = (body: unknown, headers: Record<string, string> = app, form = false) => call('/api/v3/send-sms', body, { headers, form });
      await authing({ channel: 'CHANNEL_LOGIN', phoneNumber: '18800000001' });
      await authing({ channel: 'CHANNEL_LOGIN', phoneNumber: '18800000001' });
      await authing({ channel: 'CHANNEL_LOGIN', phoneNumber: '18800000002' }, {});
      await authing({ channel: 'CHANNEL_LOGIN', phoneNumber: '18800000002' }, { 'x-authing-app-id': 'nope' });
      await authing({ channel: 'CHANNEL_LOGIN' });
      await authing({ channel: 'CHANNEL_NOPE', phoneNumber: '18800000003' });
      await authing({ channel: 'CHANNEL_LOGIN', phoneNumber: '18800000003', phoneCountryCode: '+0' });
      await authing({ channel: { a: { b: 'c' } }, phoneNumber: ['1'] });
      await authing([{ channel: 'CHANNEL_LOGIN' }]);
      await authing({ channel: 'CHANNEL_LOGIN', phoneNumber: '18800000004' }, { ...app, authorization: 'garbage' });
      await authing({ channel: 'CHANNEL_BIND_PHONE', phoneNumber: '18800000005' }, { ...app, authorization: token });
      await authing({ channel: 'CHANNEL_UNBIND_PHONE', phoneNumber: '13600136000' }, { ...app, authorization: `Bearer ${token}` });
      await authing({ channel: 'CHANNEL_REGISTER', phoneNumber: '18800000007' }, app, true);

      const enduser = (query: object) => call('/v2/sms/enduserapi/v2/sendPhoneSmsCode', undefined, { query });
      const signed = enduserSendParams(s.t, s.app, '18800000010', { random: 'r'.repeat(16) });
      await enduser(signed);
      await enduser(signed);
      await enduser({ ...enduserSendParams(s.t, s.app, '18800000011'), signature: 'f'.repeat(64) });
      await enduser(enduserSendParams(s.t, s.app, '18800000012', { codeType: '9' }));
      await enduser(enduserSendParams(s.t, s.app, '18800000013', { skewMs: 3_600_000 }));
      await enduser({ ...enduserSendParams(s.t, s.app, '18800000014'), userDomain: 'nope' });
      const { phone: _phone, ...noPhone } = enduserSendParams(s.t, s.app, '18800000015');
      await enduser(noPhone);
      await enduser({ ...enduserSendParams(s.t, s.app, '18800000016'), phone: ['18800000016', '18800000017'] });

      const oauth = (body: unknown, headers: Record<string, string> = { 'x-app-key': s.app.appkey }) => call('/oauth/api/account/sendSmsCode', body, { headers });
      const captcha = await solvedCaptcha(s.t, s.app.appkey);
      await oauth({ mobile: '18800000020', img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'REGISTER' });
      await oauth({ mobile: '18800000021', img_code_id: captcha.id, img_code: captcha.answer, sms_type: 'REGISTER' });
      await oauth({ mobile: '18800000022', sms_type: 'LOGIN' }, {});
      await oauth({ mobile: '18800000022', sms_type: 'LOGIN' }, { 'x-app-key': 'nope' });
      await oauth({ mobile: '18800000022', img_code_id: 'NOSUCH', img_code: 'ABCD', sms_type: 'LOGIN' });
      await oauth({ mobile: { $ne: '' }, sms_type: 'NOPE' });
      results.push(out);
    }
    expect(results[0]).toEqual(results[1]);
    // Each dialect really sent, on both sides alike.
    expect(direct.sms.messages.map((m) => m.phone)).toEqual(expect.arrayContaining(['+8618800000001', '+8618800000005', '+8618800000010', '+8618800000020']));
    expect(direct.sms.messages.map((m) => m.phone)).toEqual(nest.sms.messages.map((m) => m.phone));
  });

  it('a spent code, a cooldown and a nested body answer alike', async () => {
    for (const s of [direct, nest]) s.t.clock.advance(3600_000);
    const results = [];
    for (const s of [direct, nest]) {
      const signed = signParams(s.t, s.app);
      const phone = { mcode: '+86', mobile: '13700137000', scene: 'login' };
      const out = [];
      out.push(await answer(s, '/v1/sms/verify_code', { ...signed, ...phone }, 'json'));
      out.push(await answer(s, '/v1/sms/verify_code', { ...signed, ...phone }, 'json'));
      for (let i = 0; i < 4; i++) out.push(await answer(s, '/v1/sms/check_code', { ...signed, ...phone, verify_code: '00000' + i }, 'json'));
      out.push(await answer(s, '/v1/sms/check_code', { ...signed, ...phone, verify_code: { $ne: '' } }, 'json'));
      let deep: unknown = 'x';
      for (let i = 0; i < 200; i++) deep = { a: deep };
      out.push(await answer(s, '/v1/sms/check_code', { ...signed, ...phone, verify_code: deep }, 'json'));
      results.push(out);
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0].map((r) => (r.body as { code: number }).code)).toContain(200);
  });
});

describe('direct routes throttle as Nest routes do', () => {
  it('refuses the same requests over the per-IP budget, with the same headers', async () => {
    const sides: Side[] = [];
    try {
      // The budget covers the setup's admin requests too, the same on both sides.
      for (const directRoutes of [true, false]) sides.push(await side(directRoutes, { THROTTLE_LIMIT: '20' }));
      const results = [];
      for (const s of sides) {
        const out = [];
        for (let i = 0; i < 20; i++) out.push(await answer(s, '/v1/sms/check_code', { appkey: s.app.appkey, mcode: '+86', mobile: '13800138000', scene: 'login', verify_code: '123456' }, 'json'));
        results.push(out);
      }
      expect(results[0]).toEqual(results[1]);
      // v1 answers every outcome with HTTP 200 and its code in the body (429: too many requests).
      const codes = results[0].map((r) => (r.body as { code: number }).code);
      expect(codes).toContain(429);
      expect(codes[0]).not.toBe(429);
    } finally {
      for (const s of sides) await s.t.close();
    }
  });
});
