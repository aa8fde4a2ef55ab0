/**
 * Backoff for failed authentication, kept in memory: after `threshold` failures under one key, each further
 * attempt must wait twice as long as the last (1 s, 2 s, 4 s… up to `maxMs`); a key quiet for `forgetMs` is
 * forgotten. The console's sign-in counts an attempt as a failure from the moment it starts and forgives it only
 * when it succeeds, so a burst of parallel guesses gets no more tries than a sequence would; the API's signature
 * checks (server/auth-throttle.ts) count only the failures, when they happen.
 */
export interface ThrottleOptions {
  threshold: number;
  baseMs: number;
  maxMs: number;
  forgetMs: number;
  /** Keys remembered at most; the oldest are dropped first, so a flood of names cannot exhaust memory. */
  maxKeys: number;
}

/** Failure counts per key (an account and user, or a source address). */
export interface Throttle {
  /** Milliseconds until `key` may try again; 0 when it may now. */
  waitFor(key: string, now: number): number;
  /** Counts an attempt as a failure until it is forgiven; returns the key's failures, this one included. */
  begin(key: string, now: number): number;
  /** A successful attempt: its own count is taken back; `reset` also forgets the key's earlier failures. */
  forgive(key: string, reset: boolean): void;
}

interface Entry {
  failures: number;
  lastAt: number;
}

export function createThrottle(options: ThrottleOptions): Throttle {
  const entries = new Map<string, Entry>();

  function current(key: string, now: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry && now - entry.lastAt > options.forgetMs) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function waitFor(key: string, now: number): number {
    const entry = current(key, now);
    if (!entry || entry.failures < options.threshold) return 0;
    const backoff = Math.min(options.maxMs, options.baseMs * 2 ** (entry.failures - options.threshold));
    return Math.max(0, entry.lastAt + backoff - now);
  }

  return {
    waitFor,

    begin(key: string, now: number): number {
      const failures = (current(key, now)?.failures ?? 0) + 1;
      entries.delete(key);
      entries.set(key, { failures, lastAt: now });
      if (entries.size > options.maxKeys) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      return failures;
    },

    forgive(key: string, reset: boolean): void {
      const entry = entries.get(key);
      if (!entry) return;
      if (reset || entry.failures <= 1) entries.delete(key);
      else entry.failures--;
    },
  };
}
