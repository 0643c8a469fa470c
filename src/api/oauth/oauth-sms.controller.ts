import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { AppsService } from '../../apps/apps.service.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { parsePhoneInput } from '../../common/phone/phone.js';
import { VerificationService } from '../../verification/verification.service.js';
import { AppKeyHeader } from './app-key.decorator.js';
import { OauthSendSmsCodeDto, SMS_TYPES } from './oauth.dto.js';
import { ClientIp } from '../../common/http/client-ip.js';

@ApiTags('oauth (seed 004)')
@ApiHeader({ name: 'X-App-Key', required: true, description: 'the appkey' })
@Controller('oauth/api/account')
export class OauthSmsController {
  constructor(
    private readonly apps: AppsService,
    private readonly verification: VerificationService,
  ) {}

  /** Sends a code once the image captcha is solved; `data: true`. Without a valid captcha nothing is sent. */
  @Post('sendSmsCode')
  @HttpCode(200)
  async sendSmsCode(@AppKeyHeader() appkey: string | undefined, @Body() dto: OauthSendSmsCodeDto, @ClientIp() ip: string): Promise<boolean> {
    if (!appkey) throw new DomainError('VALIDATION_FAILED', { field: 'X-App-Key', message: 'X-App-Key header is required' });
    const app = await this.apps.getEnabledByAppkey(appkey);
    const phone = parsePhoneInput(undefined, dto.mobile);
    await this.verification.issue({
      app,
      scene: SMS_TYPES[dto.sms_type],
      phone,
      ip,
      origin: 'oauth',
      captcha: { id: dto.img_code_id, answer: dto.img_code },
      requireCaptcha: true,
    });
    return true;
  }
}
