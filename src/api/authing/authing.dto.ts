import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { LenientDto } from '../../common/http/validation.pipe.js';

/** Seed 002's channels and the scenes they name (DESIGN §5). */
export const AUTHING_CHANNELS = {
  CHANNEL_LOGIN: 'login',
  CHANNEL_REGISTER: 'register',
  CHANNEL_RESET_PASSWORD: 'reset_password',
  CHANNEL_BIND_PHONE: 'update_phone',
  CHANNEL_UNBIND_PHONE: 'verify_old_phone',
  CHANNEL_DELETE_ACCOUNT: 'deregister',
} as const;

export type AuthingChannel = keyof typeof AUTHING_CHANNELS;

/** POST /api/v3/send-sms. */
@LenientDto()
export class AuthingSendSmsDto {
  @ApiProperty({ enum: Object.keys(AUTHING_CHANNELS) })
  @IsIn(Object.keys(AUTHING_CHANNELS), { message: `channel must be one of ${Object.keys(AUTHING_CHANNELS).join(', ')}` })
  @IsString() @IsNotEmpty() channel: AuthingChannel;
  @ApiProperty({ example: '188xxxx8888' }) @MaxLength(32) @IsString() @IsNotEmpty() phoneNumber: string;
  @ApiPropertyOptional({ example: '+86' }) @IsOptional() @MaxLength(8) @IsString() phoneCountryCode?: string;
  @ApiPropertyOptional({ description: "Passcode's own: the token of the app's captcha vendor widget (Turnstile, hCaptcha, reCAPTCHA), when the app requires a captcha" })
  @IsOptional() @MaxLength(4096) @IsString() captchaToken?: string;
}

/** UpdatePhoneByPhonePassCodeDto. */
@LenientDto()
export class AuthingPhonePassCodePayloadDto {
  @ApiProperty({ example: '188xxxx8888' }) @MaxLength(32) @IsString() @IsNotEmpty() newPhoneNumber: string;
  @ApiProperty({ example: '123456' }) @MaxLength(6) @IsString() @IsNotEmpty() newPhonePassCode: string;
  @ApiPropertyOptional({ example: '+86' }) @IsOptional() @MaxLength(8) @IsString() newPhoneCountryCode?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(32) @IsString() oldPhoneNumber?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(6) @IsString() oldPhonePassCode?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(8) @IsString() oldPhoneCountryCode?: string;
}

/** POST /api/v3/verify-update-phone-request. */
@LenientDto()
export class AuthingVerifyUpdatePhoneDto {
  @ApiProperty({ enum: ['PHONE_PASSCODE'] })
  @IsIn(['PHONE_PASSCODE'], { message: 'verifyMethod must be PHONE_PASSCODE' })
  @IsString() @IsNotEmpty() verifyMethod: string;
  @ApiProperty({ type: AuthingPhonePassCodePayloadDto })
  @ValidateNested() @Type(() => AuthingPhonePassCodePayloadDto) @IsObject() @IsDefined()
  phonePassCodePayload: AuthingPhonePassCodePayloadDto;
}

/** POST /api/v3/update-phone. */
@LenientDto()
export class AuthingUpdatePhoneDto {
  @ApiProperty() @MaxLength(128) @IsString() @IsNotEmpty() updatePhoneToken: string;
}
