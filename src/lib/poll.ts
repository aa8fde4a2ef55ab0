export interface PollOptions {
  /** First wait between reads; doubles up to `maxIntervalMs`. */
  intervalMs?: number;
  maxIntervalMs?: number;
  timeoutMs?: number;
}

/**
 * Reads until `done` holds, waiting between reads with exponential backoff: how a client waits on Athena
 * queries, crawlers and job runs, which report their state but never call back.
 */
export async function poll<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  const max = options.maxIntervalMs ?? 1000;
  let delay = Math.min(options.intervalMs ?? 50, max);
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the operation to finish');
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, max);
  }
}
