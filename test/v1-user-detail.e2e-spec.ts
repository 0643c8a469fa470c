import { DataSource } from 'typeorm';
import { NormalisedUserPhones1764320000000 } from '../migrations/1764320000000-NormalisedUserPhones.js';
import { type CreatedApp } from './support/admin.js';
import { signParams, useSmsTestApp } from './support/v1.js';

/** struct.md's user structure, in its order. */
const STRUCT_FIELDS = [
  'uid', 'huawei_openid', 'huawei_unionid', 'wechat_openid', 'wechat_unionid', 'apple_userid', 'oaid', 'device_id', 'username', 'nickname',
  'mcode', 'mobile', 'password', 'email', 'avatar', 'gender', 'birthday', 'country', 'province', 'city', 'reg_ip', 'is_forever_vip',
  'vip_expired_at', 'enter_pass', 'version_number', 'channel', 'reg_from', 'ext_data', 'created_at',
];

/** What a user registered by SMS login, with no optional field given, answers for each field. */
const DEFAULTS = {
  huawei_openid: '',
  huawei_unionid: '',
  wechat_openid: '',
  wechat_unionid: '',
  apple_userid: '',
  oaid: '',
  device_id: '',
  username: '',
  nickname: '',
  mcode: '+86',
  password: '',
  email: '',
  avatar: '',
  gender: 0,
  birthday: null,
  country: '',
  province: '',
  city: '',
  reg_ip: expect.any(String),
  is_forever_vip: 0,
  vip_expired_at: null,
  enter_pass: '',
  channel: 'vivo',
  reg_from: 1,
  ext_data: null,
  created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
};

