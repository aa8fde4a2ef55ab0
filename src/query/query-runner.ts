import { parseS3Url } from '../catalog/index.js';
import { type ColumnInfo, csvField, type ResultLimits } from '../engine/index.js';
import type { StorageService } from '../storage/index.js';
import type { EnginePool } from './engine-pool.js';
import type { TableReference } from './sandbox.js';

/** Athena's hard limit: a single row, or any of its columns, cannot exceed 32 MB. */
export const RESULT_LIMITS: ResultLimits = { rowBytes: 32 * 2 ** 20, pageBytes: 2 ** 20 };

export interface RunRequest {
  sql: string;
  database: string | undefined;
  tables: TableReference[];
  output: { bucket: string; key: string };
  /** Aborted to stop the query (StopQueryExecution, its time limit, shutdown). */
  signal: AbortSignal;
  /** The workgroup's BytesScannedCutoffPerQuery: a query that scans more is cancelled. */
  bytesCutoff?: number;
}

/** The bucket and key of a result file's s3:// URL (`s3://bucket/prefix/<id>.csv`). */
export function resultObject(url: string): { bucket: string; key: string } {
  const slash = url.lastIndexOf('/');
  const { bucket, prefix } = parseS3Url(url.slice(0, slash + 1));
  return { bucket, key: `${prefix}${url.slice(slash + 1)}` };
}

/** A query stopped by its workgroup's BytesScannedCutoffPerQuery; Athena cancels it. */
export class BytesCutoffExceeded extends Error {
  override readonly name = 'BytesCutoffExceeded';
  constructor(readonly scanned: number) {
    super('Bytes scanned limit was exceeded');
  }
}

export interface RunResult {
  /** Milliseconds to get a ready engine, and to run the query and store its result. */
  timings: { engineMs: number; executeMs: number };
  columns: ColumnInfo[];
  dataScanned: number;
  rows: number;
  /** Bytes of the result's data rows as stored (its CSV without the header line). */
  outputBytes: number;
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
    // The bytes a query reads are known before it runs: one over the cutoff never starts.
    if (request.bytesCutoff !== undefined && lease.bytes > request.bytesCutoff)
      throw new BytesCutoffExceeded(lease.bytes);
    const result = await lease.engine.stream(request.sql, { limits: RESULT_LIMITS, signal: request.signal });
    let outputBytes = 0;
    async function* csv(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${result.columns.map((c) => csvField(c.Name)).join(',')}\n`);
      for await (const chunk of result) {
        outputBytes += chunk.length;
        yield chunk;
      }
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
      outputBytes,
    };
  } finally {
    lease.release();
  }
}
