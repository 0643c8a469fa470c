import { Controller, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AppEntity } from '../../apps/app.entity.js';
import { Sha256Signed } from '../../auth/sha256-signature.guard.js';
import { SignedApp, SignedPhone } from '../../auth/signed-app.decorator.js';
import { ClientIp } from '../../common/http/client-ip.js';
import { DirectRoute } from '../../common/http/direct-route.js';
import { type ParsedPhone } from '../../common/phone/phone.js';
import { type Scene } from '../../common/scenes.js';
import { VerificationService } from '../../verification/verification.service.js';
import { EnduserSendCodeDto } from './enduser.dto.js';
import { ApiData } from '../../openapi/api-data.decorator.js';
import { ApiErrors } from '../../openapi/api-errors.decorator.js';
import { SEND_CODE } from '../../openapi/error-groups.js';

/** Seed 003's codeType → scene (DESIGN §5). */
const SCENE_BY_CODE_TYPE: Record<string, Scene> = { '1': 'reset_password', '2': 'login', '3': 'register', '4': 'deregister', '5': 'bind_push' };

/** Seed 003: a signed, single-use request sends a code of the codeType's scene. */
@ApiTags('enduser')
@Controller('v2/sms/enduserapi/v2')
export class EnduserSmsController {
  constructor(private readonly verification: VerificationService) {}

  @Post('sendPhoneSmsCode')
  @DirectRoute()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send an SMS code',
    description:
      'Seed 003: sends a code of the codeType\'s scene (1 reset_password, 2 login, 3 register, 4 deregister, 5 bind_push) to ' +
      '`internationalCode` + `phone`. Everything is in the query string; the request is signed and its `random` is accepted once. ' +
      'Success is `code: 200` (the seed\'s status table; its sample\'s `code: 0` contradicts it).',
  })
  @ApiData({ type: 'object', description: 'always `{}`' })
  @ApiErrors(...SEND_CODE)
  @Sha256Signed(EnduserSendCodeDto)
  async sendPhoneSmsCode(
    @SignedApp() app: AppEntity,
    @SignedPhone() phone: ParsedPhone,
    @Query() dto: EnduserSendCodeDto,
    @ClientIp() ip: string,
  ): Promise<Record<string, never>> {
    await this.verification.issue({ app, scene: SCENE_BY_CODE_TYPE[dto.codeType], phone, ip, origin: 'enduser', captcha: { token: dto.captchaToken } });
    return {};
  }
}
