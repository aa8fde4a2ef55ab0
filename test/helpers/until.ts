/**
 * Polls `probe` until it answers something other than undefined or false, and answers that. A probe that
 * throws counts as "not yet" (a replica or a log file not there yet is a 404); if time runs out, the error
 * names `what` and the last failure seen, so a probe that can never succeed still says why.
 */
export async function until<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  options: number | { ms?: number; everyMs?: number } = {},
): Promise<T> {
  const { ms = 30_000, everyMs = 50 } = typeof options === 'number' ? { ms: options } : options;
  const deadline = Date.now() + ms;
  let failure: unknown;
  for (;;) {
    const found = await probe().catch((error: unknown) => {
      failure = error;
      return undefined;
    });
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${failure ? ` (last failure: ${String(failure)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
