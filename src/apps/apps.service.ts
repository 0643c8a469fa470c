import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { type Actor } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { randomString } from '../common/crypto/hashing.js';
import { maskPhone } from '../common/phone/phone.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { DomainError } from '../common/errors/domain-error.js';
import { unstorableIn } from '../common/text/storable-text.js';
import { type CodePolicy, DEFAULT_CODE_POLICY, DEFAULT_FRAUD_GUARD, DEFAULT_LOGIN_CONFIG, DEFAULT_RETENTION, type RetentionPolicy } from './app-settings.js';
import { CreateAppDto, ListAppsQuery, UpdateAppDto } from './app.dto.js';
import { AppEntity, type AppStatus } from './app.entity.js';
import { appView, type AppView } from './app.view.js';
import { AppsRepository } from './apps.repository.js';
import { AppCache } from './app-cache.js';

export const APPKEY_LENGTH = 16;
/** The widest appkey `apps.appkey` (varchar(32)) holds. */
const APPKEY_COLUMN_WIDTH = 32;

/**
 * Decrypted secrets per loaded app row, so signed requests served from the app
 * cache skip AES-GCM; a reloaded (changed) row is a new object and decrypts anew.
 */
type PlainSecrets = { current: string; previous?: string };
export const SECRET_LENGTH = 32;

