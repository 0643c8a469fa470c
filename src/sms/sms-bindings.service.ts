import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { AppsService } from '../apps/apps.service.js';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { isScene, type Scene } from '../common/scenes.js';
import { SmsBindingEntity } from './sms-binding.entity.js';
import { SmsConfigChanges } from './sms-config-changes.js';
import { PutSmsBindingDto } from './sms.dto.js';
import { SmsRepository } from './sms.repository.js';
import { smsBindingView } from './sms.views.js';

/** Which template and signature each scene of an app sends with, as operators bind them; every change is audited. */
@Injectable()
export class SmsBindingsService {
  constructor(
    private readonly repo: SmsRepository,
    private readonly apps: AppsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly changes: SmsConfigChanges,
  ) {}

  /** The app's bindings by scene; APP_NOT_FOUND for an unknown app. */
  async list(appId: string) {
    await this.apps.get(appId);
    return { items: (await this.repo.listBindings(appId)).map(smsBindingView) };
  }

  /**
   * Binds a scene of an app to a template and signature of one account, and
   * optionally a fallback pair of another account, or rebinds it. Refused when a
   * pair spans two accounts or mixes message types: the provider would reject
   * every send. Concurrent binds of one scene all succeed; the last one stands.
   */
  async put(actor: Actor, appId: string, scene: string, dto: PutSmsBindingDto) {
    const sc = requireScene(scene);
    await this.apps.get(appId);
    const hasFallback = Boolean(dto.fallback_template_id || dto.fallback_signature_id);
    if (hasFallback && !(dto.fallback_template_id && dto.fallback_signature_id)) {
      const field = dto.fallback_template_id ? 'fallback_signature_id' : 'fallback_template_id';
      throw new DomainError('VALIDATION_FAILED', { field, constraint: 'isNotEmpty', message: 'a fallback needs both a template and a signature' });
    }
    const binding = await this.changes.run(async (m) => {
      const primaryAccount = await this.checkPair(m, dto.template_id, dto.signature_id, '');
      if (hasFallback) {
        const fallbackAccount = await this.checkPair(m, dto.fallback_template_id!, dto.fallback_signature_id!, 'fallback_');
        if (fallbackAccount === primaryAccount) {
          throw new DomainError('VALIDATION_FAILED', {
            field: 'fallback_template_id',
            constraint: 'otherAccount',
            message: 'the fallback must use another SMS account than the primary',
          });
        }
      }
      const now = this.clock.now();
      const saved = await this.repo.upsertBinding(m, Object.assign(new SmsBindingEntity(), {
        id: randomUUID(),
        appId,
        scene: sc,
        templateId: dto.template_id,
        signatureId: dto.signature_id,
        fallbackTemplateId: hasFallback ? dto.fallback_template_id! : null,
        fallbackSignatureId: hasFallback ? dto.fallback_signature_id! : null,
        createdAt: now,
        updatedAt: now,
      }));
      await this.audit.record(m, actor, {
        action: 'sms_binding.put',
        targetType: 'app',
        targetId: appId,
        details: { template_id: saved.templateId, signature_id: saved.signatureId, fallback_template_id: saved.fallbackTemplateId, fallback_signature_id: saved.fallbackSignatureId, scene: sc },
      });
      return saved;
    });
    return smsBindingView(binding);
  }

  /** Unbinds a scene: its sends are refused (SMS_NOT_CONFIGURED), which is also the answer when it was not bound. */
  async delete(actor: Actor, appId: string, scene: string): Promise<void> {
    const sc = requireScene(scene);
    await this.apps.get(appId);
    await this.changes.run(async (m) => {
      const b = await this.repo.findBinding(appId, sc, m);
      if (!b) throw new DomainError('SMS_NOT_CONFIGURED');
      await this.repo.deleteBinding(m, b.id);
      await this.audit.record(m, actor, { action: 'sms_binding.delete', targetType: 'app', targetId: appId, details: { scene: sc } });
    });
  }

  /** The account the pair belongs to, after checking both exist, share the account and the type. */
  private async checkPair(m: EntityManager, templateId: string, signatureId: string, prefix: string): Promise<string> {
    const tpl = await this.repo.findTemplate(templateId, m);
    if (!tpl) throw new DomainError('SMS_TEMPLATE_NOT_FOUND', { field: `${prefix}template_id` });
    const sig = await this.repo.findSignature(signatureId, m);
    if (!sig) throw new DomainError('SMS_SIGNATURE_NOT_FOUND', { field: `${prefix}signature_id` });
    if (tpl.accountId !== sig.accountId) throw new DomainError('SMS_BINDING_ACCOUNT_MISMATCH', { field: `${prefix}signature_id` });
    if (tpl.type !== sig.type) {
      throw new DomainError('SMS_BINDING_TYPE_MISMATCH', {
        field: `${prefix}signature_id`,
        message: `signature type ${sig.type} differs from template type ${tpl.type}`,
      });
    }
    return tpl.accountId;
  }
}

function requireScene(scene: string): Scene {
  if (!isScene(scene)) throw new DomainError('VALIDATION_FAILED', { field: 'scene', constraint: 'isIn', message: 'scene must be a known scene' });
  return scene;
}
