import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class ListAuditQuery {
  @ApiPropertyOptional({ default: 1 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
  page: number = 1;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  page_size: number = 50;

  @ApiPropertyOptional({ example: 'app' })
  @IsOptional() @IsString() @MaxLength(32)
  target_type?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(64)
  target_id?: string;

  @ApiPropertyOptional({ example: 'app.update' })
  @IsOptional() @IsString() @MaxLength(64)
  action?: string;
}
