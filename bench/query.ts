import { promises as fs } from 'node:fs';
import { AthenaClient } from '@aws-sdk/client-athena';
import { quoteLiteral } from '../src/lib/sql.js';
import { defaultAthenaLimits } from '../src/main.js';
import { type DuckDBConnection, withDuckDb } from './duckdb.js';
import { countFromEnv, median, ratio, serveSeawall } from './harness.js';
import { type AthenaRun, runOnAthena } from './query-athena.js';
import { compareResults, QUERY_PAIRS, type QueryPair, type ResultTable } from './query-corpus.js';
import { type ClientConfig, registerTickets, ticketsParquet } from './query-data.js';
import { selectOneLatency } from './query-latency.js';

const ROWS = countFromEnv('BENCH_ROWS', 2_000_000);
const QUERY_RUNS = countFromEnv('BENCH_QUERY_RUNS', 5);
/**
 * Polling interval for the analyst queries (each takes a few hundred milliseconds), as in the analytics bench. On
 * two cores the polls compete with the query for CPU, so the interval is part of what the figures measure.
 */
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 10);
const LATENCY_RUNS = countFromEnv('BENCH_LATENCY_RUNS', 200);
const LATENCY_WARMUP = Number(process.env.BENCH_LATENCY_WARMUP ?? 20);
/**
 * SELECT 1 is polled every millisecond, as a latency-minded client would. Polling without a pause is slower:
 * the flood of GetQueryExecution calls delays the server's own round trips to its engines.
 */
const LATENCY_POLL_MS = Number(process.env.BENCH_LATENCY_POLL_MS ?? 1);
const DATABASE = 'bench';

interface Outcome {
  pair: QueryPair;
  seawallMs: number[];
  engineMs: number[];
  duckdbMs: number[];
  /** Why the two did not give the same answer, or why one of them failed; empty when they agree. */
  problems: string[];
}

async function onDuckDb(c: DuckDBConnection, sql: string): Promise<{ ms: number; table: ResultTable }> {
  const begun = performance.now();
  const reader = await c.runAndReadAll(sql);
  const rows = reader.getRowsJson().map((row) => row.map((v) => (v === null ? null : String(v))));
  return { ms: performance.now() - begun, table: { columns: reader.columnNames(), rows } };
}

/** Both sides once (warm-up, and the answers compared), then `QUERY_RUNS` interleaved timed rounds. */
async function measure(athena: AthenaClient, c: DuckDBConnection, pair: QueryPair): Promise<Outcome> {
  const outcome: Outcome = { pair, seawallMs: [], engineMs: [], duckdbMs: [], problems: [] };
  const seawall = () => runOnAthena(athena, pair.athena, { database: DATABASE, pollMs: POLL_MS });
  let first: AthenaRun;
  try {
    first = await seawall();
  } catch (error) {
    outcome.problems.push(`seawall failed: ${(error as Error).message.split('\n')[0]}`);
    return outcome;
  }
  let plain: { table: ResultTable };
  try {
    plain = await onDuckDb(c, pair.duckdb);
  } catch (error) {
    outcome.problems.push(`duckdb failed: ${(error as Error).message.split('\n')[0]}`);
    return outcome;
  }
  outcome.problems.push(...compareResults(pair, first.table, plain.table));
  for (let i = 0; i < QUERY_RUNS; i++) {
    const run = await seawall();
    outcome.seawallMs.push(run.totalMs);
    outcome.engineMs.push(run.statistics.EngineExecutionTimeInMillis ?? 0);
    outcome.duckdbMs.push((await onDuckDb(c, pair.duckdb)).ms);
  }
  return outcome;
}

