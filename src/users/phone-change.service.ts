import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { DEFAULT_LOGIN_CONFIG } from '../apps/app-settings.js';
import { type AppEntity } from '../apps/app.entity.js';
import { Clock } from '../common/clock/clock.js';
import { hmacSha256Hex } from '../common/crypto/hashing.js';
import { DomainError, type InputRole } from '../common/errors/domain-error.js';
import { type ParsedPhone, parsePhone, PhoneParseError } from '../common/phone/phone.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { isUniqueViolation } from '../database/sql-rows.js';
import { EventPublisher } from '../events/event-publisher.js';
import { type CodeProof, VerificationService } from '../verification/verification.service.js';
import { UpdatePhoneTokensRepository } from './update-phone-tokens.repository.js';
import { assertCurrentPhone } from './user.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/** A number as the client sent it; it is also what the user's row keeps. */
export interface PhoneInput {
  mcode: string;
  mobile: string;
}

/** v1's phone change: the new number and its `update_phone` code. */
export interface PhoneChange {
  newPhone: PhoneInput;
  newCode: string;
}

/** A phone change that proves the old number too (seed 003's setPhone). */
export interface ProvenPhoneChange {
  oldPhone: PhoneInput;
  oldCode: string;
  newPhone: PhoneInput;
  newCode: string;
}

/**
 * The first step of the token-based phone change (seed 002). The old number and
 * its code matter only when the app's login config requires them.
 */
export interface UpdatePhoneTokenRequest {
  newPhone: PhoneInput;
  newCode: string;
  oldPhone: { mcode: string; mobile: string | undefined };
  oldCode: string | undefined;
}

/**
 * Changing an end user's phone number, for every dialect: the old number must be
 * the user's own (proven by a `verify_old_phone` code where asked), the new one
 * proven by an `update_phone` code and held by no other active user of the app.
 *
 * Whether another user holds the new number is answered (PHONE_TAKEN) only after
 * its code has been accepted, so no caller learns which numbers are registered
 * without controlling them: before that, a taken number answers exactly as a
 * free one. The right codes are spent by then; they could not have moved anyone to a
 * taken number anyway. The unique index on active users' numbers has the last word.
 *
 * The codes of a change (the old number's, then the new's) are spent together, in
 * the transaction of what they are for (the swap, or the token's row): a wrong or
 * expired new code, or a database lost before the work committed, leaves the old
 * number's code unspent for the retry.
 *
 * Update-phone tokens (seed 002) are proof that both codes were right, redeemable
 * once; only HMAC(pepper, token) is stored.
 *
 * Errors about one input name its role (DomainErrorDetails.role: `oldMobile`,
 * `newCode`, …), never a request field: each route names the roles its own way.
 */
@Injectable()
export class PhoneChangeService {
  constructor(
    private readonly users: UsersService,
    private readonly repo: UsersRepository,
    private readonly verification: VerificationService,
    private readonly tokens: UpdatePhoneTokensRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventPublisher,
  ) {}

  /**
   * Moves the user to a number proven by an `update_phone` code (v1), revoking
   * every session of the user but `keepJti` (the caller's).
   * VALIDATION_FAILED when the number is malformed; CODE_* when the code is not
   * right; then PHONE_TAKEN when another user holds the number, USER_NOT_FOUND
   * when the user is gone.
   */
  async change(app: AppEntity, userId: string, keepJti: string, req: PhoneChange): Promise<void> {
    const newPhone = parse(req.newPhone, 'new');
    await this.moveTo(app, userId, keepJti, newPhone, [newCode(newPhone.e164, req.newCode)]);
  }

