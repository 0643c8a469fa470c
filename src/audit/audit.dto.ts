import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../common/http/page-query.dto.js';

class AuditFilter {
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

export class ListAuditQuery extends IntersectionType(PageQuery({ default: 50, max: 200 }), AuditFilter) {}
