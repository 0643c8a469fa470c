import type { DomainError, PhoneChangeRole } from '../../common/errors/domain-error.js';
import type { ErrorName } from '../../common/errors/error-registry.js';
import type { RouteFieldNames } from '../../common/http/route-field-names.js';
import type { ErrorContext, WireDialect, WireReply } from '../../common/http/wire-dialect.js';

/** One Authing answer to an error: its HTTP status and its body's statusCode, apiCode and message. */
export interface AuthingAnswer {
  http: number;
  statusCode: number;
  apiCode: number;
  message: string;
}

/**
 * An outcome of a request that reached an Authing endpoint: HTTP 200, the outcome in
 * `statusCode` (200 alone is success), as Authing's API answers. Authing's SDKs
 * read the body whatever happened; authing-node-sdk's axios throws on any non-2xx
 * status, so anything else would reach the tenant app as an exception.
 */
function business(statusCode: number, apiCode: number, message: string): AuthingAnswer {
  return { http: 200, statusCode, apiCode, message };
}

/**
 * A request that never reached an endpoint: not JSON, too large, another media
 * type, an unknown route or method. No SDK sends one (they post JSON to the routes
 * Passcode serves), so the HTTP status says what went wrong, to proxies and
 * hand-written clients alike; `statusCode` is the same number.
 */
function transport(status: number, apiCode: number, message: string): AuthingAnswer {
  return { http: status, statusCode: status, apiCode, message };
}

/**
 * Authing v3's answer to every error. apiCodes are Passcode's own (seed 002 names
 * none): 1xxxx request, 2xxxx authentication and tokens, 3xxxx codes and sending,
 * 4xxxx users, 5xxxx server and SMS configuration.
 */
export const AUTHING_CODES: Record<ErrorName, AuthingAnswer> = {
  VALIDATION_FAILED: business(400, 10001, '参数错误'),
  MALFORMED_BODY: transport(400, 10002, '请求格式错误'),
  BODY_TOO_LARGE: transport(413, 10003, '请求内容过大'),
  UNSUPPORTED_MEDIA_TYPE: transport(415, 10004, '不支持的内容类型'),
  MALFORMED_REQUEST: transport(400, 10008, '请求格式错误'),
  HEADERS_TOO_LARGE: transport(431, 10009, '请求头过大'),
  REQUEST_TIMEOUT: transport(408, 10010, '请求超时'),
  ROUTE_NOT_FOUND: transport(404, 10005, '接口不存在'),
  METHOD_NOT_ALLOWED: transport(405, 10006, '方法不允许'),
  TOO_MANY_REQUESTS: business(400, 10007, '请求过于频繁'),
  UNAUTHORIZED: business(401, 20001, '未登录或登录已失效'),
  TOKEN_EXPIRED: business(401, 20002, '登录已过期'),
  FORBIDDEN: business(403, 20003, '禁止访问'),
  INVALID_CREDENTIALS: business(401, 20001, '未登录或登录已失效'),
  LOGIN_LOCKED: business(403, 20004, '登录失败次数过多'),
  APP_NOT_FOUND: business(404, 20005, '应用不存在'),
  WEBHOOK_ENDPOINT_NOT_FOUND: business(404, 20005, 'Webhook 端点不存在'),
  WEBHOOK_DELIVERY_NOT_FOUND: business(404, 20005, 'Webhook 投递不存在'),
  WEBHOOK_ENDPOINT_LIMIT: business(409, 20005, 'Webhook 端点数量已达上限'),
  OPERATOR_NOT_FOUND: business(404, 20005, '管理员不存在'),
  OPERATOR_USERNAME_TAKEN: business(409, 20005, '管理员用户名已存在'),
  OPERATOR_LAST_OWNER: business(409, 20005, '不能降级或停用最后一个所有者'),
  OPERATOR_PASSWORD_WRONG: business(400, 20005, '当前密码错误'),
  SIGN_APPKEY_MISSING: business(400, 20006, '请提供 x-authing-app-id'),
  APPKEY_NOT_FOUND: business(404, 20005, '应用不存在'),
  SIGN_TIMESTAMP_INVALID: business(401, 20007, '签名无效'),
  SIGN_TIMESTAMP_EXPIRED: business(401, 20007, '签名无效'),
  SIGN_INVALID: business(401, 20007, '签名无效'),
  LOGIN_NOT_CONFIGURED: business(403, 20008, '登录配置未找到'),
  LOGIN_DISABLED: business(403, 20009, '登录未启用'),
  MOBILE_LOGIN_DISABLED: business(403, 20010, '手机号登录未启用'),
  UPDATE_PHONE_TOKEN_INVALID: business(400, 20011, '修改手机号凭证无效或已过期'),
  SIGN_NONCE_REPLAYED: business(401, 20012, '请求重复'),
  CAPTCHA_REQUIRED: business(400, 30001, '请输入图形验证码'),
  CAPTCHA_WRONG: business(400, 30002, '图形验证码错误'),
  CAPTCHA_INVALID: business(400, 30003, '图形验证码已失效'),
  CAPTCHA_UNAVAILABLE: business(503, 30011, '验证码服务暂不可用'),
  PHONE_REGION_NOT_ALLOWED: business(400, 30004, '不支持该国家或地区的手机号'),
  PHONE_TYPE_NOT_ALLOWED: business(400, 30013, '不支持该类型的号码'),
  SEND_BLOCKED: business(400, 30012, '该号段短信发送已暂停'),
  FRAUD_BUCKET_NOT_FOUND: business(404, 20005, '风控分组不存在'),
  SEND_COOLDOWN: business(400, 30005, '短信发送过于频繁，请稍后再试'),
  SEND_LIMIT_EXCEEDED: business(400, 30006, '短信发送次数超出限制'),
  CODE_WRONG: business(400, 30007, '验证码错误'),
  CODE_EXPIRED: business(400, 30008, '验证码已失效'),
  SMS_PHONE_REJECTED: business(400, 30009, '手机号格式不正确'),
  SMS_PROVIDER_RATE_LIMITED: business(400, 30010, '短信发送过于频繁，请稍后再试'),
  USER_NOT_FOUND: business(404, 40001, '用户不存在'),
  PHONE_TAKEN: business(400, 40002, '手机号已被绑定'),
  USER_CANCEL_FAILED: business(500, 40003, '注销用户失败'),
  INTERNAL: business(500, 50001, '服务器错误'),
  SERVICE_UNAVAILABLE: business(503, 50002, '服务暂不可用'),
  SMS_NOT_CONFIGURED: business(500, 50010, '短信服务未配置'),
  SMS_ACCESS_KEY_NOT_FOUND: business(500, 50010, '短信服务未配置'),
  SMS_TEMPLATE_NOT_FOUND: business(500, 50010, '短信服务未配置'),
  SMS_SIGNATURE_NOT_FOUND: business(500, 50010, '短信服务未配置'),
  SMS_ACCOUNT_NOT_FOUND: business(500, 50010, '短信服务未配置'),
  SMS_ACCOUNT_DISABLED: business(500, 50011, '短信服务已停用'),
  SMS_TEMPLATE_DISABLED: business(500, 50011, '短信服务已停用'),
  SMS_SIGNATURE_DISABLED: business(500, 50011, '短信服务已停用'),
  SMS_BINDING_ACCOUNT_MISMATCH: business(500, 50010, '短信服务未配置'),
  SMS_BINDING_TYPE_MISMATCH: business(500, 50010, '短信服务未配置'),
  SMS_PROVIDER_REJECTED: business(500, 50012, '短信发送失败'),
  SMS_PROVIDER_FAILED: business(500, 50013, '短信发送异常'),
};

