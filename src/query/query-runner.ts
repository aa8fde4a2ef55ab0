import { parseS3Url } from '../catalog/index.js';
import { type ColumnInfo, csvField, type ResultLimits } from '../engine/index.js';
import type { StorageService } from '../storage/index.js';
import type { ColumnNotes } from './dialect/translate.js';
import type { EngineLease, EnginePool, EngineView } from './engine-pool.js';
import type { TableReference } from './sandbox.js';

/** Athena's hard limit: a single row, or any of its columns, cannot exceed 32 MB. */
export const RESULT_LIMITS: ResultLimits = { rowBytes: 32 * 2 ** 20, pageBytes: 2 ** 20 };

export interface RunRequest {
  sql: string;
  database: string | undefined;
  tables: TableReference[];
  /** Athena's names and types for the result's columns (prepareSelect's). */
  columns: ColumnNotes;
  /** Catalog views the query reads, defined over its tables (see query-views.ts). */
  views?: readonly EngineView[];
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

/** How often a query with a bytes cutoff has its engine's reads checked. */
const CUTOFF_POLL_MS = 100;

/**
 * BytesScannedCutoffPerQuery: the query is stopped once its engine has read more than the cutoff (Athena
 * cancels it as it scans). Where the system does not count reads, a query whose tables' files are larger than
 * the cutoff never starts.
 */
function watchCutoff(
  lease: EngineLease,
  readBefore: number | undefined,
  cutoff: number | undefined,
): { signal: AbortSignal; check(): Promise<void>; stop(): void } {
  const controller = new AbortController();
  const none = { signal: controller.signal, check: async () => undefined, stop: () => undefined };
  if (cutoff === undefined) return none;
  if (readBefore === undefined) {
    if (lease.bytes > cutoff) throw new BytesCutoffExceeded(lease.bytes);
    return none;
  }
  const check = async () => {
    const now = await lease.engine.bytesRead();
    if (now !== undefined && now - readBefore > cutoff && !controller.signal.aborted)
      controller.abort(new BytesCutoffExceeded(now - readBefore));
    controller.signal.throwIfAborted();
  };
  const timer = setInterval(() => void check().catch(() => undefined), CUTOFF_POLL_MS);
  return { signal: controller.signal, check, stop: () => clearInterval(timer) };
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
  let cutoff: ReturnType<typeof watchCutoff> | undefined;
  try {
    const readBefore = await lease.engine.bytesRead();
    const watch = watchCutoff(lease, readBefore, request.bytesCutoff);
    cutoff = watch;
    const signal = AbortSignal.any([request.signal, cutoff.signal]);
    const result = await lease.engine
      .stream(request.sql, { limits: RESULT_LIMITS, signal })
      .catch((error: unknown) => {
        throw watch.signal.aborted ? watch.signal.reason : error;
      });
    const columns = athenaColumns(result.columns, request.columns);
    let outputBytes = 0;
    async function* csv(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${columns.map((c) => csvField(c.Name)).join(',')}\n`);
      for await (const chunk of result) {
        outputBytes += chunk.length;
        yield chunk;
      }
      // A query quicker than the watch is still held to its cutoff: its result is not stored.
      await watch.check();
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
    } catch (error) {
      throw watch.signal.aborted ? watch.signal.reason : error;
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
      outputBytes,
    };
  } finally {
    // However the run ended, the watch stops before the engine serves another query.
    cutoff?.stop();
    lease.release();
  }
}
