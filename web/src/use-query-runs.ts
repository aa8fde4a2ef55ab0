import type { AthenaClient } from '@aws-sdk/client-athena';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from './aws/clients.js';
import { failureOf } from './aws/denial.js';
import {
  fetchResults,
  isFinished,
  type QueryExecutionInfo,
  type QueryResult,
  queuedInfo,
  startQuery,
  stopQuery,
  waitForQuery,
} from './aws/query.js';

/** The most rows the console shows; the CSV download and the API have them all. */
export const ROW_LIMIT = 1000;

export type RunState =
  | { phase: 'idle' }
  | { phase: 'submitting' }
  | { phase: 'waiting'; info: QueryExecutionInfo; cancelling: boolean }
  | { phase: 'fetching'; info: QueryExecutionInfo }
  | { phase: 'done'; info: QueryExecutionInfo; result: QueryResult | undefined }
  | { phase: 'error'; message: string; denied: boolean; info: QueryExecutionInfo | undefined };

const IDLE: RunState = { phase: 'idle' };

export interface QueryRuns {
  stateOf(tabId: string): RunState;
  /** Starts the SQL in the tab; `onStarted` hears the execution id as soon as Athena gives it. */
  run(tabId: string, sql: string, database: string | undefined, onStarted: (queryId: string) => void): void;
  /** Shows an execution that already exists (from the history, or a tab reopened): waits for it, reads it. */
  open(tabId: string, queryId: string): void;
  cancel(tabId: string): void;
  forget(tabId: string): void;
  /** Counts the queries that have finished, so views that list them know to read again. */
  finished: number;
}

function infoOf(state: RunState | undefined): QueryExecutionInfo | undefined {
  return state && 'info' in state ? state.info : undefined;
}

export function isRunning(state: RunState): boolean {
  return state.phase === 'submitting' || state.phase === 'waiting' || state.phase === 'fetching';
}

/** Each editor tab's query: its own run, polling and result, independent of the other tabs'. */
export function useQueryRuns(athena: AthenaClient): QueryRuns {
  const [states, setStates] = useState<Readonly<Record<string, RunState>>>({});
  const [finished, setFinished] = useState(0);
  const controllers = useRef(new Map<string, AbortController>());
  const queryIds = useRef(new Map<string, string>());

  // Queries still polling when the analyst signs out must stop polling with keys that are gone.
  useEffect(() => {
    const all = controllers.current;
    return () => {
      for (const controller of all.values()) controller.abort();
    };
  }, []);

  const setState = useCallback(
    (tabId: string, next: RunState | ((current: RunState | undefined) => RunState)) =>
      setStates((s) => ({ ...s, [tabId]: typeof next === 'function' ? next(s[tabId]) : next })),
    [],
  );

  /** A fresh controller for the tab, aborting whatever the tab was doing. */
  const restart = useCallback((tabId: string): AbortSignal => {
    controllers.current.get(tabId)?.abort();
    const controller = new AbortController();
    controllers.current.set(tabId, controller);
    return controller.signal;
  }, []);

  const follow = useCallback(
    async (tabId: string, id: string, signal: AbortSignal) => {
      queryIds.current.set(tabId, id);
      setState(tabId, { phase: 'waiting', info: queuedInfo(id), cancelling: false });
      const info = await waitForQuery(athena, id, {
        signal,
        onUpdate: (update) => {
          if (isFinished(update.state)) return;
          setState(tabId, (s) => ({
            phase: 'waiting',
            info: update,
            cancelling: s?.phase === 'waiting' && s.cancelling,
          }));
        },
      });
      setFinished((n) => n + 1);
      if (info.state !== 'SUCCEEDED') {
        setState(tabId, { phase: 'done', info, result: undefined });
        return;
      }
      setState(tabId, { phase: 'fetching', info });
      const result = await fetchResults(athena, id, { limit: ROW_LIMIT, signal });
      setState(tabId, { phase: 'done', info, result });
    },
    [athena, setState],
  );

  const guarded = useCallback(
    (tabId: string, signal: AbortSignal, work: () => Promise<void>) => {
      work().catch((error: unknown) => {
        if (signal.aborted) return;
        setState(tabId, (s) => ({ phase: 'error', ...failureOf(error), info: infoOf(s) }));
      });
    },
    [setState],
  );

  const run = useCallback(
    (tabId: string, sql: string, database: string | undefined, onStarted: (queryId: string) => void) => {
      const signal = restart(tabId);
      queryIds.current.delete(tabId);
      setState(tabId, { phase: 'submitting' });
      guarded(tabId, signal, async () => {
        const id = await startQuery(athena, sql, database);
        if (signal.aborted) return;
        onStarted(id);
        await follow(tabId, id, signal);
      });
    },
    [athena, follow, guarded, restart, setState],
  );

  const open = useCallback(
    (tabId: string, queryId: string) => {
      const signal = restart(tabId);
      guarded(tabId, signal, () => follow(tabId, queryId, signal));
    },
    [follow, guarded, restart],
  );

  const cancel = useCallback(
    (tabId: string) => {
      const id = queryIds.current.get(tabId);
      if (!id) return;
      setState(tabId, (s) => (s?.phase === 'waiting' ? { ...s, cancelling: true } : (s ?? IDLE)));
      // Polling goes on: the query's own state turning CANCELLED is what ends the run.
      stopQuery(athena, id).catch((error: unknown) => {
        controllers.current.get(tabId)?.abort();
        setState(tabId, (s) => ({
          phase: 'error',
          message: `The query could not be cancelled: ${errorMessage(error)}`,
          denied: false,
          info: infoOf(s),
        }));
      });
    },
    [athena, setState],
  );

  const forget = useCallback((tabId: string) => {
    controllers.current.get(tabId)?.abort();
    controllers.current.delete(tabId);
    queryIds.current.delete(tabId);
    setStates((s) => {
      const { [tabId]: _gone, ...rest } = s;
      return rest;
    });
  }, []);

  const stateOf = useCallback((tabId: string) => states[tabId] ?? IDLE, [states]);
  return { stateOf, run, open, cancel, forget, finished };
}
