import { type DomainError, type PhoneChangeRole } from '../../common/errors/domain-error.js';
import { type ErrorName } from '../../common/errors/error-registry.js';
import { type ErrorContext, type WireDialect, type WireReply } from '../../common/http/wire-dialect.js';

/**
 * Seed 003's codes. 5019–5216 are the seed's own (DESIGN §6 for setPhone); the
 * transport codes reuse the HTTP numbers; 5001–5009 are Passcode's own for
 * conditions the seed has no code for (README, "enduser codes").
 */
export const ENDUSER_CODES: Record<ErrorName, [code: number, msg: string]> = {
  VALIDATION_FAILED: [5001, '参数错误'],
  MALFORMED_BODY: [400, '请求格式错误'],
  BODY_TOO_LARGE: [413, '请求内容过大'],
  UNSUPPORTED_MEDIA_TYPE: [415, '不支持的内容类型'],
  MALFORMED_REQUEST: [400, '请求格式错误'],
  HEADERS_TOO_LARGE: [431, '请求头过大'],
  REQUEST_TIMEOUT: [408, '请求超时'],
  ROUTE_NOT_FOUND: [404, '接口不存在'],
  METHOD_NOT_ALLOWED: [405, '方法不允许'],
  TOO_MANY_REQUESTS: [429, '请求过于频繁'],
  INTERNAL: [500, '服务器错误'],
  SERVICE_UNAVAILABLE: [503, '服务暂不可用'],
  UNAUTHORIZED: [5032, 'token无效'],
  TOKEN_EXPIRED: [5032, 'token无效'],
  FORBIDDEN: [403, '禁止访问'],
  INVALID_CREDENTIALS: [5032, 'token无效'],
  LOGIN_LOCKED: [429, '请求过于频繁'],
  APP_NOT_FOUND: [5008, '用户域不存在'],
  WEBHOOK_ENDPOINT_NOT_FOUND: [404, 'Webhook 端点不存在'],
  WEBHOOK_DELIVERY_NOT_FOUND: [404, 'Webhook 投递不存在'],
  WEBHOOK_ENDPOINT_LIMIT: [409, 'Webhook 端点数量已达上限'],
  OPERATOR_NOT_FOUND: [404, '管理员不存在'],
  OPERATOR_USERNAME_TAKEN: [409, '管理员用户名已存在'],
  OPERATOR_LAST_OWNER: [409, '不能降级或停用最后一个所有者'],
  OPERATOR_PASSWORD_WRONG: [400, '当前密码错误'],
  SIGN_APPKEY_MISSING: [5023, '请输入用户域'],
  APPKEY_NOT_FOUND: [5008, '用户域不存在'],
  SIGN_TIMESTAMP_INVALID: [5004, '时间戳格式不正确'],
  SIGN_TIMESTAMP_EXPIRED: [5005, '时间戳已过期'],
  SIGN_INVALID: [5006, '签名错误'],
  SIGN_NONCE_REPLAYED: [5007, '随机数已使用'],
  UPDATE_PHONE_TOKEN_INVALID: [5001, '参数错误'],
  LOGIN_NOT_CONFIGURED: [403, '登录接口配置未找到'],
  LOGIN_DISABLED: [403, '登录接口未启用'],
  MOBILE_LOGIN_DISABLED: [403, '手机登录未开启'],
  PHONE_REGION_NOT_ALLOWED: [5009, '不支持该国家或地区的手机号'],
  PHONE_TYPE_NOT_ALLOWED: [5010, '不支持该类型的号码'],
  SEND_BLOCKED: [5011, '该号段短信发送已暂停'],
  FRAUD_BUCKET_NOT_FOUND: [404, '风控分组不存在'],
  SEND_COOLDOWN: [5058, '短信发送超出频率'],
  SEND_LIMIT_EXCEEDED: [5058, '短信发送超出频率'],
  // setPhone: which of the two codes failed is told by the field (see enduserCode).
  CODE_WRONG: [5169, '新手机验证码错误'],
  CODE_EXPIRED: [5169, '新手机验证码错误'],
  USER_NOT_FOUND: [5033, '用户不存在'],
  PHONE_TAKEN: [5176, '新手机号已被注册'],
  USER_CANCEL_FAILED: [500, '服务器错误'],
  CAPTCHA_REQUIRED: [400, '请输入图片验证码'],
  CAPTCHA_WRONG: [400, '图片验证码错误'],
  CAPTCHA_INVALID: [400, '图片验证码已失效'],
  CAPTCHA_UNAVAILABLE: [503, '验证码服务暂不可用'],
  SMS_NOT_CONFIGURED: [5188, '企业短信账号不存在'],
  SMS_ACCESS_KEY_NOT_FOUND: [5188, '企业短信账号不存在'],
  SMS_TEMPLATE_NOT_FOUND: [5209, '企业短信模板不存在'],
  SMS_SIGNATURE_NOT_FOUND: [5202, '企业短信签名不存在'],
  SMS_ACCOUNT_NOT_FOUND: [5188, '企业短信账号不存在'],
  SMS_ACCOUNT_DISABLED: [5128, '企业短信账号已停用'],
  SMS_TEMPLATE_DISABLED: [5125, '企业短信模板ID已停用'],
  SMS_SIGNATURE_DISABLED: [5123, '企业短信签名ID已停用'],
  SMS_BINDING_ACCOUNT_MISMATCH: [5126, '短信签名和短信模板不在同一短信账号下'],
  SMS_BINDING_TYPE_MISMATCH: [5216, '签名ID和模板ID的类型请保持一致'],
  SMS_PROVIDER_REJECTED: [5059, '短信发送异常'],
  SMS_PHONE_REJECTED: [5019, '手机号格式不正确'],
  SMS_PROVIDER_RATE_LIMITED: [5058, '短信发送超出频率'],
  SMS_PROVIDER_FAILED: [5059, '短信发送异常'],
};

