import { DomainError } from '../../common/errors/domain-error.js';
import { ERROR_NAMES } from '../../common/errors/error-registry.js';
import { ENDUSER_CODES, EnduserDialect, enduserCode } from './enduser.dialect.js';

describe('EnduserDialect', () => {
  const dialect = new EnduserDialect();
  const ctx = { requestId: 'r', route: 'POST /v2/sms/enduserapi/v2/sendPhoneSmsCode' };

  it('maps every registry name to an HTTP-like or a 50xx code', () => {
    for (const name of ERROR_NAMES) expect(String(ENDUSER_CODES[name][0])).toMatch(/^(\d{3}|5\d{3})$/);
  });

  it("maps SMS configuration errors onto the seed's 5117–5216 where the condition exists", () => {
    const c = (name: (typeof ERROR_NAMES)[number]) => enduserCode(new DomainError(name))[0];
    expect(c('SMS_ACCOUNT_DISABLED')).toBe(5128);
    expect(c('SMS_SIGNATURE_DISABLED')).toBe(5123);
    expect(c('SMS_TEMPLATE_DISABLED')).toBe(5125);
    expect(c('SMS_BINDING_ACCOUNT_MISMATCH')).toBe(5126);
    expect(c('SMS_BINDING_TYPE_MISMATCH')).toBe(5216);
    expect(c('SMS_ACCOUNT_NOT_FOUND')).toBe(5188);
    expect(c('SMS_NOT_CONFIGURED')).toBe(5188);
    expect(c('SMS_SIGNATURE_NOT_FOUND')).toBe(5202);
    expect(c('SMS_TEMPLATE_NOT_FOUND')).toBe(5209);
    expect(c('SMS_PROVIDER_FAILED')).toBe(5059);
    expect(c('SEND_COOLDOWN')).toBe(5058);
  });

  it('tells the two setPhone codes apart, and a failed swap from a missing user', () => {
    expect(enduserCode(new DomainError('CODE_WRONG', { field: 'oldPhoneCode' }))[0]).toBe(5168);
    expect(enduserCode(new DomainError('CODE_EXPIRED', { field: 'newPhoneCode' }))[0]).toBe(5169);
    expect(enduserCode(new DomainError('USER_NOT_FOUND', { field: 'newPhone' }))[0]).toBe(5170);
    expect(enduserCode(new DomainError('USER_NOT_FOUND'))[0]).toBe(5033);
  });

  it('tells a missing parameter from a malformed one', () => {
    const v = (field: string, constraint: string) => enduserCode(new DomainError('VALIDATION_FAILED', { field, constraint }))[0];
    expect(v('phone', 'isNotEmpty')).toBe(5021);
    expect(v('phone', 'isPhone')).toBe(5019);
    expect(v('internationalCode', 'isDefined')).toBe(5116);
    expect(v('oldPhone', 'isCurrentPhone')).toBe(5174);
    expect(v('unknownField', 'isString')).toBe(5001);
  });

  it('wraps success and failure in {code, msg, extMsg, data} with HTTP 200', () => {
    expect(dialect.success(undefined)).toEqual({ code: 200, msg: 'success', extMsg: '', data: {} });
    expect(dialect.failure(new DomainError('SEND_COOLDOWN', { retryAfterS: 41.2 }), ctx)).toEqual({
      status: 200,
      body: { code: 5058, msg: '短信发送超出频率', extMsg: '', data: { retryAfter: 42 } },
    });
  });
});
