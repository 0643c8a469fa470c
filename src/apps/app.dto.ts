import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { PageQuery } from '../common/http/page-query.dto.js';
import { IsDisplayName } from '../common/text/display-name.js';
import { CodePolicyDto, LoginConfigDto, RetentionPolicyDto } from './app-settings.dto.js';

export class CreateAppDto {
  @ApiProperty({ example: 'My App' })
  @IsDisplayName() @IsString() @IsNotEmpty() @MaxLength(100)
  name: string;

  @ApiPropertyOptional({ type: LoginConfigDto, nullable: true, description: 'null leaves login unconfigured' })
  @ValidateIf((_, v) => v !== undefined && v !== null) @IsObject() @ValidateNested() @Type(() => LoginConfigDto)
  login_config?: LoginConfigDto | null;

  @ApiPropertyOptional({ type: CodePolicyDto })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => CodePolicyDto)
  code_policy?: CodePolicyDto;

  @ApiPropertyOptional({ type: RetentionPolicyDto, description: 'defaults for the fields not given (README "Retention and erasure")' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => RetentionPolicyDto)
  retention?: RetentionPolicyDto;
}

export class UpdateAppDto {
  @ApiPropertyOptional()
  @IsOptional() @IsDisplayName() @IsString() @IsNotEmpty() @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ type: LoginConfigDto, nullable: true, description: 'merged into the current config; null removes it' })
  @ValidateIf((_, v) => v !== undefined && v !== null) @IsObject() @ValidateNested() @Type(() => LoginConfigDto)
  login_config?: LoginConfigDto | null;

  @ApiPropertyOptional({ type: CodePolicyDto, description: 'merged into the current policy' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => CodePolicyDto)
  code_policy?: CodePolicyDto;

  @ApiPropertyOptional({ type: RetentionPolicyDto, description: 'merged into the current retention policy' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => RetentionPolicyDto)
  retention?: RetentionPolicyDto;
}

export class RotateSecretDto {
  @ApiPropertyOptional({ description: 'seconds the previous secret keeps working', default: 0, maximum: 30 * 86400 })
  @IsOptional() @IsInt() @Min(0) @Max(30 * 86400)
  grace_s?: number;
}

class AppListFilter {
  @ApiPropertyOptional({ enum: ['enabled', 'disabled'] })
  @IsOptional() @IsIn(['enabled', 'disabled'])
  status?: 'enabled' | 'disabled';

  @ApiPropertyOptional({ description: 'matches the name (substring) or the appkey (exact)' })
  @IsOptional() @IsString() @MaxLength(100)
  q?: string;
}

export class ListAppsQuery extends IntersectionType(PageQuery({ default: 20, max: 100 }), AppListFilter) {}
