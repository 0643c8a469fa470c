import { Module } from '@nestjs/common';
import { EndUserAuthModule } from '../../auth/end-user-auth.module.js';
import { VerificationModule } from '../../verification/verification.module.js';
import { V1LoginController } from './v1-login.controller.js';
import { V1SmsController } from './v1-sms.controller.js';
import { V1UserController } from './v1-user.controller.js';

/** The native v1 API (seeds 000/001 and zaihangyun's companion endpoints). */
@Module({
  imports: [EndUserAuthModule, VerificationModule],
  controllers: [V1LoginController, V1UserController, V1SmsController],
})
export class V1Module {}
