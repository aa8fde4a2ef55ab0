import { AppError } from '../errors.js';

/** What one request holds of the budget: it reserves as it buffers, and gives everything back when done. */
export interface MemoryLease {
  /** Reserves `bytes` more, or throws SlowDown when the server's budget would be overdrawn. */
  reserve(bytes: number): void;
  release(): void;
}

/** S3's answer to a server that is busy; JSON clients see ThrottlingException. SDKs retry both. */
export function slowDown(): AppError {
  return new AppError('SlowDown', 503, 'Please reduce your request rate.', {
    protocolCodes: { json: 'ThrottlingException', query: 'Throttling' },
  });
}

/** The server's budget for what requests buffer; each request takes a lease on it. */
export interface MemoryBudget {
  /** A new lease holding nothing yet; release it when the request is done. */
  lease(): MemoryLease;
  /** Bytes held by every lease together. */
  readonly used: number;
}

/**
 * The memory requests may hold at once for what they buffer: API bodies (hashed whole before their
 * signature can be checked) and result pages read back for GetQueryResults. Each is bounded on its own; this
 * bounds them together, so a thousand connections each sending 16 MB cannot exhaust the heap: past the budget
 * a request is answered SlowDown and the client retries.
 */
export function createMemoryBudget(limitBytes: number): MemoryBudget {
  let used = 0;
  return {
    lease(): MemoryLease {
      let held = 0;
      return {
        reserve(bytes) {
          if (used + bytes > limitBytes) throw slowDown();
          used += bytes;
          held += bytes;
        },
        release() {
          used -= held;
          held = 0;
        },
      };
    },
    get used(): number {
      return used;
    },
  };
}
