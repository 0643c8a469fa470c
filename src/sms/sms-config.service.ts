import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppsService } from '../apps/apps.service.js';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { DomainError } from '../common/errors/domain-error.js';
import { isScene, type Scene } from '../common/scenes.js';
import { SmsAccountEntity, type SmsEntityStatus } from './sms-account.entity.js';
import { SmsBindingEntity } from './sms-binding.entity.js';
import { SmsSignatureEntity } from './sms-signature.entity.js';
import { SmsTemplateEntity } from './sms-template.entity.js';
import {
  CreateSmsAccountDto, CreateSmsSignatureDto, CreateSmsTemplateDto, PutSmsBindingDto, UpdateSmsAccountDto, UpdateSmsTemplateDto,
} from './sms.dto.js';
import { SmsRouteCache } from './sms-route-cache.js';
import { SmsRepository } from './sms.repository.js';
import { smsAccountView, smsBindingView, smsSignatureView, smsTemplateView } from './sms.views.js';

export interface SmsCredentials {
  access_key_id: string;
  access_key_secret: string;
}

/** The AAD that binds an account's sealed credentials to that account. */
export function credentialsAad(accountId: string): string {
  return `sms_account:${accountId}:credentials`;
}

/** `LTAI****abcd`: enough to recognise a key, not enough to use it. */
export function maskAccessKeyId(id: string): string {
  return id.length >= 10 ? `${id.slice(0, 4)}****${id.slice(-4)}` : '****';
}

