import { parseChinaTime } from '../china-time.js';
import { invalidReport, reportObjects } from '../pushed-reports.js';

/** The most status reports one push may carry. */
export const MAX_TENCENT_REPORTS_PER_PUSH = 500;

/** One of Tencent's status-report callbacks' reports, checked and bounded. */
export interface TencentReport {
  /** E.164: `+` and the report's nationcode and mobile. */
  phone: string;
  /** The send's SerialNo (`sid`). */
  serialNo: string;
  success: boolean;
  /** `errmsg`: `DELIVRD`, or the carrier's failure code. */
  code: string | null;
  reportedAt: Date | null;
}

/** What Tencent expects back from a callback it may drop. */
export const TENCENT_RECEIPT_ACK = { result: 0, errmsg: 'OK' } as const;

/**
 * The reports of one of Tencent's status-report callbacks (短信下发状态通知: a JSON
 * array of objects with user_receive_time, nationcode, mobile, report_status,
 * errmsg, description, sid), bounded before anything reads them further: at most
 * {@link MAX_TENCENT_REPORTS_PER_PUSH}, each field of the expected shape. Fields
 * Passcode does not use (`description`, any Tencent adds) are ignored, whatever they
 * hold; `errmsg`, the one free text kept, is made fit where outcomes are recorded.
 * VALIDATION_FAILED when it is not such an array.
 */
export function parseTencentReports(body: unknown): TencentReport[] {
  return reportObjects(body, MAX_TENCENT_REPORTS_PER_PUSH).map((r, i) => {
    const { nationcode, mobile, sid, report_status: status, errmsg } = r;
    if (typeof nationcode !== 'string' || !/^[1-9]\d{0,3}$/.test(nationcode)) throw invalidReport(`[${i}].nationcode`, 'matches', 'nationcode is 1 to 4 digits');
    if (typeof mobile !== 'string' || !/^\d{4,15}$/.test(mobile)) throw invalidReport(`[${i}].mobile`, 'matches', 'mobile is 4 to 15 digits');
    if (typeof sid !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(sid)) throw invalidReport(`[${i}].sid`, 'matches', 'sid is 1 to 128 printable characters');
    if (status !== 'SUCCESS' && status !== 'FAIL') throw invalidReport(`[${i}].report_status`, 'isIn', 'report_status is SUCCESS or FAIL');
    if (errmsg !== undefined && errmsg !== null && (typeof errmsg !== 'string' || errmsg.length > 64)) throw invalidReport(`[${i}].errmsg`, 'maxLength', 'errmsg is a string of at most 64 characters');
    const received = typeof r.user_receive_time === 'string' ? r.user_receive_time : null;
    return { phone: `+${nationcode}${mobile}`, serialNo: sid, success: status === 'SUCCESS', code: errmsg || null, reportedAt: parseChinaTime(received) };
  });
}
