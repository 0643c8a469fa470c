import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock/clock.js';
import { hashPassword, randomString, verifyPassword } from '../common/crypto/hashing.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { OperatorEntity } from './operator.entity.js';

/** A hash to verify against when the username is unknown, so both paths cost one scrypt. */
const DUMMY_HASH = hashPassword(randomString(24));

/** Operators: the first one's bootstrap and password authentication with lockout. */
@Injectable()
export class OperatorsService implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
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
      `INSERT INTO operators (username, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $3)
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
   * Checks a username and password. After `maxFailedLogins` consecutive failures
   * the operator is locked for `lockS` seconds (LOGIN_LOCKED, with the wait).
   * Unknown user and wrong password answer the same INVALID_CREDENTIALS.
   */
  async authenticate(username: string, password: string): Promise<OperatorEntity> {
    const repo = this.ds.getRepository(OperatorEntity);
    const operator = await repo.findOneBy({ username });
    const now = this.clock.now();
    if (!operator) {
      await verifyPassword(password, await DUMMY_HASH);
      throw new DomainError('INVALID_CREDENTIALS');
    }
    if (operator.lockedUntil && operator.lockedUntil > now) {
      throw new DomainError('LOGIN_LOCKED', { retryAfterS: Math.ceil((operator.lockedUntil.getTime() - now.getTime()) / 1000) });
    }
    const ok = (await verifyPassword(password, operator.passwordHash)) && operator.status === 'enabled';
    if (!ok) {
      const { maxFailedLogins, lockS } = this.config.admin;
      // One statement, so parallel failures all count.
      await this.ds.query(
        `UPDATE operators SET failed_logins = failed_logins + 1,
           locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END,
           updated_at = $4
         WHERE id = $1`,
        [operator.id, maxFailedLogins, new Date(now.getTime() + lockS * 1000), now],
      );
      throw new DomainError('INVALID_CREDENTIALS');
    }
    await repo.update({ id: operator.id }, { failedLogins: 0, lockedUntil: null, lastLoginAt: now, updatedAt: now });
    return operator;
  }

  /** The operator behind a token, if it still exists and is enabled. */
  async findActive(id: string): Promise<OperatorEntity | null> {
    const operator = await this.ds.getRepository(OperatorEntity).findOneBy({ id });
    return operator && operator.status === 'enabled' ? operator : null;
  }
}
