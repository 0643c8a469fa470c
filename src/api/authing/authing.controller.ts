import { Body, Controller, Headers, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { type AppEntity } from '../../apps/app.entity.js';
import { AppsService } from '../../apps/apps.service.js';
import { BareTokenUserAuthGuard } from '../../auth/bare-token-user-auth.guard.js';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import { type UserPrincipal } from '../../auth/user-jwt.strategy.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { DirectRoute } from '../../common/http/direct-route.js';
import { FieldNames } from '../../common/http/route-field-names.js';
import { parsePhoneInput } from '../../common/phone/phone.js';
import { AccountCodeService } from '../../users/account-code.service.js';
import { PhoneChangeService } from '../../users/phone-change.service.js';
import { AUTHING_SEND_SMS_FIELDS, AUTHING_UPDATE_PHONE_FIELDS } from './authing.dialect.js';
import { AUTHING_CHANNELS, AuthingSendSmsDto, AuthingUpdatePhoneDto, AuthingVerifyUpdatePhoneDto } from './authing.dto.js';
import { OptionalUserAuthGuard } from './optional-user-auth.guard.js';
import { ClientIp } from '../../common/http/client-ip.js';
import { ApiData } from '../../openapi/api-data.decorator.js';
import { ApiErrors } from '../../openapi/api-errors.decorator.js';
import { CHECK_CODE, SEND_CODE } from '../../openapi/error-groups.js';
import { AuthingUpdatePhoneData, AuthingUpdatePhoneTokenData } from './authing-responses.dto.js';

const DEFAULT_COUNTRY_CODE = '+86';

/** Seed 002 (Authing v3): SMS codes and the two-step phone change. */
@ApiTags('authing')
@ApiSecurity('authingAppId')
@Controller('api/v3')
export class AuthingController {
  constructor(
    private readonly apps: AppsService,
    private readonly codes: AccountCodeService,
    private readonly phoneChange: PhoneChangeService,
  ) {}

  @Post('send-sms')
  @DirectRoute()
  @HttpCode(200)
  @FieldNames(AUTHING_SEND_SMS_FIELDS)
  @UseGuards(OptionalUserAuthGuard)
  @ApiOperation({
    summary: 'Send an SMS code',
    description:
      'Sends a code of the channel\'s scene to `phoneCountryCode` (default `+86`) + `phoneNumber`: `CHANNEL_LOGIN`, `CHANNEL_REGISTER`, ' +
      '`CHANNEL_RESET_PASSWORD`, and with the user\'s token `CHANNEL_BIND_PHONE` (to the new number), `CHANNEL_UNBIND_PHONE` and ' +
      '`CHANNEL_DELETE_ACCOUNT` (both only to the user\'s current number).',
  })
  @ApiData({ type: 'object', description: 'always `{}`' })
  @ApiErrors('SIGN_APPKEY_MISSING', 'APPKEY_NOT_FOUND', 'UNAUTHORIZED', 'USER_NOT_FOUND', ...SEND_CODE)
  async sendSms(
    @Headers('x-authing-app-id') appkey: string | undefined,
    @Req() req: { user?: UserPrincipal },
    @Body() dto: AuthingSendSmsDto,
    @ClientIp() ip: string,
  ): Promise<Record<string, never>> {
    const me = req.user;
    const app = me ? this.sameApp(me, appkey) : await this.appOf(appkey);
    const phone = parsePhoneInput(dto.phoneCountryCode || DEFAULT_COUNTRY_CODE, dto.phoneNumber, { mcode: 'phoneCountryCode', mobile: 'phoneNumber' });
    await this.codes.send({ app, userId: me?.userId ?? null, scene: AUTHING_CHANNELS[dto.channel], phone, ip, origin: 'authing', captchaToken: dto.captchaToken });
    return {};
  }

  @Post('verify-update-phone-request')
  @HttpCode(200)
  @FieldNames(AUTHING_UPDATE_PHONE_FIELDS)
  @UseGuards(BareTokenUserAuthGuard)
  @ApiOperation({
    summary: 'Verify a phone change',
    description:
      'Seed 002: checks the `update_phone` code of the new number (and, when the app\'s `require_old_phone_on_change` is on, the ' +
      '`verify_old_phone` code of the current one), old then new, and answers a single-use token for POST /api/v3/update-phone. ' +
      'A new number another user holds is refused only once its code is right (the codes are spent by then).',
  })
  @ApiData(AuthingUpdatePhoneTokenData)
  @ApiErrors('SIGN_APPKEY_MISSING', 'UNAUTHORIZED', 'USER_NOT_FOUND', ...CHECK_CODE, 'PHONE_TAKEN')
  async verifyUpdatePhoneRequest(
    @Headers('x-authing-app-id') appkey: string | undefined,
    @CurrentUser() me: UserPrincipal,
    @Body() dto: AuthingVerifyUpdatePhoneDto,
  ): Promise<{ updatePhoneToken: string; tokenExpiresIn: number }> {
    const app = this.sameApp(me, appkey);
    const p = dto.phonePassCodePayload;
    const { token, expiresInS } = await this.phoneChange.requestToken(app, me.userId, {
      newPhone: { mcode: p.newPhoneCountryCode || DEFAULT_COUNTRY_CODE, mobile: p.newPhoneNumber },
      newCode: p.newPhonePassCode,
      oldPhone: { mcode: p.oldPhoneCountryCode || DEFAULT_COUNTRY_CODE, mobile: p.oldPhoneNumber },
      oldCode: p.oldPhonePassCode,
    });
    return { updatePhoneToken: token, tokenExpiresIn: expiresInS };
  }

  @Post('update-phone')
  @HttpCode(200)
  @UseGuards(BareTokenUserAuthGuard)
  @ApiOperation({
    summary: 'Change the phone number',
    description: 'Redeems the token of POST /api/v3/verify-update-phone-request: swaps the number and revokes the user\'s other sessions.',
  })
  @ApiData(AuthingUpdatePhoneData)
  @ApiErrors('SIGN_APPKEY_MISSING', 'UNAUTHORIZED', 'UPDATE_PHONE_TOKEN_INVALID', 'PHONE_TAKEN')
  async updatePhone(
    @Headers('x-authing-app-id') appkey: string | undefined,
    @CurrentUser() me: UserPrincipal,
    @Body() dto: AuthingUpdatePhoneDto,
  ): Promise<{ success: true }> {
    const app = this.sameApp(me, appkey);
    await this.phoneChange.redeemToken(app, me.userId, me.jti, dto.updatePhoneToken);
    return { success: true };
  }

  private async appOf(appkey: string | undefined): Promise<AppEntity> {
    if (!appkey) throw new DomainError('SIGN_APPKEY_MISSING');
    return this.apps.getEnabledByAppkey(appkey);
  }

  /** The token's app, which the header must name: a token of one app does nothing for another. */
  private sameApp(me: UserPrincipal, appkey: string | undefined): AppEntity {
    if (!appkey) throw new DomainError('SIGN_APPKEY_MISSING');
    if (me.app.appkey !== appkey) throw new DomainError('UNAUTHORIZED');
    return me.app;
  }
}
