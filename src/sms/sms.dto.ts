import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsDateString, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateBy, ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../common/http/page-query.dto.js';
import { SCENES, type Scene } from '../common/scenes.js';
import { IsDisplayName } from '../common/text/display-name.js';
import { withinChars } from '../common/text/storable-text.js';
import { SMS_PROVIDER_NAMES, type SmsProviderName } from './sms-account.entity.js';
import { SMS_DELIVERY_STATUSES, type SmsDeliveryStatus, type SmsMessageStatus } from './sms-message.entity.js';
import { SMS_MESSAGE_TYPES, type SmsMessageType } from './sms-signature.entity.js';

const ENDPOINT = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;
/** A BCP 47 language tag of the common shapes: language, optionally script and region (`en`, `zh-CN`, `zh-Hant-TW`). */
export const LOCALE = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$/;

/** A test send's template parameters: at most this many, named as template variables are, each a string of at most this many characters. */
const TEMPLATE_PARAMS = { entries: 20, name: /^[A-Za-z0-9_]{1,64}$/, valueChars: 256 };

/**
 * Template parameters as the providers take them: a flat object of variable names
 * to strings. An object value went to the provider as JSON inside the template
 * parameter (a test send with `{"code": {"a": 1}}` was sent).
 */
function IsTemplateParams() {
  return ValidateBy({
    name: 'isTemplateParams',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        const entries = Object.entries(value);
        return (
          entries.length <= TEMPLATE_PARAMS.entries &&
          entries.every(([name, v]) => TEMPLATE_PARAMS.name.test(name) && typeof v === 'string' && withinChars(v, TEMPLATE_PARAMS.valueChars))
        );
      },
      defaultMessage: () =>
        `params must be an object of at most ${TEMPLATE_PARAMS.entries} template variables (letters, digits, _), each a string of at most ${TEMPLATE_PARAMS.valueChars} characters`,
    },
  });
}

/**
 * An account's fields as both its creation and its change validate them. What
 * holds for creation alone is documented on {@link CreateSmsAccountDto}: a
 * mapped type can add to what it copies, not take away.
 */
class SmsAccountFields {
  @ApiProperty({ example: 'Aliyun main' })
  @IsDisplayName() @IsString() @IsNotEmpty() @MaxLength(100)
  name: string;

  @ApiProperty({ enum: SMS_PROVIDER_NAMES })
  @IsIn(SMS_PROVIDER_NAMES)
  provider: SmsProviderName;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { secret_id: 'AKIDexample', secret_key: 'example-secret' },
    description:
      'The provider type\'s credentials, all fields together; write-only (the public id is shown masked, the rest never). ' +
      'aliyun: `access_key_id`, `access_key_secret`; tencent: `secret_id`, `secret_key`; twilio: `account_sid`, `auth_token`; console: none.',
  })
  @IsOptional() @IsObject()
  credentials?: Record<string, string>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { sdk_app_id: '1400006666', region: 'ap-guangzhou' },
    description:
      'The provider type\'s plain settings, shown on read. tencent: `sdk_app_id` (required), `region` (default ap-guangzhou); ' +
      'twilio: `from` (E.164 number or alphanumeric sender id) or `messaging_service_sid`, one of the two; aliyun and console: none.',
  })
  @IsOptional() @IsObject()
  settings?: Record<string, string>;

  @ApiPropertyOptional({ description: 'AccessKey id (aliyun; the same as `credentials.access_key_id`); write-only, shown masked' })
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(128)
  access_key_id?: string;

  @ApiPropertyOptional({ description: 'AccessKey secret (aliyun; the same as `credentials.access_key_secret`); write-only, never shown' })
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(256)
  access_key_secret?: string;

  @ApiPropertyOptional({ type: 'string', example: 'dysmsapi.aliyuncs.com', description: 'host[:port]' })
  @IsOptional() @IsString() @Matches(ENDPOINT) @MaxLength(255)
  endpoint?: string | null;

  @ApiPropertyOptional({ enum: ['http', 'https'] })
  @IsOptional() @IsIn(['http', 'https'])
  protocol?: 'http' | 'https' | null;

  @ApiPropertyOptional({ type: 'number', description: 'bound of one provider call; SMS_TIMEOUT_MS when absent' })
  @IsOptional() @IsInt() @Min(100) @Max(60_000)
  timeout_ms?: number | null;
}

