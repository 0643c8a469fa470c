import { invalidReport, reportObjects } from '../pushed-reports.js';
import { parseChinaTime } from '../china-time.js';

/** The most status reports one push may carry; Aliyun's batches are far smaller. */
export const MAX_REPORTS_PER_PUSH = 500;

/** The JSON values a push may spend on one report: the report and its nine documented fields, with room for as many more (Aliyun's newer reports add a few). */
export const VALUES_PER_REPORT = 20;

/** One of Aliyun's SmsReport status reports, checked and bounded. */
export interface AliyunReport {
  /** As Aliyun writes it: mainland numbers without +86, others with their country code, no `+`. */
  phone: string;
  bizId: string;
  success: boolean;
  /** `DELIVERED`, or the carrier's failure code. */
  code: string | null;
  reportedAt: Date | null;
}

/** Aliyun's answer that it may drop the batch (it retries anything else). */
export const ALIYUN_RECEIPT_ACK = { code: 0, msg: '成功' } as const;

/**
 * The reports of one SmsReport HTTP batch push (a JSON array of objects with
 * phone_number, send_time, report_time, success, err_code, err_msg, sms_size,
 * biz_id, out_id), bounded before anything reads them further: at most
 * {@link MAX_REPORTS_PER_PUSH}, each field a short string of the expected shape.
 * Fields Passcode does not use are ignored, whatever they hold (the route's body is
 * not scanned for what Postgres cannot store: these checks are the only ones);
 * `err_code`, the one free text kept, is made fit where outcomes are recorded.
 * VALIDATION_FAILED when it is not such an array.
 */
export function parseAliyunReports(body: unknown): AliyunReport[] {
  return reportObjects(body, MAX_REPORTS_PER_PUSH).map((r, i) => {
    const phone = r.phone_number;
    const bizId = r.biz_id;
    if (typeof phone !== 'string' || !/^\d{4,16}$/.test(phone)) throw invalidReport(`[${i}].phone_number`, 'matches', 'phone_number is 4 to 16 digits');
    if (typeof bizId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(bizId)) throw invalidReport(`[${i}].biz_id`, 'matches', 'biz_id is 1 to 128 printable characters');
    if (typeof r.success !== 'boolean') throw invalidReport(`[${i}].success`, 'isBoolean', 'success is true or false');
    const code = r.err_code;
    if (code !== undefined && code !== null && (typeof code !== 'string' || code.length > 64)) throw invalidReport(`[${i}].err_code`, 'maxLength', 'err_code is a string of at most 64 characters');
    // Its text is made fit where outcomes are recorded (SmsReceiptsService.record), as a polled code's is.
    return { phone, bizId, success: r.success, code: code || null, reportedAt: parseChinaTime(typeof r.report_time === 'string' ? r.report_time : null) };
  });
}

/** The E.164 numbers an Aliyun-formatted number may stand for (the inverse of aliyunPhone). */
export function e164Candidates(aliyunNumber: string): string[] {
  return [`+86${aliyunNumber}`, `+${aliyunNumber}`];
}
