import { DEFAULT_FRAUD_GUARD } from '../apps/app-settings.js';
import { bucketsOf, countryKeyOf, nextState, slidingCounts } from './fraud-bucket.js';

describe('fraud buckets', () => {
  const now = new Date('2026-12-02T10:30:00Z');
  const row = (over: Partial<Parameters<typeof nextState>[0]> = {}): Parameters<typeof nextState>[0] => ({
    kind: 'prefix', state: 'normal', state_until: null, window_start: new Date('2026-12-02T10:00:00Z'), sends: 0, approvals: 0, prev_sends: 0, prev_approvals: 0, ...over,
  });

  it('names a number\'s country and its range (E.164 minus four digits)', () => {
    expect(bucketsOf('+8613712345678', countryKeyOf({ mcode: '+86', region: 'CN' }))).toEqual([{ kind: 'country', key: 'CN' }, { kind: 'prefix', key: '+861371234' }]);
    expect(countryKeyOf({ mcode: '+882' })).toBe('+882');
  });

  it('weighs the previous window by the share of it still inside the sliding window', () => {
    expect(slidingCounts(row({ sends: 10, approvals: 2, prev_sends: 100, prev_approvals: 50 }), now, 3600)).toEqual({ sends: 60, approvals: 27 });
  });

  it('judges nothing below the volume of its kind', () => {
    expect(nextState(row({ sends: 19 }), DEFAULT_FRAUD_GUARD, now)).toBeNull();
    expect(nextState(row({ kind: 'country', sends: 99 }), DEFAULT_FRAUD_GUARD, now)).toBeNull();
  });

  it('challenges at low conversion, blocks when it stays low at twice the volume, lifts on recovery or at the end', () => {
    expect(nextState(row({ sends: 20, approvals: 3 }), DEFAULT_FRAUD_GUARD, now)).toEqual({ to: 'challenge', reason: 'low_conversion' });
    expect(nextState(row({ sends: 20, approvals: 4 }), DEFAULT_FRAUD_GUARD, now)).toBeNull();
    expect(nextState(row({ state: 'challenge', sends: 39, approvals: 0 }), DEFAULT_FRAUD_GUARD, now)).toBeNull();
    expect(nextState(row({ state: 'challenge', sends: 40, approvals: 3 }), DEFAULT_FRAUD_GUARD, now)).toEqual({ to: 'blocked', reason: 'still_low_conversion' });
    expect(nextState(row({ state: 'challenge', sends: 40, approvals: 12 }), DEFAULT_FRAUD_GUARD, now)).toEqual({ to: 'normal', reason: 'recovered' });
    expect(nextState(row({ state: 'blocked', sends: 40, approvals: 40, state_until: new Date(now.getTime() + 1000) }), DEFAULT_FRAUD_GUARD, now)).toBeNull();
    expect(nextState(row({ state: 'blocked', sends: 400, state_until: now }), DEFAULT_FRAUD_GUARD, now)).toEqual({ to: 'normal', reason: 'expired' });
  });
});