/** Apps as operators manage them: create, read, change, enable/disable, delete, rotate the secret. */
@Injectable()
export class AppsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: AppsRepository,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly cache: AppCache,
  ) {}

  private readonly plainSecrets = new WeakMap<AppEntity, PlainSecrets>();

  /** Creates an app with a fresh appkey and secret. The secret is in this answer and nowhere else ever again. */
  async create(actor: Actor, dto: CreateAppDto): Promise<AppView & { secret: string }> {
    const secret = randomString(SECRET_LENGTH);
    const app = await this.ds.transaction(async (m) => {
      const now = this.clock.now();
      const id = randomUUID();
      const created = await this.repo.insert(m, {
        id,
        name: dto.name,
        appkey: randomString(APPKEY_LENGTH),
        secretEnc: this.box.encrypt(secret, secretAad(id)),
        previousSecretEnc: null,
        previousSecretExpiresAt: null,
        status: 'enabled',
        loginConfig: dto.login_config === null ? null : { ...DEFAULT_LOGIN_CONFIG, ...dto.login_config },
        codePolicy: { ...DEFAULT_CODE_POLICY, ...dto.code_policy, fraud_guard: { ...DEFAULT_FRAUD_GUARD, ...dto.code_policy?.fraud_guard } },
        retention: { ...DEFAULT_RETENTION, ...dto.retention },
        createdAt: now,
        updatedAt: now,
      });
      await this.audit.record(m, actor, {
        action: 'app.create',
        targetType: 'app',
        targetId: id,
        details: { name: created.name, appkey: created.appkey, login_config: created.loginConfig, code_policy: auditedPolicy(created.codePolicy), retention: created.retention },
      });
      return created;
    });
    return { ...appView(app, this.clock.now()), secret };
  }

  /** Every app's id and retention policy, for the retention purge and erasures across apps. */
  async retentionPolicies(): Promise<Array<{ id: string; retention: RetentionPolicy }>> {
    return this.repo.retentionPolicies();
  }

  /** Apps, filtered and paged; only those of `ids` when given (an admin's). */
  async list(query: ListAppsQuery, ids?: readonly string[]): Promise<{ items: AppView[]; total: number; page: number; page_size: number }> {
    const { items, total } = await this.repo.list({ page: query.page, pageSize: query.page_size, status: query.status, q: query.q, ids });
    const now = this.clock.now();
    return { items: items.map((a) => appView(a, now)), total, page: query.page, page_size: query.page_size };
  }

  async get(id: string): Promise<AppView> {
    return appView(await this.getEntity(id), this.clock.now());
  }

  /** Changes the name and merges partial login config / code policy; `login_config: null` removes it. */
  async update(actor: Actor, id: string, dto: UpdateAppDto): Promise<AppView> {
    return this.mutate(actor, id, 'app.update', (app) => {
      const changed: Record<string, unknown> = {};
      if (dto.name !== undefined) app.name = changed.name = dto.name;
      if (dto.login_config === null) app.loginConfig = changed.login_config = null;
      else if (dto.login_config) {
        app.loginConfig = changed.login_config = { ...DEFAULT_LOGIN_CONFIG, ...app.loginConfig, ...dto.login_config };
      }
      if (dto.code_policy) {
        const fraudGuard = { ...DEFAULT_FRAUD_GUARD, ...app.codePolicy.fraud_guard, ...dto.code_policy.fraud_guard };
        app.codePolicy = { ...app.codePolicy, ...dto.code_policy, fraud_guard: fraudGuard };
        changed.code_policy = auditedPolicy(app.codePolicy);
      }
      if (dto.retention) app.retention = changed.retention = { ...app.retention, ...dto.retention };
      return changed;
    });
  }

  async setStatus(actor: Actor, id: string, status: AppStatus): Promise<AppView> {
    return this.mutate(actor, id, status === 'enabled' ? 'app.enable' : 'app.disable', (app) => {
      app.status = status;
      return { status };
    });
  }

  /**
   * Replaces the secret. The previous one keeps verifying for `graceS` seconds (0:
   * not at all) so deployed clients can switch over.
   */
  async rotateSecret(actor: Actor, id: string, graceS: number): Promise<AppView & { secret: string }> {
    const secret = randomString(SECRET_LENGTH);
    const view = await this.mutate(actor, id, 'app.rotate_secret', (app, now) => {
      app.previousSecretEnc = graceS > 0 ? app.secretEnc : null;
      app.previousSecretExpiresAt = graceS > 0 ? new Date(now.getTime() + graceS * 1000) : null;
      app.secretEnc = this.box.encrypt(secret, secretAad(app.id));
      return { grace_s: graceS };
    });
    return { ...view, secret };
  }

  /** Deletes the app and, through foreign keys, everything that belongs to it. */
  async delete(actor: Actor, id: string): Promise<void> {
    const appkey = await this.ds.transaction(async (m) => {
      const app = await this.repo.findById(id, m, true);
      if (!app) throw new DomainError('APP_NOT_FOUND');
      await this.repo.delete(m, id);
      await this.audit.record(m, actor, { action: 'app.delete', targetType: 'app', targetId: id, details: { name: app.name, appkey: app.appkey } });
      await this.cache.announceChange(m, app.appkey);
      return app.appkey;
    });
    this.cache.evict(appkey);
  }

  /** The secrets a request signature may be made with right now: the current one, and the previous one during its grace. */
  activeSecrets(app: AppEntity): string[] {
    let plain = this.plainSecrets.get(app);
    if (!plain) {
      plain = {
        current: this.box.decrypt(app.secretEnc, secretAad(app.id)),
        previous: app.previousSecretEnc ? this.box.decrypt(app.previousSecretEnc, secretAad(app.id)) : undefined,
      };
      this.plainSecrets.set(app, plain);
    }
    const inGrace = plain.previous !== undefined && app.previousSecretExpiresAt !== null && app.previousSecretExpiresAt > this.clock.now();
    return inGrace ? [plain.current, plain.previous!] : [plain.current];
  }

  /** An enabled app by id, for requests authenticated by an end-user token; null otherwise. */
  async findEnabledById(id: string): Promise<AppEntity | null> {
    const app = await this.repo.findById(id);
    return app && app.status === 'enabled' ? app : null;
  }

  /**
   * The app behind an appkey, from a short-lived cache that admin changes evict in
   * every instance. A string that cannot be an appkey (wider than the column, or
   * holding what Postgres cannot store) names no app, without a lookup and out of
   * the cache: 200 requests with megabyte-long appkeys held 230 MB in it.
   */
  async findByAppkey(appkey: string): Promise<AppEntity | null> {
    if (!canBeAppkey(appkey)) return null;
    return this.cache.get(appkey, () => this.repo.findByAppkey(appkey));
  }

  /**
   * The enabled app behind an appkey, for requests that name their app (signed
   * requests, the seed dialects' app headers): APPKEY_NOT_FOUND when no app has it
   * or its app is disabled.
   */
  async getEnabledByAppkey(appkey: string): Promise<AppEntity> {
    return this.cachedEnabledByAppkey(appkey) ?? enabledOrRefuse(await this.findByAppkey(appkey));
  }

  /**
   * {@link getEnabledByAppkey} when the cache knows the appkey (or it cannot be
   * one), without waiting for a promise; undefined when only a lookup can tell.
   */
  cachedEnabledByAppkey(appkey: string): AppEntity | undefined {
    if (!canBeAppkey(appkey)) throw new DomainError('APPKEY_NOT_FOUND');
    const hit = this.cache.peek(appkey);
    return hit && enabledOrRefuse(hit.value);
  }

  private async getEntity(id: string, manager?: EntityManager, lock = false): Promise<AppEntity> {
    const app = await this.repo.findById(id, manager, lock);
    if (!app) throw new DomainError('APP_NOT_FOUND');
    return app;
  }

  /** Loads the app under a row lock, applies a change, saves it and audits it, in one transaction. */
  private async mutate(
    actor: Actor,
    id: string,
    action: string,
    change: (app: AppEntity, now: Date) => Record<string, unknown>,
  ): Promise<AppView> {
    const saved = await this.ds.transaction(async (m) => {
      const app = await this.getEntity(id, m, true);
      const now = this.clock.now();
      const details = change(app, now);
      app.updatedAt = now;
      const result = await this.repo.save(m, app);
      await this.audit.record(m, actor, { action, targetType: 'app', targetId: id, details });
      await this.cache.announceChange(m, app.appkey);
      return result;
    });
    this.cache.evict(saved.appkey);
    return appView(saved, this.clock.now());
  }
}

/**
 * A code policy as the audit log keeps it: its test numbers masked as the logs
 * mask numbers, and their fixed codes not at all. The audit log outlives any
 * erasure of those numbers, and a fixed code there was a login to the review
 * account for anyone who may read the log.
 */
function auditedPolicy(policy: CodePolicy): Record<string, unknown> {
  const testNumbers = policy.test_numbers ?? [];
  return { ...policy, test_numbers: testNumbers.map((n) => ({ phone: maskPhone(n.phone), code: '***' })) };
}

function secretAad(appId: string): string {
  return `app:${appId}:secret`;
}

/** Whether a string could be an appkey: not wider than the column, and storable. */
function canBeAppkey(appkey: string): boolean {
  return appkey.length <= APPKEY_COLUMN_WIDTH && !unstorableIn(appkey);
}

function enabledOrRefuse(app: AppEntity | null): AppEntity {
  if (!app || app.status !== 'enabled') throw new DomainError('APPKEY_NOT_FOUND');
  return app;
}
