/**
 * Polls `probe` until it answers something other than undefined or false, and answers that; throws naming
 * `what` once `ms` pass. A probe that throws fails the wait at once, unless `retryFailures` says its failures
 * mean "not yet" (a replica not there yet is a 404): then, if time runs out, the error names the last one.
 */
export async function until<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  options: number | { ms?: number; everyMs?: number; retryFailures?: boolean } = {},
): Promise<T> {
  const {
    ms = 30_000,
    everyMs = 50,
    retryFailures = false,
  } = typeof options === 'number' ? { ms: options } : options;
  const deadline = Date.now() + ms;
  let failure: unknown;
  for (;;) {
    const found = await probe().catch((error: unknown) => {
      if (!retryFailures) throw error;
      failure = error;
      return undefined;
    });
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${failure ? ` (last failure: ${String(failure)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
