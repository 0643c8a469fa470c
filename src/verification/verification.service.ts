import { randomInt, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { type EntityManager } from 'typeorm';
import { type AppEntity } from '../apps/app.entity.js';
import { DEFAULT_CODE_POLICY, type CodePolicy } from '../apps/app-settings.js';
import { Clock } from '../common/clock/clock.js';
import { hmacSha256Hex, safeEqual } from '../common/crypto/hashing.js';
import { DomainError, type InputRole } from '../common/errors/domain-error.js';
import { maskPhone, type ParsedPhone } from '../common/phone/phone.js';
import { clientKey } from '../common/http/client-ip.js';
import type { Scene } from '../common/scenes.js';
import { type AppConfig } from '../config/app-config.js';
import { type PgTransaction } from '../database/pg-transaction.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Metrics } from '../metrics/metrics.js';
import { ChallengeService, type ChallengeResponse } from '../fraud/challenges/challenge.service.js';
import { EventPublisher } from '../events/event-publisher.js';
import { FraudGuard } from '../fraud/fraud-guard.service.js';
import { assertNumberTypeAllowed } from '../fraud/number-type-policy.js';
import { SmsSender, type SmsSendResult } from '../sms/sms-sender.js';
import { type CheckResult } from './verification-code.js';
import { type CheckedCode, type CounterKey, type SendSlot, type SendSlotAnswer, VerificationRepository } from './verification.repository.js';

export interface IssueRequest {
  app: AppEntity;
  scene: Scene;
  phone: ParsedPhone;
  /** Client IP for the per-IP cap (no address, or null, counts under one shared key). */
  ip: string | null;
  /** Who asked, for the send log. */
  origin: string;
  /** What the request offers as a solved captcha: an image captcha's id and answer, or the token of the app's captcha vendor. */
  captcha?: ChallengeResponse;
  /** The endpoint always demands a solved image captcha (seed 004), whatever the app's policy and captcha provider. */
  requireCaptcha?: boolean;
}

export interface IssueResult {
  expiresInS: number;
  resendInS: number;
}

const HOUR_MS = 3600_000;
const DAY_MS = 86_400_000;

/**
 * Verification codes: issuing under the app's sending limits, and checking with
 * an explicit outcome. Codes exist only as HMAC-SHA256(pepper, app|scene|phone|code).
 */
@Injectable()
export class VerificationService {
  constructor(
    private readonly repo: VerificationRepository,
    private readonly sms: SmsSender,
    private readonly challenges: ChallengeService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: PinoLogger,
    private readonly metrics: Metrics,
    private readonly events: EventPublisher,
    private readonly fraud: FraudGuard,
  ) {
    this.logger.setContext('VerificationService');
  }

  /**
   * Sends a fresh code. The app's SMS route is resolved first (a configuration
   * error takes no limit); then one transaction, one durable commit, writes the
   * send-log row of the message and takes the cooldown and the caps with the new
   * code (superseding older ones) in one statement, so a code never exists without
   * the row of its SMS; then the SMS goes out, outside it. A send refused before any
   * message could leave gives the cooldown and the caps back and kills the code. A
   * send whose outcome is unknown (the provider did not answer in time) keeps all
   * of them and the code stays valid: the message may arrive (DESIGN §8), and the
   * client is answered as if sent.
   */
  async issue(req: IssueRequest): Promise<IssueResult> {
    const { app, scene, phone } = req;
    const policy = policyOf(app);
    if (policy.allowed_country_codes.length && !(phone.region && policy.allowed_country_codes.includes(phone.region))) {
      throw new DomainError('PHONE_REGION_NOT_ALLOWED');
    }
    assertNumberTypeAllowed(policy, phone);
    const testNumber = testNumberCode(policy, phone.e164) !== undefined;
    // Test numbers receive no SMS: nothing for the fraud guard to count. A blocked bucket throws here.
    const admission = testNumber ? 'allow' : await this.fraud.admit(app.id, policy, phone);
    // Before any limit is taken: a request without a solved captcha costs nothing and sends nothing.
    if (req.requireCaptcha || policy.captcha_required || admission === 'challenge') {
      await this.challenges.demand({ appId: app.id, response: req.captcha, ip: req.ip, imageOnly: req.requireCaptcha });
    }
    if (testNumber) {
      this.logger.info({ appId: app.id, scene, phone: maskPhone(phone.e164) }, 'test number: no code sent');
      return { expiresInS: policy.ttl_s, resendInS: policy.resend_interval_s };
    }
    const now = this.clock.now();
    const holder = randomUUID();
    const codeId = randomUUID();
    const code = generateCode(policy.length);
    const counters: Array<[CounterKey, number]> = [
      [{ scope: 'phone_day', subject: phone.e164, windowStart: windowStart(now, DAY_MS) }, policy.per_phone_daily],
      // A hot row per country, as app_day is per app: counted in the same statement, atomic across instances.
      [{ scope: 'country_day', subject: phone.region ?? phone.mcode, windowStart: windowStart(now, DAY_MS) }, countryCap(policy, phone.region)],
      [{ scope: 'app_day', subject: '*', windowStart: windowStart(now, DAY_MS) }, policy.per_app_daily],
    ];
    counters.push([{ scope: 'ip_hour', subject: clientKey(req.ip ?? ''), windowStart: windowStart(now, HOUR_MS) }, policy.per_ip_hourly]);

    const delivery = await this.sms.prepare({ appId: app.id, scene, phone: phone.e164, country: phone.region, params: { code }, origin: req.origin });
    const slot: SendSlot = {
      now,
      until: new Date(now.getTime() + policy.resend_interval_s * 1000),
      holder,
      counters,
      code: {
        id: codeId,
        app_id: app.id,
        scene,
        phone_e164: phone.e164,
        code_hash: this.hash(app.id, scene, phone.e164, code),
        expires_at: new Date(now.getTime() + policy.ttl_s * 1000),
        max_attempts: policy.max_attempts,
        ip: req.ip,
        country: phone.region ?? null,
      },
      message: delivery.firstRow,
    };
    // A refused send leaves no count, cooldown, code or send-log row behind (nor event: thrown in the transaction, it rolls back).
    const taken = (answer: SendSlotAnswer): string => {
      if (answer.status === 'cooldown') {
        throw new DomainError('SEND_COOLDOWN', { retryAfterS: Math.max(1, Math.ceil((answer.until.getTime() - now.getTime()) / 1000)) });
      }
      if (answer.status === 'limit') {
        const [key] = counters[answer.counter];
        const windowMs = key.scope === 'ip_hour' ? HOUR_MS : DAY_MS;
        throw new DomainError('SEND_LIMIT_EXCEEDED', { retryAfterS: Math.ceil((key.windowStart.getTime() + windowMs - now.getTime()) / 1000) });
      }
      return answer.messageId;
    };
    // Only an app whose webhooks want the event pays for a transaction around the slot's statement, which is one by itself.
    const messageId = (await this.events.subscribed(app.id, SEND_EVENTS))
      ? await this.repo.transaction(async (tx) => {
          // Before the slot, whose hot rows stay locked until commit.
          await this.events.publish(tx, app.id, 'verification.sent', { ...this.eventData(codeId, scene, phone), expires_at: slot.code.expires_at.toISOString() });
          return taken(await this.repo.takeSendSlot(slot, tx));
        })
      : taken(await this.repo.takeSendSlot(slot));
    delivery.recorded(messageId);

    let sent: SmsSendResult;
    try {
      sent = await delivery.deliver();
    } catch (err) {
      // deliver() throws only when no message can have left the provider.
      await this.repo.transaction(async (tx) => {
        const at = this.clock.now();
        await this.repo.releaseCooldown(tx, app.id, phone.e164, holder, at);
        for (const [key] of counters) await this.repo.decrement(tx, app.id, key);
        await this.repo.kill(tx, codeId, at);
        await this.events.publish(tx, app.id, 'verification.failed', { ...this.eventData(codeId, scene, phone), reason: 'sms_not_sent' });
      });
      this.logger.warn({ appId: app.id, scene, phone: maskPhone(phone.e164), err: (err as Error).name === 'DomainError' ? (err as DomainError).code : 'unexpected' }, 'code not sent');
      throw err;
    }
    if (sent.status === 'unknown') {
      this.logger.warn({ appId: app.id, scene, phone: maskPhone(phone.e164), messageId: sent.messageId }, 'code sent, outcome unknown: limits kept, code valid');
    } else {
      this.logger.info({ appId: app.id, scene, phone: maskPhone(phone.e164) }, 'code sent');
    }
    return { expiresInS: policy.ttl_s, resendInS: policy.resend_interval_s };
  }

  /**
   * Checks a code against the newest code of (app, phone, scene) and consumes it
   * when it matches. A wrong code counts an attempt; the code dies after
   * `max_attempts`. Of concurrent checks of one right code, one is approved.
   */
  async check(app: AppEntity, scene: Scene, phone: string, code: string): Promise<CheckResult> {
    return this.settle(app, scene, phone, await this.checkIn(app, scene, phone, code, this.clock.now()));
  }

  /**
   * Consumes the code and runs `then` in one transaction, so that the code is spent
   * only when what it was for commits: a login whose user or session could not be
   * written (the database lost between the two) had spent the code, and its retry
   * was told CODE_EXPIRED. A code that is not approved is a CODE_* error once the
   * attempt it counted has committed alone; `then` does not run.
   */
  async consumeWith<T>(app: AppEntity, scene: Scene, phone: string, code: string, then: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.consumeAllWith(app, [{ scene, phone, code }], then);
  }

  /**
   * {@link consumeWith} for several codes (a phone change proves the old number, then
   * the new): checked in their order and consumed with `then` in one transaction, so
   * that none is spent unless all of it commits. The first code that is not approved
   * is a CODE_* error naming its role once the attempt it counted has committed on
   * its own: the codes before it stay unspent (no attempt counted either, no event
   * published), the codes after it unchecked, and `then` does not run.
   */
  async consumeAllWith<T>(app: AppEntity, proofs: readonly CodeProof[], then: (m: EntityManager) => Promise<T>): Promise<T> {
    const now = this.clock.now();
    for (let round = 1; ; round++) {
      const done = await this.proveAll(app, proofs, now, then);
      if (!('refused' in done)) {
        for (const found of done.approved) await this.settle(app, found.proof.scene, found.proof.phone, found);
        return done.value;
      }
      const { at, found: seen } = done.refused;
      const proof = proofs[at];
      // The first code's attempt is all its transaction wrote, committed. A later code's was rolled back with what the
      // codes before it consumed: it is counted again, alone.
      const found = at === 0 ? seen : await this.countAlone(app, proof, now);
      if (found) throw codeError(await this.settle(app, proof.scene, proof.phone, found), proof.role);
      // Alone, it was approved (and rolled back): what the transaction found was undone meanwhile. Every code is checked
      // again; past the last round nothing is spent and the transaction's answer stands.
      if (round === MAX_PROOF_ROUNDS) throw codeError(seen.result, proof.role);
    }
  }

  /**
   * One transaction of {@link consumeAllWith}: the codes checked in their order, then `then`. It commits when every code
   * is approved and `then` returns, or when the first code is not (its counted attempt alone); it is rolled back when a
   * later code is not approved, and answers that code's index and what its check found.
   */
  private async proveAll<T>(app: AppEntity, proofs: readonly CodeProof[], now: Date, then: (m: EntityManager) => Promise<T>): Promise<ProofRound<T>> {
    try {
      return await this.repo.managerTransaction(async (m): Promise<ProofRound<T>> => {
        const approved: ProvenCode[] = [];
        for (const [at, proof] of proofs.entries()) {
          const found = await this.checkIn(app, proof.scene, proof.phone, proof.code, now, m);
          if (found.result === 'approved') approved.push({ ...found, proof });
          else if (at === 0) return { refused: { at, found } };
          else throw new Unproven({ at, found });
        }
        return { approved, value: await then(m) };
      });
    } catch (err) {
      if (err instanceof Unproven) return { refused: err.refused };
      throw err;
    }
  }

  /** A code checked in a transaction of its own, committed when it is not approved; an approval is rolled back (null). */
  private async countAlone(app: AppEntity, proof: CodeProof, now: Date): Promise<CheckFound | null> {
    try {
      return await this.repo.managerTransaction(async (m) => {
        const found = await this.checkIn(app, proof.scene, proof.phone, proof.code, now, m);
        if (found.result === 'approved') throw new Unproven({ at: 0, found });
        return found;
      });
    } catch (err) {
      if (err instanceof Unproven) return null;
      throw err;
    }
  }

  /**
   * What the check's statement found, with its events, in `tx` when given (the
   * caller's transaction: its statements, the lookup of subscriptions among them,
   * run on its connection, the one PGlite has); otherwise in a transaction of its own
   * only when webhooks want the outcome.
   */
  private async checkIn(app: AppEntity, scene: Scene, phone: string, code: string, now: Date, tx?: EntityManager): Promise<CheckFound> {
    const policy = policyOf(app);
    const fixed = testNumberCode(policy, phone);
    if (fixed !== undefined) {
      // A test number's fixed code takes max_attempts wrong guesses a UTC day, as a sent code takes them: guessed
      // without limit, the store-review account fell to anyone who knew its number.
      const right = safeEqual(fixed, code);
      const checkable = await this.repo.testNumberCheckable(app.id, phone, windowStart(now, DAY_MS), policy.max_attempts, !right, tx);
      return { result: !checkable ? 'attempts_exhausted' : right ? 'approved' : 'wrong_code' };
    }
    const hash = this.hash(app.id, scene, phone, code);
    // Only an app whose webhooks want the outcome pays for a transaction around the one statement.
    const checked = tx
      ? await this.checkPublishing(tx, app, scene, phone, hash, now)
      : (await this.events.subscribed(app.id, CHECK_EVENTS))
        ? await this.repo.transaction((own) => this.checkPublishing(own, app, scene, phone, hash, now))
        : await this.repo.check(app.id, phone, scene, hash, now);
    return { result: outcomeOf(checked, hash, now), checked, hash, now };
  }

  /** The check's statement in `on`, with the event its outcome publishes there (approved, or the last attempt spent). */
  private async checkPublishing(on: EntityManager | PgTransaction, app: AppEntity, scene: Scene, phone: string, hash: string, now: Date): Promise<CheckedCode> {
    const found = await this.repo.check(app.id, phone, scene, hash, now, on);
    const result = outcomeOf(found, hash, now);
    const data = { verification_id: found.latest?.id, scene, phone };
    if (result === 'approved') await this.events.publish(on, app.id, 'verification.approved', data);
    // The wrong code that spent the last attempt: of concurrent ones, the statement counted exactly one to the maximum.
    else if (found.attemptsAfter !== null && found.attemptsAfter >= found.latest!.max_attempts) {
      await this.events.publish(on, app.id, 'verification.failed', { ...data, reason: 'attempts_exhausted' });
    }
    return found;
  }

  /** A check's outcome once its statement committed: the approval counted by the fraud guard, a lost race named, the metric. */
  private async settle(app: AppEntity, scene: Scene, phone: string, found: CheckFound): Promise<CheckResult> {
    let result = found.result;
    const checked = found.checked;
    if (checked) {
      if (checked.consumed) await this.countApproval(app, phone, checked.latest!.country);
      // A wrong code the statement counted no attempt for lost a race: a concurrent check spent the last attempt (or
      // consumed the code) after this one read it. `wrong_code` says an attempt was counted; the code as it is now says
      // what happened to it (of 50 concurrent wrong guesses under a maximum of 5, up to 23 answered wrong_code). A code a
      // deregistration or an erasure rewrote meanwhile is no code of the number: not_found, as a check after it answers.
      if (result === 'wrong_code' && checked.attemptsAfter === null) {
        const current = await this.repo.current(checked.latest!.id, phone);
        result = outcomeOf({ latest: current, staleHash: false, consumed: false, attemptsAfter: null }, found.hash!, found.now!);
      }
    }
    this.metrics.codeChecked(app.id, scene, result);
    return result;
  }

  /**
   * The fraud guard's count of an approval, after the code is consumed and committed: a count that fails
   * (the database went away between the two) is logged and lost, not the request's failure. The client
   * was told to retry, and the retry found its code spent; one approval fewer in a bucket only makes
   * it stricter for a while.
   */
  private async countApproval(app: AppEntity, phone: string, country: string | null): Promise<void> {
    try {
      await this.fraud.approved(app.id, policyOf(app), phone, country);
    } catch (err) {
      this.logger.warn({ appId: app.id, phone: maskPhone(phone), err: (err as Error).message }, 'an approval was not counted by the fraud guard');
    }
  }

  private eventData(codeId: string, scene: Scene, phone: ParsedPhone): Record<string, unknown> {
    return { verification_id: codeId, scene, phone: phone.e164 };
  }

  private hash(appId: string, scene: Scene, phone: string, code: string): string {
    return hmacSha256Hex(this.config.secrets.codePepper, `${appId}|${scene}|${phone}|${code}`);
  }
}

/** What a check's statement found: its result, and for a sent code what settling it needs. */
interface CheckFound {
  result: CheckResult;
  checked?: CheckedCode;
  hash?: string;
  now?: Date;
}

/** One code {@link VerificationService.consumeAllWith} consumes: its scene and number, and the role naming it in a CODE_* error. */
export interface CodeProof {
  scene: Scene;
  phone: string;
  code: string;
  role?: InputRole;
}

/** An approved code of {@link VerificationService.consumeAllWith}'s transaction, settled once it commits. */
type ProvenCode = CheckFound & { proof: CodeProof };

/** What one transaction of {@link VerificationService.consumeAllWith} did: every code approved and the work's value, or the code (by index) that was not. */
type ProofRound<T> = { approved: ProvenCode[]; value: T } | { refused: { at: number; found: CheckFound } };

/** Rolls back a transaction of consumeAllWith whose code `at` was not approved (or, counted alone, was). */
class Unproven extends Error {
  constructor(readonly refused: { at: number; found: CheckFound }) {
    super('a code of the set was not approved');
  }
}

/** How many times consumeAllWith checks its codes when a code it refused turns out approvable alone. */
const MAX_PROOF_ROUNDS = 3;

/** The CODE_* error of a check that did not approve, naming the code's role when it has one. */
function codeError(result: CheckResult, role?: InputRole): DomainError {
  return new DomainError(result === 'wrong_code' ? 'CODE_WRONG' : 'CODE_EXPIRED', { data: { result }, ...(role && { role }) });
}

/** The event a send can publish. */
const SEND_EVENTS = ['verification.sent'] as const;

/** The events a check can publish. */
const CHECK_EVENTS = ['verification.approved', 'verification.failed'] as const;

/** What a check found, named. */
function outcomeOf({ latest, staleHash, consumed }: CheckedCode, hash: string, now: Date): CheckResult {
  // A consumed latest code, or one killed because its SMS failed, is no code at all.
  if (!latest || latest.consumed_at || latest.superseded_at) return staleHash ? 'superseded' : 'not_found';
  // Times compared as numbers: `<=` on two Dates goes through their conversion to primitives, about fifty times slower.
  if (latest.expires_at.getTime() <= now.getTime()) return 'expired';
  if (latest.attempts >= latest.max_attempts) return 'attempts_exhausted';
  if (!safeEqual(latest.code_hash, hash)) return staleHash ? 'superseded' : 'wrong_code';
  // Lost a race: another check consumed it, or the last attempt was spent meanwhile.
  return consumed ? 'approved' : 'not_found';
}

/** Each stored policy merged once: an app's settings are replaced, never changed in place, when the app is updated. */
const policies = new WeakMap<object, CodePolicy>();
const NO_POLICY = {};

/** The app's code policy over the defaults. A setting stored as null (class-validator lets null through IsOptional) is the default. */
function policyOf(app: AppEntity): CodePolicy {
  const stored = app.codePolicy ?? NO_POLICY;
  let policy = policies.get(stored);
  if (!policy) {
    policy = Object.freeze({ ...DEFAULT_CODE_POLICY, ...withoutNulls(stored) });
    policies.set(stored, policy);
  }
  return policy;
}

function withoutNulls<T extends object>(o: T | null | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

/** The app's daily SMS cap for a destination country: its override, or the default. */
function countryCap(policy: CodePolicy, region: string | undefined): number {
  return (policy.per_country_daily_overrides ?? []).find((o) => o.country === region)?.daily ?? policy.per_country_daily;
}

/** The fixed code of a test number of the app, if the phone is one. */
function testNumberCode(policy: CodePolicy, phone: string): string | undefined {
  return (policy.test_numbers ?? []).find((n) => n.phone === phone)?.code;
}

function generateCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(10));
  return code;
}

function windowStart(now: Date, sizeMs: number): Date {
  return new Date(Math.floor(now.getTime() / sizeMs) * sizeMs);
}
