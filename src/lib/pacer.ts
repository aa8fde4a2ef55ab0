import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** How long a loop runs before it lets other work in, and how many bytes it may go through meanwhile. */
const PACE_MS = 20;
const PACE_BYTES = 4 * 1024 * 1024;

export interface Pacer {
  /** Counts the bytes an item of the loop went through. */
  count(bytes: number): void;
  /** Whether the loop has run long enough (by time or by bytes) that it should yield. */
  due(): boolean;
  /** Lets other work in, then starts counting again. */
  yield(): Promise<void>;
}

/**
 * Paces a long loop on the event loop (a log scan matching each event): it yields every 20 ms or 4 MiB,
 * whichever comes first, so no one request's items, however costly each is, hold up the others for long.
 */
export function createPacer(): Pacer {
  let since = performance.now();
  let bytes = 0;
  return {
    count(n) {
      bytes += n;
    },
    due() {
      return bytes >= PACE_BYTES || performance.now() - since >= PACE_MS;
    },
    async yield() {
      await yieldToLoop();
      since = performance.now();
      bytes = 0;
    },
  };
}
