import { ApiProperty } from '@nestjs/swagger';
import { type CheckResult } from '../../verification/verification-code.js';

/*
 * What the v1 endpoints answer as `data` (zaihangyun struct.md and the endpoint
 * documents), for the published OpenAPI document. The user structure is
 * src/users/user.view.ts; test/openapi-client.e2e-spec.ts holds it to these.
 */

/** POST /v1/login/mobile without the user detail. */
export class V1LoginTokenData {
  @ApiProperty({ type: 'integer', example: 1857248324 }) uid: number;
  @ApiProperty({ description: 'the end-user token: `Authorization: Bearer <access_token>`' }) access_token: string;
  @ApiProperty({ type: 'integer', description: 'when the token expires, seconds since the epoch', example: 1746517955 }) token_expired_at: number;
}

/** The user structure (struct.md) as user.view.ts answers it: what Passcode does not keep is its type's empty value. */
export class V1UserData {
  @ApiProperty({ type: 'integer', example: 1857248324 }) uid: number;
  @ApiProperty({ example: '' }) huawei_openid: string;
  @ApiProperty({ example: '' }) huawei_unionid: string;
  @ApiProperty({ example: '' }) wechat_openid: string;
  @ApiProperty({ example: '' }) wechat_unionid: string;
  @ApiProperty({ example: '' }) apple_userid: string;
  @ApiProperty({ description: 'the OAID of the last login that sent one', example: '4123123132' }) oaid: string;
  @ApiProperty({ description: 'the device id of the last login that sent one', example: '' }) device_id: string;
  @ApiProperty({ example: '' }) username: string;
  @ApiProperty({ example: '' }) nickname: string;
  @ApiProperty({ description: 'the calling code, normalised', example: '+86' }) mcode: string;
  @ApiProperty({ description: 'the national number, normalised', example: '18518768888' }) mobile: string;
  @ApiProperty({ description: 'always empty: no stored secret is ever shown', example: '' }) password: string;
  @ApiProperty({ example: '' }) email: string;
  @ApiProperty({ example: '' }) avatar: string;
  @ApiProperty({ type: 'integer', description: '0 unknown, 1 male, 2 female', example: 0 }) gender: number;
  @ApiProperty({ type: 'string', format: 'date', nullable: true, example: null }) birthday: string | null;
  @ApiProperty({ example: '' }) country: string;
  @ApiProperty({ example: '' }) province: string;
  @ApiProperty({ example: '' }) city: string;
  @ApiProperty({ description: 'the IP address of the registering request', example: '127.0.0.1' }) reg_ip: string;
  @ApiProperty({ type: 'integer', enum: [0, 1], example: 0 }) is_forever_vip: number;
  @ApiProperty({ type: 'string', nullable: true, description: '`YYYY-MM-DD hh:mm:ss`', example: null }) vip_expired_at: string | null;
  @ApiProperty({ example: '' }) enter_pass: string;
  @ApiProperty({ type: 'integer', example: 1 }) version_number: number;
  @ApiProperty({ example: 'official' }) channel: string;
  @ApiProperty({ type: 'integer', description: '1 mobile, 2 WeChat, 3 Apple, 4 Huawei, 99 back office', example: 1 }) reg_from: number;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'custom data; Passcode keeps none', example: null }) ext_data: Record<string, unknown> | null;
  @ApiProperty({ description: 'registration time, `YYYY-MM-DD hh:mm:ss` UTC', example: '2025-03-28 16:53:35' }) created_at: string;
}

/** POST /v1/login/mobile with `need_user_detail=1`: the user structure and the token. */
export class V1LoginDetailData extends V1UserData {
  @ApiProperty({ description: 'the end-user token: `Authorization: Bearer <access_token>`' }) access_token: string;
  @ApiProperty({ type: 'integer', description: 'when the token expires, seconds since the epoch', example: 1746517955 }) token_expired_at: number;
}

/** GET /v1/user/info (user_info.md): the user structure with `is_vip`. */
export class V1UserInfoData extends V1UserData {
  @ApiProperty({ type: 'integer', enum: [0, 1], description: 'always 0: Passcode keeps no VIP', example: 0 }) is_vip: number;
}

/** POST /v1/sms/verify_code. */
export class V1SmsSendData {
  @ApiProperty({ type: 'integer', description: 'seconds the code stays valid', example: 300 }) expires_in: number;
  @ApiProperty({ type: 'integer', description: 'seconds until another code may be sent to this phone', example: 60 }) resend_in: number;
}

/** Every CheckResult, once: a new one fails the type check here. */
const CHECK_RESULTS = Object.keys({ approved: 1, wrong_code: 1, expired: 1, attempts_exhausted: 1, superseded: 1, not_found: 1 } satisfies Record<CheckResult, 1>);

/** POST /v1/sms/check_code. */
export class V1SmsCheckData {
  @ApiProperty({
    enum: CHECK_RESULTS,
    enumName: 'CheckResult',
    description: '`approved` (the code is consumed), `wrong_code` (an attempt is counted), `expired`, `attempts_exhausted`, `superseded` (a newer code was sent), `not_found` (none sent, already used, or its SMS failed)',
  })
  result: CheckResult;
}