export class CreateSmsAccountDto extends SmsAccountFields {
  @ApiPropertyOptional({ default: 'https' })
  declare protocol?: 'http' | 'https' | null;
}

/**
 * Every field but the provider, each optional. `null` resets the endpoint, the
 * protocol and the timeout to their defaults, as at creation; a null name is
 * refused (validated, not skipped, as `skipNullProperties: false` does for each
 * field that is not optional at creation).
 */
export class UpdateSmsAccountDto extends PartialType(OmitType(SmsAccountFields, ['provider'] as const), { skipNullProperties: false }) {
  @ApiPropertyOptional({ description: 'replaces the AccessKey; give the secret with it' })
  declare access_key_id?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'replaces the credentials whole (every field of the type)' })
  declare credentials?: Record<string, string>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'replaces the settings whole' })
  declare settings?: Record<string, string>;

  @ApiPropertyOptional({ enum: ['http', 'https'], nullable: true, description: 'null: https' })
  declare protocol?: 'http' | 'https' | null;

  @ApiPropertyOptional({ type: 'string', nullable: true })
  declare endpoint?: string | null;

  @ApiPropertyOptional({ type: 'number', nullable: true, description: 'bound of one provider call; null: SMS_TIMEOUT_MS' })
  declare timeout_ms?: number | null;
}

export class CreateSmsSignatureDto {
  @ApiProperty({ example: '在行云' })
  @IsDisplayName() @IsString() @IsNotEmpty() @MaxLength(64)
  sign_name: string;

  @ApiPropertyOptional({ enum: SMS_MESSAGE_TYPES, default: 'verification' })
  @IsOptional() @IsIn(SMS_MESSAGE_TYPES)
  type?: SmsMessageType;
}

export class CreateSmsTemplateDto {
  @ApiProperty({ example: 'SMS_123456789' })
  @IsString() @IsNotEmpty() @MaxLength(64)
  template_code: string;

  @ApiPropertyOptional({ enum: SCENES })
  @IsOptional() @IsIn(SCENES)
  scene?: Scene;

  @ApiPropertyOptional({ default: 'code', description: 'the template parameter that carries the code' })
  @IsOptional() @IsString() @Matches(/^\w{1,64}$/)
  code_param?: string;

  @ApiPropertyOptional({ example: '您的验证码为${code}，5分钟内有效。', description: 'rendered by the console provider' })
  @IsOptional() @IsString() @MaxLength(1000)
  content?: string;

  @ApiPropertyOptional({ enum: SMS_MESSAGE_TYPES, default: 'verification' })
  @IsOptional() @IsIn(SMS_MESSAGE_TYPES)
  type?: SmsMessageType;

  @ApiPropertyOptional({ example: 'zh-CN', description: 'its language (BCP 47); a route sends the template of the destination\'s language among its account\'s templates of the scene' })
  @IsOptional() @IsString() @Matches(LOCALE)
  locale?: string;
}

export class UpdateSmsTemplateDto {
  @ApiPropertyOptional({ type: 'string', nullable: true, example: 'en', description: 'null: no language' })
  @ValidateIf((_, v) => v !== undefined && v !== null) @IsString() @Matches(LOCALE)
  locale?: string | null;

  @ApiPropertyOptional({ enum: SCENES, nullable: true })
  @ValidateIf((_, v) => v !== undefined && v !== null) @IsIn(SCENES)
  scene?: Scene | null;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @Matches(/^\w{1,64}$/)
  code_param?: string;