/** send-sms's fields for the number a code goes to. */
export const AUTHING_SEND_SMS_FIELDS = { mcode: 'phoneCountryCode', mobile: 'phoneNumber' } as const satisfies RouteFieldNames;

/** verify-update-phone-request's fields (in `phonePassCodePayload`) for the phone change's roles. */
export const AUTHING_UPDATE_PHONE_FIELDS: Record<PhoneChangeRole, string> = {
  oldMcode: 'oldPhoneCountryCode',
  oldMobile: 'oldPhoneNumber',
  oldCode: 'oldPhonePassCode',
  newMcode: 'newPhoneCountryCode',
  newMobile: 'newPhoneNumber',
  newCode: 'newPhonePassCode',
};

/**
 * Seed 002's dialect: `{statusCode, message, apiCode, requestId, data}`, HTTP 200
 * for every outcome of an endpoint (see {@link AUTHING_CODES}).
 */
export class AuthingDialect implements WireDialect {
  readonly name = 'authing';

  matches(path: string): boolean {
    return path.startsWith('/api/v3/');
  }

  success(data: unknown, requestId: string): unknown {
    return { statusCode: 200, message: '操作成功', requestId, data: data ?? {} };
  }

  failure(error: DomainError, ctx: ErrorContext): WireReply {
    const { http, statusCode, apiCode, message } = AUTHING_CODES[error.code];
    const data: Record<string, unknown> = {};
    // Only a request that is not valid names its field: a wrong code says which by its apiCode alone.
    if (error.code === 'VALIDATION_FAILED' && error.details.field) data.field = error.details.field;
    if (error.details.retryAfterS !== undefined) data.retryAfter = Math.ceil(error.details.retryAfterS);
    return { status: http, body: { statusCode, message, apiCode, requestId: ctx.requestId, data } };
  }
}
