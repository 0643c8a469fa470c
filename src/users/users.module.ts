import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { UpdatePhoneTokenService } from '../verification/update-phone-token.service.js';
import { VerificationModule } from '../verification/verification.module.js';
import { PhoneChangeService } from './phone-change.service.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/**
 * End users of apps, their sessions and phone changes. UpdatePhoneTokenService is
 * provided here, beside its only user PhoneChangeService (VerificationModule does
 * not export it).
 */
@Module({
  imports: [JwtModule.register({}), VerificationModule],
  providers: [UsersRepository, UsersService, UpdatePhoneTokenService, PhoneChangeService],
  exports: [UsersService, PhoneChangeService],
})
export class UsersModule {}
