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
  /** The calls of the window, oldest first: times (ms) and which of them failed. */
  window: CallWindow;
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
    if (!c) this.circuits.set(accountId, (c = { window: new CallWindow(), openedAt: null, trialAt: null }));
    if (c.openedAt !== null) {
      // A call that began before the circuit opened says nothing new; the trial's answer decides.
      if (c.trialAt === null) return;
      c.trialAt = null;
      if (health === 'failed') {
        c.openedAt = now;
        return;
      }
      c.openedAt = null;
      c.window = new CallWindow();
    }
    const { calls, failures } = c.window.add(now, health === 'failed');
    if (calls >= CIRCUIT_MIN_CALLS && failures / calls >= CIRCUIT_FAILURE_RATIO) {
      c.openedAt = now;
      c.window = new CallWindow();
    }
  }

  /** Every account with calls in this instance, and its circuit. */
  list(): CircuitView[] {
    const now = this.clock.nowMs();
    return [...this.circuits].map(([accountId, c]) => {
      const { calls, failures } = c.window.peek(now);
      return {
        account_id: accountId,
        state: this.state(accountId),
        calls,
        failures,
        opened_at: c.openedAt === null ? null : new Date(c.openedAt).toISOString(),
        retry_at: c.openedAt === null ? null : new Date(c.openedAt + CIRCUIT_OPEN_MS).toISOString(),
      };
    });
  }
}

/**
 * The calls of the last CIRCUIT_WINDOW_MS and how many failed, counted as calls
 * come and leave: a send costs the same at 1 call a minute as at 30,000 (refiltering
 * the whole minute on every call was most of a send's own CPU at load). Calls are
 * kept in time order, so those the window has left are a prefix; a clock that
 * steps back puts its call in its place.
 */
class CallWindow {
  private calls: Array<{ at: number; failed: boolean }> = [];
  /** Calls before this index have left the window (dropped in batches). */
  private head = 0;
  private failures = 0;

  add(at: number, failed: boolean): { calls: number; failures: number } {
    const call = { at, failed };
    let i = this.calls.length;
    while (i > this.head && this.calls[i - 1].at > at) i--;
    if (i === this.calls.length) this.calls.push(call);
    else this.calls.splice(i, 0, call);
    if (failed) this.failures++;
    return this.count(at);
  }

  /** The calls within the window at `now`, leaving the window as it is (for the admin API). */
  peek(now: number): { calls: number; failures: number } {
    const live = this.calls.slice(this.head).filter((call) => now - call.at < CIRCUIT_WINDOW_MS);
    return { calls: live.length, failures: live.filter((call) => call.failed).length };
  }

  /** The calls within the window at `now`, dropping those it has left. */
  private count(now: number): { calls: number; failures: number } {
    while (this.head < this.calls.length && now - this.calls[this.head].at >= CIRCUIT_WINDOW_MS) {
      if (this.calls[this.head].failed) this.failures--;
      this.head++;
    }
    if (this.head >= 1024 && this.head * 2 >= this.calls.length) {
      this.calls = this.calls.slice(this.head);
      this.head = 0;
    }
    return { calls: this.calls.length - this.head, failures: this.failures };
  }
}
