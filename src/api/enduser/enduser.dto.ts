import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { LenientDto } from '../../common/http/validation.pipe.js';

/*
 * Query parameters arrive as strings and are kept as sent: the signature is computed
 * over the exact text. The presence check sits closest to the property so a missing
 * value is reported as missing (the seed's codes tell missing from malformed).
 */

/** POST /v2/sms/enduserapi/v2/sendPhoneSmsCode (seed 003), all in the query. */
@LenientDto()
export class EnduserSendCodeDto {
  @ApiProperty({ example: 'app_7Qx…' }) @IsString() @IsNotEmpty() userDomain: string;
  @ApiProperty({ example: '+86' }) @IsString() @IsNotEmpty() internationalCode: string;
  @ApiProperty({ example: '13800138000' }) @IsString() @IsNotEmpty() phone: string;
  @ApiProperty({ example: '3', description: '1 reset password, 2 login, 3 register, 4 deregister, 5 bind push' })
  @IsIn(['1', '2', '3', '4', '5'])
  @IsString()
  @IsNotEmpty()
  codeType: string;
  @ApiProperty({ example: '76a6L647F02CAoN9' }) @Length(16, 16) @IsString() @IsNotEmpty() random: string;
  @ApiProperty({ example: '1744773894369', description: 'milliseconds' }) @Matches(/^\d{1,16}$/) @IsString() @IsNotEmpty() ts: string;
  @ApiProperty({ description: 'sha256hex(phone + codeType + random + ts + userDomainSecret)' })
  @Matches(/^[0-9a-fA-F]{64}$/)
  @IsString()
  @IsNotEmpty()
  signature: string;
  @ApiPropertyOptional({ description: "Passcode's own, not signed: the token of the app's captcha vendor widget (Turnstile, hCaptcha, reCAPTCHA), when the app requires a captcha" })
  @IsOptional() @MaxLength(4096) @IsString() captchaToken?: string;
}

/** PUT /v2/enduser/enduserapi/setPhone (DESIGN §6), all in the query; declared in the order of codes 5162–5167. */
@LenientDto()
export class EnduserSetPhoneDto {
  @ApiProperty({ example: '+86' }) @IsString() @IsNotEmpty() newInternationalCode: string;
  @ApiProperty() @IsString() @IsNotEmpty() newPhone: string;
  @ApiProperty() @Length(1, 6) @IsString() @IsNotEmpty() newPhoneCode: string;
  @ApiProperty({ example: '+86' }) @IsString() @IsNotEmpty() oldInternationalCode: string;
  @ApiProperty() @IsString() @IsNotEmpty() oldPhone: string;
  @ApiProperty() @Length(1, 6) @IsString() @IsNotEmpty() oldPhoneCode: string;
}
