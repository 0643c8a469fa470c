import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { isUniqueViolation } from '../database/sql-rows.js';
import { type SmsAccountEntity, type SmsEntityStatus } from './sms-account.entity.js';
import { type SmsSignatureEntity } from './sms-signature.entity.js';
import { type SmsTemplateEntity } from './sms-template.entity.js';
import { SmsRouteCache } from './sms-route-cache.js';
import { SmsRepository } from './sms.repository.js';

/** A configuration row an operator creates, changes, enables and disables. */
type ConfigRow = SmsAccountEntity | SmsSignatureEntity | SmsTemplateEntity;
/** Its audit target type, which prefixes each of its audit actions (`sms_template.update`). */
type ConfigTarget = 'sms_account' | 'sms_signature' | 'sms_template';

/**
 * The transaction of an SMS configuration change (accounts, signatures,
 * templates, bindings), audited: every send route may depend on what it
 * changes, so once it commits no instance sends by a route cached before it.
 */
@Injectable()
export class SmsConfigChanges {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: SmsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly routes: SmsRouteCache,
  ) {}

  /**
   * Runs `work` in a transaction that announces the change; once it commits, drops
   * what this instance cached of the SMS configuration (every cache of the topic:
   * the send routes, the accounts status reports come for).
   */
  async run<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.ds.transaction(async (m) => {
      const r = await work(m);
      await this.routes.announceChange(m);
      return r;
    });
    this.routes.evict();
    return result;
  }

  /**
   * Inserts a row and audits its creation as `action` with `details`. With
   * `unique`, a violation of that constraint (a duplicate within the account) is
   * VALIDATION_FAILED on its field: the constraint decides, so concurrent
   * creations cannot both pass.
   */
  async insert<E extends ConfigRow>(
    actor: Actor,
    action: `${ConfigTarget}.create`,
    row: E,
    details: Record<string, unknown>,
    unique?: { constraint: string; field: string },
  ): Promise<E> {
    return this.run(async (m) => {
      const saved = await this.repo.save(m, row).catch((err: unknown) => {
        if (!unique || !isUniqueViolation(err, unique.constraint)) throw err;
        throw new DomainError('VALIDATION_FAILED', { field: unique.field, constraint: 'unique', message: `${unique.field} already exists on this account` });
      });
      await this.audit.record(m, actor, { action, targetType: targetOf(action), targetId: row.id, details });
      return saved;
    });
  }

  /**
   * Loads a row (under a row lock: `load` gets the transaction), applies `apply`,
   * which answers what changed, stamps it and saves it, and audits it as `action`.
   */
  async mutate<E extends ConfigRow>(
    actor: Actor,
    action: `${ConfigTarget}.${string}`,
    load: (m: EntityManager) => Promise<E>,
    apply: (row: E) => Record<string, unknown>,
  ): Promise<E> {
    return this.run(async (m) => {
      const row = await load(m);
      const details = apply(row);
      row.updatedAt = this.clock.now();
      const saved = await this.repo.save(m, row);
      await this.audit.record(m, actor, { action, targetType: targetOf(action), targetId: row.id, details });
      return saved;
    });
  }

  /** Enables or disables a row, audited as `<target>.enable` or `<target>.disable`. */
  async setStatus<E extends ConfigRow>(actor: Actor, target: ConfigTarget, status: SmsEntityStatus, load: (m: EntityManager) => Promise<E>): Promise<E> {
    return this.mutate(actor, `${target}.${status === 'enabled' ? 'enable' : 'disable'}`, load, (row) => {
      row.status = status;
      return { status };
    });
  }
}

function targetOf(action: `${ConfigTarget}.${string}`): ConfigTarget {
  return action.slice(0, action.indexOf('.')) as ConfigTarget;
}
