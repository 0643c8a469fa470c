import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module.js';
import { AdminAuthModule } from '../auth/admin-auth.module.js';
import { StatsAdminController } from './stats-admin.controller.js';
import { StatsRollup } from './stats-rollup.js';
import { StatsRepository } from './stats.repository.js';
import { StatsService } from './stats.service.js';

/** Per-app statistics of sent and approved codes (see StatsService, StatsRollup). */
@Module({
  imports: [AppsModule, AdminAuthModule],
  controllers: [StatsAdminController],
  providers: [StatsRepository, StatsService, StatsRollup],
  exports: [StatsRollup],
})
export class StatsModule {}
