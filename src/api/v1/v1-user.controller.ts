import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import { UserAuthGuard } from '../../auth/user-auth.guard.js';
import { type UserPrincipal } from '../../auth/user-jwt.strategy.js';
import { ErrorCodes } from '../../common/http/route-error-codes.js';
import { FieldNames } from '../../common/http/route-field-names.js';
import { parsePhoneInput } from '../../common/phone/phone.js';
import { PhoneChangeService } from '../../users/phone-change.service.js';
import { UsersService } from '../../users/users.service.js';
import { userView } from '../../users/user.view.js';
import { VerificationService } from '../../verification/verification.service.js';
import { V1_USER_MOBILE_CODES, V1_USER_MOBILE_FIELDS, V1_USER_SEND_CODES } from './v1.dialect.js';
import { V1PhoneCodeDto, V1SendCodeDto } from './v1.dto.js';
import { ClientIp } from '../../common/http/client-ip.js';
import { ApiData } from '../../openapi/api-data.decorator.js';
import { ApiErrors } from '../../openapi/api-errors.decorator.js';
import { CHECK_CODE, LOGIN_ENABLED, SEND_CODE_WITH_CAPTCHA, SMS_LOGIN_ENABLED } from '../../openapi/error-groups.js';
import { V1UserInfoData } from './v1-responses.dto.js';

/** Seed 000 and the user_* docs: the logged-in end user. */
@ApiTags('v1')
@Controller('v1/user')
@UseGuards(UserAuthGuard)
export class V1UserController {
  constructor(
    private readonly users: UsersService,
    private readonly verification: VerificationService,
    private readonly phoneChange: PhoneChangeService,
  ) {}

  @Post('verify_code')
  @HttpCode(200)
  @ErrorCodes(V1_USER_SEND_CODES)
  @ApiOperation({
    summary: 'Send a code to a new number',
    description:
      'Seed 000 (user_update_verify_code.md): sends an `update_phone` code to the number the user wants to move to; ' +
      'POST /v1/user/mobile spends it.',
  })
  @ApiData(null)
  @ApiErrors(...SMS_LOGIN_ENABLED, ...SEND_CODE_WITH_CAPTCHA)
  async sendUpdatePhoneCode(@CurrentUser() me: UserPrincipal, @Body() dto: V1SendCodeDto, @ClientIp() ip: string): Promise<void> {
    this.users.loginConfig(me.app);
    const phone = parsePhoneInput(dto.mcode, dto.mobile);
    await this.verification.issue({ app: me.app, scene: 'update_phone', phone, ip, origin: 'v1', captcha: { id: dto.img_code_id, answer: dto.img_code, token: dto.captcha_token } });
  }

  @Post('mobile')
  @HttpCode(200)
  @ErrorCodes(V1_USER_MOBILE_CODES)
  @ApiOperation({
    summary: 'Change the phone number',
    description:
      'user_update_mobile.md: moves the user to `mcode` + `mobile`, proven by the code POST /v1/user/verify_code sent. The code is ' +
      'checked first; only a right code learns that another user of the app holds the number (400189), and it is spent by then. ' +
      'The user\'s other tokens are revoked; this one stays.',
  })
  @ApiData(null)
  @ApiErrors(...SMS_LOGIN_ENABLED, ...CHECK_CODE, 'PHONE_TAKEN', 'USER_NOT_FOUND')
  @FieldNames(V1_USER_MOBILE_FIELDS)
  async changePhone(@CurrentUser() me: UserPrincipal, @Body() dto: V1PhoneCodeDto): Promise<void> {
    // The pair of /v1/user/verify_code: the same login settings govern both.
    this.users.loginConfig(me.app);
    await this.phoneChange.change(me.app, me.userId, me.jti, { newPhone: { mcode: dto.mcode, mobile: dto.mobile }, newCode: dto.verify_code });
  }

  @Get('info')
  @ApiOperation({ summary: 'The current user', description: 'user_info.md: the user structure (struct.md) with `is_vip`.' })
  @ApiData(V1UserInfoData)
  @ApiErrors(...LOGIN_ENABLED, 'USER_NOT_FOUND')
  async info(@CurrentUser() me: UserPrincipal): Promise<Record<string, unknown>> {
    return userView(await this.users.profile(me.app, me.userId), { isVip: true });
  }

  /** Always answers: revoking a token only takes access away, so no login setting stands in its way (logout.md lists no code). */
  @Get('logout')
  @ApiOperation({ summary: 'Log out', description: 'logout.md: revokes this token. It always works: revoking a token only takes access away.' })
  @ApiData(null)
  async logout(@CurrentUser() me: UserPrincipal): Promise<void> {
    await this.users.logout(me.jti);
  }

  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Deregister',
    description: 'user_cancel.md: cancels the user and revokes every token of theirs; the number is free again.',
  })
  @ApiData(null)
  @ApiErrors(...LOGIN_ENABLED, 'USER_CANCEL_FAILED')
  async cancel(@CurrentUser() me: UserPrincipal): Promise<void> {
    await this.users.cancel(me.app, me.userId);
  }
}
