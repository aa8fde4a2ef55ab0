import {
  type AthenaClient,
  BatchGetQueryExecutionCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena';
import { type QueryExecutionInfo, toInfo } from './query.js';

/** The workgroup the console runs its queries in (StartQueryExecution without a WorkGroup). */
export const CONSOLE_WORKGROUP = 'primary';

/** BatchGetQueryExecution's limit, and ListQueryExecutions' page size. */
const BATCH = 50;

export interface HistoryPage {
  executions: QueryExecutionInfo[];
  /** Ids Athena listed but could not describe, with its reason. */
  unprocessed: { id: string; message: string }[];
  nextToken: string | undefined;
}

/** One page of the workgroup's executions, newest first as Athena lists them, each described in one batch. */
export async function listHistory(
  athena: AthenaClient,
  options: { workgroup: string; nextToken: string | undefined; signal: AbortSignal },
): Promise<HistoryPage> {
  const listed = await athena.send(
    new ListQueryExecutionsCommand({
      WorkGroup: options.workgroup,
      MaxResults: BATCH,
      ...(options.nextToken ? { NextToken: options.nextToken } : {}),
    }),
    { abortSignal: options.signal },
  );
  const ids = listed.QueryExecutionIds ?? [];
  if (ids.length === 0) return { executions: [], unprocessed: [], nextToken: listed.NextToken };
  const described = await athena.send(new BatchGetQueryExecutionCommand({ QueryExecutionIds: ids }), {
    abortSignal: options.signal,
  });
  const byId = new Map(
    (described.QueryExecutions ?? []).map((execution) => [execution.QueryExecutionId, execution]),
  );
  return {
    // BatchGet answers in no promised order: keep the list's.
    executions: ids.flatMap((id) => {
      const execution = byId.get(id);
      return execution ? [toInfo(id, execution)] : [];
    }),
    unprocessed: (described.UnprocessedQueryExecutionIds ?? []).map((u) => ({
      id: u.QueryExecutionId ?? '',
      message: u.ErrorMessage ?? u.ErrorCode ?? 'not described',
    })),
    nextToken: listed.NextToken,
  };
}