  @ApiPropertyOptional({ type: 'string', nullable: true })
  @ValidateIf((_, v) => v !== undefined && v !== null) @IsString() @MaxLength(1000)
  content?: string | null;
}

export class PutSmsBindingDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  template_id: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  signature_id: string;

  @ApiPropertyOptional({ type: 'string', format: 'uuid', nullable: true, description: 'with fallback_signature_id: another account to fail over to' })
  @ValidateIf((_, v) => v !== undefined && v !== null) @IsUUID()
  fallback_template_id?: string | null;

  @ApiPropertyOptional({ type: 'string', format: 'uuid', nullable: true })
  @ValidateIf((_, v) => v !== undefined && v !== null) @IsUUID()
  fallback_signature_id?: string | null;
}

/** One route of a scene, as an operator lists it. */
export class SmsRouteDto {
  @ApiProperty({ format: 'uuid', description: 'a template of the account to send through' })
  @IsUUID()
  template_id: string;

  @ApiPropertyOptional({ type: 'string', format: 'uuid', nullable: true, description: 'a signature of the same account; required but for twilio accounts, which send from their sender' })
  @ValidateIf((_, v) => v !== undefined && v !== null) @IsUUID()
  signature_id?: string | null;

  @ApiPropertyOptional({ type: [String], nullable: true, example: ['CN'], description: 'ISO 3166-1 alpha-2 regions of the destinations this route serves; every destination when absent' })
  @ValidateIf((_, v) => v !== undefined && v !== null) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(250)
  countries?: string[] | null;
}

export class PutSmsRoutesDto {
  @ApiProperty({ type: [SmsRouteDto], description: 'tried in this order; at most 10' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => SmsRouteDto)
  routes: SmsRouteDto[];
}

export class SmsTestSendDto {
  @ApiProperty({ enum: SCENES })
  @IsIn(SCENES)
  scene: Scene;

  @ApiProperty({ example: '18518768888' })
  @IsString() @IsNotEmpty() @MaxLength(32)
  mobile: string;

  @ApiPropertyOptional({ example: '+86', default: '+86' })
  @IsOptional() @IsString() @MaxLength(8)
  mcode?: string;

  @ApiPropertyOptional({ description: 'template parameters (at most 20 variables, each a string of at most 256 characters); a random `code` when absent', example: { code: '123456' } })
  @IsOptional() @IsTemplateParams()
  params?: Record<string, string>;

  @ApiPropertyOptional({ example: 'en', description: 'the language to send in (BCP 47), before the destination country\'s' })
  @IsOptional() @IsString() @Matches(LOCALE)
  locale?: string;
}

class SmsMessageFilter {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  app_id?: string;

  @ApiPropertyOptional({ description: 'E.164, exact' })
  @IsOptional() @IsString() @Matches(/^\+\d{4,16}$/)
  phone?: string;

  @ApiPropertyOptional({ enum: ['sending', 'sent', 'failed', 'unknown'] })
  @IsOptional() @IsIn(['sending', 'sent', 'failed', 'unknown'])
  status?: SmsMessageStatus;

  @ApiPropertyOptional({ enum: SMS_DELIVERY_STATUSES, description: 'what became of an accepted message' })
  @IsOptional() @IsIn(SMS_DELIVERY_STATUSES)
  delivery_status?: SmsDeliveryStatus;

  @ApiPropertyOptional({ enum: SCENES })
  @IsOptional() @IsIn(SCENES)
  scene?: Scene;

  // strict: a day the month does not have (2024-02-30) is refused, not read as the next month's.
  @ApiPropertyOptional({ description: 'ISO 8601, inclusive' })
  @IsOptional() @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601, exclusive' })
  @IsOptional() @IsDateString({ strict: true })
  to?: string;
}

export class ListSmsMessagesQuery extends IntersectionType(PageQuery({ default: 20, max: 100 }), SmsMessageFilter) {}
