/*
 * How a statement's SELECT becomes files in storage (CTAS, INSERT INTO, UNLOAD), without DuckDB ever
 * touching a path the user chose.
 *
 * Design: the statement gets an engine of its own from the pool, set up like any query's (views over exactly
 * the files of its tables, external access off, configuration locked) plus one directory it may write: a
 * fresh `out/` inside a scratch directory Seawall made (memory-backed, like every engine file). Seawall runs
 * `COPY (<the sandboxed SELECT>) TO '<that directory>'` there (copy-files.ts), so DuckDB writes Parquet, JSON
 * or text itself, partitioned as Hive does (`k=v/`, values escaped), and refuses any write outside the allowed
 * directory. The engine is closed when the statement is done, never reused by another query. Only
 * then, in the server, are the files checked (count, partitions) and streamed into storage under the
 * location the statement names, each key authorized as the caller (s3:PutObject) before any is written.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseS3Url } from '../../catalog/index.js';
import type { EngineProcess } from '../../engine/index.js';
import { quoteIdent } from '../../lib/sql.js';
import { keyCheck } from '../../storage/index.js';
import { UNNAMED_PREFIX } from '../dialect/translate.js';
import { BytesCutoffExceeded } from '../query-runner.js';
import type { ExpandedSelect } from '../query-views.js';
import { statementBody } from '../query-views.js';
import type { StatementContext } from './context.js';
import { copyToFiles, MAX_WRITTEN_PARTITIONS, tooManyPartitions } from './copy-files.js';
import { authorize } from './statement-support.js';
import type { FileFormat } from './write-format.js';

/** A column of a SELECT's result, with its DuckDB type. */
export interface SelectColumn {
  name: string;
  type: string;
}

/** A file the engine wrote: its path below the output directory, with `/` separators (`k=v/x.parquet`). */
export interface WrittenFile {
  relativePath: string;
  path: string;
  size: number;
}

export interface SelectWriter {
  /** The SELECT's columns, in order. */
  columns: SelectColumn[];
  /** DataScannedInBytes: the bytes of the files behind its tables. */
  dataScanned: number;
  /**
   * Writes the rows of `select(body)` (a SELECT Seawall builds around the sandboxed one) as files, partitioned
   * into `k=v/` folders by `partitionBy`; answers the rows and files written.
   */
  write(
    select: (body: string) => string,
    format: FileFormat,
    partitionBy: readonly string[],
  ): Promise<{ rows: number; files: WrittenFile[] }>;
}

async function filesUnder(dir: string): Promise<WrittenFile[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  const files: WrittenFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({
      relativePath: relative(dir, path).split(sep).join('/'),
      path,
      size: (await fs.stat(path)).size,
    });
  }
  return files.sort((a, b) => (a.relativePath < b.relativePath ? -1 : 1));
}

async function describe(engine: { rows: EngineProcess['rows'] }, sql: string, signal: AbortSignal) {
  const described = await engine.rows(`DESCRIBE SELECT * FROM (\n${statementBody(sql)}\n)`, { signal });
  // An unnamed column (`count(*)`) has no name here, as in Trino: the statements that need one refuse it.
  return described.map((row) => {
    const name = String(row.column_name);
    return { name: name.startsWith(UNNAMED_PREFIX) ? '' : name, type: String(row.column_type) };
  });
}

/** The columns a prepared SELECT answers (bound, not run), on an engine like any query's. */
export async function describeSelect(
  ctx: StatementContext,
  prepared: ExpandedSelect,
  database: string | undefined = ctx.database,
): Promise<SelectColumn[]> {
  const lease = await ctx.pool.acquire(prepared.tables, database, ctx.signal, { views: prepared.views });
  try {
    return await describe(lease.engine, prepared.sql, ctx.signal);
  } finally {
    lease.release();
  }
}

/**
 * Runs `use` with a writer for the prepared SELECT; the engine and its scratch directory (with whatever was
 * written there) are gone once it returns.
 */