  /**
   * Moves the user to a new number, proving both (seed 003's setPhone), revoking
   * every session of the user but `keepJti` (the caller's). Every
   * check that needs no code runs before any code is spent. In order:
   * USER_NOT_FOUND (no user), VALIDATION_FAILED (old number malformed or not the
   * user's, then new number malformed), CODE_* on the old code, then on the new,
   * then PHONE_TAKEN; a swap that changes no row is a USER_NOT_FOUND naming the
   * new number (`newMobile`). The old code is spent only with the new one, when
   * the swap commits or the number is taken.
   */
  async changeProvingOld(app: AppEntity, userId: string, keepJti: string, req: ProvenPhoneChange): Promise<void> {
    const user = await this.users.get(userId);
    const oldPhone = parse(req.oldPhone, 'old');
    assertCurrentPhone(user, oldPhone, 'oldMobile');
    const newPhone = parse(req.newPhone, 'new');
    await this.moveTo(app, userId, keepJti, newPhone, [oldCode(oldPhone.e164, req.oldCode), newCode(newPhone.e164, req.newCode)]);
  }

  /**
   * Checks a phone change and issues an update-phone token for it (seed 002). Every
   * check that needs no code runs before any code is spent: USER_NOT_FOUND,
   * VALIDATION_FAILED (new number malformed; old number or code missing, malformed
   * or not the user's, when the app requires them); then CODE_* for the old code,
   * then the new; then PHONE_TAKEN. The codes are spent together with the token's
   * row (or with the answer that the number is taken), not before.
   */
  async requestToken(app: AppEntity, userId: string, req: UpdatePhoneTokenRequest): Promise<{ token: string; expiresInS: number }> {
    const config = { ...DEFAULT_LOGIN_CONFIG, ...app.loginConfig };
    const user = await this.users.get(userId);
    const newPhone = parse(req.newPhone, 'new');
    const proofs: CodeProof[] = [];
    if (config.require_old_phone_on_change) {
      if (!req.oldPhone.mobile) throw missing('oldMobile');
      if (!req.oldCode) throw missing('oldCode');
      assertCurrentPhone(user, parse({ ...req.oldPhone, mobile: req.oldPhone.mobile }, 'old'), 'oldMobile');
      proofs.push(oldCode(user.phone_e164, req.oldCode));
    }
    proofs.push(newCode(newPhone.e164, req.newCode));
    // The caller gets the token once, in clear.
    const token = randomBytes(32).toString('base64url');
    const ttlS = config.update_phone_token_ttl_s;
    const issued = await this.verification.consumeAllWith(app, proofs, async (m) => {
      if (await this.isTaken(app, newPhone, user.id, m)) return false;
      const now = this.clock.now();
      const row = { tokenHash: this.tokenHash(token), appId: app.id, userId: user.id, oldPhoneE164: user.phone_e164, newPhone, createdAt: now, expiresAt: new Date(now.getTime() + ttlS * 1000) };
      await this.tokens.insert(row, m);
      return true;
    });
    if (!issued) throw new DomainError('PHONE_TAKEN');
    return { token, expiresInS: ttlS };
  }

