import { DomainError } from '../../common/errors/domain-error.js';
import { ERROR_NAMES } from '../../common/errors/error-registry.js';
import { V1_DEFAULT_CODES, V1Dialect, v1Code } from './v1.dialect.js';

describe('V1Dialect', () => {
  const dialect = new V1Dialect();
  const ctx = (route: string) => ({ requestId: 'r', route });

  it('maps every registry name to a 3-digit global or a 400xxx business code', () => {
    for (const name of ERROR_NAMES) expect(String(V1_DEFAULT_CODES[name])).toMatch(/^(\d{3}|400\d{3})$/);
  });

  it("honours each endpoint's own numbering", () => {
    expect(v1Code(new DomainError('CODE_WRONG'), 'POST /v1/login/mobile')).toBe(400194);
    expect(v1Code(new DomainError('CODE_WRONG'), 'POST /v1/user/mobile')).toBe(400190);
    expect(v1Code(new DomainError('CODE_EXPIRED'), 'POST /v1/user/mobile')).toBe(400191);
    expect(v1Code(new DomainError('LOGIN_DISABLED'), 'POST /v1/login/verify_code')).toBe(400197);
    expect(v1Code(new DomainError('LOGIN_DISABLED'), 'POST /v1/user/verify_code')).toBe(400198);
    expect(v1Code(new DomainError('SMS_NOT_CONFIGURED'), 'POST /v1/user/verify_code')).toBe(400197);
    expect(v1Code(new DomainError('SMS_NOT_CONFIGURED'), 'POST /v1/login/verify_code')).toBe(400185);
  });

  it('tells a missing parameter from a malformed one', () => {
    const v = (field: string, constraint: string) => v1Code(new DomainError('VALIDATION_FAILED', { field, constraint }), 'POST /v1/login/mobile');
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
