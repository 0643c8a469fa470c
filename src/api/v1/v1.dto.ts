import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { SCENES, type Scene } from '../../common/scenes.js';
import { LenientDto } from '../../common/http/validation.pipe.js';

/*
 * class-validator runs a property's decorators bottom-up and, with stopAtFirstError,
 * reports the first failure: the presence check sits closest to the property so a
 * missing value is reported as missing (the v1 codes tell missing from malformed).
 */

/** Form bodies carry every value as a string: integers arrive as `"12"`. */
const IntegerString = () => Transform(({ value }) => (typeof value === 'string' && /^-?\d{1,9}$/.test(value) ? Number(value) : value));

/** A phone number as the v1 API takes it. Its validity is checked by the service (parsePhone). */
@LenientDto()
export class V1PhoneDto {
  @ApiProperty({ example: '+86' }) @IsString() @IsNotEmpty() mcode: string;
  @ApiProperty({ example: '18518768888' }) @IsString() @IsNotEmpty() mobile: string;
}

/** A request that sends a code; the captcha fields matter when the app's policy sets `captcha_required`. */
@LenientDto()
export class V1SendCodeDto extends V1PhoneDto {
  @ApiPropertyOptional({ description: 'image captcha id (GET /oauth/api/account/imgCode), when the app requires one' })
  @MaxLength(16) @IsString() @IsOptional() img_code_id?: string;
  @ApiPropertyOptional({ description: 'the image captcha answer' }) @MaxLength(16) @IsString() @IsOptional() img_code?: string;
}

/** POST /v1/user/mobile. */
@LenientDto()
export class V1PhoneCodeDto extends V1PhoneDto {
  @ApiProperty({ example: '347823' }) @MaxLength(6) @IsString() @IsNotEmpty() verify_code: string;
}

/** POST /v1/login/mobile (login_mobile.md). */
@LenientDto()
export class V1LoginMobileDto extends V1PhoneCodeDto {
  @ApiProperty({ example: 12 }) @IntegerString() @IsInt() @IsNotEmpty() version_number: number;
  @ApiProperty({ example: 'vivo' }) @MaxLength(32) @IsString() @IsNotEmpty() channel: string;
  @ApiPropertyOptional() @MaxLength(128) @IsString() @IsOptional() oaid?: string;
  @ApiPropertyOptional() @MaxLength(128) @IsString() @IsOptional() device_id?: string;
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
  @ApiProperty({ example: '123456' }) @MaxLength(6) @IsString() @IsNotEmpty() verify_code: string;
}
