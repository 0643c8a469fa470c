import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A range of UTC days, both ends included; the last 7 days up to today by default. */
export class StatsQuery {
  @ApiPropertyOptional({ example: '2026-11-01', description: 'first day (UTC), `YYYY-MM-DD`; 6 days before `to` by default' })
  @IsOptional() @IsString() @Matches(DAY, { message: 'from must be a day as YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-30', description: 'last day (UTC), `YYYY-MM-DD`, included; today by default' })
  @IsOptional() @IsString() @Matches(DAY, { message: 'to must be a day as YYYY-MM-DD' })
  to?: string;
}
