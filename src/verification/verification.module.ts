import { EventsModule } from '../events/events.module.js';
import { Module } from '@nestjs/common';
import { ChallengesModule } from '../fraud/challenges/challenges.module.js';
import { FraudModule } from '../fraud/fraud.module.js';
import { VerificationRepository } from './verification.repository.js';
import { VerificationService } from './verification.service.js';

/** Codes and sending limits. Needs an `SmsSender` provider from the SMS module (global). */
@Module({
  imports: [ChallengesModule, EventsModule, FraudModule],
  providers: [VerificationRepository, VerificationService],
  exports: [VerificationService],
})
export class VerificationModule {}
