import { Module } from '@nestjs/common';
import { EndUserAuthModule } from '../../auth/end-user-auth.module.js';
import { VerificationModule } from '../../verification/verification.module.js';
import { AuthingController } from './authing.controller.js';
import { OptionalUserAuthGuard } from './optional-user-auth.guard.js';

/** Seed 002's wire dialect (Authing v3): send-sms and the token-based phone change. */
@Module({
  imports: [EndUserAuthModule, VerificationModule],
  providers: [OptionalUserAuthGuard],
  controllers: [AuthingController],
})
export class AuthingModule {}
