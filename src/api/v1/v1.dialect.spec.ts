import { DomainError } from '../../common/errors/domain-error.js';
import { ERROR_NAMES } from '../../common/errors/error-registry.js';
import { errorCodesOf } from '../../common/http/route-error-codes.js';
import { V1LoginController } from './v1-login.controller.js';
import { V1SmsController } from './v1-sms.controller.js';
import { V1UserController } from './v1-user.controller.js';
import {
  V1_DEFAULT_CODES,
  V1_LOGIN_MOBILE_CODES,
  V1_LOGIN_SEND_CODES,
  V1_SMS_SEND_CODES,
  V1_USER_MOBILE_CODES,
  V1_USER_SEND_CODES,
  V1Dialect,
  v1Code,
} from './v1.dialect.js';

/** Errors that one row of a document stands for (a disabled template is "template not found" to a client). */
function meaning(name: string): string {
  const rows: Record<string, string> = {
    SMS_TEMPLATE_DISABLED: 'SMS_TEMPLATE_NOT_FOUND',
    SMS_SIGNATURE_DISABLED: 'SMS_SIGNATURE_NOT_FOUND',
    SMS_ACCOUNT_NOT_FOUND: 'SMS_NOT_CONFIGURED',
    SMS_ACCOUNT_DISABLED: 'SMS_NOT_CONFIGURED',
    SMS_BINDING_ACCOUNT_MISMATCH: 'SMS_NOT_CONFIGURED',
    SMS_BINDING_TYPE_MISMATCH: 'SMS_NOT_CONFIGURED',
    LOGIN_DISABLED: 'login',
    LOGIN_NOT_CONFIGURED: 'login',
    MOBILE_LOGIN_DISABLED: 'login',
  };
  return rows[name] ?? name;
}

describe('V1Dialect', () => {
  const dialect = new V1Dialect();
  const ctx = (route: string) => ({ requestId: 'r', route });

  it('maps every registry name to a 3-digit global or a 400xxx business code', () => {
    for (const name of ERROR_NAMES) expect(String(V1_DEFAULT_CODES[name])).toMatch(/^(\d{3}|400\d{3})$/);
  });

  it("honours each endpoint's own numbering", () => {
    expect(v1Code(new DomainError('CODE_WRONG'), V1_LOGIN_MOBILE_CODES)).toBe(400194);
    expect(v1Code(new DomainError('CODE_WRONG'), V1_USER_MOBILE_CODES)).toBe(400190);
    expect(v1Code(new DomainError('CODE_EXPIRED'), V1_USER_MOBILE_CODES)).toBe(400191);
    expect(v1Code(new DomainError('LOGIN_DISABLED'), V1_LOGIN_SEND_CODES)).toBe(400197);
    expect(v1Code(new DomainError('LOGIN_DISABLED'), V1_USER_SEND_CODES)).toBe(400198);
    expect(v1Code(new DomainError('SMS_NOT_CONFIGURED'), V1_USER_SEND_CODES)).toBe(400197);
    expect(v1Code(new DomainError('SMS_NOT_CONFIGURED'), V1_LOGIN_SEND_CODES)).toBe(400195);
    expect(v1Code(new DomainError('SMS_PROVIDER_FAILED'), V1_LOGIN_SEND_CODES)).toBe(400190);
    expect(v1Code(new DomainError('SMS_PROVIDER_FAILED'), V1_USER_SEND_CODES)).toBe(400192);
  });

  it('finds each table on its handler, whatever path the route has', () => {
    const on = (controller: { prototype: object }, method: string) => errorCodesOf((controller.prototype as Record<string, object>)[method]);
    expect(on(V1LoginController, 'sendLoginCode')).toBe(V1_LOGIN_SEND_CODES);
    expect(on(V1LoginController, 'login')).toBe(V1_LOGIN_MOBILE_CODES);
    expect(on(V1UserController, 'sendUpdatePhoneCode')).toBe(V1_USER_SEND_CODES);
    expect(on(V1UserController, 'changePhone')).toBe(V1_USER_MOBILE_CODES);
    expect(on(V1SmsController, 'send')).toBe(V1_SMS_SEND_CODES);
  });

  it('never gives one code two meanings within a send endpoint', () => {
    // code.md: business codes repeat across endpoints, never within one. What a send can raise:
    const raised = ERROR_NAMES.filter((n) => n.startsWith('SMS_') || ['LOGIN_NOT_CONFIGURED', 'LOGIN_DISABLED', 'MOBILE_LOGIN_DISABLED', 'APPKEY_NOT_FOUND', 'PHONE_REGION_NOT_ALLOWED', 'PHONE_TYPE_NOT_ALLOWED', 'SEND_BLOCKED'].includes(n));
    for (const table of [V1_LOGIN_SEND_CODES, V1_USER_SEND_CODES, V1_SMS_SEND_CODES]) {
      const byCode = new Map<number, Set<string>>();
      for (const name of raised) {
        const code = v1Code(new DomainError(name), table);
        if (code < 400000) continue; // a global code (429) means the same everywhere
        byCode.set(code, (byCode.get(code) ?? new Set()).add(meaning(name)));
      }
      for (const [code, meanings] of byCode) expect([code, [...meanings]]).toEqual([code, [...meanings].slice(0, 1)]);
    }
  });

  it('tells a missing parameter from a malformed one', () => {
    const v = (field: string, constraint: string) => v1Code(new DomainError('VALIDATION_FAILED', { field, constraint }), V1_LOGIN_MOBILE_CODES);
    expect(v('mcode', 'isNotEmpty')).toBe(400104);
    expect(v('mcode', 'isPhone')).toBe(400105);
    expect(v('verify_code', 'isString')).toBe(400109);
    expect(v('verify_code', 'maxLength')).toBe(400110);
    expect(v('oaid', 'maxLength')).toBe(400114);
    expect(v('oaid', 'isString')).toBe(400117);
    expect(v('unknown_field', 'isString')).toBe(400);
  });

  it('answers HTTP 200 with the validation message, and the wait of rate limits', () => {
    expect(dialect.failure(new DomainError('VALIDATION_FAILED', { field: 'mobile', constraint: 'isPhone', message: 'mobile must be valid' }), ctx('POST /v1/login/verify_code'))).toEqual({
      status: 200,
      body: { code: 400107, msg: 'mobile must be valid' },
    });
    expect(dialect.failure(new DomainError('SEND_COOLDOWN', { retryAfterS: 42 }), ctx('POST /v1/login/verify_code')).body).toEqual({ code: 429, msg: 'Too Many Requests', data: { retry_after: 42 } });
  });
});
