import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { IsOptional } from 'class-validator';
import { CODE_POLICY_RANGES as C, FRAUD_GUARD_RANGES as F, LOGIN_CONFIG_RANGES as L, REFUSABLE_NUMBER_TYPES, RETENTION_RANGES as R, type RefusableNumberType } from './app-settings.js';

/** A partial login config: given fields replace the current (or default) ones. */
export class LoginConfigDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() mobile_login_enabled?: boolean;
  @ApiPropertyOptional({ minimum: L.token_ttl_days[0], maximum: L.token_ttl_days[1] })
  @IsOptional() @IsInt() @Min(L.token_ttl_days[0]) @Max(L.token_ttl_days[1]) token_ttl_days?: number;
  @ApiPropertyOptional({ minimum: L.max_sessions_per_user[0], maximum: L.max_sessions_per_user[1] })
  @IsOptional() @IsInt() @Min(L.max_sessions_per_user[0]) @Max(L.max_sessions_per_user[1]) max_sessions_per_user?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() require_old_phone_on_change?: boolean;
  @ApiPropertyOptional({ minimum: L.update_phone_token_ttl_s[0], maximum: L.update_phone_token_ttl_s[1] })
  @IsOptional() @IsInt() @Min(L.update_phone_token_ttl_s[0]) @Max(L.update_phone_token_ttl_s[1]) update_phone_token_ttl_s?: number;
}

/** A test number of an app: fixed code, no SMS. */
export class TestNumberDto {
  @ApiPropertyOptional({ example: '+8613800000000' })
  @IsString() @Matches(/^\+[1-9]\d{6,14}$/, { message: 'phone must be an E.164 number such as +8613800000000' })
  phone: string;
  @ApiPropertyOptional({ example: '123456' })
  @IsString() @Matches(/^\d{4,6}$/, { message: 'code must be 4 to 6 digits' })
  code: string;
}

/** A country's own daily SMS cap. */
export class CountryCapDto {
  @ApiPropertyOptional({ example: 'CN' })
  @IsString() @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as CN' })
  country: string;
  @ApiPropertyOptional({ minimum: C.per_country_daily[0], maximum: C.per_country_daily[1] })
  @IsInt() @Min(C.per_country_daily[0]) @Max(C.per_country_daily[1])
  daily: number;
}

/** A partial fraud guard policy: given fields replace the current (or default) ones. */
export class FraudGuardDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({ minimum: F.window_s[0], maximum: F.window_s[1] })
  @IsOptional() @IsInt() @Min(F.window_s[0]) @Max(F.window_s[1]) window_s?: number;
  @ApiPropertyOptional({ minimum: F.min_sends_prefix[0], maximum: F.min_sends_prefix[1] })
  @IsOptional() @IsInt() @Min(F.min_sends_prefix[0]) @Max(F.min_sends_prefix[1]) min_sends_prefix?: number;
  @ApiPropertyOptional({ minimum: F.min_sends_country[0], maximum: F.min_sends_country[1] })
  @IsOptional() @IsInt() @Min(F.min_sends_country[0]) @Max(F.min_sends_country[1]) min_sends_country?: number;
  @ApiPropertyOptional({ minimum: F.challenge_below_pct[0], maximum: F.challenge_below_pct[1] })
  @IsOptional() @IsInt() @Min(F.challenge_below_pct[0]) @Max(F.challenge_below_pct[1]) challenge_below_pct?: number;
  @ApiPropertyOptional({ minimum: F.block_below_pct[0], maximum: F.block_below_pct[1] })
  @IsOptional() @IsInt() @Min(F.block_below_pct[0]) @Max(F.block_below_pct[1]) block_below_pct?: number;
  @ApiPropertyOptional({ minimum: F.recover_at_pct[0], maximum: F.recover_at_pct[1] })
  @IsOptional() @IsInt() @Min(F.recover_at_pct[0]) @Max(F.recover_at_pct[1]) recover_at_pct?: number;
  @ApiPropertyOptional({ minimum: F.cooling_off_s[0], maximum: F.cooling_off_s[1] })
  @IsOptional() @IsInt() @Min(F.cooling_off_s[0]) @Max(F.cooling_off_s[1]) cooling_off_s?: number;
}

