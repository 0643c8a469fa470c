import { Clock } from '../../src/common/clock/clock.js';

/** Real time plus an offset the test moves forward; libraries that read Date.now() stay roughly in step. */
export class FakeClock extends Clock {
  private offsetMs = 0;
  private frozenAt?: number;

  now(): Date {
    return new Date(this.frozenAt ?? Date.now() + this.offsetMs);
  }

  /** Stops time where it is (plus later advances) until {@link thaw}: for tests at an exact boundary. */
  freeze(): void {
    this.frozenAt = this.now().getTime();
  }

  /** Stops time at `instantMs` (plus later advances): two test apps on one database at one instant. */
  freezeAt(instantMs: number): void {
    this.offsetMs = instantMs - Date.now();
    this.frozenAt = instantMs;
  }

  thaw(): void {
    this.frozenAt = undefined;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
    if (this.frozenAt !== undefined) this.frozenAt += ms;
  }

  advanceSeconds(s: number): void {
    this.advance(s * 1000);
  }

  /**
   * Moves forward to the next 12:00:00 UTC (and holds still, if frozen): a test
   * that counts within an hour or a day cannot see its window end midway.
   */
  toNextUtcNoon(): void {
    const day = 86_400_000;
    const now = this.now().getTime();
    this.advance(day - ((now - day / 2) % day));
  }

  reset(): void {
    this.offsetMs = 0;
    this.frozenAt = undefined;
  }
}
