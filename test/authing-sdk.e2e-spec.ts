import { type AddressInfo } from 'node:net';
import { AuthenticationClient, Models } from 'authing-node-sdk';
import { loginWithSms, useSmsTestApp } from './support/v1.js';

/**
 * Seed 002 through Authing's own Node SDK (authing-node-sdk v4), against Passcode
 * listening on a local port: what a tenant app written for Authing gets back.
 * The SDK sends `authorization: <token>` (no `Bearer `) after setAccessToken, and
 * reads answers through axios with its default settings, which throws on any
 * non-2xx status: every business outcome must come back as data.
 */
describe('Authing v3 (seed 002) through authing-node-sdk', () => {
  const s = useSmsTestApp();
  let appHost: string;
  let seq = 0;
  const nextPhone = () => `1360000${String(++seq).padStart(4, '0')}`;

  beforeAll(async () => {
    await s.t.app.listen(0, '127.0.0.1');
    appHost = `http://127.0.0.1:${(s.t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    // Past the cooldown a previous send left.
    s.t.clock.advanceSeconds(61);
  });

  /**
   * A client as a tenant app builds it: appId is the appkey (sent as
   * x-authing-app-id), appHost Passcode's URL. The constructor demands an
   * appSecret unless tokenEndPointAuthMethod is 'none'; the secret serves only the
   * OIDC token endpoints, which Passcode does not have, so none is given. The
   * constructor makes no request.
   */
  function client(token?: string): AuthenticationClient {
    const c = new AuthenticationClient({ appId: s.app.appkey, appHost, tokenEndPointAuthMethod: 'none' });
    if (token) c.setAccessToken(token);
    return c;
  }

  const login = (mobile: string) => loginWithSms(s.t, s.sms, s.app, mobile);
  const bindPhone = (c: AuthenticationClient, phoneNumber: string) => c.sendSms({ channel: Models.SendSMSDto.channel.CHANNEL_BIND_PHONE, phoneNumber, phoneCountryCode: '+86' });
  const verify = (c: AuthenticationClient, newPhoneNumber: string, newPhonePassCode: string) =>
    c.verifyUpdatePhoneRequest({ verifyMethod: Models.VerifyUpdatePhoneRequestDto.verifyMethod.PHONE_PASSCODE, phonePassCodePayload: { newPhoneNumber, newPhonePassCode, newPhoneCountryCode: '+86' } });

  async function mobileOf(token: string): Promise<string> {
    const res = await s.t.http.get('/v1/user/info').set('authorization', `Bearer ${token}`).expect(200);
    return res.body.data.mobile as string;
  }

  /** sendSms to the new number and verifyUpdatePhoneRequest with its code: the SDK's answer. */
  async function requestUpdatePhoneToken(c: AuthenticationClient, newPhone: string): Promise<string> {
    expect(await bindPhone(c, newPhone)).toEqual({ statusCode: 200, message: '操作成功', requestId: expect.any(String), data: {} });
    const verified = await verify(c, newPhone, s.sms.lastCodeFor(`+86${newPhone}`)!);
    expect(verified).toEqual({ statusCode: 200, message: '操作成功', requestId: expect.any(String), data: { updatePhoneToken: expect.any(String), tokenExpiresIn: 600 } });
    return verified.data.updatePhoneToken;
  }

  it('changes the number: sendSms, verifyUpdatePhoneRequest, updatePhone', async () => {
    const me = await login(nextPhone());
    const c = client(me.token);
    const newPhone = nextPhone();
    const updatePhoneToken = await requestUpdatePhoneToken(c, newPhone);

    expect(await c.updatePhone({ updatePhoneToken })).toEqual({ statusCode: 200, message: '操作成功', requestId: expect.any(String), data: { success: true } });
    expect(await mobileOf(me.token)).toBe(newPhone);
  });

  it('answers a wrong code as data: statusCode 400, apiCode 30007', async () => {
    const mine = nextPhone();
    const me = await login(mine);
    const c = client(me.token);
    const newPhone = nextPhone();
    await bindPhone(c, newPhone);
    const wrong = s.sms.lastCodeFor(`+86${newPhone}`) === '000000' ? '111111' : '000000';

    expect(await verify(c, newPhone, wrong)).toEqual({ statusCode: 400, apiCode: 30007, message: '验证码错误', requestId: expect.any(String), data: {} });
    expect(await mobileOf(me.token)).toBe(mine);
  });

  it('answers a replayed updatePhoneToken as data: apiCode 20011', async () => {
    const me = await login(nextPhone());
    const c = client(me.token);
    const newPhone = nextPhone();
    const updatePhoneToken = await requestUpdatePhoneToken(c, newPhone);
    expect((await c.updatePhone({ updatePhoneToken })).statusCode).toBe(200);

    expect(await c.updatePhone({ updatePhoneToken })).toEqual({ statusCode: 400, apiCode: 20011, message: '修改手机号凭证无效或已过期', requestId: expect.any(String), data: {} });
    expect(await mobileOf(me.token)).toBe(newPhone);
  });

  it('answers a client without setAccessToken as data: statusCode 401, apiCode 20001', async () => {
    const anonymous = client();
    const sent = s.sms.messages.length;
    const notLoggedIn = { statusCode: 401, apiCode: 20001, message: '未登录或登录已失效', requestId: expect.any(String), data: {} };
    expect(await bindPhone(anonymous, nextPhone())).toEqual(notLoggedIn);
    expect(await verify(anonymous, nextPhone(), '123456')).toEqual(notLoggedIn);
    expect(await anonymous.updatePhone({ updatePhoneToken: 'A'.repeat(43) })).toEqual(notLoggedIn);
    expect(s.sms.messages).toHaveLength(sent);
  });

  it('fails loudly on an SDK method Passcode does not serve: HTTP 404, with the Authing body', async () => {
    const me = await login(nextPhone());
    const error = await client(me.token).getProfile({}).then(
      () => null,
      (err: unknown) => err,
    );
    // The SDK's axios error (axios is no dependency of ours: matched by shape).
    expect(error).toMatchObject({
      name: 'AxiosError',
      response: { status: 404, data: { statusCode: 404, apiCode: 10005, message: '接口不存在', requestId: expect.any(String), data: {} } },
    });
  });
});