function report(outcomes: Outcome[]): boolean {
  const cell = (ms: number) => `${ms.toFixed(1).padStart(7)} ms`;
  const line = (name: string, s: number, d: number, e: number, rest: string) =>
    `  ${name.padEnd(30)} ${cell(s)} ${cell(d)}  ${ratio(s, d).padStart(5)}  ${cell(e)}  ${ratio(e, d).padStart(5)}  ${rest}`;
  console.log(
    `  ${'query'.padEnd(30)} ${'seawall'.padStart(10)} ${'duckdb'.padStart(10)}  ratio  ${'engine'.padStart(10)}  ratio  answer`,
  );
  const sums = { seawall: 0, duckdb: 0, engine: 0, logRatios: 0, timed: 0 };
  for (const o of outcomes) {
    if (o.seawallMs.length === 0) {
      console.log(`  ${o.pair.name.padEnd(30)} ${'FAILED'.padStart(10)}  ${o.problems[0]}`);
      continue;
    }
    const [s, d, e] = [median(o.seawallMs), median(o.duckdbMs), median(o.engineMs)];
    sums.seawall += s;
    sums.duckdb += d;
    sums.engine += e;
    sums.logRatios += Math.log(s / d);
    sums.timed++;
    console.log(line(o.pair.name, s, d, e, o.problems.length === 0 ? 'same' : 'MISMATCH'));
  }
  if (sums.timed > 0) {
    console.log(
      line(
        `total of ${sums.timed} of ${outcomes.length}`,
        sums.seawall,
        sums.duckdb,
        sums.engine,
        `(target ≤ 1.20; medians of ${QUERY_RUNS} runs, polling every ${POLL_MS} ms)`,
      ),
    );
    // The total weighs the slowest query most; the geometric mean weighs each query alike.
    console.log(
      `  ${'geometric mean of the ratios'.padEnd(30)} ${''.padStart(21)}  ${Math.exp(sums.logRatios / sums.timed).toFixed(2)}`,
    );
    console.log(
      "  seawall: the client's time from StartQueryExecution to the last page of GetQueryResults; engine: Athena's\n  EngineExecutionTimeInMillis (translation, sandbox, engine, result written), free of the polling interval",
    );
  }
  const wrong = outcomes.filter((o) => o.problems.length > 0);
  for (const o of wrong) {
    console.error(`\n  !!! ${o.pair.name}: Seawall's Athena SQL and the DuckDB equivalent disagree or fail`);
    for (const problem of o.problems) console.error(`  !!!   ${problem}`);
  }
  return wrong.length === 0;
}

/**
 * Ten analyst queries in Athena's dialect through the Athena API against their hand-written DuckDB
 * equivalents on plain in-process DuckDB (same Parquet, same threads and memory as Seawall's engines), answers
 * compared; then `SELECT 1` latency through the Athena API. Any disagreement or failure exits non-zero.
 */
export async function queryBench(): Promise<void> {
  let started = performance.now();
  const file = await ticketsParquet(ROWS);
  console.log(
    `query: ${ROWS.toLocaleString('en-CA')} parking tickets drawn from the ${file.sampleRows.toLocaleString('en-CA')}-row sample, ${(file.bytes / 1e6).toFixed(1)} MB of Parquet (${((performance.now() - started) / 1000).toFixed(1)} s, cached in .bench/query)`,
  );
  const seawall = await serveSeawall();
  const common: ClientConfig = {
    endpoint: seawall.url,
    region: seawall.region,
    credentials: { accessKeyId: seawall.accessKeyId, secretAccessKey: seawall.secret },
  };
  const athena = new AthenaClient(common);
  const limits = defaultAthenaLimits();
  let agreed = false;
  try {
    started = performance.now();
    await registerTickets(common, file, DATABASE);
    console.log(
      `  uploaded through S3 and registered with Glue CreateTable in ${((performance.now() - started) / 1000).toFixed(1)} s; both engines: ${limits.threads} threads, memory_limit ${limits.engineMemoryMb} MB\n`,
    );
    const outcomes = await withDuckDb(
      { threads: limits.threads, memoryLimit: `${limits.engineMemoryMb}MB` },
      async (c) => {
        // As Seawall's engines do: Parquet footers read once, not at every bind.
        await c.run('LOAD parquet');
        await c.run('SET parquet_metadata_cache = true');
        await c.run(`CREATE VIEW parking_tickets AS SELECT * FROM read_parquet(${quoteLiteral(file.path)})`);
        const all: Outcome[] = [];
        for (const pair of QUERY_PAIRS) all.push(await measure(athena, c, pair));
        return all;
      },
    );
    agreed = report(outcomes);
    if (LATENCY_RUNS > 0)
      await selectOneLatency(athena, { runs: LATENCY_RUNS, warmup: LATENCY_WARMUP, pollMs: LATENCY_POLL_MS });
  } finally {
    athena.destroy();
    await seawall.stop();
    await fs.rm(seawall.dataDir, { recursive: true, force: true });
  }
  if (!agreed) {
    console.error('\nquery: Seawall did not give the same answers as DuckDB (see !!! above)');
    process.exitCode = 1;
  }
}
