import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AppsService } from '../../apps/apps.service.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { parsePhoneInput } from '../../common/phone/phone.js';
import { VerificationService } from '../../verification/verification.service.js';
import { AppKeyHeader } from './app-key.decorator.js';
import { OauthSendSmsCodeDto, SMS_TYPES } from './oauth.dto.js';
import { ClientIp } from '../../common/http/client-ip.js';
import { DirectRoute } from '../../common/http/direct-route.js';
import { ApiData } from '../../openapi/api-data.decorator.js';
import { ApiErrors } from '../../openapi/api-errors.decorator.js';
import { SEND_CODE_WITH_IMAGE_CAPTCHA } from '../../openapi/error-groups.js';

@ApiTags('oauth')
@ApiSecurity('oauthAppKey')
@Controller('oauth/api/account')
export class OauthSmsController {
  constructor(
    private readonly apps: AppsService,
    private readonly verification: VerificationService,
  ) {}

  /** Sends a code once the image captcha is solved; `data: true`. Without a valid captcha nothing is sent. */
  @Post('sendSmsCode')
  @DirectRoute()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send an SMS code',
    description:
      'Seed 004: sends a code of `sms_type`\'s scene (REGISTER, RESET_PASSWORD, LOGIN) to `mobile` (a mainland China number, or ' +
      '`+<country code><number>`) once the image captcha of GET /oauth/api/account/imgCode is solved; without a valid captcha ' +
      'nothing is sent.',
  })
  @ApiData({ type: 'boolean', enum: [true] })
  @ApiErrors('APPKEY_NOT_FOUND', ...SEND_CODE_WITH_IMAGE_CAPTCHA)
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
