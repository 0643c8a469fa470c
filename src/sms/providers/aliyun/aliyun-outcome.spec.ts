import { UnreadAnswerError } from '../answer-bound.js';
import { aliyunCodeFailure, aliyunThrownOutcome } from './aliyun-outcome.js';
import { aliyunPhone } from './aliyun-sms.provider.js';
import { renderTemplate } from '../render-template.js';

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

  it('maps what the SDK throws when Aliyun answered', () => {
    expect(aliyunThrownOutcome(Object.assign(new Error('x'), { name: 'ClientError', code: 'SignatureDoesNotMatch', statusCode: 400 }))).toMatchObject({
      error: 'SMS_ACCESS_KEY_NOT_FOUND',
      transient: false,
    });
    expect(aliyunThrownOutcome(Object.assign(new Error('x'), { name: 'ServerError', code: 'InternalError', statusCode: 500 }))).toMatchObject({
      error: 'SMS_PROVIDER_FAILED',
      transient: true,
      providerCode: 'InternalError',
    });
    expect(aliyunThrownOutcome(Object.assign(new Error('x'), { name: 'ThrottlingError', code: 'Throttling.User', statusCode: 400 }))).toMatchObject({
      transient: true,
    });
  });

  // The shapes below are what the SDK (httpx over node:http) throws, as seen against local servers.
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9POST http://127.0.0.1:9/?PhoneNumbers=1 failed.'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    ['an unknown host', Object.assign(new Error('getaddrinfo ENOTFOUND x.invalidPOST http://x.invalid/ failed.'), { code: 'ENOTFOUND' }), 'ENOTFOUND'],
    ['a certificate we refuse', Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  ])('%s sent nothing: a transient refusal, which may fail over', (_what, err, providerCode) => {
    expect(aliyunThrownOutcome(err)).toMatchObject({ ok: false, error: 'SMS_PROVIDER_FAILED', transient: true, providerCode });
  });

  it.each([
    ['a read timeout', Object.assign(new Error('ReadTimeout(700). POST http://127.0.0.1:9/?PhoneNumbers=1 failed.'), { name: 'RequestTimeoutError' }), 'RequestTimeoutError'],
    // httpx's connect timeout is the socket's idle timeout: on a reused connection it ends a request the provider received.
    ['a "connect" timeout', Object.assign(new Error('ConnectTimeout: Connect http://127.0.0.1:9/?PhoneNumbers=1 failed.'), { name: 'RequestTimeoutError' }), 'RequestTimeoutError'],
    ['a hang-up after the request', Object.assign(new Error('socket hang upPOST http://127.0.0.1:9/ failed.'), { code: 'ECONNRESET' }), 'ECONNRESET'],
    ['a reset while reading the answer', Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), 'ECONNRESET'],
    ['a broken pipe', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), 'EPIPE'],
    ['an answer that is not JSON', new SyntaxError('Unexpected token <'), 'SyntaxError'],
    ['an answer not read past the bound', new UnreadAnswerError('AnswerTooLarge', 'the answer passed 1048576 bytes; not read further'), 'AnswerTooLarge'],
    ['anything else', undefined, 'Error'],
  ])('%s may have sent the message: unknown', (_what, err, providerCode) => {
    expect(aliyunThrownOutcome(err)).toMatchObject({ ok: false, unknown: true, providerCode });
    expect(aliyunThrownOutcome(err)).not.toHaveProperty('error');
  });

  it('keeps the request URL (phone number, template parameters) out of the message', () => {
    const err = Object.assign(new Error('ReadTimeout(700). POST http://127.0.0.1:9/?PhoneNumbers=18518768888&TemplateParam=%7B%22code%22%3A%22123456%22%7D failed.'), {
      name: 'RequestTimeoutError',
    });
    const { providerMessage } = aliyunThrownOutcome(err);
    expect(providerMessage).toBe('ReadTimeout(700). <url> failed.');
  });

  it('writes numbers the way Aliyun wants them', () => {
    expect(aliyunPhone('+8618518768888')).toBe('18518768888');
    expect(aliyunPhone('+85291234567')).toBe('85291234567');
  });

  it('renders ${name} and {name} placeholders and leaves unknown ones', () => {
    expect(renderTemplate('code ${code}, {code}, ${other}', { code: '42' })).toBe('code 42, 42, ${other}');
  });
});
