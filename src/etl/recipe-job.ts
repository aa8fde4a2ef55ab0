import { createReadStream, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, sep } from 'node:path';
import { type CatalogService, parseS3Url } from '../catalog/index.js';
import type { EngineLauncher, EngineProcess } from '../engine/index.js';
import { badRequest } from '../errors.js';
import { quoteIdent, quoteList, quoteLiteral } from '../lib/sql.js';
import { keyCheck, type StorageService } from '../storage/index.js';
import { registerOutput } from './job-output.js';
import type { Recipe } from './recipe.js';
import { checkRecipeJobAccess, type RecipeJobAccess } from './recipe-access.js';
import { type CompiledRecipe, compileRecipe } from './recipe-compiler.js';
import { FORMATS, openSource, type Source } from './recipe-source.js';

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
  /** The role the job reads and writes as. */
  RoleArn: string;
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

/** A recipe job's engine: DuckDB's memory_limit, and how much it may spill to disk. */
const JOB_MEMORY_MB = 4096;
const JOB_SPILL_MB = 16 * 1024;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

interface ResolvedOutput {
  output: JobOutput;
  catalogOutput: NonNullable<RecipeJobDefinition['DataCatalogOutputs']>[number] | undefined;
  format: { copy: string; extension: string };
  compression: string;
  partitionBy: string[];
  location: string;
  bucket: string;
  prefix: string;
}

/** Where and how a job writes: its output (or its catalog output's location), format and compression. */
function resolveOutput(job: RecipeJobDefinition): ResolvedOutput {
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
  const location = `s3://${output.Location.Bucket}/${output.Location.Key ?? ''}`;
  const { bucket, prefix } = parseS3Url(location);
  return {
    output,
    catalogOutput,
    format,
    compression,
    partitionBy: output.PartitionColumns ?? [],
    location,
    bucket,
    prefix,
  };
}

/**
 * Compiles the recipe over the dataset and has DuckDB write the result into `outDir`, in an engine that can
 * read only the dataset's files and write only the job's scratch directory. Answers the rows written.
 */
async function transform(
  deps: RecipeJobDeps,
  engine: EngineProcess,
  source: Source,
  recipe: Recipe,
  target: ResolvedOutput,
  paths: { scratch: string; outDir: string; runId: string },
  signal: AbortSignal,
): Promise<{ rows: number; compiled: CompiledRecipe }> {
  const { format, compression, partitionBy } = target;
  const compiled = compileRecipe(recipe, { relation: source.relation, columns: source.columns });
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
    `SET allowed_directories = ${quoteList([paths.scratch])}`,
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
    `FILENAME_PATTERN ${quoteLiteral(`part-${paths.runId}-{i}`)}`,
  ];
  await fs.mkdir(paths.outDir, { recursive: true });
  const file =
    partitionBy.length > 0 ? paths.outDir : join(paths.outDir, `part-${paths.runId}-0.${format.extension}`);
  const [copied] = await engine.rows(
    `COPY (${compiled.sql}) TO ${quoteLiteral(file)} (${options.join(', ')})`,
    { signal },
  );
  return { rows: Number(Object.values(copied ?? {})[0] ?? 0), compiled };
}

/**
 * Stores the files the engine wrote as objects under the output location (and, with Overwrite, removes what
 * else was there). Each is sealed as the role's own PUT would be, with its kms:GenerateDataKey on an SSE-KMS
 * output's key, checked for every file before the first is written, so a denial leaves nothing half-replaced.
 * A stopped job stops between files.
 */
async function storeFiles(
  deps: RecipeJobDeps,
  outDir: string,
  target: ResolvedOutput,
  access: RecipeJobAccess,
  synthetic: boolean,
  signal: AbortSignal,
): Promise<{ written: Set<string>; bytes: number }> {
  const { bucket, prefix } = target;
  const written = new Set<string>();
  let bytes = 0;
  const keyAccess = { check: keyCheck(access.authorize, access.arns.account) };
  const files = (await filesUnder(outDir)).map((file) => ({
    file,
    key: `${prefix}${relative(outDir, file).split(sep).join('/')}`,
  }));
  for (const { key } of files) await deps.storage.checkKeyWrite(bucket, key, keyAccess);
  for (const { file, key } of files) {
    signal.throwIfAborted();
    const stat = await fs.stat(file);
    await deps.storage.putObject({
      bucket,
      key,
      body: createReadStream(file),
      contentType: 'application/octet-stream',
      userMetadata: synthetic ? { 'seawall-synthetic': 'true' } : {},
      headers: {},
      keyAccess,
    });
    written.add(key);
    bytes += stat.size;
  }
  if (target.output.Overwrite ?? false) {
    const stale: string[] = [];
    for await (const object of deps.storage.listAll(bucket, prefix))
      if (!written.has(object.key)) stale.push(object.key);
    for (const key of stale) {
      signal.throwIfAborted();
      await deps.storage.deleteObject(bucket, key);
    }
  }
  return { written, bytes };
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
  run: { runId: string; access: RecipeJobAccess },
  signal: AbortSignal,
): Promise<RecipeJobOutcome> {
  const { runId } = run;
  const target = resolveOutput(job);
  await checkRecipeJobAccess(run.access, deps.catalog, job, dataset, {
    location: target.location,
    overwrite: target.output.Overwrite ?? false,
  });
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
    let transformed: { rows: number; compiled: CompiledRecipe };
    try {
      source = await openSource(deps, engine, dataset, signal);
      transformed = await transform(
        deps,
        engine,
        source,
        recipe,
        target,
        { scratch: scratch.dir, outDir, runId },
        signal,
      );
    } finally {
      await engine.close();
    }
    const afterTransform = performance.now();
    const { written, bytes } = await storeFiles(deps, outDir, target, run.access, source.synthetic, signal);
    const stored = performance.now();
    signal.throwIfAborted();
    const table = target.catalogOutput
      ? await registerOutput(
          deps,
          target.catalogOutput,
          target.location,
          transformed.compiled.columns,
          target.partitionBy,
          [...written].map((k) => k.slice(target.prefix.length)),
          {
            recipe: job.RecipeReference.Name,
            rows: transformed.rows,
            synthetic: source.synthetic,
            format: target.format.copy,
            compression: target.compression,
          },
        )
      : undefined;
    const timings = {
      transformMs: Math.round(afterTransform - started),
      storeMs: Math.round(stored - afterTransform),
      registerMs: Math.round(performance.now() - stored),
    };
    return {
      timings,
      rows: transformed.rows,
      files: written.size,
      bytes,
      location: target.location,
      ...(table ? { table } : {}),
    };
  } finally {
    await (source as Source | undefined)?.release();
    await scratch.release();
  }
}
