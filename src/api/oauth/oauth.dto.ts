import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { LenientDto } from '../../common/http/validation.pipe.js';
import type { Scene } from '../../common/scenes.js';

/** Seed 004's sms_type values and the scenes they name (DESIGN §5). */
export const SMS_TYPES: Record<string, Scene> = { REGISTER: 'register', RESET_PASSWORD: 'reset_password', LOGIN: 'login' };

/** POST /oauth/api/account/sendSmsCode (seed 004). */
@LenientDto()
export class OauthSendSmsCodeDto {
  @ApiProperty({ example: '17621923340', description: 'mainland China number, or +<country code><number>' })
  @MaxLength(32) @IsString() @IsNotEmpty() mobile: string;

  @ApiProperty({ example: 'MS6A1I' }) @MaxLength(16) @IsString() @IsNotEmpty() img_code_id: string;

  @ApiProperty({ example: 'ELPG' }) @MaxLength(16) @IsString() @IsNotEmpty() img_code: string;

  @ApiProperty({ enum: Object.keys(SMS_TYPES), example: 'REGISTER' })
  @IsIn(Object.keys(SMS_TYPES)) @IsString() @IsNotEmpty() sms_type: string;
}
