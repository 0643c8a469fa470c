import { ApiProperty } from '@nestjs/swagger';
import { type Assignable } from '../openapi/same-shape.js';
import { type ErasureService } from './erasure.service.js';

/** What an erasure changed, per table, summed over the apps it searched. */
export class ErasedCountsData {
  @ApiProperty({ type: 'integer', description: 'end users deregistered (an active one) or whose row lost the number' }) users: number;
  @ApiProperty({ type: 'integer', description: 'send-log rows' }) sms_messages: number;
  @ApiProperty({ type: 'integer', description: 'verification codes (a live one stops working)' }) verification_codes: number;
  @ApiProperty({ type: 'integer', description: 'update-phone tokens deleted' }) update_phone_tokens: number;
  @ApiProperty({ type: 'integer', description: 'webhook deliveries whose payload held the number' }) webhook_deliveries: number;
  @ApiProperty({ type: 'integer', description: 'cooldowns and daily counts of the number whose window had passed, deleted' }) expired_limits: number;
  @ApiProperty({ type: 'integer', description: 'cooldowns and daily counts still open, kept until their window passes (at most a day), then purged' }) open_limits_kept: number;
}

export class ErasureData {
  @ApiProperty({ example: 'q5M1h0yRk8Jm2nF3c9XwZA', description: 'a keyed fingerprint of the number, as the audit entry records it (the number itself is recorded nowhere)' })
  fingerprint: string;
  @ApiProperty({ type: 'integer', description: 'apps searched' }) apps: number;
  @ApiProperty({ type: ErasedCountsData }) erased: ErasedCountsData;
}

type Erasure = Awaited<ReturnType<ErasureService['erase']>>;
export type _ErasureDocumented = [Assignable<Erasure, ErasureData>, Assignable<ErasureData, Erasure>];
