import { epochSeconds } from '../lib/aws-json.js';
import type { QueryRow } from './query-store.js';

/** A query execution as GetQueryExecution answers it. */
export function execution(row: QueryRow) {
  const completed = row.completed_at ?? undefined;
  const queueMs = (row.started_at ?? completed ?? row.submitted_at) - row.submitted_at;
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
      EngineExecutionTimeInMillis: row.engine_ms,
      DataScannedInBytes: row.data_scanned,
      TotalExecutionTimeInMillis: completed !== undefined ? completed - row.submitted_at : 0,
      QueryQueueTimeInMillis: queueMs,
      ServicePreProcessingTimeInMillis: 0,
      QueryPlanningTimeInMillis: 0,
      ServiceProcessingTimeInMillis: 0,
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
  const completed = row.completed_at ?? undefined;
  const started = row.started_at ?? completed;
  return {
    Timeline: {
      QueryQueueTimeInMillis: (started ?? row.submitted_at) - row.submitted_at,
      QueryPlanningTimeInMillis: 0,
      EngineExecutionTimeInMillis: row.engine_ms,
      ServiceProcessingTimeInMillis: 0,
      TotalExecutionTimeInMillis: completed !== undefined ? completed - row.submitted_at : 0,
    },
    // Seawall does not count the rows a query reads, so InputRows is left out rather than guessed.
    Rows: {
      InputBytes: row.data_scanned,
      ...(row.output_rows !== null ? { OutputRows: row.output_rows } : {}),
      ...(row.output_bytes !== null ? { OutputBytes: row.output_bytes } : {}),
    },
  };
}
