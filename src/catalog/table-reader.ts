import { badRequest } from '../errors.js';
import { quoteIdent, quoteList, quoteLiteral } from '../lib/sql.js';
import type { EngineFiles, StorageService } from '../storage/index.js';
import type { CatalogService, CatalogTable } from './catalog-types.js';
import { CLOUDTRAIL_INPUT_FORMAT, isCloudTrailLogKey, selectCloudTrailFiles } from './cloudtrail-reader.js';
import type { ColumnShape } from './glue-shapes.js';
import { duckDbTypeOf } from './hive-types.js';
import { type Projection, projectionOf } from './partition-projection.js';

export type DataFormat = 'csv' | 'json' | 'parquet';
/** How a table's files are read: a data format, or CloudTrail's log files (records inside each document). */
export type TableFormat = DataFormat | 'cloudtrail';

/** The value Hive gives a partition whose key is NULL. */
export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

/** A catalog table made readable by DuckDB: a relation to select from, over files linked for the engine. */
export interface ReadableTable {
  relation: string;
  columns: { name: string; type: string }[];
  /** Bytes of the files behind the table (Athena's DataScannedInBytes). */
  bytes: number;
  /** The engine files the relation reads: exactly what a sandbox must allow. */
  paths: string[];
  release(): Promise<void>;
}

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match)
    throw badRequest('InvalidInputException', `Location '${url.slice(0, 200)}' is not an s3:// URL.`);
  const prefix = match[2] as string;
  return {
    bucket: match[1] as string,
    prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
  };
}

export function formatOf(table: CatalogTable): TableFormat {
  const sd = table.definition.StorageDescriptor;
  const hints = [
    table.definition.Parameters?.classification,
    sd?.InputFormat,
    sd?.SerdeInfo?.SerializationLibrary,
  ]
    .join(' ')
    .toLowerCase();
  // AWS's CloudTrail tables name this input format with either the CloudTrailSerde or the hcatalog JsonSerDe.
  if (sd?.InputFormat === CLOUDTRAIL_INPUT_FORMAT) return 'cloudtrail';
  if (hints.includes('parquet')) return 'parquet';
  if (hints.includes('json')) return 'json';
  if (hints.includes('csv') || hints.includes('text') || hints.includes('lazysimpleserde')) return 'csv';
  throw badRequest(
    'InvalidInputException',
    `Table ${table.definition.Name} has a storage format Seawall cannot read (classification csv, json or parquet, or CloudTrail logs).`,
  );
}

/** Files that are metadata or leftovers, not data: `_SUCCESS`, `.crc`, hidden files. */
export function isDataKey(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return (
    name !== '' &&
    !name.startsWith('_') &&
    !name.startsWith('.') &&
    !name.endsWith('.crc') &&
    !name.endsWith('$folder$')
  );
}

function csvOptions(table: CatalogTable): string {
  const serde = table.definition.StorageDescriptor?.SerdeInfo?.Parameters ?? {};
  const params = table.definition.Parameters ?? {};
  // Hive's LazySimpleSerDe splits on Ctrl-A unless told otherwise (ROW FORMAT DELIMITED without FIELDS).
  const library = table.definition.StorageDescriptor?.SerdeInfo?.SerializationLibrary ?? '';
  const fallback = library.endsWith('.LazySimpleSerDe') ? '\x01' : ',';
  const delimiter = serde['field.delim'] ?? serde.separatorChar ?? params.delimiter ?? fallback;
  const quote = serde.quoteChar ?? '"';
  const escapeChar = serde.escapeChar ?? quote;
  // Lines skipped at the start of each file, as Hive's skip.header.line.count does.
  const skip = Number(params['skip.header.line.count'] ?? serde['skip.header.line.count'] ?? '0');
  if (!Number.isSafeInteger(skip) || skip < 0)
    throw badRequest(
      'InvalidInputException',
      `Table ${table.definition.Name} has a skip.header.line.count that is not a whole number.`,
    );
  return `delim=${quoteLiteral(delimiter)}, quote=${quoteLiteral(quote)}, escape=${quoteLiteral(escapeChar)}, header=false, skip=${skip}, auto_detect=false, null_padding=true, strict_mode=false`;
}

/**
 * Converts a text field to a column type. Timestamps may carry an offset (`2023-12-11T01:04:00-08:00`):
 * they become the UTC instant, which a plain cast to TIMESTAMP would silently drop.
 */