/** A partial code policy: given fields replace the current (or default) ones. */
export class CodePolicyDto {
  @ApiPropertyOptional({ minimum: C.length[0], maximum: C.length[1] })
  @IsOptional() @IsInt() @Min(C.length[0]) @Max(C.length[1]) length?: number;
  @ApiPropertyOptional({ minimum: C.ttl_s[0], maximum: C.ttl_s[1] })
  @IsOptional() @IsInt() @Min(C.ttl_s[0]) @Max(C.ttl_s[1]) ttl_s?: number;
  @ApiPropertyOptional({ minimum: C.resend_interval_s[0], maximum: C.resend_interval_s[1] })
  @IsOptional() @IsInt() @Min(C.resend_interval_s[0]) @Max(C.resend_interval_s[1]) resend_interval_s?: number;
  @ApiPropertyOptional({ minimum: C.max_attempts[0], maximum: C.max_attempts[1] })
  @IsOptional() @IsInt() @Min(C.max_attempts[0]) @Max(C.max_attempts[1]) max_attempts?: number;
  @ApiPropertyOptional({ minimum: C.per_phone_daily[0], maximum: C.per_phone_daily[1] })
  @IsOptional() @IsInt() @Min(C.per_phone_daily[0]) @Max(C.per_phone_daily[1]) per_phone_daily?: number;
  @ApiPropertyOptional({ minimum: C.per_ip_hourly[0], maximum: C.per_ip_hourly[1] })
  @IsOptional() @IsInt() @Min(C.per_ip_hourly[0]) @Max(C.per_ip_hourly[1]) per_ip_hourly?: number;
  @ApiPropertyOptional({ minimum: C.per_app_daily[0], maximum: C.per_app_daily[1] })
  @IsOptional() @IsInt() @Min(C.per_app_daily[0]) @Max(C.per_app_daily[1]) per_app_daily?: number;
  @ApiPropertyOptional({ minimum: C.per_country_daily[0], maximum: C.per_country_daily[1], description: 'SMS a day to one destination country, unless per_country_daily_overrides names it' })
  @IsOptional() @IsInt() @Min(C.per_country_daily[0]) @Max(C.per_country_daily[1]) per_country_daily?: number;
  @ApiPropertyOptional({ type: [CountryCapDto], description: "countries with a daily cap of their own" })
  @IsOptional() @IsArray() @ArrayMaxSize(250) @ValidateNested({ each: true }) @Type(() => CountryCapDto)
  per_country_daily_overrides?: CountryCapDto[];
  @ApiPropertyOptional({ type: [String], example: ['CN'], description: 'ISO 3166-1 alpha-2 regions; empty allows all' })
  @IsOptional() @IsArray() @ArrayMaxSize(250) @Matches(/^[A-Z]{2}$/, { each: true, message: 'allowed_country_codes must hold ISO 3166-1 alpha-2 codes such as CN' })
  allowed_country_codes?: string[];
  @ApiPropertyOptional() @IsOptional() @IsBoolean() captcha_required?: boolean;
  @ApiPropertyOptional({ enum: REFUSABLE_NUMBER_TYPES, isArray: true, description: 'number types that never receive a code; MOBILE and FIXED_LINE_OR_MOBILE always pass' })
  @IsOptional() @IsArray() @ArrayMaxSize(REFUSABLE_NUMBER_TYPES.length) @IsIn(REFUSABLE_NUMBER_TYPES, { each: true, message: `refused_number_types must hold only ${REFUSABLE_NUMBER_TYPES.join(', ')}` })
  refused_number_types?: RefusableNumberType[];
  @ApiPropertyOptional({ type: FraudGuardDto, description: 'conversion-aware throttling (README "Fraud guard"); given fields replace the current ones' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => FraudGuardDto)
  fraud_guard?: FraudGuardDto;
  @ApiPropertyOptional({ type: [TestNumberDto], description: 'fixed codes for store review and QA; no SMS is sent to these numbers' })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => TestNumberDto)
  test_numbers?: TestNumberDto[];
}

/** A partial retention policy: given fields replace the current (or default) ones. */
export class RetentionPolicyDto {
  @ApiPropertyOptional({ minimum: R.codes_days[0], maximum: R.codes_days[1], description: 'codes and update-phone tokens are deleted this many days after they expire' })
  @IsOptional() @IsInt() @Min(R.codes_days[0]) @Max(R.codes_days[1]) codes_days?: number;
  @ApiPropertyOptional({ minimum: R.captchas_days[0], maximum: R.captchas_days[1], description: 'captchas and request nonces are deleted this many days after they expire' })
  @IsOptional() @IsInt() @Min(R.captchas_days[0]) @Max(R.captchas_days[1]) captchas_days?: number;
  @ApiPropertyOptional({ minimum: R.send_log_hash_days[0], maximum: R.send_log_hash_days[1], description: 'send-log numbers are replaced by a keyed hash this many days after the send' })
  @IsOptional() @IsInt() @Min(R.send_log_hash_days[0]) @Max(R.send_log_hash_days[1]) send_log_hash_days?: number;
  @ApiPropertyOptional({ minimum: R.send_log_delete_days[0], maximum: R.send_log_delete_days[1], description: 'send-log rows and finished webhook deliveries are deleted this many days after they were written' })
  @IsOptional() @IsInt() @Min(R.send_log_delete_days[0]) @Max(R.send_log_delete_days[1]) send_log_delete_days?: number;
}
