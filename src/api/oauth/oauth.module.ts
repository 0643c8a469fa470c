import { Module } from '@nestjs/common';
import { AppsModule } from '../../apps/apps.module.js';
import { CaptchaModule } from '../../captcha/captcha.module.js';
import { VerificationModule } from '../../verification/verification.module.js';
import { OauthCaptchaController } from './oauth-captcha.controller.js';
import { OauthSmsController } from './oauth-sms.controller.js';

/** Seed 004's wire dialect: image captcha (and, with the verification engine, the captcha-gated send). */
@Module({
  imports: [AppsModule, CaptchaModule, VerificationModule],
  controllers: [OauthCaptchaController, OauthSmsController],
})
export class OauthModule {}
