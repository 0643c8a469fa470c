import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, type FindOptionsWhere } from 'typeorm';
import { Clock } from '../common/clock/clock.js';
import { findPage, type PageRequest } from '../database/find-page.js';
import { type Actor } from './actor.js';
import { AuditEntryEntity } from './audit-entry.entity.js';

export interface AuditEvent {
  action: string;
  targetType: string;
  targetId?: string;
  /** What changed. Callers pass field names and non-secret values only. */
  details?: Record<string, unknown>;
}

export interface AuditQuery extends PageRequest {
  targetType?: string;
  targetId?: string;
  action?: string;
}

/** The audit trail of admin changes: who did what to which object, and when. */
@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Records one change; pass the transaction's manager so the entry commits or rolls back with it. */
  async record(manager: EntityManager, actor: Actor, event: AuditEvent): Promise<void> {
    const entry = Object.assign(new AuditEntryEntity(), {
      operatorId: actor.operatorId,
      operatorUsername: actor.username,
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId ?? null,
      details: event.details ?? {},
      ip: actor.ip ?? null,
      createdAt: this.clock.now(),
    });
    await manager.save(AuditEntryEntity, entry);
  }

  /** Newest first, filtered and paged. */
  async list(query: AuditQuery): Promise<{ items: AuditEntryEntity[]; total: number }> {
    const where: FindOptionsWhere<AuditEntryEntity> = {};
    if (query.targetType) where.targetType = query.targetType;
    if (query.targetId) where.targetId = query.targetId;
    if (query.action) where.action = query.action;
    return findPage(this.ds.getRepository(AuditEntryEntity), { where, order: { createdAt: 'DESC', id: 'DESC' } }, query);
  }
}
