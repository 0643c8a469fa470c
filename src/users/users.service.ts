import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { type EntityManager } from 'typeorm';
import { DEFAULT_LOGIN_CONFIG, type LoginConfig } from '../apps/app-settings.js';
import { type AppEntity } from '../apps/app.entity.js';
import { Clock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { type ParsedPhone } from '../common/phone/phone.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { isUuid } from '../database/find-by-uuid.js';
import { EventPublisher } from '../events/event-publisher.js';
import { ErasureService } from '../retention/erasure.service.js';
import { VerificationService } from '../verification/verification.service.js';
import { type UserRow, type UserSessionRow } from './user.js';
import { UsersRepository } from './users.repository.js';

export const TOKEN_ISSUER = 'passcode';

/** The JWT audience of an app's end-user tokens: a token of one app is refused by every other. */
export function userAudience(appId: string): string {
  return `app:${appId}`;
}

export interface LoginRequest {
  app: AppEntity;
  /** The number parsed: the user's row keeps its normalised mcode and national number, whatever the client typed. */
  phone: ParsedPhone;
  code: string;
  versionNumber: number | null;
  channel: string | null;
  oaid: string | null;
  deviceId: string | null;
  ip: string | null;
}

export interface LoginResult {
  user: UserRow;
  accessToken: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** End users of apps: SMS login (registering on first login), sessions, deregistration. Phone changes: PhoneChangeService. */
@Injectable()
export class UsersService {
  constructor(
    private readonly repo: UsersRepository,
    private readonly verification: VerificationService,
    private readonly jwt: JwtService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventPublisher,
    private readonly erasure: ErasureService,
  ) {}

  /**
   * The app's login config when SMS login may be used, checked in the seeds' order:
   * missing (LOGIN_NOT_CONFIGURED), off (LOGIN_DISABLED), SMS login off (MOBILE_LOGIN_DISABLED).
   */
  loginConfig(app: AppEntity): LoginConfig {
    const config = this.loginEnabled(app);
    if (!config.mobile_login_enabled) throw new DomainError('MOBILE_LOGIN_DISABLED');
    return config;
  }

  /**
   * The app's login config when its end users may use their accounts at all (the
   * user_* documents: "requires login enabled"): LOGIN_NOT_CONFIGURED when it has
   * none, LOGIN_DISABLED when login is off.
   */
  loginEnabled(app: AppEntity): LoginConfig {
    if (!app.loginConfig) throw new DomainError('LOGIN_NOT_CONFIGURED');
    const config = { ...DEFAULT_LOGIN_CONFIG, ...app.loginConfig };
    if (!config.enabled) throw new DomainError('LOGIN_DISABLED');
    return config;
  }

  /**
   * Logs in with a login code: consumes it, creates the user on first login, opens a
   * session and revokes the oldest beyond the app's cap, all in one transaction (a
   * login that fails midway leaves its code unspent, for the retry).
   */
  async login(req: LoginRequest): Promise<LoginResult> {
    const config = this.loginConfig(req.app);
    const now = this.clock.now();
    const jti = randomUUID();
    const expiresAt = new Date(now.getTime() + config.token_ttl_days * 86_400_000);
    const user = await this.verification.consumeWith(req.app, 'login', req.phone.e164, req.code, async (m) => {
      const u = await this.repo.upsertByPhone(m, {
        appId: req.app.id,
        phone: req.phone,
        versionNumber: req.versionNumber,
        channel: req.channel,
        oaid: req.oaid,
        deviceId: req.deviceId,
        ip: req.ip,
        now,
      });
      await this.repo.insertSession(m, { jti, user_id: u.id, app_id: req.app.id, device_id: req.deviceId, created_at: now, expires_at: expiresAt });
      await this.repo.revokeBeyond(m, u.id, config.max_sessions_per_user, now);
      if (u.created) await this.events.publish(m, req.app.id, 'user.registered', { user_id: u.id, phone: u.phone_e164 });
      return u;
    });
    const accessToken = await this.jwt.signAsync(
      {},
      {
        subject: user.id,
        jwtid: jti,
        audience: userAudience(req.app.id),
        issuer: TOKEN_ISSUER,
        expiresIn: config.token_ttl_days * 86_400,
        algorithm: 'HS256',
        secret: this.config.secrets.jwtSecret,
      },
    );
    return { user, accessToken, expiresAt: Math.floor(expiresAt.getTime() / 1000) };
  }

  /** The user detail of a session's user: LOGIN_* when the app's login is off, USER_NOT_FOUND once deregistered. */
  async profile(app: AppEntity, userId: string): Promise<UserRow> {
    this.loginEnabled(app);
    return this.get(userId);
  }

  /** The current user of a session; USER_NOT_FOUND once deregistered. */
  async get(userId: string): Promise<UserRow> {
    const user = await this.repo.findActive(userId);
    if (!user) throw new DomainError('USER_NOT_FOUND');
    return user;
  }

  /**
   * The session of a verified token: null when unknown, revoked or not the token's
   * own; TOKEN_EXPIRED once past its lifetime (by the service clock).
   */
  async liveSession(jti: string, userId: string, audience: string): Promise<UserSessionRow | null> {
    // A jti we issued is a uuid: Postgres would refuse to compare anything else with the column (a 500).
    if (!isUuid(jti)) return null;
    const session = await this.repo.findSession(jti);
    if (!session || session.revoked_at || session.user_id !== userId || audience !== userAudience(session.app_id)) return null;
    if (new Date(session.expires_at) <= this.clock.now()) throw new DomainError('TOKEN_EXPIRED');
    return session;
  }

  /** Logout: this token stops working. */
  async logout(jti: string): Promise<void> {
    await this.repo.revokeSession(jti, this.clock.now());
  }

  /**
   * Deregistration: the user is cancelled (the number is free again), every
   * session revoked, and the number forgotten where no open limit needs it
   * (ErasureService.forgetDeregistered). LOGIN_* when the app's login is off; USER_CANCEL_FAILED when
   * there is no active user to cancel.
   */
  async cancel(app: AppEntity, userId: string): Promise<void> {
    this.loginEnabled(app);
    await this.repo.transaction(async (m) => {
      const now = this.clock.now();
      const phone = await this.cancelAtItsNumber(m, app, userId, now);
      await this.repo.revokeAll(m, userId, now);
      await this.erasure.forgetDeregistered(m, app, phone);
      await this.events.publish(m, app.id, 'user.deregistered', { user_id: userId });
    });
  }

  /**
   * Cancels the active user in `m` and answers its number, having locked that
   * number's rows before the user's row (ErasureService.lockNumber): a login
   * takes its code, then the user; a send, the cooldown, then the codes; a phone
   * change, its token, then the user. Taken the other way round, a deregistration
   * racing one of them deadlocked, and Postgres aborted one of the two (a 503).
   * The number is read before it is locked: one that changed before the cancel (a
   * phone change committed meanwhile) is read again, and locked in turn.
   * USER_CANCEL_FAILED when there is no active user.
   */
  private async cancelAtItsNumber(m: EntityManager, app: AppEntity, userId: string, now: Date): Promise<string> {
    for (let read = 1; read <= NUMBER_READS; read++) {
      const user = await this.repo.findActive(userId, m);
      if (!user) throw new DomainError('USER_CANCEL_FAILED');
      await this.erasure.lockNumber(m, app.id, user.phone_e164);
      if (await this.repo.cancel(m, userId, user.phone_e164, now)) return user.phone_e164;
    }
    // Each read missed a phone change that committed after it: nothing was written, the client may retry.
    throw new DomainError('SERVICE_UNAVAILABLE', { message: "the user's number kept changing during the deregistration" });
  }
}

/** How many times a deregistration reads its user's number before it gives up (each miss is a phone change committed meanwhile). */
const NUMBER_READS = 3;
