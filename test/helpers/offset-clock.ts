import type { Clock } from '../../src/lib/clock.js';

/** The server's clock: real time plus an offset the test moves forward (a key's deletion waits days). */
export class OffsetClock implements Clock {
  offset = 0;

  now(): Date {
    return new Date(Date.now() + this.offset);
  }
}
