import { ApiProperty } from '@nestjs/swagger';
import { type Assignable } from '../openapi/same-shape.js';
import { type StatsService } from './stats.service.js';

/*
 * What the statistics endpoints answer, as documented in the OpenAPI document.
 * The Assignable lines fail the type check when the service's answer and its
 * documentation part.
 */

const FAILURES = { type: 'object', additionalProperties: { type: 'integer' }, example: { SMS_PHONE_REJECTED: 2 }, description: 'failed send attempts by error name' } as const;

export class StatsCountsData {
  @ApiProperty({ type: 'integer', description: 'SMS for codes the provider accepted (or may have: no answer in time); operators\' test sends are not counted' })
  sent: number;
  @ApiProperty({ type: 'integer', description: 'of those, the ones the carrier reported delivered (delivery receipts; providers without receipts report none)' })
  delivered: number;
  @ApiProperty({ type: 'integer', description: 'codes sent in the range and approved' }) approved: number;
  @ApiProperty({ type: 'number', nullable: true, example: 0.87, description: 'approved / sent, to four decimals; null when nothing was sent' })
  conversion: number | null;
  @ApiProperty({ type: 'integer', description: 'send attempts refused (by the provider or the configuration)' }) failed: number;
  @ApiProperty(FAILURES) failures: Record<string, number>;
  @ApiProperty({ type: 'number', nullable: true, example: 24.5, description: 'median seconds from a code\'s sending to its approval, interpolated within buckets (5 s to 1 h); null without approvals' })
  median_approval_s: number | null;
}

export class StatsDayData extends StatsCountsData {
  @ApiProperty({ example: '2026-11-30', description: 'UTC day' }) day: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'CN', description: 'destination ISO 3166-1 region; null when unknown' }) country: string | null;
}

export class AppStatsData {
  @ApiProperty({ format: 'uuid' }) app_id: string;
  @ApiProperty({ example: '2026-11-24' }) from: string;
  @ApiProperty({ example: '2026-11-30' }) to: string;
  @ApiProperty({ type: StatsCountsData }) totals: StatsCountsData;
  @ApiProperty({ type: [StatsDayData], description: 'per day and country, by day then country' }) days: StatsDayData[];
}

export class AppTotalsData extends StatsCountsData {
  @ApiProperty({ format: 'uuid' }) app_id: string;
}

export class AllAppsStatsData {
  @ApiProperty({ example: '2026-11-24' }) from: string;
  @ApiProperty({ example: '2026-11-30' }) to: string;
  @ApiProperty({ type: StatsCountsData }) totals: StatsCountsData;
  @ApiProperty({ type: [StatsDayData], description: 'all apps together, per day and country' }) days: StatsDayData[];
  @ApiProperty({ type: [AppTotalsData], description: 'each app with any activity in the range, most sent first' }) apps: AppTotalsData[];
}

type AppStats = Awaited<ReturnType<StatsService['ofApp']>>;
type AllAppsStats = Awaited<ReturnType<StatsService['ofAllApps']>>;
export type _StatsDocumented = [Assignable<AppStats, AppStatsData>, Assignable<AppStatsData, AppStats>, Assignable<AllAppsStats, AllAppsStatsData>, Assignable<AllAppsStatsData, AllAppsStats>];
