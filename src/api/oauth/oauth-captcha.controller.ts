import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AppsService } from '../../apps/apps.service.js';
import { CaptchaService } from '../../captcha/captcha.service.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { ApiData } from '../../openapi/api-data.decorator.js';
import { ApiErrors } from '../../openapi/api-errors.decorator.js';
import { AppKeyHeader } from './app-key.decorator.js';
import { OauthImgCodeData } from './oauth-responses.dto.js';

@ApiTags('oauth')
@ApiSecurity('oauthAppKey')
@Controller('oauth/api/account')
export class OauthCaptchaController {
  constructor(
    private readonly apps: AppsService,
    private readonly captchas: CaptchaService,
  ) {}

  /** A new image captcha for the app: `{img_code_id, img}` (an SVG data URI), valid five minutes, one guess. */
  @Get('imgCode')
  @ApiOperation({
    summary: 'A new image captcha',
    description: 'An SVG image captcha for the app, valid five minutes and for one guess (POST /oauth/api/account/sendSmsCode).',
  })
  @ApiData(OauthImgCodeData)
  @ApiErrors('APP_NOT_FOUND')
  async imgCode(@AppKeyHeader() appkey: string | undefined) {
    if (!appkey) throw new DomainError('VALIDATION_FAILED', { field: 'X-App-Key', message: 'X-App-Key header is required' });
    // APPKEY_NOT_FOUND, as sendSmsCode: seed 004 answers it exactly as it did APP_NOT_FOUND here.
    const app = await this.apps.getEnabledByAppkey(appkey);
    const captcha = await this.captchas.issue(app.id);
    return { img_code_id: captcha.id, img: captcha.image };
  }
}
