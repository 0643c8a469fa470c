import fc from 'fast-check';
import { type Clock } from '../common/clock/clock.js';
import { type Metrics } from '../metrics/metrics.js';
import { CIRCUIT_FAILURE_RATIO, CIRCUIT_MIN_CALLS, CIRCUIT_OPEN_MS, CIRCUIT_WINDOW_MS, SmsCircuitBreaker } from './sms-circuit-breaker.js';

/*
 * The breaker counts its window as calls come and leave. Against the rule it
 * states — the calls of the last CIRCUIT_WINDOW_MS, refiltered on every call —
 * over generated histories (bursts, quiet minutes, a clock that steps back),
 * it must open, admit and list exactly as the rule does.
 */

/** The rule, written the plain way: every call kept, the window refiltered each time. */
class Reference {
  calls: Array<{ at: number; failed: boolean }> = [];
  openedAt: number | null = null;
  trialAt: number | null = null;

  state(now: number): string {
    if (this.openedAt === null) return 'closed';
    return now - this.openedAt < CIRCUIT_OPEN_MS ? 'open' : 'half_open';
  }

  admits(now: number): boolean {
    const state = this.state(now);
    if (state === 'closed') return true;
    if (state === 'open' || (this.trialAt !== null && now - this.trialAt < CIRCUIT_OPEN_MS)) return false;
    this.trialAt = now;
    return true;
  }

  record(now: number, failed: boolean): void {
    if (this.openedAt !== null) {
      if (this.trialAt === null) return;
      this.trialAt = null;
      if (failed) {
        this.openedAt = now;
        return;
      }
      this.openedAt = null;
      this.calls = [];
    }
    this.calls.push({ at: now, failed });
    this.calls = this.calls.filter((call) => now - call.at < CIRCUIT_WINDOW_MS);
    const failures = this.calls.filter((call) => call.failed).length;
    if (this.calls.length >= CIRCUIT_MIN_CALLS && failures / this.calls.length >= CIRCUIT_FAILURE_RATIO) {
      this.openedAt = now;
      this.calls = [];
    }
  }

  counts(now: number): { calls: number; failures: number } {
    const live = this.calls.filter((call) => now - call.at < CIRCUIT_WINDOW_MS);
    return { calls: live.length, failures: live.filter((call) => call.failed).length };
  }
}

type Step = { kind: 'call'; failed: boolean } | { kind: 'burst'; n: number; msEach: number } | { kind: 'wait'; ms: number } | { kind: 'admit' } | { kind: 'list' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.boolean().map((failed) => ({ kind: 'call' as const, failed })) },
  // Thousands of healthy calls a minute, as at load: the window drops them in batches.
  { weight: 1, arbitrary: fc.record({ n: fc.integer({ min: 1, max: 3000 }), msEach: fc.constantFrom(0, 1, 20, 40) }).map((b) => ({ kind: 'burst' as const, ...b })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constantFrom(0, 1, CIRCUIT_WINDOW_MS - 1, CIRCUIT_WINDOW_MS, CIRCUIT_WINDOW_MS + 1, CIRCUIT_OPEN_MS, CIRCUIT_OPEN_MS - 1),
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 20_000, max: 70_000 }),
        fc.integer({ min: -5_000, max: -1 }),
      )
      .map((ms) => ({ kind: 'wait' as const, ms })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'admit' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'list' as const }) },
);

describe('SmsCircuitBreaker window', () => {
  it('opens, admits and counts exactly as the refiltered window does', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        let now = 1_700_000_000_000;
        const clock = { nowMs: () => now } as unknown as Clock;
        const metrics = { watchCircuits: () => undefined, smsCircuitSkipped: () => undefined } as unknown as Metrics;
        const breaker = new SmsCircuitBreaker(clock, metrics);
        const ref = new Reference();
        for (const s of steps) {
          if (s.kind === 'wait') now += s.ms;
          else if (s.kind === 'admit') expect(breaker.admits('a')).toBe(ref.admits(now));
          else if (s.kind === 'call') {
            breaker.record('a', s.failed ? 'failed' : 'ok');
            ref.record(now, s.failed);
          } else if (s.kind === 'burst') {
            for (let i = 0; i < s.n; i++, now += s.msEach) {
              breaker.record('a', 'ok');
              ref.record(now, false);
            }
          }
          expect(breaker.state('a')).toBe(ref.state(now));
          if (s.kind === 'list') {
            const [view] = breaker.list();
            if (view) expect({ calls: view.calls, failures: view.failures }).toEqual(ref.counts(now));
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
