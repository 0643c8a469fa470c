import { Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RawResponse } from '../common/http/enveloping-fastify.adapter.js';
import { MergeRouteConfig } from '../common/http/route-config.js';
import { SelfCheckedBody } from '../common/http/validation.pipe.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { MAX_REPORTS_PER_PUSH, VALUES_PER_REPORT } from './providers/aliyun/aliyun-receipts.js';
import { MAX_TENCENT_REPORTS_PER_PUSH } from './providers/tencent/tencent-receipts.js';
import { AliyunReceiptAckData, AliyunStatusReportDoc, TencentReceiptAckData, TencentStatusReportDoc, TwilioStatusCallbackDoc } from './sms-receipts.dto.js';
import { SmsReceiptsService } from './sms-receipts.service.js';

/** Where providers push delivery status reports. */
@ApiTags('sms receipts')
@Controller('sms/receipts')
export class SmsReceiptsController {
  constructor(private readonly receipts: SmsReceiptsService) {}

  @Post('aliyun/:accountId/:token')
  // A push of MAX_REPORTS_PER_PUSH reports, each with the fields Aliyun documents and room for as many it may add:
  // beyond the bound of DTO bodies, and read without one (parseAliyunReports), which checks what it keeps.
  @MergeRouteConfig({ maxInputValues: MAX_REPORTS_PER_PUSH * VALUES_PER_REPORT })
  @HttpCode(200)
  @RawResponse()
  @ApiOperation({
    summary: 'Aliyun status reports',
    description:
      'Aliyun SMS\'s HTTP batch push of status reports (SmsReport): a JSON array of at most ' + MAX_REPORTS_PER_PUSH + ' reports. ' +
      'Aliyun does not sign these pushes: the path carries the account\'s receipt token (POST /admin/sms/accounts/{id}/receipt-token), ' +
      'and a push with an unknown account or another token is refused (401) and changes nothing. A report changes a send-log row only ' +
      'when its biz_id and number match a row of that account still awaiting its outcome; others are acknowledged and dropped. ' +
      'Answers `{"code": 0, "msg": "成功"}` without an envelope.',
  })
  @ApiBody({ type: [AliyunStatusReportDoc] })
  @ApiData(AliyunReceiptAckData)
  @ApiErrors('UNAUTHORIZED')
  aliyun(@Param('accountId') accountId: string, @Param('token') token: string, @SelfCheckedBody() body: unknown) {
    return this.receipts.acceptAliyun(accountId, token, body);
  }

  @Post('tencent/:accountId/:token')
  // As Aliyun's: a push of MAX_TENCENT_REPORTS_PER_PUSH reports, read without the DTO bodies' bound (parseTencentReports checks it).
  @MergeRouteConfig({ maxInputValues: MAX_TENCENT_REPORTS_PER_PUSH * VALUES_PER_REPORT })
  @HttpCode(200)
  @RawResponse()
  @ApiOperation({
    summary: 'Tencent status reports',
    description:
      'Tencent Cloud SMS\'s status-report callback (短信下发状态通知): a JSON array of at most ' + MAX_TENCENT_REPORTS_PER_PUSH + ' reports. ' +
      'Tencent does not sign these callbacks: the path carries the account\'s receipt token (POST /admin/sms/accounts/{id}/receipt-token), ' +
      'and a push with an unknown account or another token is refused (401) and changes nothing. A report changes a send-log row only ' +
      'when its sid (the SerialNo SendSms answered) and number match a row of that account still awaiting its outcome; others are ' +
      'acknowledged and dropped. Answers `{"result": 0, "errmsg": "OK"}` without an envelope.',
  })
  @ApiBody({ type: [TencentStatusReportDoc] })
  @ApiData(TencentReceiptAckData)
  @ApiErrors('UNAUTHORIZED')
  tencent(@Param('accountId') accountId: string, @Param('token') token: string, @SelfCheckedBody() body: unknown) {
    return this.receipts.acceptTencent(accountId, token, body);
  }

  @Post('twilio/:accountId')
  @HttpCode(204)
  @RawResponse()
  @ApiOperation({
    summary: 'Twilio status callbacks',
    description:
      'Twilio\'s status callback of a Message (a form: MessageSid, MessageStatus, To, ErrorCode, …), asked for with each Message ' +
      'when PUBLIC_URL is set, at PUBLIC_URL + this path. Signed by Twilio with the account\'s Auth Token (`X-Twilio-Signature`, ' +
      'checked by the official SDK over that URL and the fields): a callback that is not, or with PUBLIC_URL unset, is refused (401) and ' +
      'changes nothing. A final status (delivered, read; undelivered, failed, canceled) changes the send-log row only when its ' +
      'MessageSid and To match a row of that account still awaiting its outcome; any other status (queued, sent, …) is acknowledged ' +
      'and changes nothing. Answers 204 without a body.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiHeader({ name: 'X-Twilio-Signature', required: true, description: 'Twilio\'s signature of the callback (Base64 HMAC-SHA1).' })
  @ApiBody({ type: TwilioStatusCallbackDoc })
  @ApiData(null)
  @ApiErrors('UNAUTHORIZED')
  async twilio(@Param('accountId') accountId: string, @Headers('x-twilio-signature') signature: string | undefined, @SelfCheckedBody() body: unknown): Promise<void> {
    await this.receipts.acceptTwilio(accountId, signature, body);
  }
}
