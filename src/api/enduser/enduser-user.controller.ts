import { Controller, HttpCode, Put, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import { UserAuthGuard } from '../../auth/user-auth.guard.js';
import { type UserPrincipal } from '../../auth/user-jwt.strategy.js';
import { FieldNames } from '../../common/http/route-field-names.js';
import { lenientCallingCode } from '../../common/phone/phone.js';
import { PhoneChangeService } from '../../users/phone-change.service.js';
import { ApiData } from '../../openapi/api-data.decorator.js';
import { ApiErrors } from '../../openapi/api-errors.decorator.js';
import { CHECK_CODE } from '../../openapi/error-groups.js';
import { ENDUSER_SET_PHONE_FIELDS } from './enduser.dialect.js';
import { EnduserSetPhoneDto } from './enduser.dto.js';

/** Seed 003's logged-in end user (an end-user token of this service). */
@ApiTags('enduser')
@Controller('v2/enduser/enduserapi')
@UseGuards(UserAuthGuard)
export class EnduserUserController {
  constructor(private readonly phoneChange: PhoneChangeService) {}

  /**
   * Moves the user to a new number: the old number must be the user's and proven
   * by a `verify_old_phone` code, the new one by an `update_phone` code. Errors name
   * the query parameter at fault, which picks the seed's code (5168 vs 5169, 5170).
   */
  @Put('setPhone')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Change the phone number',
    description:
      'Moves the user to the new number, proving both: the old number must be the user\'s, proven by a `verify_old_phone` code ' +
      '(`oldPhoneCode`), the new one by an `update_phone` code (`newPhoneCode`). Checks in order: token (5032), parameters ' +
      '(5162–5167), user (5033), old number (5174), new number (5019), old code (5168), new code (5169); then 5176 if another user ' +
      'holds the new number, 5170 if the swap changed nothing. The user\'s other tokens are revoked; this one stays.',
  })
  @ApiData({ type: 'object', description: 'always `{}`' })
  @ApiErrors('USER_NOT_FOUND', ...CHECK_CODE, 'PHONE_TAKEN')
  @FieldNames(ENDUSER_SET_PHONE_FIELDS)
  async setPhone(@CurrentUser() me: UserPrincipal, @Query() dto: EnduserSetPhoneDto): Promise<Record<string, never>> {
    await this.phoneChange.changeProvingOld(me.app, me.userId, me.jti, {
      oldPhone: { mcode: lenientCallingCode(dto.oldInternationalCode), mobile: dto.oldPhone },
      oldCode: dto.oldPhoneCode,
      newPhone: { mcode: lenientCallingCode(dto.newInternationalCode), mobile: dto.newPhone },
      newCode: dto.newPhoneCode,
    });
    return {};
  }
}
