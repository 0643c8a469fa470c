import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { AdminAuthModule } from '../auth/admin-auth.module.js';
import { EventsModule } from '../events/events.module.js';
import { StatsModule } from '../stats/stats.module.js';
import { ErasureService } from './erasure.service.js';
import { ErasuresAdminController } from './erasures-admin.controller.js';
import { PhonePseudonyms } from './phone-pseudonyms.js';
import { RetentionPurge } from './retention-purge.js';
import { RetentionRepository } from './retention.repository.js';

/** Retention and erasure of phone numbers: the purge job, deregistration's forgetting, operators' erasure requests. */
@Module({
  imports: [AppsModule, AuditModule, AdminAuthModule, EventsModule, StatsModule],
  controllers: [ErasuresAdminController],
  providers: [RetentionRepository, PhonePseudonyms, RetentionPurge, ErasureService],
  exports: [ErasureService],
})
export class RetentionModule {}