describe('v1: the user structure (struct.md) and the number it shows', () => {
  const s = useSmsTestApp();
  const db = () => s.t.app.get(DataSource);

  /** login_verify_code.md then login_mobile.md, as their examples send them (past the last send's cooldown); answers login's data. */
  async function login(a: CreatedApp, type: 'form' | 'json', phone: { mcode?: string; mobile: string }, extra: Record<string, unknown> = {}) {
    s.t.clock.advanceSeconds(61);
    const mcode = phone.mcode ?? '+86';
    const sent = await s.t.http.post('/v1/login/verify_code').type(type).send({ ...signParams(s.t, a), mcode, mobile: phone.mobile }).expect(200);
    expect(sent.body).toEqual({ code: 200, msg: 'success' });
    const code = s.sms.messages.at(-1)!.params.code;
    const res = await s.t.http
      .post('/v1/login/mobile')
      .type(type)
      .send({ ...signParams(s.t, a), mcode, mobile: phone.mobile, verify_code: code, version_number: '12', channel: 'vivo', need_user_detail: '1', ...extra })
      .expect(200);
    expect(res.body).toMatchObject({ code: 200, msg: 'success' });
    return res.body.data as Record<string, unknown>;
  }

  const info = async (token: unknown) => (await s.t.http.get('/v1/user/info').set({ authorization: `Bearer ${token}` }).expect(200)).body;

  describe.each(['form', 'json'] as const)('%s body', (type) => {
    const n = type === 'form' ? '1' : '2';

    it('login (need_user_detail=1) and user/info answer every field of the structure, with its type and default', async () => {
      const data = await login(s.app, type, { mobile: `1391234${n}001` });
      expect(Object.keys(data)).toEqual([...STRUCT_FIELDS, 'access_token', 'token_expired_at']);
      expect(data).toEqual({ ...DEFAULTS, uid: expect.any(Number), mobile: `1391234${n}001`, version_number: 12, access_token: expect.any(String), token_expired_at: expect.any(Number) });

      // user_info.md adds is_vip after vip_expired_at.
      const me = await info(data.access_token);
      const withVip = [...STRUCT_FIELDS];
      withVip.splice(STRUCT_FIELDS.indexOf('vip_expired_at') + 1, 0, 'is_vip');
      expect(Object.keys(me.data)).toEqual(withVip);
      expect(me.data).toEqual({ ...DEFAULTS, uid: data.uid, mobile: `1391234${n}001`, version_number: 12, is_vip: 0 });
    });

    it('stores and shows the national number and +86, whatever separators or prefix the login carried', async () => {
      const typed = await login(s.app, type, { mobile: `139-1234-${n}002` });
      expect(typed).toMatchObject({ mcode: '+86', mobile: `1391234${n}002` });
      const prefixed = await login(s.app, type, { mcode: '＋８６', mobile: `+861391234${n}003` });
      expect(prefixed).toMatchObject({ mcode: '+86', mobile: `1391234${n}003` });
      const rows = await db().query(`SELECT phone_e164, mcode, mobile FROM users WHERE id = ANY($1::bigint[]) ORDER BY id`, [[typed.uid, prefixed.uid]]);
      expect(rows).toEqual([
        { phone_e164: `+861391234${n}002`, mcode: '+86', mobile: `1391234${n}002` },
        { phone_e164: `+861391234${n}003`, mcode: '+86', mobile: `1391234${n}003` },
      ]);

      // The plain spelling finds the same user, who shows the same number.
      const again = await login(s.app, type, { mobile: `1391234${n}002` });
      expect(again).toMatchObject({ uid: typed.uid, mcode: '+86', mobile: `1391234${n}002` });
      expect((await info(again.access_token)).data).toMatchObject({ mcode: '+86', mobile: `1391234${n}002` });
    });

    it('stores the national number at a phone change (/v1/user/mobile)', async () => {
      const me = await login(s.app, type, { mobile: `1391234${n}004` });
      const auth = { authorization: `Bearer ${me.access_token}` };
      const newMobile = `+86 139 1234 ${n}005`;
      await s.t.http.post('/v1/user/verify_code').type(type).set(auth).send({ mcode: '+86', mobile: newMobile }).expect(200, { code: 200, msg: 'success' });
      const code = s.sms.lastCodeFor(`+861391234${n}005`);
      await s.t.http.post('/v1/user/mobile').type(type).set(auth).send({ mcode: '+86', mobile: newMobile, verify_code: code }).expect(200, { code: 200, msg: 'success' });
      expect((await info(me.access_token)).data).toMatchObject({ mcode: '+86', mobile: `1391234${n}005` });
      const [row] = await db().query(`SELECT phone_e164, mcode, mobile FROM users WHERE id = $1`, [me.uid]);
      expect(row).toEqual({ phone_e164: `+861391234${n}005`, mcode: '+86', mobile: `1391234${n}005` });
    });

    it('refuses a negative version_number (unsigned int) with 400112, before the code is spent', async () => {
      const mobile = `1391234${n}006`;
      await s.t.http.post('/v1/login/verify_code').type(type).send({ ...signParams(s.t, s.app), mcode: '+86', mobile }).expect(200, { code: 200, msg: 'success' });
      const code = s.sms.lastCodeFor(`+86${mobile}`);
      const base = { ...signParams(s.t, s.app), mcode: '+86', mobile, verify_code: code, channel: 'vivo' };
      for (const version_number of type === 'form' ? ['-3', '2147483648'] : [-3, '-3', 2147483648]) {
        const res = await s.t.http.post('/v1/login/mobile').type(type).send({ ...base, version_number }).expect(200);
        expect(res.body).toEqual({ code: 400112, msg: expect.stringContaining('version_number') });
      }
      const ok = await s.t.http.post('/v1/login/mobile').type(type).send({ ...base, version_number: '0' }).expect(200);
      expect(ok.body).toMatchObject({ code: 200 });
      const [row] = await db().query(`SELECT version_number FROM users WHERE phone_e164 = $1`, [`+86${mobile}`]);
      expect(row.version_number).toBe(0);
    });
  });

  it('stores the national number through the Authing update-phone token too', async () => {
    const me = await login(s.app, 'json', { mobile: '13912349007' });
    const post = (path: string, body: Record<string, unknown>) =>
      s.t.http.post(`/api/v3/${path}`).set('x-authing-app-id', s.app.appkey).set('authorization', `Bearer ${me.access_token}`).send(body);
    await post('send-sms', { channel: 'CHANNEL_BIND_PHONE', phoneNumber: '139-1234-9008', phoneCountryCode: '+86' }).expect(200);
    const code = s.sms.lastCodeFor('+8613912349008');
    const res = await post('verify-update-phone-request', {
      verifyMethod: 'PHONE_PASSCODE',
      phonePassCodePayload: { newPhoneNumber: '139-1234-9008', newPhonePassCode: code, newPhoneCountryCode: '+86' },
    }).expect(200);
    const [token] = await db().query(`SELECT new_mcode, new_mobile FROM update_phone_tokens WHERE user_id = $1`, [me.uid]);
    expect(token).toEqual({ new_mcode: '+86', new_mobile: '13912349008' });
    await post('update-phone', { updatePhoneToken: res.body.data.updatePhoneToken }).expect(200);
    expect((await info(me.access_token)).data).toMatchObject({ mcode: '+86', mobile: '13912349008' });
  });

  it('the migration rewrites the numbers stored as typed, from phone_e164, and leaves the rest alone', async () => {
    const insert = async (phoneE164: string, mcode: string, mobile: string) => {
      const [row] = await db().query(
        `INSERT INTO users (app_id, phone_e164, mcode, mobile, created_at, updated_at) VALUES ($1, $2, $3, $4, now(), now()) RETURNING id`,
        [s.app.id, phoneE164, mcode, mobile],
      );
      return String(row.id);
    };
    const typed = await insert('+8613912349101', '+86', '139-1234-9101');
    const prefixed = await insert('+8613912349102', '+86', '+8613912349102');
    const wide = await insert('+8613912349103', '＋８６', '１３９１２３４９１０３');
    const hongKong = await insert('+85251234567', '+852', '5123 4567');
    const normal = await insert('+8613912349104', '+86', '13912349104');
    const unsplittable = await insert('+0000', '+0', '0000');
    const tokenUser = await insert('+8613912349105', '+86', '13912349105');
    await db().query(
      `INSERT INTO update_phone_tokens (token_hash, app_id, user_id, old_phone_e164, new_phone_e164, new_mcode, new_mobile, created_at, expires_at)
       VALUES ($1, $2, $3, '+8613912349105', '+8613912349106', '+86', '139 1234 9106', now(), now())`,
      ['f'.repeat(64), s.app.id, tokenUser],
    );

    const runner = db().createQueryRunner();
    try {
      await new NormalisedUserPhones1764320000000().up(runner);
    } finally {
      await runner.release();
    }

    const rows = await db().query(`SELECT id::text, mcode, mobile FROM users WHERE id = ANY($1::bigint[]) ORDER BY id`, [[typed, prefixed, wide, hongKong, normal, unsplittable]]);
    expect(rows).toEqual([
      { id: typed, mcode: '+86', mobile: '13912349101' },
      { id: prefixed, mcode: '+86', mobile: '13912349102' },
      { id: wide, mcode: '+86', mobile: '13912349103' },
      { id: hongKong, mcode: '+852', mobile: '51234567' },
      { id: normal, mcode: '+86', mobile: '13912349104' },
      { id: unsplittable, mcode: '+0', mobile: '0000' },
    ]);
    const [token] = await db().query(`SELECT new_mcode, new_mobile FROM update_phone_tokens WHERE user_id = $1`, [tokenUser]);
    expect(token).toEqual({ new_mcode: '+86', new_mobile: '13912349106' });
  });
});
