import { ApiProperty } from '@nestjs/swagger';
import { type Assignable } from '../../openapi/same-shape.js';
import { CHALLENGE_PROVIDERS, type ChallengeProvider } from './challenge-provider.js';
import { type ChallengeView } from './challenge.view.js';

/** What GET and PUT /admin/apps/:appId/challenge answer as `data` (challenge.view.ts), for the published OpenAPI document. */
export class ChallengeData {
  @ApiProperty({ enum: CHALLENGE_PROVIDERS }) provider: ChallengeProvider;
  @ApiProperty({ type: 'string', nullable: true, example: '0x4AAAAAAABkMYinukE8nzY' }) site_key: string | null;
  @ApiProperty({ description: 'whether a vendor secret is stored (it is never answered)' }) secret_set: boolean;
  @ApiProperty({ type: 'string', nullable: true, example: '****cret', description: 'the secret\'s last four characters, to recognise it' }) secret_masked: string | null;
  @ApiProperty({ type: 'number', nullable: true, example: 0.5 }) min_score: number | null;
  @ApiProperty({ type: 'string', nullable: true }) hostname: string | null;
  @ApiProperty({ type: 'string', nullable: true }) action: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'null while the app has never chosen (the image captcha)' }) updated_at: string | null;
}

export type _ChallengeViewDocumented = [Assignable<ChallengeView, ChallengeData>, Assignable<ChallengeData, ChallengeView>];
