import { Module } from '@nestjs/common';
import { CaptchaModule } from '../captcha/captcha.module.js';
import { UpdatePhoneTokenService } from './update-phone-token.service.js';
import { VerificationRepository } from './verification.repository.js';
import { VerificationService } from './verification.service.js';

/** Codes, sending limits and update-phone tokens. Needs an `SmsSender` provider from the SMS module (global). */
@Module({
  imports: [CaptchaModule],
  providers: [VerificationRepository, VerificationService, UpdatePhoneTokenService],
  exports: [VerificationService, UpdatePhoneTokenService],
})
export class VerificationModule {}
