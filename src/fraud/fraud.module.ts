import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { EventsModule } from '../events/events.module.js';
import { FraudAdminController } from './fraud-admin.controller.js';
import { FraudBucketsRepository } from './fraud-buckets.repository.js';
import { FraudBucketsService } from './fraud-buckets.service.js';
import { FraudGuard } from './fraud-guard.service.js';

/** The fraud guard (DESIGN §8): number-type policy, conversion buckets and their states. Never sends SMS. */
@Module({
  imports: [AppsModule, AuditModule, EventsModule],
  controllers: [FraudAdminController],
  providers: [FraudBucketsRepository, FraudGuard, FraudBucketsService],
  exports: [FraudGuard],
})
export class FraudModule {}
