import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type AppEntity } from '../../apps/app.entity.js';
import { Md5SignatureGuard } from '../../auth/md5-signature.guard.js';
import { SignedApp } from '../../auth/signed-app.decorator.js';
import { ErrorCodes } from '../../common/http/route-error-codes.js';
import { parsePhoneInput } from '../../common/phone/phone.js';
import { UsersService } from '../../users/users.service.js';
import { userView } from '../../users/user.view.js';
import { VerificationService } from '../../verification/verification.service.js';
import { V1_LOGIN_MOBILE_CODES, V1_LOGIN_SEND_CODES } from './v1.dialect.js';
import { V1LoginMobileDto, V1SendCodeDto } from './v1.dto.js';
import { ClientIp } from '../../common/http/client-ip.js';

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
  @HttpCode(200)
  @ErrorCodes(V1_LOGIN_SEND_CODES)
  async sendLoginCode(@SignedApp() app: AppEntity, @Body() dto: V1SendCodeDto, @ClientIp() ip: string): Promise<void> {
    this.users.loginConfig(app);
    const phone = parsePhoneInput(dto.mcode, dto.mobile);
    await this.verification.issue({ app, scene: 'login', phone, ip, origin: 'v1', captcha: { id: dto.img_code_id, answer: dto.img_code } });
  }

  @Post('mobile')
  @HttpCode(200)
  @ErrorCodes(V1_LOGIN_MOBILE_CODES)
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
