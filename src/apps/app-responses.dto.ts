import { ApiProperty } from '@nestjs/swagger';
import { type Assignable } from '../openapi/same-shape.js';
import { type CodePolicy, type CountryCap, type FraudGuardPolicy, type LoginConfig, REFUSABLE_NUMBER_TYPES, type RefusableNumberType, type RetentionPolicy, type TestNumber } from './app-settings.js';
import { type AppStatus } from './app.entity.js';
import { type AppView } from './app.view.js';

/*
 * What the admin app endpoints answer as `data` (app.view.ts), for the published
 * OpenAPI document. The Assignable lines fail the type check when a view and its
 * schema part.
 */

export class LoginConfigData implements LoginConfig {
  @ApiProperty() enabled: boolean;
  @ApiProperty() mobile_login_enabled: boolean;
  @ApiProperty({ type: 'integer' }) token_ttl_days: number;
  @ApiProperty({ type: 'integer' }) max_sessions_per_user: number;
  @ApiProperty() require_old_phone_on_change: boolean;
  @ApiProperty({ type: 'integer' }) update_phone_token_ttl_s: number;
}

export class TestNumberData implements TestNumber {
  @ApiProperty({ example: '+8613800000000' }) phone: string;
  @ApiProperty({ example: '123456' }) code: string;
}

export class CountryCapData implements CountryCap {
  @ApiProperty({ example: 'CN' }) country: string;
  @ApiProperty({ type: 'integer' }) daily: number;
}

export class FraudGuardData implements FraudGuardPolicy {
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: 'integer' }) window_s: number;
  @ApiProperty({ type: 'integer' }) min_sends_prefix: number;
  @ApiProperty({ type: 'integer' }) min_sends_country: number;
  @ApiProperty({ type: 'integer' }) challenge_below_pct: number;
  @ApiProperty({ type: 'integer' }) block_below_pct: number;
  @ApiProperty({ type: 'integer' }) recover_at_pct: number;
  @ApiProperty({ type: 'integer' }) cooling_off_s: number;
}

export class CodePolicyData implements CodePolicy {
  @ApiProperty({ type: 'integer' }) length: number;
  @ApiProperty({ type: 'integer' }) ttl_s: number;
  @ApiProperty({ type: 'integer' }) resend_interval_s: number;
  @ApiProperty({ type: 'integer' }) max_attempts: number;
  @ApiProperty({ type: 'integer' }) per_phone_daily: number;
  @ApiProperty({ type: 'integer' }) per_ip_hourly: number;
  @ApiProperty({ type: 'integer' }) per_app_daily: number;
  @ApiProperty({ type: 'integer' }) per_country_daily: number;
  @ApiProperty({ type: [CountryCapData] }) per_country_daily_overrides: CountryCapData[];
  @ApiProperty({ type: [String], example: ['CN'] }) allowed_country_codes: string[];
  @ApiProperty() captcha_required: boolean;
  @ApiProperty({ enum: REFUSABLE_NUMBER_TYPES, isArray: true }) refused_number_types: RefusableNumberType[];
  @ApiProperty({ type: FraudGuardData }) fraud_guard: FraudGuardData;
  @ApiProperty({ type: [TestNumberData] }) test_numbers: TestNumberData[];
}

export class RetentionPolicyData implements RetentionPolicy {
  @ApiProperty({ type: 'integer', example: 7, description: 'codes and update-phone tokens are deleted this many days after they expire' }) codes_days: number;
  @ApiProperty({ type: 'integer', example: 1, description: 'captchas and request nonces are deleted this many days after they expire' }) captchas_days: number;
  @ApiProperty({ type: 'integer', example: 30, description: 'send-log numbers become a keyed hash this many days after the send' }) send_log_hash_days: number;
  @ApiProperty({ type: 'integer', example: 365, description: 'send-log rows and finished webhook deliveries are deleted this many days after they were written' }) send_log_delete_days: number;
}

export class AppData {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'My App' }) name: string;
  @ApiProperty({ example: 'D5fceA1sVtmaMY1F' }) appkey: string;
  @ApiProperty({ enum: ['enabled', 'disabled'] }) status: AppStatus;
  @ApiProperty({ type: LoginConfigData, nullable: true, description: 'null: login not configured' }) login_config: LoginConfigData | null;
  @ApiProperty({ type: CodePolicyData }) code_policy: CodePolicyData;
  @ApiProperty({ type: RetentionPolicyData }) retention: RetentionPolicyData;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'while a rotated-out secret still signs' })
  previous_secret_valid_until: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

/** An app with its secret: the answer of creation and rotation, the only time the secret is shown. */
export class AppWithSecretData extends AppData {
  @ApiProperty({ description: 'shown this once' }) secret: string;
}

export class AppListData {
  @ApiProperty({ type: [AppData] }) items: AppData[];
  @ApiProperty({ type: 'integer' }) total: number;
  @ApiProperty({ type: 'integer' }) page: number;
  @ApiProperty({ type: 'integer' }) page_size: number;
}

export type _AppViewDocumented = [Assignable<AppView, AppData>, Assignable<AppData, AppView>];
