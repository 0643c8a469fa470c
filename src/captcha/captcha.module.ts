import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CaptchaRenderer, SvgCaptchaRenderer } from './captcha-renderer.js';
import { CaptchaEntity } from './captcha.entity.js';
import { CaptchaService } from './captcha.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([CaptchaEntity])],
  providers: [CaptchaService, { provide: CaptchaRenderer, useClass: SvgCaptchaRenderer }],
  exports: [CaptchaService],
})
export class CaptchaModule {}
