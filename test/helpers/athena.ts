import {
  AthenaClient,
  type AthenaClientConfig,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { TestSeawall } from './seawall.js';

export function athenaClient(t: TestSeawall, overrides: Partial<AthenaClientConfig> = {}): AthenaClient {
  return new AthenaClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
    ...overrides,
  });
}

export async function waitForQuery(athena: AthenaClient, id: string): Promise<QueryExecution> {
  for (let i = 0; i < 2400; i++) {
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = QueryExecution?.Status?.State;
    if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED')
      return QueryExecution as QueryExecution;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`query ${id} did not finish`);
}

/** Runs SQL through the Athena API and returns the rows (header row first), or throws with the reason. */
export async function athenaQuery(athena: AthenaClient, sql: string, database?: string): Promise<string[][]> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      ...(database ? { QueryExecutionContext: { Database: database } } : {}),
    }),
  );
  const done = await waitForQuery(athena, QueryExecutionId as string);
  if (done.Status?.State !== 'SUCCEEDED')
    throw new Error(`${done.Status?.State}: ${done.Status?.StateChangeReason}`);
  const rows: string[][] = [];
  let token: string | undefined;
  do {
    const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId, NextToken: token }));
    for (const row of page.ResultSet?.Rows ?? [])
      rows.push((row.Data ?? []).map((d) => d.VarCharValue ?? 'NULL'));
    token = page.NextToken;
  } while (token);
  return rows;
}

/**
 * A query that runs until it is stopped: 10^12 rows counted (Trino's sequence() makes at most 10,000 values, so
 * three are crossed).
 */
export const RUNAWAY =
  'SELECT count(*) FROM UNNEST(sequence(1, 10000)) a(x) CROSS JOIN UNNEST(sequence(1, 10000)) b(y) CROSS JOIN UNNEST(sequence(1, 10000)) c(z)';