/** SMS configuration as operators manage it: accounts, signatures, templates, and each app's scene bindings. Every change is audited. */
@Injectable()
export class SmsConfigService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: SmsRepository,
    private readonly apps: AppsService,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly routes: SmsRouteCache,
  ) {}

  /** Runs a configuration change in a transaction; once it commits, no instance sends by a route cached before it. */
  private async change<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.ds.transaction(async (m) => {
      const r = await work(m);
      await this.routes.announceChange(m);
      return r;
    });
    this.routes.clear();
    return result;
  }

  /** Creates a provider account; aliyun accounts need both AccessKey parts. Credentials are sealed and never shown again. */
  async createAccount(actor: Actor, dto: CreateSmsAccountDto) {
    if (dto.provider === 'aliyun' && (!dto.access_key_id || !dto.access_key_secret)) {
      const field = dto.access_key_id ? 'access_key_secret' : 'access_key_id';
      throw new DomainError('VALIDATION_FAILED', { field, constraint: 'isNotEmpty', message: `${field} is required for aliyun accounts` });
    }
    this.requireKeyPair(dto.access_key_id, dto.access_key_secret);
    const account = await this.change(async (m) => {
      const now = this.clock.now();
      const id = randomUUID();
      const a = Object.assign(new SmsAccountEntity(), {
        id,
        name: dto.name,
        provider: dto.provider,
        endpoint: dto.endpoint ?? null,
        protocol: dto.protocol ?? 'https',
        timeoutMs: dto.timeout_ms ?? null,
        status: 'enabled' as const,
        createdAt: now,
        updatedAt: now,
      });
      this.setCredentials(a, dto.access_key_id, dto.access_key_secret);
      const saved = await this.repo.save(m, a);
      await this.audit.record(m, actor, {
        action: 'sms_account.create',
        targetType: 'sms_account',
        targetId: id,
        details: { name: a.name, provider: a.provider, access_key_id: a.accessKeyIdMasked, endpoint: a.endpoint, protocol: a.protocol },
      });
      return saved;
    });
    return smsAccountView(account);
  }

  async listAccounts() {
    return { items: (await this.repo.listAccounts()).map(smsAccountView) };
  }

  async getAccount(id: string) {
    return smsAccountView(await this.getAccountEntity(id));
  }

  /** Changes an account; a new AccessKey replaces the old one whole (write-only). */
  async updateAccount(actor: Actor, id: string, dto: UpdateSmsAccountDto) {
    this.requireKeyPair(dto.access_key_id, dto.access_key_secret);
    return this.mutateAccount(actor, id, 'sms_account.update', (a) => {
      const changed: Record<string, unknown> = {};
      if (dto.name !== undefined) a.name = changed.name = dto.name;
      if (dto.endpoint !== undefined) a.endpoint = changed.endpoint = dto.endpoint;
      if (dto.protocol !== undefined) a.protocol = changed.protocol = dto.protocol;
      if (dto.timeout_ms !== undefined) a.timeoutMs = changed.timeout_ms = dto.timeout_ms;
      if (dto.access_key_id && dto.access_key_secret) {
        this.setCredentials(a, dto.access_key_id, dto.access_key_secret);
        changed.access_key_id = a.accessKeyIdMasked;
        changed.access_key_secret = 'replaced';
      }
      return changed;
    });
  }

  async setAccountStatus(actor: Actor, id: string, status: SmsEntityStatus) {
    return this.mutateAccount(actor, id, `sms_account.${status === 'enabled' ? 'enable' : 'disable'}`, (a) => {
      a.status = status;
      return { status };
    });
  }

  async createSignature(actor: Actor, accountId: string, dto: CreateSmsSignatureDto) {
    const sig = await this.change(async (m) => {
      await this.getAccountEntity(accountId, m, true);
      if ((await this.repo.listSignatures(accountId, m)).some((s) => s.signName === dto.sign_name)) {
        throw new DomainError('VALIDATION_FAILED', { field: 'sign_name', constraint: 'unique', message: 'sign_name already exists on this account' });
      }
      const now = this.clock.now();
      const s = Object.assign(new SmsSignatureEntity(), {
        id: randomUUID(),
        accountId,
        signName: dto.sign_name,
        type: dto.type ?? 'verification',
        status: 'enabled' as const,
        createdAt: now,
        updatedAt: now,
      });
      const saved = await this.repo.save(m, s);
      await this.audit.record(m, actor, {
        action: 'sms_signature.create',
        targetType: 'sms_signature',
        targetId: s.id,
        details: { account_id: accountId, sign_name: s.signName, type: s.type },
      });
      return saved;
    });
    return smsSignatureView(sig);
  }

  async listSignatures(accountId: string) {
    await this.getAccountEntity(accountId);
    return { items: (await this.repo.listSignatures(accountId)).map(smsSignatureView) };
  }

  async setSignatureStatus(actor: Actor, id: string, status: SmsEntityStatus) {
    const sig = await this.change(async (m) => {
      const s = await this.repo.findSignature(id, m, true);
      if (!s) throw new DomainError('SMS_SIGNATURE_NOT_FOUND');
      s.status = status;
      s.updatedAt = this.clock.now();
      const saved = await this.repo.save(m, s);
      await this.audit.record(m, actor, {
        action: `sms_signature.${status === 'enabled' ? 'enable' : 'disable'}`,
        targetType: 'sms_signature',
        targetId: id,
        details: { status },
      });
      return saved;
    });
    return smsSignatureView(sig);
  }

  async createTemplate(actor: Actor, accountId: string, dto: CreateSmsTemplateDto) {
    const tpl = await this.change(async (m) => {
      await this.getAccountEntity(accountId, m, true);
      if ((await this.repo.listTemplates(accountId, m)).some((t) => t.templateCode === dto.template_code)) {
        throw new DomainError('VALIDATION_FAILED', { field: 'template_code', constraint: 'unique', message: 'template_code already exists on this account' });
      }
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
      const saved = await this.repo.save(m, t);
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

  async listTemplates(accountId: string) {
    await this.getAccountEntity(accountId);
    return { items: (await this.repo.listTemplates(accountId)).map(smsTemplateView) };
  }

  async updateTemplate(actor: Actor, id: string, dto: UpdateSmsTemplateDto) {
    return this.mutateTemplate(actor, id, 'sms_template.update', (t) => {
      const changed: Record<string, unknown> = {};
      if (dto.scene !== undefined) t.scene = changed.scene = dto.scene;
      if (dto.code_param !== undefined) t.codeParam = changed.code_param = dto.code_param;
      if (dto.content !== undefined) t.content = changed.content = dto.content;
      return changed;
    });
  }

  async setTemplateStatus(actor: Actor, id: string, status: SmsEntityStatus) {
    return this.mutateTemplate(actor, id, `sms_template.${status === 'enabled' ? 'enable' : 'disable'}`, (t) => {
      t.status = status;
      return { status };
    });
  }

  async listBindings(appId: string) {
    await this.apps.get(appId);
    return { items: (await this.repo.listBindings(appId)).map(smsBindingView) };
  }

  /**
   * Binds a scene of an app to a template and signature of one account, and
   * optionally a fallback pair of another account. Refused when a pair spans two
   * accounts or mixes message types: the provider would reject every send.
   */
  async putBinding(actor: Actor, appId: string, scene: string, dto: PutSmsBindingDto) {
    const sc = this.requireScene(scene);
    await this.apps.get(appId);
    const hasFallback = Boolean(dto.fallback_template_id || dto.fallback_signature_id);
    if (hasFallback && !(dto.fallback_template_id && dto.fallback_signature_id)) {
      const field = dto.fallback_template_id ? 'fallback_signature_id' : 'fallback_template_id';
      throw new DomainError('VALIDATION_FAILED', { field, constraint: 'isNotEmpty', message: 'a fallback needs both a template and a signature' });
    }
    const binding = await this.change(async (m) => {
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
      const existing = await this.repo.findBinding(appId, sc, m);
      const b = Object.assign(existing ?? Object.assign(new SmsBindingEntity(), { id: randomUUID(), appId, scene: sc, createdAt: now }), {
        templateId: dto.template_id,
        signatureId: dto.signature_id,
        fallbackTemplateId: hasFallback ? dto.fallback_template_id! : null,
        fallbackSignatureId: hasFallback ? dto.fallback_signature_id! : null,
        updatedAt: now,
      });
      const saved = await this.repo.save(m, b);
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

  async deleteBinding(actor: Actor, appId: string, scene: string): Promise<void> {
    const sc = this.requireScene(scene);
    await this.apps.get(appId);
    await this.change(async (m) => {
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

  private requireScene(scene: string): Scene {
    if (!isScene(scene)) throw new DomainError('VALIDATION_FAILED', { field: 'scene', constraint: 'isIn', message: 'scene must be a known scene' });
    return scene;
  }

  private requireKeyPair(id: string | undefined, secret: string | undefined): void {
    if (Boolean(id) !== Boolean(secret)) {
      const field = id ? 'access_key_secret' : 'access_key_id';
      throw new DomainError('VALIDATION_FAILED', { field, constraint: 'isNotEmpty', message: 'access_key_id and access_key_secret go together' });
    }
  }

  private setCredentials(a: SmsAccountEntity, keyId: string | undefined, secret: string | undefined): void {
    if (!keyId || !secret) {
      a.credentialsEnc ??= null;
      a.accessKeyIdMasked ??= null;
      return;
    }
    const creds: SmsCredentials = { access_key_id: keyId, access_key_secret: secret };
    a.credentialsEnc = this.box.encrypt(JSON.stringify(creds), credentialsAad(a.id));
    a.accessKeyIdMasked = maskAccessKeyId(keyId);
  }

  private async getAccountEntity(id: string, m?: EntityManager, lock = false): Promise<SmsAccountEntity> {
    const a = await this.repo.findAccount(id, m, lock);
    if (!a) throw new DomainError('SMS_ACCOUNT_NOT_FOUND');
    return a;
  }

  private async mutateAccount(actor: Actor, id: string, action: string, change: (a: SmsAccountEntity) => Record<string, unknown>) {
    const saved = await this.change(async (m) => {
      const a = await this.getAccountEntity(id, m, true);
      const details = change(a);
      a.updatedAt = this.clock.now();
      const result = await this.repo.save(m, a);
      await this.audit.record(m, actor, { action, targetType: 'sms_account', targetId: id, details });
      return result;
    });
    return smsAccountView(saved);
  }

  private async mutateTemplate(actor: Actor, id: string, action: string, change: (t: SmsTemplateEntity) => Record<string, unknown>) {
    const saved = await this.change(async (m) => {
      const t = await this.repo.findTemplate(id, m, true);
      if (!t) throw new DomainError('SMS_TEMPLATE_NOT_FOUND');
      const details = change(t);
      t.updatedAt = this.clock.now();
      const result = await this.repo.save(m, t);
      await this.audit.record(m, actor, { action, targetType: 'sms_template', targetId: id, details });
      return result;
    });
    return smsTemplateView(saved);
  }
}
