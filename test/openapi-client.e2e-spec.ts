import { randomUUID } from 'node:crypto';
import { type OpenAPIObject, type SchemaObject } from '@nestjs/swagger';
import createClient, { type Client } from 'openapi-fetch';
import { captchaAnswer } from './support/captcha.js';
import { enduserSendParams } from './support/enduser.js';
import type { components, paths } from './support/openapi/schema.js';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from './support/test-app.js';
import { loginWithSms, signParams, useSmsTestApp } from './support/v1.js';

/*
 * A client generated from the published document (`npm run openapi:client`:
 * openapi-typescript, then openapi-fetch) against a listening app, one dialect at
 * a time. `npm run typecheck` checks these calls and the fields they read against
 * the generated types, and the tests check the answers: a route whose answer
 * changes without its schema fails one or the other. The answers' field sets are
 * also compared with the schemas the document names for them.
 */

const s = useSmsTestApp();
let api: Client<paths>;
let doc: OpenAPIObject;

beforeAll(async () => {
  await s.t.app.listen({ port: 0, host: '127.0.0.1' });
  api = createClient<paths>({ baseUrl: await s.t.app.getUrl() });
  doc = (await s.t.http.get('/docs-json').expect(200)).body as OpenAPIObject;
});

/** The property names the document gives the schema `name`, sorted. */
function documentedKeys(name: keyof components['schemas']): string[] {
  const schema = doc.components!.schemas![name] as SchemaObject;
  return Object.keys(schema.properties ?? {}).sort();
}

/** Fails the test unless a seed dialect's answer is its success (HTTP 200 carries errors too); narrows it. */
function ok<T, const C extends string | number>(body: T | undefined, success: C): Extract<T, { code: C }> {
  if ((body as { code?: unknown } | undefined)?.code !== success) throw new Error(`expected success, got ${JSON.stringify(body)}`);
  return body as Extract<T, { code: C }>;
}

