import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { VerificationModule } from '../verification/verification.module.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/** End users of apps and their sessions. */
@Module({
  imports: [JwtModule.register({}), VerificationModule],
  providers: [UsersRepository, UsersService],
  exports: [UsersService],
})
export class UsersModule {}