const MISSING = new Set(['isDefined', 'isNotEmpty']);

/** Validation codes per query parameter: `missing` when absent or empty, `other` otherwise. */
export const ENDUSER_FIELD_CODES: Record<string, { missing: [number, string]; other: [number, string] }> = {
  // sendPhoneSmsCode
  phone: { missing: [5021, '请输入手机号码'], other: [5019, '手机号格式不正确'] },
  userDomain: { missing: [5023, '请输入用户域'], other: [5008, '用户域不存在'] },
  internationalCode: { missing: [5116, '请输入国际代码'], other: [5019, '手机号格式不正确'] },
  codeType: { missing: [5002, '短信类型不正确'], other: [5002, '短信类型不正确'] },
  random: { missing: [5003, '随机数必须为16位'], other: [5003, '随机数必须为16位'] },
  ts: { missing: [5004, '时间戳格式不正确'], other: [5004, '时间戳格式不正确'] },
  signature: { missing: [5006, '签名错误'], other: [5006, '签名错误'] },
  // setPhone (DESIGN §6): 5162–5167 in parameter order; a bad old number cannot be the user's.
  newInternationalCode: { missing: [5162, '请输入新手机国际代码'], other: [5019, '手机号格式不正确'] },
  newPhone: { missing: [5163, '请输入新手机号码'], other: [5019, '手机号格式不正确'] },
  newPhoneCode: { missing: [5164, '请输入新手机验证码'], other: [5169, '新手机验证码错误'] },
  oldInternationalCode: { missing: [5165, '请输入旧手机国际代码'], other: [5174, '旧手机号码不正确'] },
  oldPhone: { missing: [5166, '请输入旧手机号码'], other: [5174, '旧手机号码不正确'] },
  oldPhoneCode: { missing: [5167, '请输入旧手机验证码'], other: [5168, '旧手机验证码错误'] },
};

/**
 * Errors other than validation whose code depends on the query parameter they
 * name (setPhone): which of the two codes failed, and a swap that changed nothing.
 */
export const ENDUSER_FIELD_ERRORS: Partial<Record<ErrorName, Record<string, [code: number, msg: string]>>> = {
  CODE_WRONG: { oldPhoneCode: [5168, '旧手机验证码错误'] },
  CODE_EXPIRED: { oldPhoneCode: [5168, '旧手机验证码错误'] },
  // The user existed when setPhone began but the swap changed no row: the update failed.
  USER_NOT_FOUND: { newPhone: [5170, '更新手机号失败'] },
};

/** setPhone's query parameters for the phone change's roles. */
export const ENDUSER_SET_PHONE_FIELDS: Record<PhoneChangeRole, string> = {
  oldMcode: 'oldInternationalCode',
  oldMobile: 'oldPhone',
  oldCode: 'oldPhoneCode',
  newMcode: 'newInternationalCode',
  newMobile: 'newPhone',
  newCode: 'newPhoneCode',
};

/** The seed 003 code and message of an error. */
export function enduserCode(error: DomainError): [number, string] {
  const field = error.details.field;
  if (error.code === 'VALIDATION_FAILED' && field) {
    const table = ENDUSER_FIELD_CODES[field];
    if (table) return MISSING.has(error.details.constraint ?? '') ? table.missing : table.other;
  }
  return (field && ENDUSER_FIELD_ERRORS[error.code]?.[field]) || ENDUSER_CODES[error.code];
}

/**
 * Seed 003's dialect: HTTP 200, `{code, msg, extMsg, data}`; success is `code: 200`
 * (the seed's status table; its sample's `code: 0` contradicts it — README).
 */
export class EnduserDialect implements WireDialect {
  readonly name = 'enduser';

  matches(path: string): boolean {
    return path.startsWith('/v2/sms/enduserapi/') || path.startsWith('/v2/enduser/enduserapi/');
  }

  success(data: unknown): unknown {
    return { code: 200, msg: 'success', extMsg: '', data: data ?? {} };
  }

  failure(error: DomainError, _ctx: ErrorContext): WireReply {
    const [code, msg] = enduserCode(error);
    const data = error.details.retryAfterS !== undefined ? { retryAfter: Math.ceil(error.details.retryAfterS) } : {};
    const extMsg = error.code === 'VALIDATION_FAILED' && error.details.message ? error.details.message : '';
    return { status: 200, body: { code, msg, extMsg, data } };
  }
}
