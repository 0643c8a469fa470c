import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { AppCache } from './app-cache.js';
import { AppEntity } from './app.entity.js';
import { AppsAdminController } from './apps-admin.controller.js';
import { AppsRepository } from './apps.repository.js';
import { AppsService } from './apps.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([AppEntity]), AuditModule],
  controllers: [AppsAdminController],
  providers: [AppsRepository, AppsService, AppCache],
  exports: [AppsService],
})
export class AppsModule {}
