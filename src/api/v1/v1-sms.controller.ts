import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type AppEntity } from '../../apps/app.entity.js';
import { Md5SignatureGuard } from '../../auth/md5-signature.guard.js';
import { SignedApp } from '../../auth/signed-app.decorator.js';
import { ErrorCodes } from '../../common/http/route-error-codes.js';
import { parsePhoneInput } from '../../common/phone/phone.js';
import { type CheckResult } from '../../verification/verification-code.js';
import { VerificationService } from '../../verification/verification.service.js';
import { V1_SMS_SEND_CODES } from './v1.dialect.js';
import { V1SmsCheckDto, V1SmsSendDto } from './v1.dto.js';
import { ClientIp } from '../../common/http/client-ip.js';

/** Generic send and check of a code of any scene, for tenant back-ends (signed requests). */
@ApiTags('v1')
@Controller('v1/sms')
@UseGuards(Md5SignatureGuard)
export class V1SmsController {
  constructor(private readonly verification: VerificationService) {}

  @Post('verify_code')
  @HttpCode(200)
  @ErrorCodes(V1_SMS_SEND_CODES)
  async send(@SignedApp() app: AppEntity, @Body() dto: V1SmsSendDto, @ClientIp() ip: string): Promise<{ expires_in: number; resend_in: number }> {
    const phone = parsePhoneInput(dto.mcode, dto.mobile);
    const r = await this.verification.issue({ app, scene: dto.scene, phone, ip, origin: 'v1', captcha: { id: dto.img_code_id, answer: dto.img_code } });
    return { expires_in: r.expiresInS, resend_in: r.resendInS };
  }

  @Post('check_code')
  @HttpCode(200)
  async check(@SignedApp() app: AppEntity, @Body() dto: V1SmsCheckDto): Promise<{ result: CheckResult }> {
    const phone = parsePhoneInput(dto.mcode, dto.mobile);
    return { result: await this.verification.check(app, dto.scene, phone.e164, dto.verify_code) };
  }
}
