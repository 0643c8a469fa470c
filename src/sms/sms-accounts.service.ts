import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Actor } from '../audit/actor.js';
import { Clock } from '../common/clock/clock.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { DomainError } from '../common/errors/domain-error.js';
import { SmsAccountEntity, type SmsEntityStatus } from './sms-account.entity.js';
import { SmsConfigChanges } from './sms-config-changes.js';
import { credentialsAad, maskAccessKeyId, type SmsCredentials } from './sms-credentials.js';
import { CreateSmsAccountDto, UpdateSmsAccountDto } from './sms.dto.js';
import { SmsRepository } from './sms.repository.js';
import { smsAccountView } from './sms.views.js';

/** Provider accounts as operators manage them. Credentials are sealed, write-only; every change is audited. */
@Injectable()
export class SmsAccountsService {
  constructor(
    private readonly repo: SmsRepository,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly changes: SmsConfigChanges,
  ) {}

  /** Creates a provider account; aliyun accounts need both AccessKey parts. Credentials are sealed and never shown again. */
  async create(actor: Actor, dto: CreateSmsAccountDto) {
    if (dto.provider === 'aliyun' && (!dto.access_key_id || !dto.access_key_secret)) {
      const field = dto.access_key_id ? 'access_key_secret' : 'access_key_id';
      throw new DomainError('VALIDATION_FAILED', { field, constraint: 'isNotEmpty', message: `${field} is required for aliyun accounts` });
    }
    this.requireKeyPair(dto.access_key_id, dto.access_key_secret);
    const now = this.clock.now();
    const a = Object.assign(new SmsAccountEntity(), {
      id: randomUUID(),
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
    const details = { name: a.name, provider: a.provider, access_key_id: a.accessKeyIdMasked, endpoint: a.endpoint, protocol: a.protocol };
    return smsAccountView(await this.changes.insert(actor, 'sms_account.create', a, details));
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
    const saved = await this.changes.mutate(actor, 'sms_account.update', (m) => this.repo.getAccount(id, m, true), (a) => {
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
    return smsAccountView(saved);
  }

  /** Enables or disables the account: sends through a disabled one are refused (SMS_ACCOUNT_DISABLED). */
  async setStatus(actor: Actor, id: string, status: SmsEntityStatus) {
    return smsAccountView(await this.changes.setStatus(actor, 'sms_account', status, (m) => this.repo.getAccount(id, m, true)));
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
}