function fromText(field: string, type: string): string {
  if (type === 'TIMESTAMP')
    return `TRY_CAST(timezone('UTC', TRY_CAST(${field} AS TIMESTAMPTZ)) AS TIMESTAMP)`;
  return `TRY_CAST(${field} AS ${type})`;
}

/** Reads one group of files (a partition, or the whole unpartitioned table) with the table's columns. */
function selectFiles(
  format: TableFormat,
  table: CatalogTable,
  columns: ColumnShape[],
  paths: string[],
  partition: { name: string; type: string; value: string }[],
): string {
  const list = quoteList(paths);
  // Hive's folder for a NULL partition value (CTAS, INSERT INTO and UNLOAD write NULLs there, as Hive does).
  const constants = partition.map((p) =>
    p.value === HIVE_DEFAULT_PARTITION
      ? `CAST(NULL AS ${p.type}) AS ${quoteIdent(p.name)}`
      : `TRY_CAST(${quoteLiteral(p.value)} AS ${p.type}) AS ${quoteIdent(p.name)}`,
  );
  if (format === 'cloudtrail') return selectCloudTrailFiles(columns, paths, constants);
  let from: string;
  let projections: string[];
  if (format === 'parquet') {
    from = `read_parquet(${list}, union_by_name=true)`;
    projections = columns.map(
      (c) =>
        `TRY_CAST(${quoteIdent(c.Name)} AS ${duckDbTypeOf(c.Type ?? 'string')}) AS ${quoteIdent(c.Name)}`,
    );
  } else {
    // Text formats: every field is read as text and converted per column, so a value that does not fit its
    // type reads as NULL (as Athena's text SerDes do) instead of failing the whole query.
    const struct = columns.map((c) => `${quoteLiteral(c.Name)}: 'VARCHAR'`).join(', ');
    from =
      format === 'csv'
        ? `read_csv(${list}, columns={${struct}}, ${csvOptions(table)})`
        : `read_json(${list}, format='newline_delimited', columns={${struct}})`;
    projections = columns.map(
      (c) => `${fromText(quoteIdent(c.Name), duckDbTypeOf(c.Type ?? 'string'))} AS ${quoteIdent(c.Name)}`,
    );
  }
  return `SELECT ${[...projections, ...constants].join(', ')} FROM ${from}`;
}

function extensionFor(format: TableFormat, key: string): string {
  const gz = key.endsWith('.gz') ? '.gz' : '';
  if (format === 'cloudtrail') return `.json${gz}`;
  return format === 'parquet' ? '.parquet' : `.${format}${gz}`;
}

/** Which objects a table reads now, grouped by partition: what a query plan depends on. */
export interface TablePlan {
  table: CatalogTable;
  groups: { values: string[]; objects: { bucket: string; key: string; etag: string; size: number }[] }[];
  bytes: number;
}

/**
 * Every location a table's data is read from: its own, or each partition's (a partition may name any
 * location); what reading it must be authorized on.
 */
export async function dataLocations(
  catalog: Pick<CatalogService, 'allPartitions'>,
  table: CatalogTable,
): Promise<string[]> {
  const location = table.definition.StorageDescriptor?.Location;
  const projection = projectionOf(table);
  if (projection) return [`s3://${projection.bucket}/${projection.prefix}`];
  if ((table.definition.PartitionKeys ?? []).length === 0) return location ? [location] : [];
  const partitions = await catalog.allPartitions(table.database, table.definition.Name);
  const found = partitions.map((p) => p.definition.StorageDescriptor?.Location || location);
  return [...new Set(found.filter((l): l is string => typeof l === 'string' && l !== ''))];
}

