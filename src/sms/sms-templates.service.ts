import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { isUniqueViolation } from '../database/sql-rows.js';
import { type SmsEntityStatus } from './sms-account.entity.js';
import { SmsConfigTransaction } from './sms-config-transaction.js';
import { SmsTemplateEntity } from './sms-template.entity.js';
import { CreateSmsTemplateDto, UpdateSmsTemplateDto } from './sms.dto.js';
import { SmsRepository } from './sms.repository.js';
import { smsTemplateView } from './sms.views.js';

/** A template code is once per account (migration SmsDelivery). */
const TEMPLATE_CODE_UNIQUE = 'uq_sms_templates_account_code';

/** An account's templates as operators manage them; every change is audited. */
@Injectable()
export class SmsTemplatesService {
  constructor(
    private readonly repo: SmsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly tx: SmsConfigTransaction,
  ) {}

  /**
   * Adds a template to the account. SMS_ACCOUNT_NOT_FOUND for an unknown account;
   * VALIDATION_FAILED on `template_code` when the account has it already (the
   * unique constraint decides, so concurrent creations cannot both pass).
   */
  async create(actor: Actor, accountId: string, dto: CreateSmsTemplateDto) {
    const tpl = await this.tx.run(async (m) => {
      await this.repo.getAccount(accountId, m);
      const now = this.clock.now();
      const t = Object.assign(new SmsTemplateEntity(), {
        id: randomUUID(),
        accountId,
        templateCode: dto.template_code,
        scene: dto.scene ?? null,
        codeParam: dto.code_param ?? 'code',
        content: dto.content ?? null,
        type: dto.type ?? 'verification',
        status: 'enabled' as const,
        createdAt: now,
        updatedAt: now,
      });
      const saved = await this.repo.save(m, t).catch((err: unknown) => {
        if (!isUniqueViolation(err, TEMPLATE_CODE_UNIQUE)) throw err;
        throw new DomainError('VALIDATION_FAILED', { field: 'template_code', constraint: 'unique', message: 'template_code already exists on this account' });
      });
      await this.audit.record(m, actor, {
        action: 'sms_template.create',
        targetType: 'sms_template',
        targetId: t.id,
        details: { account_id: accountId, template_code: t.templateCode, scene: t.scene, code_param: t.codeParam, type: t.type },
      });
      return saved;
    });
    return smsTemplateView(tpl);
  }

  /** The account's templates, oldest first; SMS_ACCOUNT_NOT_FOUND for an unknown account. */
  async list(accountId: string) {
    await this.repo.getAccount(accountId);
    return { items: (await this.repo.listTemplates(accountId)).map(smsTemplateView) };
  }

  /** Changes a template's scene, code parameter and content. */
  async update(actor: Actor, id: string, dto: UpdateSmsTemplateDto) {
    return this.mutate(actor, id, 'sms_template.update', (t) => {
      const changed: Record<string, unknown> = {};
      if (dto.scene !== undefined) t.scene = changed.scene = dto.scene;
      if (dto.code_param !== undefined) t.codeParam = changed.code_param = dto.code_param;
      if (dto.content !== undefined) t.content = changed.content = dto.content;
      return changed;
    });
  }

  /** Enables or disables a template: sends through a disabled one are refused (SMS_TEMPLATE_DISABLED). */
  async setStatus(actor: Actor, id: string, status: SmsEntityStatus) {
    return this.mutate(actor, id, `sms_template.${status === 'enabled' ? 'enable' : 'disable'}`, (t) => {
      t.status = status;
      return { status };
    });
  }

  /** Loads the template under a row lock, applies a change, saves it and audits it, in one configuration transaction. */
  private async mutate(actor: Actor, id: string, action: string, change: (t: SmsTemplateEntity) => Record<string, unknown>) {
    const saved = await this.tx.run(async (m) => {
      const t = await this.repo.getTemplate(id, m, true);
      const details = change(t);
      t.updatedAt = this.clock.now();
      const result = await this.repo.save(m, t);
      await this.audit.record(m, actor, { action, targetType: 'sms_template', targetId: id, details });
      return result;
    });
    return smsTemplateView(saved);
  }
}
