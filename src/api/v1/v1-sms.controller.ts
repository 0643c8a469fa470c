import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AppEntity } from '../../apps/app.entity.js';
import { Md5SignatureGuard } from '../../auth/md5-signature.guard.js';
import { SignedApp } from '../../auth/signed-app.decorator.js';
import { DirectRoute } from '../../common/http/direct-route.js';
import { ErrorCodes } from '../../common/http/route-error-codes.js';
import { parsePhoneInput } from '../../common/phone/phone.js';
import { type CheckResult } from '../../verification/verification-code.js';
import { VerificationService } from '../../verification/verification.service.js';
import { V1_SMS_SEND_CODES } from './v1.dialect.js';
import { V1SmsCheckDto, V1SmsSendDto } from './v1.dto.js';
import { ClientIp } from '../../common/http/client-ip.js';
import { ApiData } from '../../openapi/api-data.decorator.js';
import { ApiErrors } from '../../openapi/api-errors.decorator.js';
import { SEND_CODE_WITH_CAPTCHA } from '../../openapi/error-groups.js';
import { V1SmsCheckData, V1SmsSendData } from './v1-responses.dto.js';

/** Generic send and check of a code of any scene, for tenant back-ends (signed requests). */
@ApiTags('v1')
@Controller('v1/sms')
@UseGuards(Md5SignatureGuard)
export class V1SmsController {
  constructor(private readonly verification: VerificationService) {}

  @Post('verify_code')
  @DirectRoute()
  @HttpCode(200)
  @ErrorCodes(V1_SMS_SEND_CODES)
  @ApiOperation({
    summary: 'Send a code of any scene',
    description:
      'Passcode\'s own, for tenant back ends: sends a code of `scene` to `mcode` + `mobile` under the app\'s code policy. SMS failures ' +
      'are numbered as on POST /v1/login/verify_code.',
  })
  @ApiData(V1SmsSendData)
  @ApiErrors(...SEND_CODE_WITH_CAPTCHA)
  async send(@SignedApp() app: AppEntity, @Body() dto: V1SmsSendDto, @ClientIp() ip: string): Promise<{ expires_in: number; resend_in: number }> {
    const phone = parsePhoneInput(dto.mcode, dto.mobile);
    const r = await this.verification.issue({ app, scene: dto.scene, phone, ip, origin: 'v1', captcha: { id: dto.img_code_id, answer: dto.img_code, token: dto.captcha_token } });
    return { expires_in: r.expiresInS, resend_in: r.resendInS };
  }

  @Post('check_code')
  @DirectRoute()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Check a code',
    description:
      'Passcode\'s own, for tenant back ends: checks `verify_code` against the newest code of (`scene`, phone) and answers the outcome ' +
      'in `data.result`; `approved` consumes the code, `wrong_code` counts an attempt.',
  })
  @ApiData(V1SmsCheckData)
  async check(@SignedApp() app: AppEntity, @Body() dto: V1SmsCheckDto): Promise<{ result: CheckResult }> {
    const phone = parsePhoneInput(dto.mcode, dto.mobile);
    return { result: await this.verification.check(app, dto.scene, phone.e164, dto.verify_code) };
  }
}
