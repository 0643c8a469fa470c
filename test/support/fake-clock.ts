import { Clock } from '../../src/common/clock/clock.js';

/** Real time plus an offset the test moves forward; libraries that read Date.now() stay roughly in step. */
export class FakeClock extends Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  advanceSeconds(s: number): void {
    this.advance(s * 1000);
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
