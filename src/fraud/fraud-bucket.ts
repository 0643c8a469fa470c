import { type FraudGuardPolicy } from '../apps/app-settings.js';

export type BucketKind = 'country' | 'prefix';
export type BucketState = 'normal' | 'challenge' | 'blocked';

/** A row of `fraud_buckets`. */
export interface FraudBucketRow {
  app_id: string;
  kind: BucketKind;
  key: string;
  window_start: Date;
  sends: number;
  approvals: number;
  prev_sends: number;
  prev_approvals: number;
  state: BucketState;
  state_until: Date | null;
  state_changed_at: Date | null;
  updated_at: Date;
}

/** A number's country bucket: its ISO region, else its calling code (numbers of no one region, such as +882). */
export function countryKeyOf(phone: { mcode: string; region?: string }): string {
  return phone.region ?? phone.mcode;
}

/** The buckets a number counts in: its country (`countryKey`, see {@link countryKeyOf}) and its range (E.164 minus the last four digits). */
export function bucketsOf(e164: string, countryKey: string): Array<{ kind: BucketKind; key: string }> {
  return [
    { kind: 'country', key: countryKey },
    { kind: 'prefix', key: e164.slice(0, -PREFIX_DROPPED_DIGITS) },
  ];
}

/**
 * Digits dropped from E.164 to name a number's range: 10,000 numbers, about one
 * operator block. Pumping campaigns walk such blocks (the operator pays per range);
 * real users of one app rarely share one.
 */
export const PREFIX_DROPPED_DIGITS = 4;

/** Sends and approvals over the last `window_s`: the current window plus the previous one's share still inside it. */
export function slidingCounts(row: Pick<FraudBucketRow, 'window_start' | 'sends' | 'approvals' | 'prev_sends' | 'prev_approvals'>, now: Date, windowS: number): { sends: number; approvals: number } {
  const elapsed = Math.min(1, Math.max(0, (now.getTime() - new Date(row.window_start).getTime()) / (windowS * 1000)));
  const weight = 1 - elapsed;
  return { sends: row.sends + row.prev_sends * weight, approvals: row.approvals + row.prev_approvals * weight };
}

export type Transition = { to: BucketState; reason: 'low_conversion' | 'still_low_conversion' | 'recovered' | 'expired' } | null;

/**
 * What a bucket's state becomes after a send counted in it: the rule of the
 * fraud guard, pure. A flagged bucket whose period ended goes back to normal;
 * a normal one with enough sends and a conversion under `challenge_below_pct` is
 * challenged; a challenged one that kept failing (twice the sends, under
 * `block_below_pct`) is blocked, and one whose conversion reached
 * `recover_at_pct` is lifted. A blocked bucket waits out its period.
 */
export function nextState(row: Pick<FraudBucketRow, 'kind' | 'state' | 'state_until' | 'window_start' | 'sends' | 'approvals' | 'prev_sends' | 'prev_approvals'>, policy: FraudGuardPolicy, now: Date): Transition {
  if (row.state !== 'normal' && row.state_until && new Date(row.state_until) <= now) return { to: 'normal', reason: 'expired' };
  const { sends, approvals } = slidingCounts(row, now, policy.window_s);
  const min = row.kind === 'country' ? policy.min_sends_country : policy.min_sends_prefix;
  if (sends < min) return null;
  const pct = (100 * approvals) / sends;
  if (row.state === 'normal' && pct < policy.challenge_below_pct) return { to: 'challenge', reason: 'low_conversion' };
  if (row.state === 'challenge') {
    if (pct >= policy.recover_at_pct) return { to: 'normal', reason: 'recovered' };
    if (sends >= 2 * min && pct < policy.block_below_pct) return { to: 'blocked', reason: 'still_low_conversion' };
  }
  return null;
}