/** Lists the objects under a table's location (or each partition's). */
export async function planTable(
  deps: { catalog: CatalogService; storage: StorageService },
  database: string,
  tableName: string,
): Promise<TablePlan> {
  const table = await deps.catalog.getTable(database, tableName);
  const cloudTrail = formatOf(table) === 'cloudtrail';
  const keep = (object: { key: string; size: number }) =>
    isDataKey(object.key) && object.size > 0 && !(cloudTrail && !isCloudTrailLogKey(object.key));
  // With projection, Athena computes partitions from the table's properties instead of the catalog's.
  const projection = projectionOf(table);
  if (projection) return planProjected(deps.storage, table, projection, keep);
  const location = table.definition.StorageDescriptor?.Location;
  if (!location) throw badRequest('InvalidInputException', `Table ${table.definition.Name} has no Location.`);
  const sources: { location: string; values: string[] }[] =
    (table.definition.PartitionKeys ?? []).length === 0
      ? [{ location, values: [] }]
      : (await deps.catalog.allPartitions(database, tableName)).map((p) => ({
          location: p.definition.StorageDescriptor?.Location || location,
          values: p.definition.Values,
        }));
  let bytes = 0;
  const groups: TablePlan['groups'] = [];
  for (const source of sources) {
    const { bucket, prefix } = parseS3Url(source.location);
    const objects: TablePlan['groups'][number]['objects'] = [];
    for await (const object of deps.storage.listAll(bucket, prefix)) {
      if (!keep(object)) continue;
      objects.push({ bucket, key: object.key, etag: object.etag, size: object.size });
      bytes += object.size;
    }
    groups.push({ values: source.values, objects });
  }
  return { table, groups, bytes };
}

/** A projected table's objects, listed once under the template's fixed prefix and grouped by partition. */
async function planProjected(
  storage: StorageService,
  table: CatalogTable,
  projection: Projection,
  keep: (object: { key: string; size: number }) => boolean,
): Promise<TablePlan> {
  const groups = new Map<string, TablePlan['groups'][number]>();
  let bytes = 0;
  for await (const object of storage.listAll(projection.bucket, projection.prefix)) {
    const values = keep(object) ? projection.valuesOf(object.key) : undefined;
    if (!values) continue;
    const id = JSON.stringify(values);
    const group = groups.get(id) ?? { values, objects: [] };
    groups.set(id, group);
    group.objects.push({ bucket: projection.bucket, key: object.key, etag: object.etag, size: object.size });
    bytes += object.size;
  }
  return { table, groups: [...groups.values()], bytes };
}

/** Links a plan's objects for the engine and builds the relation over them. */
export async function linkTable(storage: StorageService, plan: TablePlan): Promise<ReadableTable> {
  const format = formatOf(plan.table);
  const entries = plan.groups.flatMap((g) => g.objects);
  const files: EngineFiles = await storage.filesForEngine(
    entries.map((o, i) => ({ bucket: o.bucket, key: o.key, name: `f${i}${extensionFor(format, o.key)}` })),
  );
  let next = 0;
  const relation = tableRelation(
    plan.table,
    plan.groups.map((group) => ({
      values: group.values,
      paths: group.objects.map(() => files.paths[next++] as string),
    })),
  );
  return { ...relation, bytes: plan.bytes, paths: files.paths, release: () => files.release() };
}

/**
 * Makes a catalog table readable: lists the objects under its location (or each partition's), links them for
 * the engine, and builds the relation. Partition values become typed constant columns, as in Athena.
 */
export async function openTableForEngine(
  deps: { catalog: CatalogService; storage: StorageService },
  database: string,
  tableName: string,
): Promise<ReadableTable> {
  return linkTable(deps.storage, await planTable(deps, database, tableName));
}

/**
 * The relation (SQL) reading a table from local files, one group per partition with the partition's values;
 * pure, so the same text can run anywhere the files are (the benchmarks' plain-DuckDB baseline uses it).
 */
export function tableRelation(
  table: CatalogTable,
  groups: readonly { paths: readonly string[]; values: readonly string[] }[],
): { relation: string; columns: { name: string; type: string }[] } {
  const format = formatOf(table);
  const columns = table.definition.StorageDescriptor?.Columns ?? [];
  const keys = table.definition.PartitionKeys ?? [];
  const outputColumns = [...columns, ...keys].map((c) => ({
    name: c.Name,
    type: duckDbTypeOf(c.Type ?? 'string'),
  }));
  const selects = groups.flatMap((group) => {
    if (group.paths.length === 0) return [];
    const partition = keys.map((k, i) => ({
      name: k.Name,
      type: duckDbTypeOf(k.Type ?? 'string'),
      value: group.values[i] ?? '',
    }));
    return [selectFiles(format, table, columns, [...group.paths], partition)];
  });
  const empty = `SELECT ${outputColumns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ') || '1 AS "empty"'} WHERE false`;
  return {
    relation: `(${selects.length > 0 ? selects.join(' UNION ALL BY NAME ') : empty})`,
    columns: outputColumns,
  };
}
