import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { type AppEntity } from '../../apps/app.entity.js';
import { Md5SignatureGuard } from '../../auth/md5-signature.guard.js';
import { SignedApp } from '../../auth/signed-app.decorator.js';
import { DirectRoute } from '../../common/http/direct-route.js';
import { ErrorCodes } from '../../common/http/route-error-codes.js';
import { parsePhoneInput } from '../../common/phone/phone.js';
import { UsersService } from '../../users/users.service.js';
import { userView } from '../../users/user.view.js';
import { VerificationService } from '../../verification/verification.service.js';
import { V1_LOGIN_MOBILE_CODES, V1_LOGIN_SEND_CODES } from './v1.dialect.js';
import { V1LoginMobileDto, V1SendCodeDto } from './v1.dto.js';
import { ClientIp } from '../../common/http/client-ip.js';
import { ApiData } from '../../openapi/api-data.decorator.js';
import { ApiErrors } from '../../openapi/api-errors.decorator.js';
import { CHECK_CODE, SEND_CODE_WITH_CAPTCHA, SMS_LOGIN_ENABLED } from '../../openapi/error-groups.js';
import { V1LoginDetailData, V1LoginTokenData } from './v1-responses.dto.js';

/** Seed 001 and login_mobile.md: SMS login with signed requests. */
@ApiTags('v1')
@Controller('v1/login')
@UseGuards(Md5SignatureGuard)
export class V1LoginController {
  constructor(
    private readonly users: UsersService,
    private readonly verification: VerificationService,
  ) {}

  @Post('verify_code')
  @DirectRoute()
  @HttpCode(200)
  @ErrorCodes(V1_LOGIN_SEND_CODES)
  @ApiOperation({
    summary: 'Send a login code',
    description:
      'Seed 001 (login_verify_code.md): sends an SMS login code to `mcode` + `mobile`. The app must have login and SMS login on. ' +
      'The image captcha fields matter when the app\'s code policy sets `captcha_required`.',
  })
  @ApiData(null)
  @ApiErrors(...SMS_LOGIN_ENABLED, ...SEND_CODE_WITH_CAPTCHA)
  async sendLoginCode(@SignedApp() app: AppEntity, @Body() dto: V1SendCodeDto, @ClientIp() ip: string): Promise<void> {
    this.users.loginConfig(app);
    const phone = parsePhoneInput(dto.mcode, dto.mobile);
    await this.verification.issue({ app, scene: 'login', phone, ip, origin: 'v1', captcha: { id: dto.img_code_id, answer: dto.img_code, token: dto.captcha_token } });
  }

  @Post('mobile')
  @DirectRoute()
  @HttpCode(200)
  @ErrorCodes(V1_LOGIN_MOBILE_CODES)
  @ApiOperation({
    summary: 'Log in with an SMS code',
    description:
      'login_mobile.md: consumes the login code and logs the user in, registering them on first login. Answers the token, and the ' +
      'user structure with it when `need_user_detail=1`. A login beyond the app\'s `max_sessions_per_user` revokes the oldest session.',
  })
  @ApiData({ anyOf: [{ $ref: getSchemaPath(V1LoginTokenData) }, { $ref: getSchemaPath(V1LoginDetailData) }] }, V1LoginTokenData, V1LoginDetailData)
  @ApiErrors(...SMS_LOGIN_ENABLED, ...CHECK_CODE)
  async login(@SignedApp() app: AppEntity, @Body() dto: V1LoginMobileDto, @ClientIp() ip: string): Promise<Record<string, unknown>> {
    this.users.loginConfig(app);
    const phone = parsePhoneInput(dto.mcode, dto.mobile);
    const { user, accessToken, expiresAt } = await this.users.login({
      app,
      phone,
      code: dto.verify_code,
      versionNumber: dto.version_number,
      channel: dto.channel,
      oaid: dto.oaid ?? null,
      deviceId: dto.device_id ?? null,
      ip,
    });
    const tokens = { access_token: accessToken, token_expired_at: expiresAt };
    return dto.need_user_detail === 1 ? { ...userView(user), ...tokens } : { uid: Number(user.id), ...tokens };
  }
}