  /**
   * Redeems an update-phone token of this user and app: the number is swapped and
   * every other session revoked. UPDATE_PHONE_TOKEN_INVALID when the token is
   * unknown, used, expired or stale; PHONE_TAKEN when the number was taken meanwhile.
   *
   * One transaction: the token is marked used (one conditional UPDATE, so of
   * concurrent redemptions one wins), the number swapped only while the user still
   * has the token's old number, and every session of the user but `keepJti` revoked.
   */
  async redeemToken(app: AppEntity, userId: string, keepJti: string, token: string): Promise<void> {
    const now = this.clock.now();
    try {
      await this.repo.transaction(async (m) => {
        const taken = await this.tokens.take(m, this.tokenHash(token), app.id, userId, now);
        if (!taken) throw new DomainError('UPDATE_PHONE_TOKEN_INVALID');
        // The number changed elsewhere since the codes were checked (or the user is gone): the token proves nothing now.
        if (!(await this.repo.swapPhone(m, userId, taken.oldPhoneE164, taken.newPhone, now))) {
          throw new DomainError('UPDATE_PHONE_TOKEN_INVALID', { message: 'the phone number changed since the token was issued' });
        }
        await this.repo.revokeAllBut(m, userId, keepJti, now);
        await this.events.publish(m, app.id, 'user.phone_changed', { user_id: userId, phone: taken.newPhone.e164 });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError('PHONE_TAKEN');
      throw err;
    }
  }

  /**
   * The codes' check and the swap to `phone`, shared by {@link change} and {@link changeProvingOld}:
   * `proofs` are the change's codes, the new number's last.
   * Whether the number is free is asked only once its code is accepted, in the
   * transaction that spends the codes: a taken number commits the spent codes and answers
   * PHONE_TAKEN; one taken meanwhile fails the swap on the unique index, and nothing
   * is spent. As an update-phone token's redemption
   * does, the swap revokes the user's other sessions: a token stolen before the
   * change does not outlive it.
   */
  private async moveTo(app: AppEntity, userId: string, keepJti: string, phone: ParsedPhone, proofs: CodeProof[]): Promise<void> {
    let moved: boolean;
    try {
      // The codes are spent in the swap's transaction: only if the swap commits, or the number is taken.
      moved = await this.verification.consumeAllWith(app, proofs, async (m) => {
        if (await this.isTaken(app, phone, userId, m)) return false;
        const now = this.clock.now();
        if (!(await this.repo.setPhone(m, userId, phone, now))) throw new DomainError('USER_NOT_FOUND', { role: 'newMobile' });
        await this.repo.revokeAllBut(m, userId, keepJti, now);
        await this.events.publish(m, app.id, 'user.phone_changed', { user_id: userId, phone: phone.e164 });
        return true;
      });
    } catch (err) {
      // Taken by a concurrent change or login after the look above: nothing committed, the codes stay unspent.
      if (isUniqueViolation(err)) throw new DomainError('PHONE_TAKEN');
      throw err;
    }
    if (!moved) throw new DomainError('PHONE_TAKEN');
  }

  /**
   * Whether another active user of the app holds the number, in the transaction `m`
   * that spends its code. Ask it only once the caller has proven the number with
   * that code: it tells who is registered.
   */
  private async isTaken(app: AppEntity, phone: ParsedPhone, userId: string, m: EntityManager): Promise<boolean> {
    const holder = await this.repo.findActiveByPhone(app.id, phone.e164, m);
    return holder !== null && holder.id !== String(userId);
  }

  private tokenHash(token: string): string {
    return hmacSha256Hex(this.config.secrets.codePepper, `update_phone_token|${token}`);
  }
}

/** One of the change's numbers, parsed; a malformed one is VALIDATION_FAILED naming the part at fault by role. */
function parse(input: PhoneInput, which: 'old' | 'new'): ParsedPhone {
  try {
    return parsePhone(input.mcode, input.mobile);
  } catch (err) {
    if (!(err instanceof PhoneParseError)) throw err;
    const role: InputRole = err.problem === 'mcode_invalid' ? `${which}Mcode` : `${which}Mobile`;
    throw new DomainError('VALIDATION_FAILED', { role, constraint: 'isPhone', message: `${role} must be valid` });
  }
}

/** The `verify_old_phone` code that proves the user's current number; a CODE_* error about it names it `oldCode` (seed 003 tells the old code's from the new's). */
function oldCode(phone: string, code: string): CodeProof {
  return { scene: 'verify_old_phone', phone, code, role: 'oldCode' };
}

/** The `update_phone` code that proves the number the user moves to; a CODE_* error about it names it `newCode`. */
function newCode(phone: string, code: string): CodeProof {
  return { scene: 'update_phone', phone, code, role: 'newCode' };
}

function missing(role: InputRole): DomainError {
  return new DomainError('VALIDATION_FAILED', { role, constraint: 'isNotEmpty', message: `${role} is required when the app requires old-phone verification` });
}
