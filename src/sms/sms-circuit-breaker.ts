import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock.js';
import { Metrics } from '../metrics/metrics.js';

/** The calls one account's health is judged on: those of the last minute. */
export const CIRCUIT_WINDOW_MS = 60_000;
/** Fewer calls than this in the window say nothing about the account. */
export const CIRCUIT_MIN_CALLS = 5;
/** The share of failed calls (transient refusals and unknown outcomes) that opens the circuit. */
export const CIRCUIT_FAILURE_RATIO = 0.5;
/** How long an open circuit skips the account before one call may try it again. */
export const CIRCUIT_OPEN_MS = 30_000;

/** `closed`: in use; `open`: skipped while another route exists; `half_open`: the next call tries it, and decides. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** What a provider call said of the account's health. */
export type CallHealth = 'ok' | 'failed';

interface Circuit {
  /** Times (ms) of the window's calls, and which of them failed. */
  calls: Array<{ at: number; failed: boolean }>;
  openedAt: number | null;
  /**
   * When a half-open circuit's trial call was admitted: others still skip it until
   * it is recorded, or for CIRCUIT_OPEN_MS (a send admitted and then never made —
   * refused by its cooldown — must not hold the circuit half-open for good).
   */
  trialAt: number | null;
}

/** One account's circuit as the admin API shows it. */
export interface CircuitView {
  account_id: string;
  state: CircuitState;
  calls: number;
  failures: number;
  opened_at: string | null;
  retry_at: string | null;
}

/**
 * Provider health per account, in this instance: an account whose calls of the last
 * minute mostly failed (at least CIRCUIT_MIN_CALLS, CIRCUIT_FAILURE_RATIO of them
 * transient refusals or unknown outcomes) is open for CIRCUIT_OPEN_MS, during which
 * the route planner skips it while another route may send; then one call tries it
 * (half-open) and closes the circuit when it does not fail, or opens it again. Each
 * instance judges by its own calls: a provider down for one is down for all, and no
 * shared row is written on the send path.
 */
@Injectable()
export class SmsCircuitBreaker {
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {
    metrics.watchCircuits(() => [...this.circuits.keys()].map((account) => ({ account, open: this.state(account) !== 'closed' })));
  }

  /** The account's state now. */
  state(accountId: string): CircuitState {
    const c = this.circuits.get(accountId);
    if (!c || c.openedAt === null) return 'closed';
    return this.clock.nowMs() - c.openedAt < CIRCUIT_OPEN_MS ? 'open' : 'half_open';
  }

  /**
   * Whether a send may call the account now: a closed circuit yes, an open one no,
   * a half-open one once (its trial), until that call is recorded.
   */
  admits(accountId: string): boolean {
    const state = this.state(accountId);
    if (state === 'closed') return true;
    const c = this.circuits.get(accountId)!;
    const now = this.clock.nowMs();
    if (state === 'open' || (c.trialAt !== null && now - c.trialAt < CIRCUIT_OPEN_MS)) return false;
    c.trialAt = now;
    return true;
  }

  /** A skip of the account, for the metrics. */
  skipped(accountId: string): void {
    this.metrics.smsCircuitSkipped(accountId);
  }

  /** Records one call's health: a half-open trial closes or reopens the circuit; otherwise the window decides. */
  record(accountId: string, health: CallHealth): void {
    const now = this.clock.nowMs();
    let c = this.circuits.get(accountId);
    if (!c) this.circuits.set(accountId, (c = { calls: [], openedAt: null, trialAt: null }));
    if (c.openedAt !== null) {
      // A call that began before the circuit opened says nothing new; the trial's answer decides.
      if (c.trialAt === null) return;
      c.trialAt = null;
      if (health === 'failed') {
        c.openedAt = now;
        return;
      }
      c.openedAt = null;
      c.calls = [];
    }
    c.calls.push({ at: now, failed: health === 'failed' });
    c.calls = c.calls.filter((call) => now - call.at < CIRCUIT_WINDOW_MS);
    const failures = c.calls.filter((call) => call.failed).length;
    if (c.calls.length >= CIRCUIT_MIN_CALLS && failures / c.calls.length >= CIRCUIT_FAILURE_RATIO) {
      c.openedAt = now;
      c.calls = [];
    }
  }

  /** Every account with calls in this instance, and its circuit. */
  list(): CircuitView[] {
    const now = this.clock.nowMs();
    return [...this.circuits].map(([accountId, c]) => {
      const calls = c.calls.filter((call) => now - call.at < CIRCUIT_WINDOW_MS);
      return {
        account_id: accountId,
        state: this.state(accountId),
        calls: calls.length,
        failures: calls.filter((call) => call.failed).length,
        opened_at: c.openedAt === null ? null : new Date(c.openedAt).toISOString(),
        retry_at: c.openedAt === null ? null : new Date(c.openedAt + CIRCUIT_OPEN_MS).toISOString(),
      };
    });
  }
}
