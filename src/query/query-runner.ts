import { type ColumnInfo, csvField, type ResultLimits } from '../engine/index.js';
import type { StorageService } from '../storage/index.js';
import type { ColumnNotes } from './dialect/translate.js';
import type { EnginePool } from './engine-pool.js';
import type { TableReference } from './sandbox.js';

/** Athena's hard limit: a single row, or any of its columns, cannot exceed 32 MB. */
export const RESULT_LIMITS: ResultLimits = { rowBytes: 32 * 2 ** 20, pageBytes: 2 ** 20 };

export interface RunRequest {
  sql: string;
  database: string | undefined;
  tables: TableReference[];
  /** Athena's names and types for the result's columns (prepareSelect's). */
  columns: ColumnNotes;
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

/** The result's columns as Athena names and types them: unnamed ones are `_col<position>`. */
export function athenaColumns(columns: readonly ColumnInfo[], notes: ColumnNotes): ColumnInfo[] {
  return columns.map((column, i) => {
    const name = column.Name.startsWith(notes.unnamedPrefix) ? `_col${i}` : column.Name;
    const type = notes.types.get(column.Name);
    return {
      ...column,
      Name: name,
      Label: name,
      ...(type ? { Type: type, Precision: 3, Scale: 0, CaseSensitive: false } : {}),
    };
  });
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
  const lease = await deps.pool.acquire(request.tables, request.database, request.signal);
  const ready = performance.now();
  try {
    const readBefore = await lease.engine.bytesRead();
    const result = await lease.engine.stream(request.sql, { limits: RESULT_LIMITS, signal: request.signal });
    const columns = athenaColumns(result.columns, request.columns);
    async function* csv(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${columns.map((c) => csvField(c.Name)).join(',')}\n`);
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
    const readAfter = await lease.engine.bytesRead();
    return {
      timings: { engineMs: ready - started, executeMs: performance.now() - ready },
      columns,
      // What the engine read (only the partitions and, in Parquet, the columns the query needs); the size of
      // the tables' files where the system cannot say.
      dataScanned:
        readBefore !== undefined && readAfter !== undefined
          ? Math.min(readAfter - readBefore, lease.bytes)
          : lease.bytes,
      rows: result.rows,
    };
  } finally {
    lease.release();
  }
}
