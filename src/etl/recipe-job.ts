import { createReadStream, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, sep } from 'node:path';
import { type CatalogService, isDataKey, openTableForEngine, parseS3Url } from '../catalog/index.js';
import type { EngineLauncher, EngineProcess } from '../engine/index.js';
import { badRequest } from '../errors.js';
import { quoteIdent, quoteList, quoteLiteral } from '../lib/sql.js';
import type { StorageService } from '../storage/index.js';
import { registerOutput } from './job-output.js';
import type { Recipe } from './recipe.js';
import { compileRecipe } from './recipe-compiler.js';

export interface DatasetDefinition {
  Format?: string;
  FormatOptions?: { Csv?: { Delimiter?: string; HeaderRow?: boolean }; Json?: { MultiLine?: boolean } };
  Input: {
    S3InputDefinition?: { Bucket: string; Key?: string };
    DataCatalogInputDefinition?: { DatabaseName: string; TableName: string };
  };
}

export interface JobOutput {
  Format?: string;
  CompressionFormat?: string;
  PartitionColumns?: string[];
  Location: { Bucket: string; Key?: string };
  Overwrite?: boolean;
}

export interface RecipeJobDefinition {
  Name: string;
  /** Minutes the job may run before it is stopped with state TIMEOUT (DataBrew's default is 2,880). */
  Timeout?: number;
  DatasetName: string;
  RecipeReference: { Name: string; RecipeVersion?: string };
  Outputs?: JobOutput[];
  DataCatalogOutputs?: {
    DatabaseName: string;
    TableName: string;
    S3Options?: { Location: { Bucket: string; Key?: string } };
    Overwrite?: boolean;
  }[];
}

export interface RecipeJobOutcome {
  /** Milliseconds spent transforming (DuckDB), storing the files as objects, and registering the table. */
  timings: { transformMs: number; storeMs: number; registerMs: number };
  rows: number;
  files: number;
  bytes: number;
  location: string;
  table?: string;
}

export interface RecipeJobDeps {
  catalog: CatalogService;
  storage: StorageService;
  launcher: EngineLauncher;
  /** Key bytes for a CRYPTOGRAPHIC_HASH variable. */
  hashKey(variable: string): Buffer;
}

interface Source {
  relation: string;
  columns: { name: string; type: string }[];
  paths: string[];
  synthetic: boolean;
  release(): Promise<void>;
}

/** A recipe job's engine: DuckDB's memory_limit, and how much it may spill to disk. */
const JOB_MEMORY_MB = 4096;
const JOB_SPILL_MB = 16 * 1024;

const FORMATS: Record<string, { copy: string; extension: string }> = {
  PARQUET: { copy: 'parquet', extension: 'parquet' },
  CSV: { copy: 'csv', extension: 'csv' },
  JSON: { copy: 'json', extension: 'json' },
};

async function openSource(
  deps: RecipeJobDeps,
  engine: EngineProcess,
  dataset: DatasetDefinition,
  signal: AbortSignal,
): Promise<Source> {
  const catalogInput = dataset.Input.DataCatalogInputDefinition;
  if (catalogInput) {
    const table = await openTableForEngine(deps, catalogInput.DatabaseName, catalogInput.TableName);
    const definition = await deps.catalog.getTable(catalogInput.DatabaseName, catalogInput.TableName);
    return { ...table, synthetic: definition.definition.Parameters?.['seawall.synthetic'] === 'true' };
  }
  const s3 = dataset.Input.S3InputDefinition;
  if (!s3)
    throw badRequest(
      'ValidationException',
      'The dataset has no S3InputDefinition or DataCatalogInputDefinition.',
    );
  const entries: { bucket: string; key: string; name: string }[] = [];
  const format = (dataset.Format ?? 'CSV').toUpperCase();
  const extension = (FORMATS[format] ?? FORMATS.CSV)?.extension;
  for await (const object of deps.storage.listAll(s3.Bucket, s3.Key ?? '')) {
    if (isDataKey(object.key) && object.size > 0)
      entries.push({
        bucket: s3.Bucket,
        key: object.key,
        name: `in${entries.length}.${extension}${object.key.endsWith('.gz') ? '.gz' : ''}`,
      });
  }
  if (entries.length === 0)
    throw badRequest('ValidationException', `No data found at s3://${s3.Bucket}/${s3.Key ?? ''}.`);
  const files = await deps.storage.filesForEngine(entries);
  const list = quoteList(files.paths);
  const csv = dataset.FormatOptions?.Csv;
  const relation =
    format === 'PARQUET'
      ? `read_parquet(${list}, union_by_name=true)`
      : format === 'JSON'
        ? `read_json(${list}, format=${quoteLiteral(dataset.FormatOptions?.Json?.MultiLine ? 'array' : 'newline_delimited')})`
        : `read_csv(${list}${csv?.Delimiter ? `, delim=${quoteLiteral(csv.Delimiter)}` : ''}${csv?.HeaderRow === false ? ', header=false' : ''})`;
  const described = await engine
    .rows(`DESCRIBE SELECT * FROM ${relation}`, { signal })
    .catch(async (error: Error) => {
      await files.release();
      throw badRequest(
        'ValidationException',
        `The dataset's files could not be read: ${error.message.split(files.dir).join('')}`,
      );
    });
  return {
    relation,
    columns: described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) })),
    paths: files.paths,
    synthetic: false,
    release: () => files.release(),
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * Runs a recipe job: the dataset's rows through the compiled recipe, written by DuckDB as (Hive-partitioned)
 * files, stored as objects under the output location, then registered as a catalog table with partitions.
 */
