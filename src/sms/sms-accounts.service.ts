import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { DomainError } from '../common/errors/domain-error.js';
import { SmsAccountEntity, type SmsEntityStatus } from './sms-account.entity.js';
import { SmsConfigTransaction } from './sms-config-transaction.js';
import { credentialsAad, maskAccessKeyId, type SmsCredentials } from './sms-credentials.js';
import { CreateSmsAccountDto, UpdateSmsAccountDto } from './sms.dto.js';
import { SmsRepository } from './sms.repository.js';
import { smsAccountView } from './sms.views.js';

/** Provider accounts as operators manage them. Credentials are sealed, write-only; every change is audited. */
@Injectable()
export class SmsAccountsService {
  constructor(
    private readonly repo: SmsRepository,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly tx: SmsConfigTransaction,
  ) {}

  /** Creates a provider account; aliyun accounts need both AccessKey parts. Credentials are sealed and never shown again. */
  async create(actor: Actor, dto: CreateSmsAccountDto) {
    if (dto.provider === 'aliyun' && (!dto.access_key_id || !dto.access_key_secret)) {
      const field = dto.access_key_id ? 'access_key_secret' : 'access_key_id';
      throw new DomainError('VALIDATION_FAILED', { field, constraint: 'isNotEmpty', message: `${field} is required for aliyun accounts` });
    }
    this.requireKeyPair(dto.access_key_id, dto.access_key_secret);
    const account = await this.tx.run(async (m) => {
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

  /** Every account, newest first. */
  async list() {
    return { items: (await this.repo.listAccounts()).map(smsAccountView) };
  }

  /** The account; SMS_ACCOUNT_NOT_FOUND when no account has the id. */
  async get(id: string) {
    return smsAccountView(await this.repo.getAccount(id));
  }

  /** Changes an account; a new AccessKey replaces the old one whole (write-only). */
  async update(actor: Actor, id: string, dto: UpdateSmsAccountDto) {
    this.requireKeyPair(dto.access_key_id, dto.access_key_secret);
    return this.mutate(actor, id, 'sms_account.update', (a) => {
      const changed: Record<string, unknown> = {};
      if (dto.name !== undefined) a.name = changed.name = dto.name;
      if (dto.endpoint !== undefined) a.endpoint = changed.endpoint = dto.endpoint;
      if (dto.protocol !== undefined) a.protocol = changed.protocol = dto.protocol ?? 'https';
      if (dto.timeout_ms !== undefined) a.timeoutMs = changed.timeout_ms = dto.timeout_ms;
      if (dto.access_key_id && dto.access_key_secret) {
        this.setCredentials(a, dto.access_key_id, dto.access_key_secret);
        changed.access_key_id = a.accessKeyIdMasked;
        changed.access_key_secret = 'replaced';
      }
      return changed;
    });
  }

  /** Enables or disables the account: sends through a disabled one are refused (SMS_ACCOUNT_DISABLED). */
  async setStatus(actor: Actor, id: string, status: SmsEntityStatus) {
    return this.mutate(actor, id, `sms_account.${status === 'enabled' ? 'enable' : 'disable'}`, (a) => {
      a.status = status;
      return { status };
    });
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

  /** Loads the account under a row lock, applies a change, saves it and audits it, in one configuration transaction. */
  private async mutate(actor: Actor, id: string, action: string, change: (a: SmsAccountEntity) => Record<string, unknown>) {
    const saved = await this.tx.run(async (m) => {
      const a = await this.repo.getAccount(id, m, true);
      const details = change(a);
      a.updatedAt = this.clock.now();
      const result = await this.repo.save(m, a);
      await this.audit.record(m, actor, { action, targetType: 'sms_account', targetId: id, details });
      return result;
    });
    return smsAccountView(saved);
  }
}
