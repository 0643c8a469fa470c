import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { buildMessage, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, ValidateBy } from 'class-validator';
import { unencodedPlus } from '../../common/phone/phone.js';
import { SCENES, type Scene } from '../../common/scenes.js';
import { LenientDto } from '../../common/http/validation.pipe.js';
import { withinChars } from '../../common/text/storable-text.js';

/*
 * class-validator runs a property's decorators bottom-up and, with stopAtFirstError,
 * reports the first failure: the presence check sits closest to the property so a
 * missing value is reported as missing (the v1 codes tell missing from malformed).
 */

/** Form bodies carry every value as a string: integers arrive as `"12"`. */
const IntegerString = () => Transform(({ value }) => (typeof value === 'string' && /^-?\d{1,10}$/.test(value) ? Number(value) : value));

/** `version_number` is an unsigned int (struct.md), kept in an int4 column. */
const INT4_MAX = 2_147_483_647;

/**
 * At most `max` characters as Postgres counts them (code points), so a value that
 * passes fits its varchar(max) column. class-validator's MaxLength does not count
 * variation selectors (U+FE0E/U+FE0F): `'a\uFE0F'.repeat(32)` passed MaxLength(32)
 * and then failed in the database. Named `maxLength`, the v1 code tables' name.
 */
function MaxChars(max: number) {
  return ValidateBy({
    name: 'maxLength',
    constraints: [max],
    validator: {
      validate: (value: unknown) => typeof value === 'string' && withinChars(value, max),
      defaultMessage: buildMessage((each) => `${each}$property must be shorter than or equal to $constraint1 characters`),
    },
  });
}

/**
 * A phone number as the v1 API takes it. Its validity is checked by the service
 * (parsePhone), which stores the normalised mcode and national number; the raw
 * input is bounded here so an absurd value is refused before anything else runs
 * (`mobile` 32 characters, room for any separators a person types; `mcode` 8).
 */
@LenientDto()
export class V1PhoneDto {
  @ApiProperty({ example: '+86' })
  @Transform(({ value }) => (typeof value === 'string' ? unencodedPlus(value) : value))
  @MaxChars(8) @IsString() @IsNotEmpty() mcode: string;
  @ApiProperty({ example: '18518768888' }) @MaxChars(32) @IsString() @IsNotEmpty() mobile: string;
}

/**
 * A request that sends a code; the captcha fields matter when the app's policy sets
 * `captcha_required`: the image captcha's, or `captcha_token` when the app's captcha
 * provider is a vendor (Turnstile, hCaptcha, reCAPTCHA).
 */
@LenientDto()
export class V1SendCodeDto extends V1PhoneDto {
  @ApiPropertyOptional({ description: "image captcha id (GET /oauth/api/account/imgCode), when the app requires one and its provider is `image`" })
  @MaxChars(16) @IsString() @IsOptional() img_code_id?: string;
  @ApiPropertyOptional({ description: 'the image captcha answer' }) @MaxChars(16) @IsString() @IsOptional() img_code?: string;
  @ApiPropertyOptional({ description: "the token of the app's captcha vendor widget (Turnstile, hCaptcha, reCAPTCHA), when the app requires a captcha and chose one" })
  @MaxChars(4096) @IsString() @IsOptional() captcha_token?: string;
}

/** POST /v1/user/mobile. */
@LenientDto()
export class V1PhoneCodeDto extends V1PhoneDto {
  @ApiProperty({ example: '347823' }) @MaxChars(6) @IsString() @IsNotEmpty() verify_code: string;
}

/** POST /v1/login/mobile (login_mobile.md). */
@LenientDto()
export class V1LoginMobileDto extends V1PhoneCodeDto {
  @ApiProperty({ example: 12, minimum: 0, maximum: INT4_MAX }) @IntegerString() @Max(INT4_MAX) @Min(0) @IsInt() @IsNotEmpty() version_number: number;
  @ApiProperty({ example: 'vivo' }) @MaxChars(32) @IsString() @IsNotEmpty() channel: string;
  @ApiPropertyOptional() @MaxChars(128) @IsString() @IsOptional() oaid?: string;
  @ApiPropertyOptional() @MaxChars(128) @IsString() @IsOptional() device_id?: string;
  @ApiPropertyOptional({ enum: [0, 1] }) @IntegerString() @IsIn([0, 1]) @IsInt() @IsOptional() need_user_detail?: number;
}

/** POST /v1/sms/verify_code: a code of any scene, for tenant back-ends. */
@LenientDto()
export class V1SmsSendDto extends V1SendCodeDto {
  @ApiProperty({ enum: SCENES }) @IsIn(SCENES) @IsNotEmpty() scene: Scene;
}

/** POST /v1/sms/check_code. */
@LenientDto()
export class V1SmsCheckDto extends V1SmsSendDto {
  @ApiProperty({ example: '123456' }) @MaxChars(6) @IsString() @IsNotEmpty() verify_code: string;
}