export async function runRecipeJob(
  deps: RecipeJobDeps,
  job: RecipeJobDefinition,
  dataset: DatasetDefinition,
  recipe: Recipe,
  runId: string,
  signal: AbortSignal,
): Promise<RecipeJobOutcome> {
  const catalogOutput = job.DataCatalogOutputs?.[0];
  const output: JobOutput | undefined =
    job.Outputs?.[0] ??
    (catalogOutput?.S3Options
      ? {
          Location: catalogOutput.S3Options.Location,
          Format: 'PARQUET',
          Overwrite: catalogOutput.Overwrite ?? true,
        }
      : undefined);
  if (!output) throw badRequest('ValidationException', 'The job has no output location.');
  const format = FORMATS[(output.Format ?? 'CSV').toUpperCase()];
  if (!format)
    throw badRequest(
      'ValidationException',
      `Output format ${output.Format} is not supported (PARQUET, CSV, JSON).`,
    );
  const compression = (
    output.CompressionFormat ?? (format.copy === 'parquet' ? 'SNAPPY' : 'NONE')
  ).toLowerCase();
  const partitionBy = output.PartitionColumns ?? [];
  const location = `s3://${output.Location.Bucket}/${output.Location.Key ?? ''}`;
  const { bucket, prefix } = parseS3Url(location);
  const started = performance.now();
  const scratch = await deps.storage.filesForEngine([]);
  const outDir = join(scratch.dir, 'out');
  let source: Source | undefined;
  try {
    const engine = await deps.launcher.launch({
      label: 'recipe-job',
      threads: availableParallelism(),
      memoryLimitMb: JOB_MEMORY_MB,
      tempDirectory: join(scratch.dir, 'spill'),
      maxTempMb: JOB_SPILL_MB,
    });
    let rows: number;
    let compiled: ReturnType<typeof compileRecipe>;
    try {
      source = await openSource(deps, engine, dataset, signal);
      compiled = compileRecipe(recipe, { relation: source.relation, columns: source.columns });
      for (const name of partitionBy) {
        if (!compiled.columns.some((c) => c.name === name))
          throw badRequest(
            'ValidationException',
            `Partition column ${name} is not a column of the recipe's output.`,
          );
      }
      const setup = [
        `SET allowed_paths = ${quoteList(source.paths)}`,
        // The job's own scratch directory: its output and DuckDB's spill files, nothing else.
        `SET allowed_directories = ${quoteList([scratch.dir])}`,
        'SET enable_external_access = false',
        ...compiled.variables.map(
          (v) =>
            `SET VARIABLE ${quoteIdent(v)} = from_base64(${quoteLiteral(deps.hashKey(v).toString('base64'))})`,
        ),
        'SET lock_configuration = true',
      ];
      for (const statement of setup) await engine.rows(statement, { signal });
      const options = [
        `FORMAT ${format.copy}`,
        ...(compression !== 'none' ? [`COMPRESSION ${quoteLiteral(compression)}`] : []),
        ...(partitionBy.length > 0
          ? [`PARTITION_BY (${partitionBy.map(quoteIdent).join(', ')})`, 'OVERWRITE_OR_IGNORE']
          : []),
        `FILENAME_PATTERN ${quoteLiteral(`part-${runId}-{i}`)}`,
      ];
      await fs.mkdir(outDir, { recursive: true });
      const target = partitionBy.length > 0 ? outDir : join(outDir, `part-${runId}-0.${format.extension}`);
      const [copied] = await engine.rows(
        `COPY (${compiled.sql}) TO ${quoteLiteral(target)} (${options.join(', ')})`,
        { signal },
      );
      rows = Number(Object.values(copied ?? {})[0] ?? 0);
    } finally {
      await engine.close();
    }

    const transformed = performance.now();
    const written = new Set<string>();
    let bytes = 0;
    for (const file of await filesUnder(outDir)) {
      const key = `${prefix}${relative(outDir, file).split(sep).join('/')}`;
      const stat = await fs.stat(file);
      await deps.storage.putObject({
        bucket,
        key,
        body: createReadStream(file),
        contentType: 'application/octet-stream',
        userMetadata: source?.synthetic ? { 'seawall-synthetic': 'true' } : {},
        headers: {},
      });
      written.add(key);
      bytes += stat.size;
    }
    if (output.Overwrite ?? false) {
      const stale: string[] = [];
      for await (const object of deps.storage.listAll(bucket, prefix))
        if (!written.has(object.key)) stale.push(object.key);
      for (const key of stale) await deps.storage.deleteObject(bucket, key);
    }
    const stored = performance.now();
    let table: string | undefined;
    if (catalogOutput) {
      table = await registerOutput(
        deps,
        catalogOutput,
        location,
        compiled.columns,
        partitionBy,
        [...written].map((k) => k.slice(prefix.length)),
        {
          recipe: job.RecipeReference.Name,
          rows,
          synthetic: source?.synthetic ?? false,
          format: format.copy,
          compression,
        },
      );
    }
    const timings = {
      transformMs: Math.round(transformed - started),
      storeMs: Math.round(stored - transformed),
      registerMs: Math.round(performance.now() - stored),
    };
    return { timings, rows, files: written.size, bytes, location, ...(table ? { table } : {}) };
  } finally {
    await (source as Source | undefined)?.release();
    await scratch.release();
  }
}
