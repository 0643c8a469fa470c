import { setTimeout as sleep } from 'node:timers/promises';
import { type PinoLogger } from 'nestjs-pino';
import { type Clock } from '../common/clock/clock.js';
import { ORPHANED_AFTER_MS } from './send-log-sweeper.js';
import { type SmsRepository } from './sms.repository.js';

/** How a provider call ended, as its send-log row records it. */
export type LoggedOutcome = Parameters<SmsRepository['completeMessage']>[1];

/**
 * How long an outcome the send log could not take is held and written again: half
 * the sweeper's age for a row left `sending`. The row was written at most a
 * provider timeout (60 s) before the outcome came, so no sweeper closes it as
 * `unknown` while this process may still write what the provider said.
 */
const HOLD_OUTCOME_MS = ORPHANED_AFTER_MS / 2;
/**
 * At most this many outcomes held. A database hiccup fails the outcomes of the
 * sends that were at their provider when it came (new sends need the database
 * first): hundreds on a busy instance. Past the bound each new one is given up.
 */
const MAX_HELD_OUTCOMES = 10_000;
/** The first write again comes this long after the failure, then twice as long after each failed round, up to the most. */
const RETRY_FIRST_MS = 1000;
const RETRY_MOST_MS = 15_000;
/** How long stopping waits for the last write of the outcomes still held. */
const LAST_WRITE_MS = 5000;

/**
 * Provider outcomes whose send-log write failed, written again until the database
 * takes them: a second after the failure, then twice as long after each failed
 * round, up to {@link RETRY_MOST_MS}. A round writes the oldest first and the rest
 * only once that lands, so a database still away costs one statement a round, not
 * one per outcome; an outcome whose write fails goes to the end of the line, so
 * one the database refuses for good holds up no other. Held at most
 * {@link HOLD_OUTCOME_MS} each and {@link MAX_HELD_OUTCOMES} in all: one given up
 * is logged at error level with what an operator needs to record it by hand.
 */
export class HeldOutcomes {
  private readonly held = new Map<string, { outcome: LoggedOutcome; since: number }>();
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private delayMs = RETRY_FIRST_MS;
  private stopped = false;

  constructor(
    private readonly write: (messageId: string, outcome: LoggedOutcome) => Promise<void>,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {}

  /** Holds the outcome of message `messageId`, whose write failed with `err`, to write it again. */
  hold(messageId: string, outcome: LoggedOutcome, err: unknown): void {
    if (this.stopped || this.held.size >= MAX_HELD_OUTCOMES) {
      this.giveUp(messageId, outcome, this.stopped ? 'the service is stopping' : `${MAX_HELD_OUTCOMES} outcomes already held`, err);
      return;
    }
    this.logger.warn({ err, messageId }, 'send-log row not completed after the provider call: its outcome is held and written again');
    this.held.set(messageId, { outcome, since: this.clock.nowMs() });
    this.schedule();
  }

  /** No more rounds; the round in flight, then one last write of what is still held, within {@link LAST_WRITE_MS}; the rest given up. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const last = (async () => {
      await this.round;
      await Promise.all([...this.held].map(([id, h]) => this.tryWrite(id, h.outcome)));
    })();
    const deadline = new AbortController();
    await Promise.race([last, sleep(LAST_WRITE_MS, undefined, { signal: deadline.signal }).catch(() => undefined)]);
    deadline.abort();
    for (const [id, h] of this.held) this.giveUp(id, h.outcome, 'not written before the service stopped');
    this.held.clear();
  }

  private schedule(): void {
    if (this.stopped || this.timer || this.round || !this.held.size) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.round = this.retry().finally(() => {
        this.round = undefined;
        this.schedule();
      });
    }, this.delayMs);
  }

  private async retry(): Promise<void> {
    const now = this.clock.nowMs();
    for (const [id, h] of this.held) {
      if (now - h.since < HOLD_OUTCOME_MS) continue;
      this.held.delete(id);
      this.giveUp(id, h.outcome, `not written within ${HOLD_OUTCOME_MS / 60_000} minutes`);
    }
    const [first, ...rest] = this.held;
    if (!first) return;
    let failed = !(await this.tryWrite(first[0], first[1].outcome));
    if (!failed) {
      const written = await Promise.all(rest.map(([id, h]) => this.tryWrite(id, h.outcome)));
      failed = written.includes(false);
      this.logger.info({ written: 1 + written.filter(Boolean).length, held: this.held.size }, 'held send-log outcomes written');
    }
    this.delayMs = failed ? Math.min(this.delayMs * 2, RETRY_MOST_MS) : RETRY_FIRST_MS;
  }

  /** Writes one held outcome; answers whether it landed. One that did not goes to the end of the line. */
  private async tryWrite(messageId: string, outcome: LoggedOutcome): Promise<boolean> {
    try {
      await this.write(messageId, outcome);
      this.held.delete(messageId);
      return true;
    } catch {
      const h = this.held.get(messageId);
      if (h && this.held.delete(messageId)) this.held.set(messageId, h);
      return false;
    }
  }

  private giveUp(messageId: string, outcome: LoggedOutcome, reason: string, err?: unknown): void {
    this.logger.error(
      { err, messageId, status: outcome.status, bizId: outcome.bizId, providerCode: outcome.providerCode, reason },
      'send-log outcome given up: its row stays `sending` until the sweeper closes it as unknown',
    );
  }
}
