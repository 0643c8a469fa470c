import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Actor } from '../audit/actor.js';
import { Clock } from '../common/clock/clock.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { checkAccountConfig, PROVIDER_ACCOUNTS } from './providers/provider-accounts.js';
import { SmsAccountEntity, type SmsEntityStatus, type SmsProviderName } from './sms-account.entity.js';
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Creates a provider account, its credentials and settings checked against its
   * type (PROVIDER_ACCOUNTS; VALIDATION_FAILED naming the field). Credentials are
   * sealed and never shown again.
   */
  async create(actor: Actor, dto: CreateSmsAccountDto) {
    const credentials = this.credentialsOf(dto.provider, dto);
    const settings = dto.settings ?? {};
    if (credentials === undefined && PROVIDER_ACCOUNTS[dto.provider].credentialsRequired) {
      const field = dto.provider === 'aliyun' ? 'access_key_id' : 'credentials';
      throw new DomainError('VALIDATION_FAILED', { field, constraint: 'isNotEmpty', message: `${field} is required for ${dto.provider} accounts` });
    }
    checkAccountConfig(dto.provider, credentials, settings);
    const now = this.clock.now();
    const a = Object.assign(new SmsAccountEntity(), {
      id: randomUUID(),
      name: dto.name,
      provider: dto.provider,
      settings,
      endpoint: dto.endpoint ?? null,
      protocol: dto.protocol ?? 'https',
      timeoutMs: dto.timeout_ms ?? null,
      status: 'enabled' as const,
      createdAt: now,
      updatedAt: now,
    });
    this.setCredentials(a, credentials);
    const details = { name: a.name, provider: a.provider, access_key_id: a.accessKeyIdMasked, settings: a.settings, endpoint: a.endpoint, protocol: a.protocol };
    return this.view(await this.changes.insert(actor, 'sms_account.create', a, details));
  }

  /** Every account, newest first. */
  async list() {
    return { items: (await this.repo.listAccounts()).map((a) => this.view(a)) };
  }

  /** The account; SMS_ACCOUNT_NOT_FOUND when no account has the id. */
  async get(id: string) {
    return this.view(await this.repo.getAccount(id));
  }

  /** Changes an account; new credentials replace the old ones whole (write-only), new settings replace the settings whole. */
  async update(actor: Actor, id: string, dto: UpdateSmsAccountDto) {
    const saved = await this.changes.mutate(actor, 'sms_account.update', (m) => this.repo.getAccount(id, m, true), (a) => {
      const credentials = this.credentialsOf(a.provider, dto);
      checkAccountConfig(a.provider, credentials, dto.settings ?? a.settings);
      const changed: Record<string, unknown> = {};
      if (dto.settings != null) a.settings = changed.settings = dto.settings;
      if (dto.name !== undefined) a.name = changed.name = dto.name;
      if (dto.endpoint !== undefined) a.endpoint = changed.endpoint = dto.endpoint;
      if (dto.protocol !== undefined) a.protocol = changed.protocol = dto.protocol ?? 'https';
      if (dto.timeout_ms !== undefined) a.timeoutMs = changed.timeout_ms = dto.timeout_ms;
      if (credentials !== undefined) {
        this.setCredentials(a, credentials);
        changed.credential_id = a.accessKeyIdMasked;
        changed.credentials = 'replaced';
      }
      return changed;
    });
    return this.view(saved);
  }

  /** Enables or disables the account: sends through a disabled one are refused (SMS_ACCOUNT_DISABLED). */
  async setStatus(actor: Actor, id: string, status: SmsEntityStatus) {
    return this.view(await this.changes.setStatus(actor, 'sms_account', status, (m) => this.repo.getAccount(id, m, true)));
  }

  /**
   * The credentials a request gives: `credentials`, or aliyun's AccessKey as the
   * top-level `access_key_id` + `access_key_secret` (the API before provider types;
   * both halves together, and not beside `credentials`). Undefined when none.
   */
  private credentialsOf(provider: SmsProviderName, dto: { credentials?: Record<string, string>; access_key_id?: string; access_key_secret?: string }) {
    const { access_key_id: id, access_key_secret: secret } = dto;
    if (id === undefined && secret === undefined) return dto.credentials;
    if (!id || !secret) {
      const field = id ? 'access_key_secret' : 'access_key_id';
      throw new DomainError('VALIDATION_FAILED', { field, constraint: 'isNotEmpty', message: 'access_key_id and access_key_secret go together' });
    }
    if (provider !== 'aliyun') {
      throw new DomainError('VALIDATION_FAILED', { field: id !== undefined ? 'access_key_id' : 'access_key_secret', constraint: 'isEmpty', message: `${provider} accounts take their keys in credentials` });
    }
    if (dto.credentials !== undefined) {
      throw new DomainError('VALIDATION_FAILED', { field: 'credentials', constraint: 'isEmpty', message: 'give credentials or access_key_id and access_key_secret, not both' });
    }
    return { access_key_id: id, access_key_secret: secret };
  }

  private setCredentials(a: SmsAccountEntity, credentials: Record<string, string> | undefined): void {
    if (credentials === undefined || Object.keys(credentials).length === 0) {
      a.credentialsEnc ??= null;
      a.accessKeyIdMasked ??= null;
      return;
    }
    const creds: SmsCredentials = { ...credentials };
    a.credentialsEnc = this.box.encrypt(JSON.stringify(creds), credentialsAad(a.id));
    const idField = PROVIDER_ACCOUNTS[a.provider].credentialId;
    a.accessKeyIdMasked = idField ? maskAccessKeyId(creds[idField]) : null;
  }

  /** What the API shows of `a`, with this instance's PUBLIC_URL (a Twilio account's status callback URL). */
  private view(a: SmsAccountEntity) {
    return smsAccountView(a, this.config.http.publicUrl);
  }
}
