import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { ReadsAllApps, ReadsApp } from '../operators/operator-access.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { AllAppsStatsData, AppStatsData } from './stats-responses.dto.js';
import { StatsQuery } from './stats.dto.js';
import { StatsService } from './stats.service.js';

const RANGE = 'For UTC days `from` to `to` (both included, at most 366; the last 7 days by default), per day and destination country.';

@ApiTags('admin: statistics')
@UseGuards(OperatorAuthGuard)
@Controller('admin')
export class StatsAdminController {
  constructor(private readonly stats: StatsService) {}

  @Get('apps/:id/stats')
  @ReadsApp('id')
  @ApiOperation({ summary: 'An app\'s statistics', description: `Codes sent and approved, conversion, failures by reason and the median time to approval. ${RANGE}` })
  @ApiData(AppStatsData)
  @ApiErrors('APP_NOT_FOUND')
  ofApp(@Param('id') id: string, @Query() query: StatsQuery) {
    return this.stats.ofApp(id, query);
  }

  @Get('stats')
  @ReadsAllApps()
  @ApiOperation({ summary: 'Statistics of all apps', description: `The figures of every app together, and each app's totals. ${RANGE}` })
  @ApiData(AllAppsStatsData)
  ofAllApps(@Query() query: StatsQuery) {
    return this.stats.ofAllApps(query);
  }
}
