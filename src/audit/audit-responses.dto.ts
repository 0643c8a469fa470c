import { ApiProperty } from '@nestjs/swagger';

/** One entry of the audit log (GET /admin/audit-log). */
export class AuditEntryData {
  @ApiProperty({ type: 'integer' }) id: number;
  @ApiProperty({ description: 'the operator\'s username', example: 'admin' }) operator: string;
  @ApiProperty({ example: 'app.update' }) action: string;
  @ApiProperty({ example: 'app' }) target_type: string;
  @ApiProperty({ type: 'string', nullable: true }) target_id: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'what changed' }) details: Record<string, unknown>;
  @ApiProperty({ type: 'string', nullable: true }) ip: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class AuditListData {
  @ApiProperty({ type: [AuditEntryData] }) items: AuditEntryData[];
  @ApiProperty({ type: 'integer' }) total: number;
  @ApiProperty({ type: 'integer' }) page: number;
  @ApiProperty({ type: 'integer' }) page_size: number;
}
