import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { DEFAULT_FRAUD_GUARD, type CodePolicy, type FraudGuardPolicy } from '../apps/app-settings.js';
import { type Actor, SYSTEM_ACTOR } from '../audit/actor.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { parsePhoneField, type ParsedPhone } from '../common/phone/phone.js';
import { EventPublisher } from '../events/event-publisher.js';
import { Metrics } from '../metrics/metrics.js';
import { bucketsOf, type BucketState, countryKeyOf, type FraudBucketRow, nextState, slidingCounts, type Transition } from './fraud-bucket.js';
import { FraudBucketsRepository } from './fraud-buckets.repository.js';

/** What a send may do, by the worst state of its buckets. */
export type Admission = 'allow' | 'challenge';

/**
 * Conversion-aware throttling. Every send is counted in two buckets of its app
 * (the destination country and the number's range) in one upsert; approvals are
 * counted where a code is approved. A bucket with many sends and almost no
 * approvals (SMS pumping: codes no one reads) is challenged, then blocked, for a
 * cooling-off period (see `nextState`). Every change of state is made once across
 * instances (a conditional UPDATE), audited, counted and published to the app's
 * webhooks in one transaction. The counts are advisory and commit without waiting
 * for a WAL flush (fraud-buckets.statements.ts); the changes of state are durable.
 * Never sends an SMS.
 */
@Injectable()
export class FraudGuard {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: FraudBucketsRepository,
    private readonly audit: AuditService,
    private readonly events: EventPublisher,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('FraudGuard');
  }

  /**
   * Counts a send to `phone` and answers whether it may go on plainly or must
   * carry a solved captcha; throws SEND_BLOCKED (with the wait) when a bucket is
   * blocked. Called once per send, before any limit is taken.
   */
  async admit(appId: string, codePolicy: CodePolicy, phone: ParsedPhone): Promise<Admission> {
    const policy = fraudPolicyOf(codePolicy);
    if (!policy.enabled) return 'allow';
    const now = this.clock.now();
    const [country, prefix] = bucketsOf(phone.e164, countryKeyOf(phone));
    const rows = await this.repo.countSend(appId, country.key, prefix.key, windowStart(now, policy.window_s), policy.window_s, now);
    let worst: { state: BucketState; until: Date | null } = { state: 'normal', until: null };
    const states = new Map<string, BucketState>();
    for (const row of rows) {
      const after = await this.apply(row, nextState(row, policy, now), policy, now);
      states.set(row.kind, after.state);
      if (rank(after.state) > rank(worst.state)) worst = after;
    }
    // A send its range stops is the range's to count: the country measures what ranges let through,
    // so a campaign hammering one stopped range cannot drag its whole country into a challenge.
    if (states.get('prefix') !== 'normal' && states.get('country') === 'normal') {
      await this.repo.uncountSend(appId, country.key, windowStart(now, policy.window_s));
    }
    if (worst.state === 'blocked') {
      const retryAfterS = worst.until ? Math.max(1, Math.ceil((worst.until.getTime() - now.getTime()) / 1000)) : policy.cooling_off_s;
      throw new DomainError('SEND_BLOCKED', { retryAfterS });
    }
    return worst.state === 'challenge' ? 'challenge' : 'allow';
  }

  /**
   * Counts an approved code of `phoneE164` in its buckets: conversion is what tells
   * a real user from pumping. `region` is the one the code was sent to (the code's
   * row has it): then the buckets are named without parsing the number again, which
   * would cost a libphonenumber parse on every approved check. Without it (a number
   * of no one region, or a code older than that column) the number is parsed for its
   * calling code.
   */
  async approved(appId: string, codePolicy: CodePolicy, phoneE164: string, region: string | null): Promise<void> {
    const policy = fraudPolicyOf(codePolicy);
    if (!policy.enabled) return;
    let countryKey = region;
    if (!countryKey) {
      try {
        countryKey = countryKeyOf(parsePhoneField(phoneE164));
      } catch {
        return; // a code was sent to it, so it parsed then; nothing to count if the metadata changed since
      }
    }
    const now = this.clock.now();
    const [country, prefix] = bucketsOf(phoneE164, countryKey);
    await this.repo.countApproval(appId, country.key, prefix.key, windowStart(now, policy.window_s), policy.window_s, now);
  }

  /** The bucket's state once `transition` is made (by this send, or by whoever made it first). */
  private async apply(row: FraudBucketRow, transition: Transition, policy: FraudGuardPolicy, now: Date): Promise<{ state: BucketState; until: Date | null }> {
    if (!transition) return { state: row.state, until: row.state_until ? new Date(row.state_until) : null };
    const until = transition.to === 'normal' ? null : new Date(now.getTime() + policy.cooling_off_s * 1000);
    const changed = await this.change(SYSTEM_ACTOR, row, transition.to, until, transition.reason, now, policy);
    // Another send changed it first (the same counts lead the same way, or further): obey the
    // stricter of the two, so no send slips through while the change commits.
    if (!changed) return rank(transition.to) > rank(row.state) ? { state: transition.to, until } : { state: row.state, until: row.state_until ? new Date(row.state_until) : null };
    return { state: changed.state, until };
  }

  /**
   * Moves a bucket to `to` in one transaction with its audit entry and its
   * webhook event, once across instances; answers the changed row, or null when
   * the bucket had moved meanwhile.
   */
  async change(actor: Actor, seen: FraudBucketRow, to: BucketState, until: Date | null, reason: string, now: Date, policy: FraudGuardPolicy): Promise<FraudBucketRow | null> {
    const counts = slidingCounts(seen, now, policy.window_s);
    const details = { kind: seen.kind, key: seen.key, from: seen.state, to, until: until?.toISOString() ?? null, reason, sends: Math.round(counts.sends), approvals: Math.round(counts.approvals) };
    const changed = await this.ds.transaction(async (m) => {
      const row = await this.repo.transition(m, seen, to, until, now);
      if (!row) return null;
      await this.audit.record(m, actor, { action: 'fraud.bucket_changed', targetType: 'app', targetId: seen.app_id, details });
      await this.events.publish(m, seen.app_id, 'fraud.bucket_changed', details);
      return row;
    });
    if (changed) {
      this.metrics.fraudBucketChanged(seen.app_id, seen.kind, to);
      this.logger.warn({ appId: seen.app_id, ...details }, 'fraud bucket changed');
    }
    return changed;
  }
}

/** Each code policy's fraud guard settings, merged once (a policy is replaced, never changed in place). */
const fraudPolicies = new WeakMap<CodePolicy, FraudGuardPolicy>();

/** The app's fraud guard settings over the defaults (apps created before them have none). */
export function fraudPolicyOf(codePolicy: CodePolicy): FraudGuardPolicy {
  let policy = fraudPolicies.get(codePolicy);
  if (!policy) {
    // A field stored as null (class-validator lets null through IsOptional) is the default.
    const given = Object.entries(codePolicy.fraud_guard ?? {}).filter(([, v]) => v !== null && v !== undefined);
    policy = Object.freeze({ ...DEFAULT_FRAUD_GUARD, ...Object.fromEntries(given) }) as FraudGuardPolicy;
    fraudPolicies.set(codePolicy, policy);
  }
  return policy;
}

const RANKS: Record<BucketState, number> = { normal: 0, challenge: 1, blocked: 2 };
function rank(state: BucketState): number {
  return RANKS[state];
}

function windowStart(now: Date, sizeS: number): Date {
  return new Date(Math.floor(now.getTime() / (sizeS * 1000)) * sizeS * 1000);
}
