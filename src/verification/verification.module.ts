import { Module } from '@nestjs/common';
import { VerificationRepository } from './verification.repository.js';
import { VerificationService } from './verification.service.js';

/** Codes and sending limits. Needs an `SmsSender` provider from the SMS module (global). */
@Module({
  providers: [VerificationRepository, VerificationService],
  exports: [VerificationService],
})
export class VerificationModule {}
