import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class ListFraudBucketsQuery {
  @ApiPropertyOptional({ enum: ['challenge', 'blocked'], description: 'only buckets in this state; both when absent' })
  @IsOptional() @IsIn(['challenge', 'blocked'])
  state?: 'challenge' | 'blocked';
}
