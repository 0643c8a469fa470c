import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock/clock.js';
import { hashPassword, randomString, verifyPassword } from '../common/crypto/hashing.js';
import { DomainError } from '../common/errors/domain-error.js';
import { clientKey } from '../common/http/client-ip.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LoginFailuresRepository } from './login-failures.repository.js';
import { type OperatorPrincipal, type OperatorRole } from './operator-access.js';
import { OperatorEntity } from './operator.entity.js';
import { isUuid } from '../database/find-by-uuid.js';

/** A hash to verify against when the username is unknown, so both paths cost one scrypt. */
const DUMMY_HASH = hashPassword(randomString(24));

const SWEEP_EVERY_MS = 10 * 60_000;

/** Operators: the first one's bootstrap and password authentication with lockout. */
@Injectable()
export class OperatorsService implements OnApplicationBootstrap {
  private lastSweep = 0;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly failures: LoginFailuresRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('Operators');
  }

  /**
   * On an empty database, creates the first operator from ADMIN_USERNAME and
   * ADMIN_PASSWORD, or with a generated password printed once. Concurrent first
   * starts are settled by the unique username: only the inserting process prints.
   */
  async onApplicationBootstrap(): Promise<void> {
    const [{ count }] = await this.ds.query(`SELECT count(*)::int AS count FROM operators`);
    if (count > 0) return;
    const password = this.config.admin.password ?? randomString(20);
    const now = this.clock.now();
    const inserted = await this.ds.query(
      `INSERT INTO operators (username, password_hash, role, created_at, updated_at) VALUES ($1, $2, 'owner', $3, $3)
       ON CONFLICT (username) DO NOTHING RETURNING id`,
      [this.config.admin.username, await hashPassword(password), now],
    );
    if (!inserted.length) return;
    if (this.config.admin.password) {
      this.logger.info({ username: this.config.admin.username }, 'created the first operator from ADMIN_USERNAME/ADMIN_PASSWORD');
    } else {
      // The one place a credential is printed: it exists nowhere else.
      process.stdout.write(
        `\nPasscode: created the first operator.\n  username: ${this.config.admin.username}\n  password: ${password}\nIt is shown only now; log in with POST /admin/login.\n\n`,
      );
    }
  }

  /**
   * Checks a username and password from a client IP. Failures count per
   * (username, IP), for unknown usernames exactly as for known ones: after
   * `maxFailedLogins` in a row the pair is locked (LOGIN_LOCKED, with the wait)
   * for `lockS` seconds, twice as long for each further lock, and counts from
   * zero again when the lock ends. Another IP is not affected, so a stranger
   * cannot lock the operator out. Unknown user, wrong password and disabled
   * operator answer the same INVALID_CREDENTIALS.
   */
  async authenticate(username: string, password: string, clientIp: string): Promise<OperatorEntity> {
    // One client as the throttler sees it: an IPv6 /64 is one, or a fresh address would mean fresh attempts.
    const ip = clientKey(clientIp);
    const now = this.clock.now();
    const lockedUntil = await this.failures.lockedUntil(username, ip, now);
    if (lockedUntil) throw new DomainError('LOGIN_LOCKED', { retryAfterS: Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000) });
    const repo = this.ds.getRepository(OperatorEntity);
    const operator = await repo.findOneBy({ username });
    // An unknown username costs one scrypt too, and counts like a wrong password.
    const ok = (await verifyPassword(password, operator?.passwordHash ?? (await DUMMY_HASH))) && operator?.status === 'enabled';
    if (!operator || !ok) {
      await this.sweepNowAndThen(now);
      await this.failures.recordFailure(username, ip, now, { maxFailures: this.config.admin.maxFailedLogins, lockS: this.config.admin.lockS });
      throw new DomainError('INVALID_CREDENTIALS');
    }
    await this.failures.clear(username, ip);
    await repo.update({ id: operator.id }, { lastLoginAt: now, updatedAt: now });
    return operator;
  }

  /** The operator behind a token, with role and apps, if it still exists and is enabled (one query). */
  async findPrincipal(id: string): Promise<{ principal: OperatorPrincipal; tokenGeneration: number } | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.ds.query<Array<{ id: string; username: string; role: OperatorRole; token_generation: number; app_ids: string[] }>>(
      `SELECT o.id, o.username, o.role, o.token_generation, ARRAY(SELECT app_id::text FROM operator_apps a WHERE a.operator_id = o.id) AS app_ids
       FROM operators o WHERE o.id = $1 AND o.status = 'enabled'`,
      [id],
    );
    if (!row) return null;
    return {
      principal: { operatorId: row.id, username: row.username, role: row.role, appIds: row.role === 'admin' ? row.app_ids : [] },
      tokenGeneration: row.token_generation,
    };
  }

  /** Drops forgotten failure counts about once per {@link SWEEP_EVERY_MS}, so the table holds about a day of failures. */
  private async sweepNowAndThen(now: Date): Promise<void> {
    if (now.getTime() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now.getTime();
    await this.failures.sweep(now);
  }
}
