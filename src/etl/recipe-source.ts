import { isDataKey, openTableForEngine } from '../catalog/index.js';
import type { EngineProcess } from '../engine/index.js';
import { badRequest } from '../errors.js';
import { quoteList, quoteLiteral } from '../lib/sql.js';
import type { DatasetDefinition, RecipeJobDeps } from './recipe-job.js';

/** The rows a recipe job reads: a relation over the dataset's files, as the engine sees them. */
export interface Source {
  relation: string;
  columns: { name: string; type: string }[];
  paths: string[];
  synthetic: boolean;
  release(): Promise<void>;
}

/** The formats a job reads and writes: DuckDB's COPY format and the files' extension. */
export const FORMATS: Record<string, { copy: string; extension: string }> = {
  PARQUET: { copy: 'parquet', extension: 'parquet' },
  CSV: { copy: 'csv', extension: 'csv' },
  JSON: { copy: 'json', extension: 'json' },
};

/** Opens a dataset (a catalog table, or the objects under an S3 prefix) as a relation the engine can read. */
export async function openSource(
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
