import { Module } from '@nestjs/common';
import { EndUserAuthModule } from '../../auth/end-user-auth.module.js';
import { VerificationModule } from '../../verification/verification.module.js';
import { EnduserSmsController } from './enduser-sms.controller.js';
import { EnduserUserController } from './enduser-user.controller.js';

/** Seed 003's wire dialect: sendPhoneSmsCode (sha256-signed, single-use) and setPhone. */
@Module({
  imports: [EndUserAuthModule, VerificationModule],
  controllers: [EnduserSmsController, EnduserUserController],
})
export class EnduserModule {}
