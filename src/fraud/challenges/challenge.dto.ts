import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CHALLENGE_PROVIDERS, type ChallengeProvider } from './challenge-provider.js';

/** PUT /admin/apps/:appId/challenge: the app's challenge settings, whole (an omitted optional field is cleared; the secret is kept). */
export class PutChallengeDto {
  @ApiProperty({ enum: CHALLENGE_PROVIDERS, description: "`image` is Passcode's own captcha (the default); the others verify the vendor's token" })
  @IsIn(CHALLENGE_PROVIDERS)
  provider: ChallengeProvider;

  @ApiPropertyOptional({ type: 'string', nullable: true, example: '0x4AAAAAAABkMYinukE8nzY', description: "the vendor's public site key, for the client's widget" })
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200)
  site_key?: string | null;

  @ApiPropertyOptional({
    example: '0x4AAAAAAABkMYinukE8nzYS_secret',
    description: 'the vendor secret key; write-only (never answered). Required when choosing a vendor; omitted, the stored one stays while the provider does',
  })
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(500)
  secret?: string;

  @ApiPropertyOptional({ type: 'number', nullable: true, minimum: 0, maximum: 1, example: 0.5, description: 'reCAPTCHA v3 / hCaptcha Enterprise: answers scoring below it (or without a score) are refused' })
  @IsOptional() @Min(0) @Max(1)
  min_score?: number | null;

  @ApiPropertyOptional({ type: 'string', nullable: true, example: 'login.example.com', description: 'the hostname the vendor must report the token was solved on' })
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(253)
  hostname?: string | null;

  @ApiPropertyOptional({ type: 'string', nullable: true, example: 'send_code', description: 'the action the vendor must report (Turnstile, reCAPTCHA v3)' })
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(100)
  action?: string | null;
}
