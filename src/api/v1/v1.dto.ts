import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { SCENES, type Scene } from '../../common/scenes.js';
import { LenientDto } from '../../common/http/validation.pipe.js';

/** Form bodies carry every value as a string: integers arrive as `"12"`. */
const IntegerString = () => Transform(({ value }) => (typeof value === 'string' && /^-?\d{1,9}$/.test(value) ? Number(value) : value));

/** A phone number as the v1 API takes it. Its validity is checked by the service (parsePhone). */
@LenientDto()
export class V1PhoneDto {
  @ApiProperty({ example: '+86' }) @IsNotEmpty() @IsString() mcode: string;
  @ApiProperty({ example: '18518768888' }) @IsNotEmpty() @IsString() mobile: string;
}

/** POST /v1/user/mobile. */
@LenientDto()
export class V1PhoneCodeDto extends V1PhoneDto {
  @ApiProperty({ example: '347823' }) @IsNotEmpty() @IsString() @MaxLength(6) verify_code: string;
}

/** POST /v1/login/mobile (login_mobile.md). */
@LenientDto()
export class V1LoginMobileDto extends V1PhoneCodeDto {
  @ApiProperty({ example: 12 }) @IntegerString() @IsNotEmpty() @IsInt() version_number: number;
  @ApiProperty({ example: 'vivo' }) @IsNotEmpty() @IsString() @MaxLength(32) channel: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(128) oaid?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(128) device_id?: string;
  @ApiPropertyOptional({ enum: [0, 1] }) @IntegerString() @IsOptional() @IsInt() @IsIn([0, 1]) need_user_detail?: number;
}

/** POST /v1/sms/verify_code: a code of any scene, for tenant back-ends. */
@LenientDto()
export class V1SmsSendDto extends V1PhoneDto {
  @ApiProperty({ enum: SCENES }) @IsNotEmpty() @IsIn(SCENES) scene: Scene;
}

/** POST /v1/sms/check_code. */
@LenientDto()
export class V1SmsCheckDto extends V1SmsSendDto {
  @ApiProperty({ example: '123456' }) @IsNotEmpty() @IsString() @MaxLength(6) verify_code: string;
}
