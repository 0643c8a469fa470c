import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { EventsModule } from '../events/events.module.js';
import { RetentionModule } from '../retention/retention.module.js';
import { VerificationModule } from '../verification/verification.module.js';
import { AccountCodeService } from './account-code.service.js';
import { PhoneChangeService } from './phone-change.service.js';
import { UpdatePhoneTokensRepository } from './update-phone-tokens.repository.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/** End users of apps, their sessions, the codes they ask for, and phone changes (update-phone tokens included). */
@Module({
  imports: [JwtModule.register({}), VerificationModule, EventsModule, RetentionModule],
  providers: [UsersRepository, UpdatePhoneTokensRepository, UsersService, PhoneChangeService, AccountCodeService],
  exports: [UsersService, PhoneChangeService, AccountCodeService],
})
export class UsersModule {}
