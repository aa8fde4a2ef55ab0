import type { AthenaClient } from '@aws-sdk/client-athena';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from './aws/clients.js';
import { failureOf } from './aws/denial.js';
import {
  fetchResults,
  isFinished,
  type QueryExecutionInfo,
  type QueryResult,
  startQuery,
  stopQuery,
  waitForQuery,
} from './aws/query.js';

/** The most rows the console shows; Athena keeps the rest for the API and the results bucket. */
export const ROW_LIMIT = 1000;

export type RunState =
  | { phase: 'idle' }
  | { phase: 'submitting' }
  | { phase: 'waiting'; info: QueryExecutionInfo; cancelling: boolean }
  | { phase: 'fetching'; info: QueryExecutionInfo }
  | { phase: 'done'; info: QueryExecutionInfo; result: QueryResult | undefined }
  | { phase: 'error'; message: string; denied: boolean; info: QueryExecutionInfo | undefined };

export interface QueryRunner {
  state: RunState;
  run(sql: string, database: string | undefined): void;
  cancel(): void;
}

function infoOf(state: RunState): QueryExecutionInfo | undefined {
  return 'info' in state ? state.info : undefined;
}

export function useQueryRunner(athena: AthenaClient): QueryRunner {
  const [state, setState] = useState<RunState>({ phase: 'idle' });
  const controller = useRef<AbortController | undefined>(undefined);
  const queryId = useRef<string | undefined>(undefined);

  // A query still polling when the analyst signs out must stop polling with keys that are gone.
  useEffect(() => () => controller.current?.abort(), []);

  const execute = useCallback(
    async (sql: string, database: string | undefined, signal: AbortSignal) => {
      setState({ phase: 'submitting' });
      queryId.current = undefined;
      try {
        const id = await startQuery(athena, sql, database);
        if (signal.aborted) return;
        queryId.current = id;
        const queued: QueryExecutionInfo = {
          id,
          state: 'QUEUED',
          reason: undefined,
          engineMs: undefined,
          scannedBytes: undefined,
        };
        setState({ phase: 'waiting', info: queued, cancelling: false });
        const info = await waitForQuery(athena, id, {
          signal,
          onUpdate: (update) => {
            if (isFinished(update.state)) return;
            setState((s) => ({
              phase: 'waiting',
              info: update,
              cancelling: s.phase === 'waiting' && s.cancelling,
            }));
          },
        });
        if (info.state !== 'SUCCEEDED') {
          setState({ phase: 'done', info, result: undefined });
          return;
        }
        setState({ phase: 'fetching', info });
        const result = await fetchResults(athena, id, { limit: ROW_LIMIT, signal });
        setState({ phase: 'done', info, result });
      } catch (error) {
        if (signal.aborted) return;
        setState((s) => ({ phase: 'error', ...failureOf(error), info: infoOf(s) }));
      }
    },
    [athena],
  );

  const run = useCallback(
    (sql: string, database: string | undefined) => {
      controller.current?.abort();
      const next = new AbortController();
      controller.current = next;
      void execute(sql, database, next.signal);
    },
    [execute],
  );

  const cancel = useCallback(() => {
    const id = queryId.current;
    if (!id) return;
    setState((s) => (s.phase === 'waiting' ? { ...s, cancelling: true } : s));
    // Polling goes on: the query's own state turning CANCELLED is what ends the run.
    stopQuery(athena, id).catch((error: unknown) => {
      controller.current?.abort();
      setState((s) => ({
        phase: 'error',
        message: `The query could not be cancelled: ${errorMessage(error)}`,
        denied: false,
        info: infoOf(s),
      }));
    });
  }, [athena]);

  return { state, run, cancel };
}
