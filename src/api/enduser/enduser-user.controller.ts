import { Controller, HttpCode, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import { UserAuthGuard } from '../../auth/user-auth.guard.js';
import { type UserPrincipal } from '../../auth/user-jwt.strategy.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { UsersService } from '../../users/users.service.js';
import { VerificationService } from '../../verification/verification.service.js';
import { EnduserSetPhoneDto } from './enduser.dto.js';
import { parsePhoneInput } from '../../common/phone/phone.js';

/** Seed 003's logged-in end user (an end-user token of this service). */
@ApiTags('enduser')
@ApiBearerAuth()
@Controller('v2/enduser/enduserapi')
@UseGuards(UserAuthGuard)
export class EnduserUserController {
  constructor(
    private readonly users: UsersService,
    private readonly verification: VerificationService,
  ) {}

  /**
   * Moves the user to a new number: the old number must be the user's and proven
   * by a `verify_old_phone` code, the new one by an `update_phone` code.
   */
  @Put('setPhone')
  @HttpCode(200)
  async setPhone(@CurrentUser() me: UserPrincipal, @Query() dto: EnduserSetPhoneDto): Promise<Record<string, never>> {
    const user = await this.users.get(me.userId);
    const oldPhone = parsePhoneInput(dto.oldInternationalCode, dto.oldPhone, { mcode: 'oldInternationalCode', mobile: 'oldPhone' });
    if (oldPhone.e164 !== user.phone_e164) {
      throw new DomainError('VALIDATION_FAILED', { field: 'oldPhone', constraint: 'isCurrentPhone', message: 'oldPhone is not the user’s phone' });
    }
    const newPhone = parsePhoneInput(dto.newInternationalCode, dto.newPhone, { mcode: 'newInternationalCode', mobile: 'newPhone' });
    await this.named('oldPhoneCode', () => this.verification.consume(me.app, 'verify_old_phone', oldPhone.e164, dto.oldPhoneCode));
    await this.named('newPhoneCode', () =>
      this.users.changePhone(me.app, me.userId, newPhone, { mcode: dto.newInternationalCode, mobile: dto.newPhone }, dto.newPhoneCode),
    );
    return {};
  }

  /** A wrong or expired code, labelled with the parameter that carried it (5168 vs 5169); a failed swap labelled for 5170. */
  private async named(field: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'CODE_WRONG' || err.code === 'CODE_EXPIRED')) {
        throw new DomainError(err.code, { ...err.details, field });
      }
      // The user was there when the request began: a swap that changed nothing is 5170, not 5033.
      if (err instanceof DomainError && err.code === 'USER_NOT_FOUND' && field === 'newPhoneCode') {
        throw new DomainError('USER_NOT_FOUND', { ...err.details, field: 'newPhone' });
      }
      throw err;
    }
  }
}
