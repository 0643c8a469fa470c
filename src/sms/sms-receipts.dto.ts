import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/*
 * The status-report push's body and answers, for the published OpenAPI document.
 * The body is checked by parseAliyunReports (providers/aliyun/aliyun-receipts.ts), which
 * bounds it before anything reads it; these classes only describe it.
 */

/** One of the reports of Aliyun's SmsReport HTTP batch push. */
export class AliyunStatusReportDoc {
  @ApiProperty({ description: 'the number as Aliyun writes it: mainland numbers without +86, others with their country code', example: '13800138000', pattern: '^\\d{4,16}$' })
  phone_number: string;
  @ApiProperty({ description: 'the BizId SendSms answered', example: '123456^0', maxLength: 128 }) biz_id: string;
  @ApiProperty({ description: 'whether the handset received it' }) success: boolean;
  @ApiPropertyOptional({ description: 'DELIVERED, or the carrier\'s failure code', example: 'DELIVERED', maxLength: 64 }) err_code?: string;
  @ApiPropertyOptional({ description: 'the carrier\'s report time, China time', example: '2026-01-02 03:04:09' }) report_time?: string;
  @ApiPropertyOptional({ description: 'ignored', example: '2026-01-02 03:04:05' }) send_time?: string;
  @ApiPropertyOptional({ description: 'ignored' }) err_msg?: string;
  @ApiPropertyOptional({ description: 'ignored' }) sms_size?: string;
  @ApiPropertyOptional({ description: 'ignored' }) out_id?: string;
}

/** What Aliyun expects back from a push it may drop. */
export class AliyunReceiptAckData {
  @ApiProperty({ enum: [0] }) code: 0;
  @ApiProperty({ example: '成功' }) msg: string;
}

/** One of the reports of Tencent's status-report callback. */
export class TencentStatusReportDoc {
  @ApiProperty({ description: 'the country code, without +', example: '86', pattern: '^[1-9]\\d{0,3}$' }) nationcode: string;
  @ApiProperty({ description: 'the national number', example: '13800138000', pattern: '^\\d{4,15}$' }) mobile: string;
  @ApiProperty({ description: 'the SerialNo SendSms answered', example: '2645:104571066915705365784949', maxLength: 128 }) sid: string;
  @ApiProperty({ description: 'whether the handset received it', enum: ['SUCCESS', 'FAIL'] }) report_status: 'SUCCESS' | 'FAIL';
  @ApiPropertyOptional({ description: 'DELIVRD, or the carrier\'s failure code', example: 'DELIVRD', maxLength: 64 }) errmsg?: string;
  @ApiPropertyOptional({ description: 'when the handset received it, China time', example: '2026-01-02 03:04:09' }) user_receive_time?: string;
  @ApiPropertyOptional({ description: 'ignored' }) description?: string;
}

/** What Tencent expects back from a callback it may drop. */
export class TencentReceiptAckData {
  @ApiProperty({ enum: [0] }) result: 0;
  @ApiProperty({ example: 'OK' }) errmsg: string;
}

/** The fields of Twilio's status callback that Passcode reads (Twilio sends more: AccountSid, From, ApiVersion, …; all are signed). */
export class TwilioStatusCallbackDoc {
  @ApiProperty({ description: 'the Message\'s SID, as its creation answered', example: 'SM0123456789abcdef0123456789abcdef', pattern: '^(SM|MM)[0-9a-f]{32}$' }) MessageSid: string;
  @ApiProperty({ description: 'where the Message has got to; delivered, read, undelivered, failed and canceled end it', example: 'delivered' }) MessageStatus: string;
  @ApiProperty({ description: 'the number it was sent to, E.164', example: '+447700900123' }) To: string;
  @ApiPropertyOptional({ description: 'why it failed (30003: unreachable, 30005: unknown number, …)', example: '30003' }) ErrorCode?: string;
}

/** POST /admin/sms/accounts/:id/receipt-token. */
export class SmsReceiptTokenData {
  @ApiProperty({ format: 'uuid' }) account_id: string;
  @ApiProperty({ description: 'shown this once; issuing another replaces it', example: 'q3Vb0Kc9Zr1m8Xw2Lt5Ny7Ha4Pd6Fs0E' }) token: string;
  @ApiProperty({ description: 'the path to configure as the provider\'s status-report URL (Aliyun\'s HTTP batch push, Tencent\'s callback), after this server\'s public origin', example: '/sms/receipts/aliyun/6f1c2b3a-0000-4000-8000-000000000001/q3Vb0Kc9Zr1m8Xw2Lt5Ny7Ha4Pd6Fs0E' })
  receipt_path: string;
}