export async function withSelectWriter<T>(
  ctx: StatementContext,
  prepared: ExpandedSelect,
  use: (writer: SelectWriter) => Promise<T>,
): Promise<T> {
  const scratch = await ctx.storage.filesForEngine([]);
  try {
    const outDir = join(scratch.dir, 'out');
    await fs.mkdir(outDir);
    const lease = await ctx.pool.acquire(prepared.tables, ctx.database, ctx.signal, {
      views: prepared.views,
      // The scratch directory, not `out/` itself: DuckDB checks a partitioned COPY's target folder too.
      writeDirectory: scratch.dir,
    });
    try {
      holdToCutoff(ctx, lease.bytes);
      const body = statementBody(prepared.sql);
      const columns = await describe(lease.engine, prepared.sql, ctx.signal);
      let used = false;
      return await use({
        columns,
        dataScanned: lease.bytes,
        async write(select, format, partitionBy) {
          if (used) throw new Error('a select writer writes once');
          used = true;
          const stem = ctx.queryId.replace(/[^A-Za-z0-9-]/g, '');
          const rows = await copyToFiles(
            lease.engine,
            outDir,
            select(body),
            format,
            partitionBy,
            stem,
            ctx.signal,
          );
          const files = await filesUnder(outDir);
          const folders = new Set(files.map((f) => f.relativePath.slice(0, f.relativePath.lastIndexOf('/'))));
          if (partitionBy.length > 0 && folders.size > MAX_WRITTEN_PARTITIONS) throw tooManyPartitions();
          return { rows, files };
        },
      });
    } finally {
      lease.release();
    }
  } finally {
    await scratch.release();
  }
}

/** `SELECT <expressions> FROM (<body>) AS q(c0, c1, …)`: the SELECT's columns by position, whatever their names. */
export function overColumns(
  count: number,
  expressions: (column: (i: number) => string) => string[],
): (body: string) => string {
  const aliases = Array.from({ length: count }, (_, i) => quoteIdent(`c${i}`));
  return (body) =>
    `SELECT ${expressions((i) => `q.${aliases[i]}`).join(', ')} FROM (\n${body}\n) AS q(${aliases.join(', ')})`;
}

/** `k=v/` folders (Hive's escaping, as DuckDB writes it) → the partition's values in key order. */
export function partitionValues(folder: string, keys: readonly string[]): string[] {
  const segments = folder.split('/');
  return keys.map((key, i) => {
    const segment = segments[i] ?? '';
    const raw = segment.startsWith(`${key}=`) ? segment.slice(key.length + 1) : '';
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  });
}

/**
 * Streams written files into storage (each to `keyOf(file)`), then Athena's data manifest beside the query's
 * result (`<query id>-manifest.csv`, the s3:// URL of each file a line), as CTAS, INSERT INTO and UNLOAD leave
 * them. Each object is written as the caller's PUT would be: s3:PutObject on its key, and sealed with the
 * caller's kms:GenerateDataKey where its bucket's default is SSE-KMS. Every one of those checks is made before
 * the first object is written, so a denial leaves nothing behind.
 */
export async function storeFiles(
  ctx: StatementContext,
  files: readonly WrittenFile[],
  keyOf: (file: WrittenFile) => { bucket: string; key: string },
): Promise<void> {
  const targets = files.map((file) => ({ file, ...keyOf(file) }));
  const results = parseS3Url(ctx.outputLocation.slice(0, ctx.outputLocation.lastIndexOf('/') + 1));
  const manifest = { bucket: results.bucket, key: `${results.prefix}${ctx.queryId}-manifest.csv` };
  const keyAccess = { check: keyCheck((check) => authorize(ctx, check), ctx.caller.principal.accountId) };
  for (const { bucket, key } of [...targets, manifest]) {
    await authorize(ctx, { action: 's3:PutObject', resources: [`arn:aws:s3:::${bucket}/${key}`] });
    await ctx.storage.checkKeyWrite(bucket, key, keyAccess);
  }
  const put = (
    target: { bucket: string; key: string },
    body: AsyncIterable<Uint8Array>,
    contentType: string,
  ) => ctx.storage.putObject({ ...target, body, contentType, userMetadata: {}, headers: {}, keyAccess });
  for (const target of targets) {
    ctx.signal.throwIfAborted();
    await put(target, createReadStream(target.file.path), 'application/octet-stream');
  }
  async function* lines() {
    for (const { bucket, key } of targets) yield Buffer.from(`s3://${bucket}/${key}\n`);
  }
  ctx.signal.throwIfAborted();
  await put(manifest, lines(), 'text/csv');
}

/** Where a file goes below an s3:// location (a folder). */
export function under(location: string): (file: WrittenFile) => { bucket: string; key: string } {
  const { bucket, prefix } = parseS3Url(location);
  return (file) => ({ bucket, key: `${prefix}${file.relativePath}` });
}

/** The workgroup's bytes cutoff, for a statement whose reads are its tables' files. */
export function holdToCutoff(ctx: StatementContext, bytes: number): void {
  if (ctx.bytesCutoff !== undefined && bytes > ctx.bytesCutoff) throw new BytesCutoffExceeded(bytes);
}
