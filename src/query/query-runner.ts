import { type ColumnInfo, csvField, type ResultLimits } from '../engine/index.js';
import type { StorageService } from '../storage/index.js';
import type { EnginePool, EngineView } from './engine-pool.js';
import type { TableReference } from './sandbox.js';

/** Athena's hard limit: a single row, or any of its columns, cannot exceed 32 MB. */
export const RESULT_LIMITS: ResultLimits = { rowBytes: 32 * 2 ** 20, pageBytes: 2 ** 20 };

export interface RunRequest {
  sql: string;
  database: string | undefined;
  tables: TableReference[];
  /** Catalog views the query reads, defined over its tables (see query-views.ts). */
  views?: readonly EngineView[];
  output: { bucket: string; key: string };
  /** Aborted to stop the query (StopQueryExecution, its time limit, shutdown). */
  signal: AbortSignal;
}

export interface RunResult {
  /** Milliseconds to get a ready engine, and to run the query and store its result. */
  timings: { engineMs: number; executeMs: number };
  columns: ColumnInfo[];
  dataScanned: number;
  rows: number;
}

/**
 * Runs one analysed query on a sandboxed engine that reads exactly the tables it names. The engine prints the
 * values as Athena does and the rows stream, a bounded page at a time, into the results object as Athena's CSV.
 */
export async function runQuery(
  deps: { pool: EnginePool; storage: StorageService },
  request: RunRequest,
): Promise<RunResult> {
  const started = performance.now();
  const lease = await deps.pool.acquire(request.tables, request.database, request.signal, {
    views: request.views ?? [],
  });
  const ready = performance.now();
  try {
    const result = await lease.engine.stream(request.sql, { limits: RESULT_LIMITS, signal: request.signal });
    async function* csv(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${result.columns.map((c) => csvField(c.Name)).join(',')}\n`);
      yield* result;
    }
    try {
      await deps.storage.putObject({
        bucket: request.output.bucket,
        key: request.output.key,
        body: csv(),
        contentType: 'text/csv',
        userMetadata: {},
        headers: {},
      });
    } finally {
      // The engine serves other queries after this one: a result the store never read must not stay open.
      await result.close();
    }
    return {
      timings: { engineMs: ready - started, executeMs: performance.now() - ready },
      columns: result.columns,
      dataScanned: lease.bytes,
      rows: result.rows,
    };
  } finally {
    lease.release();
  }
}
