import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorAuthGuard } from '../auth/operator-auth.guard.js';
import { ReadsAllApps } from '../operators/operator-access.js';
import { ApiData } from '../openapi/api-data.decorator.js';
import { AuditListData } from './audit-responses.dto.js';
import { ListAuditQuery } from './audit.dto.js';
import { AuditService } from './audit.service.js';

@ApiTags('admin: audit')
@UseGuards(OperatorAuthGuard)
@Controller('admin/audit-log')
export class AuditAdminController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ReadsAllApps()
  @ApiOperation({ summary: 'The audit log', description: 'Every admin change, newest first, filtered by target and action, paged.' })
  @ApiData(AuditListData)
  async list(@Query() q: ListAuditQuery) {
    const { items, total } = await this.audit.list({ page: q.page, pageSize: q.page_size, targetType: q.target_type, targetId: q.target_id, action: q.action });
    return {
      items: items.map((e) => ({
        id: Number(e.id),
        operator: e.operatorUsername,
        action: e.action,
        target_type: e.targetType,
        target_id: e.targetId,
        details: e.details,
        ip: e.ip,
        created_at: e.createdAt.toISOString(),
      })),
      total,
      page: q.page,
      page_size: q.page_size,
    };
  }
}
