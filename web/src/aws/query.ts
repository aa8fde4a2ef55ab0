import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';

export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface QueryExecutionInfo {
  id: string;
  state: QueryState;
  /** Athena's StateChangeReason: why a query failed or was cancelled. */
  reason: string | undefined;
  engineMs: number | undefined;
  /** From submission to completion, queueing included: what the query took as the analyst waited. */
  totalMs: number | undefined;
  scannedBytes: number | undefined;
  /** The SQL and database as Athena recorded them; undefined until GetQueryExecution has answered. */
  sql: string | undefined;
  database: string | undefined;
  submitted: Date | undefined;
  /** DML, DDL or UTILITY; Athena bills only DML. */
  statementType: string | undefined;
}

export interface ResultColumn {
  name: string;
  type: string;
}

export interface QueryResult {
  columns: ResultColumn[];
  /** null is SQL NULL, which Athena sends as a Datum without VarCharValue. */
  rows: (string | null)[][];
  /** More rows exist than were fetched. */
  truncated: boolean;
}

const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1000;
/** Athena's own maximum for one GetQueryResults page. */
const PAGE_SIZE = 1000;

function isQueryState(value: string | undefined): value is QueryState {
  return (
    value === 'QUEUED' ||
    value === 'RUNNING' ||
    value === 'SUCCEEDED' ||
    value === 'FAILED' ||
    value === 'CANCELLED'
  );
}

export function isFinished(state: QueryState): boolean {
  return state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED';
}

/** A query just submitted, before Athena has said anything about it. */
export function queuedInfo(id: string): QueryExecutionInfo {
  return {
    id,
    state: 'QUEUED',
    reason: undefined,
    engineMs: undefined,
    totalMs: undefined,
    scannedBytes: undefined,
    sql: undefined,
    database: undefined,
    submitted: undefined,
    statementType: undefined,
  };
}

export function toInfo(id: string, execution: QueryExecution | undefined): QueryExecutionInfo {
  const state = execution?.Status?.State;
  const finished = isQueryState(state) && isFinished(state);
  return {
    id,
    state: isQueryState(state) ? state : 'QUEUED',
    reason: execution?.Status?.StateChangeReason,
    engineMs: execution?.Statistics?.EngineExecutionTimeInMillis,
    totalMs: finished ? execution?.Statistics?.TotalExecutionTimeInMillis : undefined,
    scannedBytes: execution?.Statistics?.DataScannedInBytes,
    sql: execution?.Query,
    database: execution?.QueryExecutionContext?.Database,
    submitted: execution?.Status?.SubmissionDateTime,
    statementType: execution?.StatementType,
  };
}

export async function getExecution(
  athena: AthenaClient,
  id: string,
  signal?: AbortSignal,
): Promise<QueryExecutionInfo> {
  const output = await athena.send(
    new GetQueryExecutionCommand({ QueryExecutionId: id }),
    signal ? { abortSignal: signal } : {},
  );
  return toInfo(id, output.QueryExecution);
}

export async function startQuery(
  athena: AthenaClient,
  sql: string,
  database: string | undefined,
): Promise<string> {
  const output = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      ...(database ? { QueryExecutionContext: { Database: database } } : {}),
    }),
  );
  if (!output.QueryExecutionId) throw new Error('The server did not return a query execution id.');
  return output.QueryExecutionId;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls until the query finishes: quickly at first, since most console queries take well under a second,
 * then backing off so a long query costs one call a second.
 */
export async function waitForQuery(
  athena: AthenaClient,
  id: string,
  options: { signal: AbortSignal; onUpdate: (info: QueryExecutionInfo) => void },
): Promise<QueryExecutionInfo> {
  let delay = FIRST_POLL_MS;
  for (;;) {
    await sleep(delay, options.signal);
    const info = await getExecution(athena, id, options.signal);
    options.onUpdate(info);
    if (isFinished(info.state)) return info;
    delay = Math.min(MAX_POLL_MS, delay * 2);
  }
}

export async function stopQuery(athena: AthenaClient, id: string): Promise<void> {
  await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
}

function matchesHeader(row: (string | null)[], columns: ResultColumn[]): boolean {
  return (
    row.length === columns.length &&
    row.every((cell, i) => cell !== null && cell.toLowerCase() === columns[i]?.name.toLowerCase())
  );
}

/** One GetQueryResults page: the result's columns (the same on every page) and its data rows. */
export interface ResultPage {
  columns: ResultColumn[];
  rows: (string | null)[][];
  /** Another page follows. */
  more: boolean;
}

/**
 * The result a page at a time, for as long as the caller keeps reading; Athena's first row of the first page
 * repeats the column names and is left out.
 */
export async function* resultPages(
  athena: AthenaClient,
  id: string,
  signal: AbortSignal,
): AsyncGenerator<ResultPage, void, undefined> {
  let columns: ResultColumn[] = [];
  let token: string | undefined;
  let first = true;
  do {
    const page = await athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: PAGE_SIZE }),
      { abortSignal: signal },
    );
    const rows = (page.ResultSet?.Rows ?? []).map((row) =>
      (row.Data ?? []).map((datum) => datum.VarCharValue ?? null),
    );
    if (first) {
      columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({
        name: c.Label ?? c.Name ?? '',
        type: c.Type ?? 'varchar',
      }));
      const header = rows[0];
      if (header && matchesHeader(header, columns)) rows.shift();
      first = false;
    }
    token = page.NextToken;
    yield { columns, rows, more: Boolean(token) };
  } while (token);
}

/** Reads up to `limit` rows, page by page. */
export async function fetchResults(
  athena: AthenaClient,
  id: string,
  options: { limit: number; signal: AbortSignal },
): Promise<QueryResult> {
  let columns: ResultColumn[] = [];
  const rows: (string | null)[][] = [];
  let more = false;
  for await (const page of resultPages(athena, id, options.signal)) {
    columns = page.columns;
    rows.push(...page.rows);
    more = page.more;
    // Leaving the loop stops the generator: the pages past the limit are never asked for.
    if (rows.length >= options.limit) break;
  }
  return {
    columns,
    rows: rows.slice(0, options.limit),
    truncated: rows.length > options.limit || (rows.length === options.limit && more),
  };
}
