import { mayFailOver, refusalClass, type SmsRefused } from '../sms-provider.js';
import { tencentCodeOutcome, tencentThrownOutcome } from './tencent-outcome.js';
import { tencentTemplateParams } from './tencent-sms.provider.js';

describe('tencent answer mapping', () => {
  it('takes a code it does not know as a rejection of the account, not retried', () => {
    expect(tencentCodeOutcome('FailedOperation.SomethingNew', 'm')).toEqual({ ok: false, error: 'SMS_PROVIDER_REJECTED', transient: false, providerCode: 'FailedOperation.SomethingNew', providerMessage: 'm' });
    expect(tencentCodeOutcome('RequestLimitExceeded.Whatever', null)).toMatchObject({ error: 'SMS_PROVIDER_FAILED', transient: true });
  });

  it.each([
    ['a refused connect sent nothing', 'request to <x> failed, reason: connect ECONNREFUSED 127.0.0.1:9', { error: 'SMS_PROVIDER_FAILED', transient: true }],
    ['an unknown host sent nothing', 'request to <x> failed, reason: getaddrinfo ENOTFOUND sms.invalid', { error: 'SMS_PROVIDER_FAILED', transient: true }],
    ['a timeout may have sent it', 'network timeout at: http://127.0.0.1:9/', { unknown: true }],
    ['a hang-up may have sent it', 'request to http://127.0.0.1:9/ failed, reason: socket hang up', { unknown: true }],
  ])('%s', (_what, message, expected) => {
    expect(tencentThrownOutcome(Object.assign(new Error(message), { requestId: '', traceId: '' }))).toMatchObject(expected);
  });

  it.each([
    ['an answer cut off', 'Invalid response body while trying to fetch http://127.0.0.1:9/: aborted', 'ECONNRESET', 'ECONNRESET'],
    ['an answer not read past the bound', 'Invalid response body while trying to fetch http://127.0.0.1:9/: the answer passed 1048576 bytes', 'AnswerTooLarge', 'AnswerTooLarge'],
  ])('%s (node-fetch reading the body) may have sent it: unknown, its code a system error\'s, not Tencent\'s', (_what, message, code, providerCode) => {
    const err = Object.assign(new Error(message), { name: 'FetchError', type: 'system', code });
    expect(tencentThrownOutcome(err)).toEqual({ ok: false, unknown: true, providerCode, providerMessage: expect.not.stringContaining('http') });
  });

  it('keeps URLs out of the message', () => {
    expect(tencentThrownOutcome(new Error('network timeout at: http://127.0.0.1:9/')).providerMessage).toBe('network timeout at: <url>');
  });

  it('orders positional template parameters, and keeps the order given otherwise', () => {
    expect(tencentTemplateParams({ 2: '5', 1: '123456' })).toEqual(['123456', '5']);
    expect(tencentTemplateParams({ code: '123456' })).toEqual(['123456']);
  });
});

describe('refusal classes (DESIGN §8)', () => {
  const refusal = (error: SmsRefused['error'], transient = false): SmsRefused => ({ ok: false, error, transient, providerCode: null, providerMessage: null });

  it.each([
    [refusal('SMS_PHONE_REJECTED'), 'refused_for_number', false],
    [refusal('SMS_PROVIDER_RATE_LIMITED'), 'rate_limited', false],
    [refusal('SMS_ACCESS_KEY_NOT_FOUND'), 'account', true],
    [refusal('SMS_PROVIDER_REJECTED'), 'account', true],
    [refusal('SMS_TEMPLATE_NOT_FOUND'), 'account', true],
    [refusal('SMS_PROVIDER_FAILED', true), 'transient', true],
  ])('%o is %s (fails over: %s)', (r, cls, failover) => {
    expect(refusalClass(r)).toBe(cls);
    expect(mayFailOver(r)).toBe(failover);
  });
});
