import type { Parameters } from 'fast-check';

/**
 * How much fuzzing a property does. Every property names the number of cases it runs in `npm test` (small,
 * so the whole fuzz set stays fast on a shared 2-core machine); FUZZ_RUNS multiplies them all
 * (`npm run fuzz` sets it to 50).
 *
 * fast-check picks a fresh random seed per run and prints `{ seed, path }` with the shrunk counterexample
 * when a property fails. To replay it:
 *   FUZZ_SEED=<seed> npx vitest run test/fuzz/<file> -t '<test name>'
 * runs the same cases again (with the same FUZZ_RUNS), and adding FUZZ_PATH=<path> jumps straight to the shrunk
 * counterexample. The seed and path belong to one property, hence the test-name filter.
 */
export function fuzzScale(): number {
  const raw = process.env.FUZZ_RUNS;
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0)
    throw new Error(`FUZZ_RUNS must be a positive number, not ${raw}`);
  return scale;
}

/**
 * fast-check parameters for a property that runs `runs` cases in `npm test`. `caseTimeoutMs` bounds each
 * case of an async property, so a hang fails the property (with its seed) instead of the whole test file.
 */
export function fuzzParameters<T>(runs: number, options: { caseTimeoutMs?: number } = {}): Parameters<T> {
  const parameters: Parameters<T> = { numRuns: Math.max(1, Math.round(runs * fuzzScale())) };
  const seed = process.env.FUZZ_SEED;
  if (seed !== undefined && seed !== '') {
    parameters.seed = Number(seed);
    const path = process.env.FUZZ_PATH;
    if (path !== undefined && path !== '') parameters.path = path;
  }
  if (options.caseTimeoutMs !== undefined) parameters.timeout = options.caseTimeoutMs;
  return parameters;
}
