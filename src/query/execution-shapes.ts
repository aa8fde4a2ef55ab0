import { epochSeconds } from '../lib/aws-json.js';
import type { QueryRow } from './query-store.js';

/**
 * A query's timeline in milliseconds, as Athena splits it: waiting in the queue, the engine running it, and
 * the service finishing (writing and publishing the results) after the engine; they add up to the total.
 * Planning is part of the engine's time here, not measured apart, so Athena's QueryPlanningTime is 0.
 */
export function timelineOf(row: {
  submitted_at: number;
  started_at: number | null;
  completed_at: number | null;
  engine_ms: number;
}): { queueMs: number; engineMs: number; serviceMs: number; totalMs: number } {
  const completed = row.completed_at ?? undefined;
  const started = row.started_at ?? completed ?? row.submitted_at;
  const queueMs = Math.max(0, started - row.submitted_at);
  const totalMs = completed !== undefined ? Math.max(0, completed - row.submitted_at) : 0;
  // The engine's clock may read a little more than the wall clock between start and completion: the engine's
  // share is bounded by the run, so the three parts add up to the total.
  const engineMs =
    completed !== undefined
      ? Math.min(Math.max(0, row.engine_ms), Math.max(0, completed - started))
      : row.engine_ms;
  const serviceMs = completed !== undefined ? Math.max(0, completed - started - engineMs) : 0;
  return { queueMs, engineMs, serviceMs, totalMs };
}

/** A query execution as GetQueryExecution answers it. */
export function execution(row: QueryRow) {
  const completed = row.completed_at ?? undefined;
  const timeline = timelineOf(row);
  return {
    QueryExecutionId: row.id,
    Query: row.query,
    StatementType: row.statement_type ?? 'DML',
    SubstatementType: row.substatement_type ?? 'SELECT',
    ResultConfiguration: { OutputLocation: row.output_location },
    ResultReuseConfiguration: {
      ResultReuseByAgeConfiguration:
        row.reuse_max_age === null
          ? { Enabled: false }
          : { Enabled: true, MaxAgeInMinutes: row.reuse_max_age },
    },
    QueryExecutionContext: { ...(row.database ? { Database: row.database } : {}), Catalog: 'awsdatacatalog' },
    Status: {
      State: row.state,
      ...(row.state_change_reason ? { StateChangeReason: row.state_change_reason } : {}),
      SubmissionDateTime: epochSeconds(row.submitted_at),
      ...(completed !== undefined ? { CompletionDateTime: epochSeconds(completed) } : {}),
      ...(row.state === 'FAILED'
        ? {
            AthenaError: {
              ErrorCategory: row.error_category ?? 2,
              ErrorType: row.error_type ?? 1000,
              Retryable: false,
              ErrorMessage: row.state_change_reason ?? '',
            },
          }
        : {}),
    },
    Statistics: {
      EngineExecutionTimeInMillis: timeline.engineMs,
      DataScannedInBytes: row.data_scanned,
      TotalExecutionTimeInMillis: timeline.totalMs,
      QueryQueueTimeInMillis: timeline.queueMs,
      ServicePreProcessingTimeInMillis: 0,
      QueryPlanningTimeInMillis: 0,
      ServiceProcessingTimeInMillis: timeline.serviceMs,
      ResultReuseInformation: { ReusedPreviousResult: row.reused === 1 },
    },
    WorkGroup: row.workgroup,
    EngineVersion: { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' },
    ...(row.execution_parameters
      ? { ExecutionParameters: JSON.parse(row.execution_parameters) as string[] }
      : {}),
  };
}

/** GetQueryRuntimeStatistics: the timeline, and the rows and bytes the runner recorded. */
export function runtimeStatistics(row: QueryRow) {
  const timeline = timelineOf(row);
  return {
    Timeline: {
      QueryQueueTimeInMillis: timeline.queueMs,
      QueryPlanningTimeInMillis: 0,
      EngineExecutionTimeInMillis: timeline.engineMs,
      ServiceProcessingTimeInMillis: timeline.serviceMs,
      TotalExecutionTimeInMillis: timeline.totalMs,
    },
    // Seawall does not count the rows a query reads, so InputRows is left out rather than guessed.
    Rows: {
      InputBytes: row.data_scanned,
      ...(row.output_rows !== null ? { OutputRows: row.output_rows } : {}),
      ...(row.output_bytes !== null ? { OutputBytes: row.output_bytes } : {}),
    },
  };
}
