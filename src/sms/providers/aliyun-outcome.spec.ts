import { aliyunCodeFailure, aliyunThrownFailure } from './aliyun-outcome.js';
import { aliyunPhone } from './aliyun-sms.provider.js';
import { renderTemplate } from './render-template.js';

describe('aliyun answer mapping', () => {
  it.each([
    ['SignatureDoesNotMatch', 'SMS_ACCESS_KEY_NOT_FOUND', false],
    ['InvalidAccessKeyId.NotFound', 'SMS_ACCESS_KEY_NOT_FOUND', false],
    ['isv.ACCOUNT_NOT_EXISTS', 'SMS_ACCESS_KEY_NOT_FOUND', false],
    ['isp.RAM_PERMISSION_DENY', 'SMS_ACCESS_KEY_NOT_FOUND', false],
    ['isv.SMS_SIGNATURE_ILLEGAL', 'SMS_SIGNATURE_NOT_FOUND', false],
    ['isv.SIGN_STATE_ILLEGAL', 'SMS_SIGNATURE_NOT_FOUND', false],
    ['isv.SMS_TEMPLATE_ILLEGAL', 'SMS_TEMPLATE_NOT_FOUND', false],
    ['isv.MOBILE_NUMBER_ILLEGAL', 'SMS_PHONE_REJECTED', false],
    ['isv.BUSINESS_LIMIT_CONTROL', 'SMS_PROVIDER_RATE_LIMITED', false],
    ['isv.DAY_LIMIT_CONTROL', 'SMS_PROVIDER_RATE_LIMITED', false],
    ['isv.SMS_SIGNATURE_SCENE_ILLEGAL', 'SMS_PROVIDER_REJECTED', false],
    ['isv.AMOUNT_NOT_ENOUGH', 'SMS_PROVIDER_REJECTED', false],
    ['isv.SOMETHING_NEW', 'SMS_PROVIDER_REJECTED', false],
    ['isp.SYSTEM_ERROR', 'SMS_PROVIDER_FAILED', true],
    ['Throttling.User', 'SMS_PROVIDER_FAILED', true],
  ])('%s → %s (transient: %s)', (code, error, transient) => {
    expect(aliyunCodeFailure(code, 'm')).toEqual({ ok: false, error, transient, providerCode: code, providerMessage: 'm' });
  });

  it('treats any 5xx code as transient', () => {
    expect(aliyunCodeFailure('Whatever', null, 502)).toMatchObject({ error: 'SMS_PROVIDER_FAILED', transient: true });
  });

  it('maps what the SDK throws', () => {
    expect(aliyunThrownFailure(Object.assign(new Error('x'), { name: 'ClientError', code: 'SignatureDoesNotMatch', statusCode: 400 }))).toMatchObject({
      error: 'SMS_ACCESS_KEY_NOT_FOUND',
      transient: false,
    });
    expect(aliyunThrownFailure(Object.assign(new Error('x'), { name: 'ServerError', code: 'InternalError', statusCode: 500 }))).toMatchObject({
      error: 'SMS_PROVIDER_FAILED',
      transient: true,
      providerCode: 'InternalError',
    });
    expect(aliyunThrownFailure(Object.assign(new Error('x'), { name: 'ThrottlingError', code: 'Throttling.User', statusCode: 400 }))).toMatchObject({
      transient: true,
    });
    expect(aliyunThrownFailure(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toMatchObject({ providerCode: 'ECONNREFUSED', transient: true });
    expect(aliyunThrownFailure(new SyntaxError('Unexpected token <'))).toMatchObject({ providerCode: 'SyntaxError', transient: true });
    expect(aliyunThrownFailure(undefined)).toMatchObject({ error: 'SMS_PROVIDER_FAILED', transient: true });
  });

  it('writes numbers the way Aliyun wants them', () => {
    expect(aliyunPhone('+8618518768888')).toBe('18518768888');
    expect(aliyunPhone('+85291234567')).toBe('85291234567');
  });

  it('renders ${name} and {name} placeholders and leaves unknown ones', () => {
    expect(renderTemplate('code ${code}, {code}, ${other}', { code: '42' })).toBe('code 42, 42, ${other}');
  });
});
