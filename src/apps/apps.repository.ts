import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, ILike, In } from 'typeorm';
import { findByUuid } from '../database/find-by-uuid.js';
import { findPage, type PageRequest } from '../database/find-page.js';
import { AppEntity, type AppStatus } from './app.entity.js';

export interface AppListFilter extends PageRequest {
  status?: AppStatus;
  q?: string;
  /** Only these apps (an admin operator's). */
  ids?: readonly string[];
}

/** The only code that touches the `apps` table. */
@Injectable()
export class AppsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** null for an unknown or malformed id. */
  async findById(id: string, manager: EntityManager = this.ds.manager, lock = false): Promise<AppEntity | null> {
    return findByUuid(manager, AppEntity, id, lock);
  }

  /** Every app's id and retention policy (the purge's per-app windows). */
  async retentionPolicies(): Promise<Array<Pick<AppEntity, 'id' | 'retention'>>> {
    return this.ds.getRepository(AppEntity).find({ select: { id: true, retention: true }, order: { id: 'ASC' } });
  }

  async findByAppkey(appkey: string): Promise<AppEntity | null> {
    return this.ds.getRepository(AppEntity).findOneBy({ appkey });
  }

  async insert(manager: EntityManager, app: Omit<AppEntity, 'id'> & { id?: string }): Promise<AppEntity> {
    const repo = manager.getRepository(AppEntity);
    return repo.save(repo.create(app));
  }

  async save(manager: EntityManager, app: AppEntity): Promise<AppEntity> {
    return manager.getRepository(AppEntity).save(app);
  }

  async delete(manager: EntityManager, id: string): Promise<void> {
    await manager.getRepository(AppEntity).delete({ id });
  }

  async list(filter: AppListFilter): Promise<{ items: AppEntity[]; total: number }> {
    if (filter.ids?.length === 0) return { items: [], total: 0 };
    const base = { ...(filter.status ? { status: filter.status } : {}), ...(filter.ids ? { id: In([...filter.ids]) } : {}) };
    const where = filter.q ? [{ ...base, name: ILike(`%${escapeLike(filter.q)}%`) }, { ...base, appkey: filter.q }] : base;
    return findPage(this.ds.getRepository(AppEntity), { where, order: { createdAt: 'DESC', id: 'ASC' } }, filter);
  }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
