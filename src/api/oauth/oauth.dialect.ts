import type { DomainError } from '../../common/errors/domain-error.js';
import type { ErrorName } from '../../common/errors/error-registry.js';
import type { ErrorContext, WireDialect, WireReply } from '../../common/http/wire-dialect.js';

/**
 * Seed 004's codes: `"000"` is success (the only one the seed shows); the rest are
 * ours, three digits as strings, grouped: 4xx request/auth, 5xx server, 6xx captcha,
 * 7xx SMS sending.
 */
export const OAUTH_CODES: Record<ErrorName, [code: string, msg: string]> = {
  VALIDATION_FAILED: ['400', '参数错误'],
  MALFORMED_BODY: ['400', '请求格式错误'],
  BODY_TOO_LARGE: ['413', '请求内容过大'],
  UNSUPPORTED_MEDIA_TYPE: ['415', '不支持的内容类型'],
  MALFORMED_REQUEST: ['400', '请求格式错误'],
  HEADERS_TOO_LARGE: ['431', '请求头过大'],
  REQUEST_TIMEOUT: ['408', '请求超时'],
  ROUTE_NOT_FOUND: ['404', '接口不存在'],
  METHOD_NOT_ALLOWED: ['405', '方法不允许'],
  TOO_MANY_REQUESTS: ['429', '请求过于频繁'],
  INTERNAL: ['500', '服务器错误'],
  SERVICE_UNAVAILABLE: ['503', '服务暂不可用'],
  UNAUTHORIZED: ['401', '未授权'],
  TOKEN_EXPIRED: ['401', '令牌已过期'],
  FORBIDDEN: ['403', '禁止访问'],
  INVALID_CREDENTIALS: ['401', '未授权'],
  LOGIN_LOCKED: ['429', '请求过于频繁'],
  APP_NOT_FOUND: ['404', '应用不存在'],
  WEBHOOK_ENDPOINT_NOT_FOUND: ['404', 'Webhook 端点不存在'],
  WEBHOOK_DELIVERY_NOT_FOUND: ['404', 'Webhook 投递不存在'],
  WEBHOOK_ENDPOINT_LIMIT: ['409', 'Webhook 端点数量已达上限'],
  OPERATOR_NOT_FOUND: ['404', '管理员不存在'],
  OPERATOR_USERNAME_TAKEN: ['409', '管理员用户名已存在'],
  OPERATOR_LAST_OWNER: ['409', '不能降级或停用最后一个所有者'],
  OPERATOR_PASSWORD_WRONG: ['400', '当前密码错误'],
  SIGN_APPKEY_MISSING: ['400', '请提供应用标识'],
  APPKEY_NOT_FOUND: ['404', '应用不存在'],
  SIGN_TIMESTAMP_INVALID: ['401', '签名无效'],
  SIGN_TIMESTAMP_EXPIRED: ['401', '签名已过期'],
  SIGN_INVALID: ['401', '签名无效'],
  SIGN_NONCE_REPLAYED: ['401', '请求重复'],
  LOGIN_NOT_CONFIGURED: ['403', '登录接口配置未找到'],
  LOGIN_DISABLED: ['403', '登录接口未启用'],
  MOBILE_LOGIN_DISABLED: ['403', '手机登录未开启'],
  PHONE_REGION_NOT_ALLOWED: ['730', '不支持该国家或地区的手机号'],
  PHONE_TYPE_NOT_ALLOWED: ['733', '不支持该类型的号码'],
  SEND_BLOCKED: ['734', '该号段短信发送已暂停'],
  FRAUD_BUCKET_NOT_FOUND: ['404', '风控分组不存在'],
  SEND_COOLDOWN: ['731', '短信发送超出频率'],
  SEND_LIMIT_EXCEEDED: ['732', '短信发送次数超出限制'],
  CODE_WRONG: ['740', '验证码错误'],
  CODE_EXPIRED: ['741', '验证码已失效'],
  USER_NOT_FOUND: ['404', '用户不存在'],
  PHONE_TAKEN: ['742', '手机号已被使用'],
  USER_CANCEL_FAILED: ['500', '注销用户失败'],
  UPDATE_PHONE_TOKEN_INVALID: ['400', '修改手机号凭证无效'],
  CAPTCHA_REQUIRED: ['601', '请输入图片验证码'],
  CAPTCHA_WRONG: ['602', '图片验证码错误'],
  CAPTCHA_INVALID: ['603', '图片验证码已失效'],
  // Unreachable here (seed 004 keeps its image captcha whatever the app's provider), mapped as a 5xx server error.
  CAPTCHA_UNAVAILABLE: ['503', '验证码服务暂不可用'],
  SMS_NOT_CONFIGURED: ['710', '短信配置未找到'],
  SMS_ACCESS_KEY_NOT_FOUND: ['710', '短信配置未找到'],
  SMS_TEMPLATE_NOT_FOUND: ['710', '短信配置未找到'],
  SMS_SIGNATURE_NOT_FOUND: ['710', '短信配置未找到'],
  SMS_ACCOUNT_NOT_FOUND: ['710', '短信配置未找到'],
  SMS_ACCOUNT_DISABLED: ['711', '短信配置已停用'],
  SMS_TEMPLATE_DISABLED: ['711', '短信配置已停用'],
  SMS_SIGNATURE_DISABLED: ['711', '短信配置已停用'],
  SMS_BINDING_ACCOUNT_MISMATCH: ['710', '短信配置未找到'],
  SMS_BINDING_TYPE_MISMATCH: ['710', '短信配置未找到'],
  SMS_PROVIDER_REJECTED: ['720', '短信发送失败'],
  SMS_PHONE_REJECTED: ['721', '手机号格式不正确'],
  SMS_PROVIDER_RATE_LIMITED: ['722', '短信发送超出频率'],
  SMS_PROVIDER_FAILED: ['723', '短信发送异常'],
};

/** Validation failures of these fields have codes of their own. */
export const OAUTH_FIELD_CODES: Record<string, [code: string, msg: string]> = {
  mobile: ['605', '手机号格式不正确'],
  img_code_id: ['601', '请输入图片验证码'],
  img_code: ['601', '请输入图片验证码'],
  sms_type: ['604', '短信类型不正确'],
};

/** Seed 004's dialect: HTTP 200, `{request_id, code, msg, data}`. */
export class OauthDialect implements WireDialect {
  readonly name = 'oauth';

  matches(path: string): boolean {
    return path.startsWith('/oauth/');
  }

  success(data: unknown, requestId: string): unknown {
    return { request_id: requestId, code: '000', msg: '成功', data: data ?? null };
  }

  failure(error: DomainError, ctx: ErrorContext): WireReply {
    const byField = error.code === 'VALIDATION_FAILED' && error.details.field ? OAUTH_FIELD_CODES[error.details.field] : undefined;
    const [code, msg] = byField ?? OAUTH_CODES[error.code];
    const body: Record<string, unknown> = { request_id: ctx.requestId, code, msg, data: null };
    if (error.details.field) body.data = { field: error.details.field };
    if (error.details.retryAfterS !== undefined) body.data = { retry_after: Math.ceil(error.details.retryAfterS) };
    return { status: 200, body };
  }
}
