import { DomainError } from '../../../common/errors/domain-error.js';
import { chinaDate, parseChinaTime } from '../china-time.js';
import { aliyunPhone } from './aliyun-sms.provider.js';
import { e164Candidates, MAX_REPORTS_PER_PUSH, parseAliyunReports } from './aliyun-receipts.js';

const report = (over: Record<string, unknown> = {}) => ({
  phone_number: '13800138000', send_time: '2026-01-02 03:04:05', report_time: '2026-01-02 03:04:09', success: true,
  err_code: 'DELIVERED', err_msg: '用户接收成功', sms_size: '1', biz_id: '123456^0', out_id: '', ...over,
});

describe('Aliyun status reports', () => {
  it('reads a batch push', () => {
    expect(parseAliyunReports([report(), report({ success: false, err_code: 'MK:0001', biz_id: '9^1' })])).toEqual([
      { phone: '13800138000', bizId: '123456^0', success: true, code: 'DELIVERED', reportedAt: new Date('2026-01-01T19:04:09Z') },
      { phone: '13800138000', bizId: '9^1', success: false, code: 'MK:0001', reportedAt: new Date('2026-01-01T19:04:09Z') },
    ]);
  });

  it.each([
    ['not an array', { reports: [] }],
    ['too many reports', Array.from({ length: MAX_REPORTS_PER_PUSH + 1 }, () => report())],
    ['a report that is not an object', ['x']],
    ['a phone that is not digits', [report({ phone_number: '+86 138' })]],
    ['a missing biz_id', [report({ biz_id: undefined })]],
    ['an overlong biz_id', [report({ biz_id: 'x'.repeat(129) })]],
    ['success as a string', [report({ success: 'true' })]],
    ['an overlong err_code', [report({ err_code: 'E'.repeat(65) })]],
  ])('refuses %s', (_what, body) => {
    expect(() => parseAliyunReports(body)).toThrow(DomainError);
  });

  it('reads an unreadable report time as none', () => {
    expect(parseAliyunReports([report({ report_time: 'yesterday' })])[0].reportedAt).toBeNull();
  });

  it('maps numbers both ways', () => {
    for (const e164 of ['+8613800138000', '+85261234567']) expect(e164Candidates(aliyunPhone(e164))).toContain(e164);
  });

  it('files a send under its date in China time', () => {
    expect(chinaDate(new Date('2026-01-01T15:59:59Z'))).toBe('20260101');
    expect(chinaDate(new Date('2026-01-01T16:00:00Z'))).toBe('20260102');
    expect(parseChinaTime('2026-01-02 00:00:00')).toEqual(new Date('2026-01-01T16:00:00Z'));
  });

  it('reads no time from an impossible one, rather than rolling it over', () => {
    expect(parseChinaTime('2024-02-29 23:59:59')).toEqual(new Date('2024-02-29T15:59:59Z'));
    for (const impossible of ['2026-02-29 10:00:00', '2026-02-30 10:00:00', '2026-04-31 00:00:00', '2026-13-01 00:00:00', '2026-01-01 24:00:00', '2026-01-01 23:60:00']) {
      expect(parseChinaTime(impossible)).toBeNull();
    }
  });
});
