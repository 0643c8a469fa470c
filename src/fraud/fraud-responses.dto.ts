import { ApiProperty } from '@nestjs/swagger';
import { type Assignable } from '../openapi/same-shape.js';
import { type FraudBucketView } from './fraud-buckets.service.js';

/** A fraud guard bucket, as the admin API shows it. */
export class FraudBucketData {
  @ApiProperty({ enum: ['country', 'prefix'] }) kind: 'country' | 'prefix';
  @ApiProperty({ example: '+44740012', description: 'ISO region (or calling code) for a country; E.164 minus its last four digits for a prefix' }) key: string;
  @ApiProperty({ enum: ['normal', 'challenge', 'blocked'] }) state: 'normal' | 'challenge' | 'blocked';
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'when the state ends by itself' }) until: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) changed_at: string | null;
  @ApiProperty({ type: 'integer', description: 'sends in the sliding window' }) sends: number;
  @ApiProperty({ type: 'integer', description: 'approved codes in the sliding window' }) approvals: number;
}

export type _FraudBucketViewDocumented = [Assignable<FraudBucketView, FraudBucketData>, Assignable<FraudBucketData, FraudBucketView>];
