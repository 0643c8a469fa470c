import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Actor } from '../audit/actor.js';
import { Clock } from '../common/clock/clock.js';
import { type SmsEntityStatus } from './sms-account.entity.js';
import { SmsConfigChanges } from './sms-config-changes.js';
import { SmsTemplateEntity } from './sms-template.entity.js';
import { CreateSmsTemplateDto, UpdateSmsTemplateDto } from './sms.dto.js';
import { SmsRepository } from './sms.repository.js';
import { smsTemplateView } from './sms.views.js';

/** A template code is once per account (migration SmsDelivery). */
const TEMPLATE_CODE_UNIQUE = { constraint: 'uq_sms_templates_account_code', field: 'template_code' };

/** An account's templates as operators manage them; every change is audited. */
@Injectable()
export class SmsTemplatesService {
  constructor(
    private readonly repo: SmsRepository,
    private readonly clock: Clock,
    private readonly changes: SmsConfigChanges,
  ) {}

  /**
   * Adds a template to the account. SMS_ACCOUNT_NOT_FOUND for an unknown account;
   * VALIDATION_FAILED on `template_code` when the account has it already.
   */
  async create(actor: Actor, accountId: string, dto: CreateSmsTemplateDto) {
    await this.repo.getAccount(accountId);
    const now = this.clock.now();
    const t = Object.assign(new SmsTemplateEntity(), {
      id: randomUUID(),
      accountId,
      templateCode: dto.template_code,
      scene: dto.scene ?? null,
      codeParam: dto.code_param ?? 'code',
      content: dto.content ?? null,
      type: dto.type ?? 'verification',
      locale: dto.locale ?? null,
      status: 'enabled' as const,
      createdAt: now,
      updatedAt: now,
    });
    const details = { account_id: accountId, template_code: t.templateCode, scene: t.scene, code_param: t.codeParam, type: t.type, locale: t.locale };
    return smsTemplateView(await this.changes.insert(actor, 'sms_template.create', t, details, TEMPLATE_CODE_UNIQUE));
  }

  /** The account's templates, oldest first; SMS_ACCOUNT_NOT_FOUND for an unknown account. */
  async list(accountId: string) {
    await this.repo.getAccount(accountId);
    return { items: (await this.repo.listTemplates(accountId)).map(smsTemplateView) };
  }

  /** Changes a template's scene, code parameter and content. */
  async update(actor: Actor, id: string, dto: UpdateSmsTemplateDto) {
    const saved = await this.changes.mutate(actor, 'sms_template.update', (m) => this.repo.getTemplate(id, m, true), (t) => {
      const changed: Record<string, unknown> = {};
      if (dto.scene !== undefined) t.scene = changed.scene = dto.scene;
      if (dto.code_param !== undefined) t.codeParam = changed.code_param = dto.code_param;
      if (dto.content !== undefined) t.content = changed.content = dto.content;
      if (dto.locale !== undefined) t.locale = changed.locale = dto.locale;
      return changed;
    });
    return smsTemplateView(saved);
  }

  /** Enables or disables a template: sends through a disabled one are refused (SMS_TEMPLATE_DISABLED). */
  async setStatus(actor: Actor, id: string, status: SmsEntityStatus) {
    return smsTemplateView(await this.changes.setStatus(actor, 'sms_template', status, (m) => this.repo.getTemplate(id, m, true)));
  }
}