describe('a client generated from the OpenAPI document', () => {
  it('v1: sends a login code, logs in with the user detail, reads the user; a wrong code is 400194', async () => {
    const mobile = '13900001001';
    const sent = await api.POST('/v1/login/verify_code', { body: { ...signParams(s.t, s.app), mcode: '+86', mobile } });
    expect(sent.response.status).toBe(200);
    expect(sent.data).toEqual({ code: 200, msg: 'success' });

    const login = ok(
      (
        await api.POST('/v1/login/mobile', {
          body: {
            ...signParams(s.t, s.app),
            mcode: '+86',
            mobile,
            verify_code: s.sms.lastCodeFor(`+86${mobile}`)!,
            version_number: 7,
            channel: 'typed',
            need_user_detail: 1,
          },
        })
      ).data,
      200,
    );
    const token: string = login.data.access_token;
    const expiresAt: number = login.data.token_expired_at;
    expect(expiresAt).toBeGreaterThan(s.t.clock.nowMs() / 1000);
    if (!('mobile' in login.data)) throw new Error('need_user_detail=1 answers the user detail');
    expect(login.data.mobile).toBe(mobile);
    expect(Object.keys(login.data).sort()).toEqual(documentedKeys('V1LoginDetailData'));

    const info = ok((await api.GET('/v1/user/info', { headers: { authorization: `Bearer ${token}` } })).data, 200);
    const user: components['schemas']['V1UserInfoData'] = info.data;
    expect(user).toMatchObject({ uid: login.data.uid, mcode: '+86', mobile, version_number: 7, channel: 'typed', is_vip: 0, birthday: null });
    expect(Object.keys(user).sort()).toEqual(documentedKeys('V1UserInfoData'));

    s.t.clock.advanceSeconds(61);
    await api.POST('/v1/login/verify_code', { body: { ...signParams(s.t, s.app), mcode: '+86', mobile } });
    const wrong = await api.POST('/v1/login/mobile', {
      body: { ...signParams(s.t, s.app), mcode: '+86', mobile, verify_code: '000000', version_number: 7, channel: 'typed' },
    });
    expect(wrong.response.status).toBe(200);
    expect(wrong.data).toEqual({ code: 400194 satisfies NonNullable<typeof wrong.data>['code'], msg: 'verify_code is wrong' });
  });

  it('v1 sms: a tenant back end sends and checks a code of any scene', async () => {
    const mobile = '13900001002';
    const sent = ok((await api.POST('/v1/sms/verify_code', { body: { ...signParams(s.t, s.app), mcode: '+86', mobile, scene: 'register' } })).data, 200);
    const expiresIn: number = sent.data.expires_in;
    expect(expiresIn).toBe(300);
    const checked = ok(
      (await api.POST('/v1/sms/check_code', { body: { ...signParams(s.t, s.app), mcode: '+86', mobile, scene: 'register', verify_code: s.sms.lastCodeFor(`+86${mobile}`)! } }))
        .data,
      200,
    );
    const result: components['schemas']['V1SmsCheckData']['result'] = checked.data.result;
    expect(result).toBe('approved');
  });

  it('Authing: sends a bind-phone code, verifies the change, redeems the token; a text body is HTTP 415 with apiCode 10004', async () => {
    const oldMobile = '13900002001';
    const newMobile = '13900002002';
    const { token } = await loginWithSms(s.t, s.sms, s.app, oldMobile);
    const headers = { 'x-authing-app-id': s.app.appkey, authorization: token };

    const sent = await api.POST('/api/v3/send-sms', { headers, body: { channel: 'CHANNEL_BIND_PHONE', phoneNumber: newMobile } });
    expect(sent.data).toMatchObject({ statusCode: 200, message: '操作成功', data: {} });

    const verified = await api.POST('/api/v3/verify-update-phone-request', {
      headers,
      body: { verifyMethod: 'PHONE_PASSCODE', phonePassCodePayload: { newPhoneNumber: newMobile, newPhonePassCode: s.sms.lastCodeFor(`+86${newMobile}`)! } },
    });
    if (verified.data?.statusCode !== 200) throw new Error(JSON.stringify(verified.data));
    const updatePhoneToken: string = verified.data.data.updatePhoneToken;
    const expiresIn: number = verified.data.data.tokenExpiresIn;
    expect(expiresIn).toBe(600);

    const updated = await api.POST('/api/v3/update-phone', { headers, body: { updatePhoneToken } });
    if (updated.data?.statusCode !== 200) throw new Error(JSON.stringify(updated.data));
    const success: true = updated.data.data.success;
    expect(success).toBe(true);

    const again = await api.POST('/api/v3/update-phone', { headers, body: { updatePhoneToken } });
    expect(again.response.status).toBe(200);
    expect(again.data).toMatchObject({ statusCode: 400, apiCode: 20011 satisfies Extract<NonNullable<typeof again.data>, { apiCode: unknown }>['apiCode'] });

    const text = await api.POST('/api/v3/update-phone', {
      headers: { ...headers, 'content-type': 'text/plain' },
      body: { updatePhoneToken },
      bodySerializer: (body) => JSON.stringify(body),
    });
    expect(text.response.status).toBe(415);
    // `satisfies`: the code is one the document lists for this operation.
    expect(text.error!.apiCode).toBe(10004 satisfies NonNullable<typeof text.error>['apiCode']);
  });

  it('enduser: sends a signed code, changes the phone proving both numbers; a wrong old code is 5168', async () => {
    const oldMobile = '13900003001';
    const newMobile = '13900003002';
    const { token } = await loginWithSms(s.t, s.sms, s.app, oldMobile);

    const sent = await api.POST('/v2/sms/enduserapi/v2/sendPhoneSmsCode', { params: { query: enduserSendParams(s.t, s.app, newMobile, { codeType: '3' }) } });
    expect(sent.data).toEqual({ code: 200, msg: 'success', extMsg: '', data: {} });

    s.t.clock.advanceSeconds(61);
    await api.POST('/v1/sms/verify_code', { body: { ...signParams(s.t, s.app), mcode: '+86', mobile: oldMobile, scene: 'verify_old_phone' } });
    await api.POST('/v1/sms/verify_code', { body: { ...signParams(s.t, s.app), mcode: '+86', mobile: newMobile, scene: 'update_phone' } });
    const query = {
      newInternationalCode: '+86',
      newPhone: newMobile,
      newPhoneCode: s.sms.lastCodeFor(`+86${newMobile}`)!,
      oldInternationalCode: '+86',
      oldPhone: oldMobile,
      oldPhoneCode: s.sms.lastCodeFor(`+86${oldMobile}`)!,
    };
    const auth = { authorization: `Bearer ${token}` };

    const wrongOld = await api.PUT('/v2/enduser/enduserapi/setPhone', { params: { query: { ...query, oldPhoneCode: '000000' } }, headers: auth });
    expect(wrongOld.response.status).toBe(200);
    if (wrongOld.data?.code === 200) throw new Error('a wrong old-phone code passed');
    expect(wrongOld.data!.code).toBe(5168 satisfies NonNullable<typeof wrongOld.data>['code']);

    s.t.clock.advanceSeconds(61);
    await api.POST('/v1/sms/verify_code', { body: { ...signParams(s.t, s.app), mcode: '+86', mobile: oldMobile, scene: 'verify_old_phone' } });
    const changed = await api.PUT('/v2/enduser/enduserapi/setPhone', { params: { query: { ...query, oldPhoneCode: s.sms.lastCodeFor(`+86${oldMobile}`)! } }, headers: auth });
    expect(changed.data).toEqual({ code: 200, msg: 'success', extMsg: '', data: {} });
  });

  it('oauth: solves an image captcha and sends a code; a spent captcha is 603', async () => {
    const headers = { 'X-App-Key': s.app.appkey };
    const img = ok((await api.GET('/oauth/api/account/imgCode', { headers })).data, '000');
    const imgCodeId: string = img.data.img_code_id;
    expect(img.data.img).toMatch(/^data:image\/svg\+xml/);
    expect(Object.keys(img.data).sort()).toEqual(documentedKeys('OauthImgCodeData'));

    const body = { mobile: '13900004001', img_code_id: imgCodeId, img_code: await captchaAnswer(s.t, imgCodeId), sms_type: 'LOGIN' as const };
    const sent = ok((await api.POST('/oauth/api/account/sendSmsCode', { headers, body })).data, '000');
    const data: true = sent.data;
    expect(data).toBe(true);

    const spent = await api.POST('/oauth/api/account/sendSmsCode', { headers, body });
    expect(spent.response.status).toBe(200);
    expect(spent.data).toMatchObject({ code: '603' satisfies NonNullable<typeof spent.data>['code'], data: null });
  });

  it('admin: logs in, creates and reads an app; an unknown app is HTTP 404 APP_NOT_FOUND', async () => {
    const login = await api.POST('/admin/login', { body: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD } });
    const tokenType: 'Bearer' = login.data!.data.token_type;
    expect(tokenType).toBe('Bearer');
    const headers = { authorization: `Bearer ${login.data!.data.access_token}` };

    const created = await api.POST('/admin/apps', { headers, body: { name: 'Typed client', code_policy: { length: 4, allowed_country_codes: ['CN'] } } });
    expect(created.response.status).toBe(201);
    const secret: string = created.data!.data.secret;
    expect(secret.length).toBeGreaterThan(0);
    expect(Object.keys(created.data!.data).sort()).toEqual(documentedKeys('AppWithSecretData'));

    const read = await api.GET('/admin/apps/{id}', { params: { path: { id: created.data!.data.id } }, headers });
    const app: components['schemas']['AppData'] = read.data!.data;
    expect(app.code_policy).toMatchObject({ length: 4, allowed_country_codes: ['CN'] });
    expect(Object.keys(app.code_policy).sort()).toEqual(documentedKeys('CodePolicyData'));
    expect(Object.keys(app.login_config ?? {}).sort()).toEqual(documentedKeys('LoginConfigData'));

    const missing = await api.GET('/admin/apps/{id}', { params: { path: { id: randomUUID() } }, headers });
    expect(missing.response.status).toBe(404);
    expect(missing.error!.code).toBe('APP_NOT_FOUND' satisfies NonNullable<typeof missing.error>['code']);

    const anonymous = await api.GET('/admin/apps/{id}', { params: { path: { id: app.id } } });
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.error).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
