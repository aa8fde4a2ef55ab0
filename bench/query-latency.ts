import { type AthenaClient, ListWorkGroupsCommand } from '@aws-sdk/client-athena';
import { median, percentile } from './harness.js';
import { type AthenaRun, runOnAthena } from './query-athena.js';

export interface LatencyOptions {
  runs: number;
  warmup: number;
  pollMs: number;
}

const ms = (value: number) => `${value.toFixed(1).padStart(6)} ms`;
const spread = (values: number[]) => `p50 ${ms(median(values))}   p99 ${ms(percentile(values, 99))}`;

/**
 * `SELECT 1` through the Athena API (start, poll, results) against the same client's round trip to a trivial
 * operation, ListWorkGroups, interleaved run by run so both see the same machine. Returns the p50 in ms.
 */
export async function selectOneLatency(athena: AthenaClient, options: LatencyOptions): Promise<number> {
  const trivial = async () => {
    const begun = performance.now();
    await athena.send(new ListWorkGroupsCommand({}));
    return performance.now() - begun;
  };
  for (let i = 0; i < options.warmup; i++) {
    await trivial();
    await runOnAthena(athena, 'SELECT 1', { pollMs: options.pollMs });
  }
  const baseline: number[] = [];
  const runs: AthenaRun[] = [];
  for (let i = 0; i < options.runs; i++) {
    baseline.push(await trivial());
    runs.push(await runOnAthena(athena, 'SELECT 1', { pollMs: options.pollMs }));
  }
  const of = (pick: (run: AthenaRun) => number) => runs.map(pick);
  const total = of((r) => r.totalMs);
  const stat = (pick: (s: AthenaRun['statistics']) => number | undefined) =>
    of((r) => pick(r.statistics) ?? 0);
  console.log(
    `\n  SELECT 1 through the Athena API, ${options.runs} runs after ${options.warmup} of warm-up, polling every ${options.pollMs} ms`,
  );
  console.log(`    ListWorkGroups (baseline)  ${spread(baseline)}`);
  console.log(
    `    SELECT 1, client's view    ${spread(total)}   p50 = ${(median(total) / median(baseline)).toFixed(1)}× the baseline (target p50 < 15 ms)`,
  );
  console.log(`      StartQueryExecution      ${spread(of((r) => r.startMs))}`);
  console.log(
    `      polling until SUCCEEDED  ${spread(of((r) => r.waitMs))}   polls p50 ${median(of((r) => r.polls))}, p99 ${percentile(
      of((r) => r.polls),
      99,
    )}`,
  );
  console.log(`      GetQueryResults          ${spread(of((r) => r.resultsMs))}`);
  console.log(
    `    as Athena reports it: total ${spread(stat((s) => s.TotalExecutionTimeInMillis))}; queued ${spread(
      stat((s) => s.QueryQueueTimeInMillis),
    )}; engine ${spread(stat((s) => s.EngineExecutionTimeInMillis))}`,
  );
  return median(total);
}
