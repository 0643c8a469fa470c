import { Module } from '@nestjs/common';
import { AppsModule } from '../../apps/apps.module.js';
import { AuditModule } from '../../audit/audit.module.js';
import { CaptchaModule } from '../../captcha/captcha.module.js';
import { ChallengeSettingsService } from './challenge-settings.service.js';
import { ChallengeService } from './challenge.service.js';
import { ChallengesAdminController } from './challenges-admin.controller.js';
import { ChallengesRepository } from './challenges.repository.js';
import { SiteverifyClient } from './siteverify.client.js';

/** Challenge verifiers: the image captcha, Turnstile, hCaptcha and reCAPTCHA, chosen per app; `verification/` demands one through {@link ChallengeService}. */
@Module({
  imports: [AppsModule, AuditModule, CaptchaModule],
  controllers: [ChallengesAdminController],
  providers: [ChallengesRepository, SiteverifyClient, ChallengeService, ChallengeSettingsService],
  exports: [ChallengeService],
})
export class ChallengesModule {}
