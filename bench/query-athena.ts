import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecutionStatistics,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { ResultTable } from './query-corpus.js';

/** One query through the Athena API as a client runs it, with where the client's time went. */
export interface AthenaRun {
  table: ResultTable;
  /** Milliseconds from sending StartQueryExecution to holding the last page of results. */
  totalMs: number;
  /** The StartQueryExecution call; polling GetQueryExecution until a final state; the GetQueryResults calls. */
  startMs: number;
  waitMs: number;
  resultsMs: number;
  polls: number;
  statistics: QueryExecutionStatistics;
}

export class AthenaQueryFailed extends Error {
  override readonly name = 'AthenaQueryFailed';
}

/** A bench query still running after this long is reported as failed rather than waited on for ever. */
const GIVE_UP_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * StartQueryExecution, GetQueryExecution every `pollMs` (0: as soon as the previous answer is in) until the
 * query is final, then every page of GetQueryResults. Throws AthenaQueryFailed with Athena's reason.
 */
export async function runOnAthena(
  athena: AthenaClient,
  sql: string,
  options: { database?: string; pollMs: number },
): Promise<AthenaRun> {
  const begun = performance.now();
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      ...(options.database ? { QueryExecutionContext: { Database: options.database } } : {}),
    }),
  );
  const started = performance.now();
  let polls = 0;
  for (;;) {
    if (performance.now() - started > GIVE_UP_MS)
      throw new AthenaQueryFailed(`still running after ${GIVE_UP_MS / 60_000} minutes`);
    polls++;
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    const state = QueryExecution?.Status?.State;
    if (state === 'FAILED' || state === 'CANCELLED')
      throw new AthenaQueryFailed(`${state}: ${QueryExecution?.Status?.StateChangeReason ?? ''}`);
    if (state === 'SUCCEEDED') {
      const waited = performance.now();
      const table = await readResults(athena, QueryExecutionId as string);
      const finished = performance.now();
      return {
        table,
        totalMs: finished - begun,
        startMs: started - begun,
        waitMs: waited - started,
        resultsMs: finished - waited,
        polls,
        statistics: QueryExecution?.Statistics ?? {},
      };
    }
    if (options.pollMs > 0) await sleep(options.pollMs);
  }
}

/** Every page of a query's results; the first row of the first page is the header, as Athena sends it. */
async function readResults(athena: AthenaClient, QueryExecutionId: string): Promise<ResultTable> {
  const table: ResultTable = { columns: [], rows: [] };
  let NextToken: string | undefined;
  let first = true;
  do {
    const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId, NextToken }));
    if (first) table.columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
    const rows = (page.ResultSet?.Rows ?? []).map((row) =>
      (row.Data ?? []).map((d) => (d.VarCharValue === undefined ? null : d.VarCharValue)),
    );
    table.rows.push(...(first ? rows.slice(1) : rows));
    first = false;
    NextToken = page.NextToken;
  } while (NextToken);
  return table;
}
