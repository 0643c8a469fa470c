import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CaptchaEntity } from './captcha.entity.js';
import { CaptchaService } from './captcha.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([CaptchaEntity])],
  providers: [CaptchaService],
  exports: [CaptchaService],
})
export class CaptchaModule {}
