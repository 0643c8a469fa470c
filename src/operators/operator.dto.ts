import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { OPERATOR_ROLES, type OperatorRole } from './operator-access.js';

/** Operator passwords: long enough to resist guessing (the login lockout slows the rest). */
const PASSWORD = { min: 12, max: 256 };

export class CreateOperatorDto {
  @ApiProperty({ example: 'alice', description: 'letters, digits and . _ - @' })
  @IsString() @Length(1, 64) @Matches(/^[A-Za-z0-9._@-]+$/, { message: 'username may hold letters, digits and . _ - @ only' })
  username: string;

  @ApiProperty({ minLength: PASSWORD.min, maxLength: PASSWORD.max })
  @IsString() @Length(PASSWORD.min, PASSWORD.max)
  password: string;

  @ApiProperty({ enum: OPERATOR_ROLES })
  @IsIn(OPERATOR_ROLES)
  role: OperatorRole;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'the apps an admin manages (admins only)' })
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsUUID('all', { each: true })
  app_ids?: string[];
}

export class UpdateOperatorDto {
  @ApiPropertyOptional({ enum: OPERATOR_ROLES })
  @IsOptional() @IsIn(OPERATOR_ROLES)
  role?: OperatorRole;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'replaces the apps an admin manages' })
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsUUID('all', { each: true })
  app_ids?: string[];

  @ApiPropertyOptional({ enum: ['enabled', 'disabled'], description: 'disabling ends the operator\'s tokens at once' })
  @IsOptional() @IsIn(['enabled', 'disabled'])
  status?: 'enabled' | 'disabled';

  @ApiPropertyOptional({ minLength: PASSWORD.min, maxLength: PASSWORD.max, description: 'sets a new password (ends the operator\'s tokens)' })
  @IsOptional() @IsString() @Length(PASSWORD.min, PASSWORD.max)
  password?: string;
}

export class ChangeOwnPasswordDto {
  @ApiProperty()
  @IsString() @Length(1, PASSWORD.max)
  current_password: string;

  @ApiProperty({ minLength: PASSWORD.min, maxLength: PASSWORD.max })
  @IsString() @Length(PASSWORD.min, PASSWORD.max)
  new_password: string;
}
