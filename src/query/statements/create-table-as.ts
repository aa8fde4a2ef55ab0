/*
 * CREATE TABLE … [WITH (…)] AS SELECT … [WITH [NO] DATA]: Athena's CTAS. The SELECT's rows are written as
 * files (select-writer.ts) into the table's location, which must be empty, then the table and its
 * partitions are registered in the catalog. Everything is authorized as the caller: reading the SELECT's
 * tables, s3:ListBucket and s3:PutObject on the location, glue:CreateTable and glue:BatchCreatePartition.
 */
import { duckDbTypeOf, type TableInput } from '../../catalog/index.js';
import { isAppError } from '../../errors.js';
import { quoteIdent } from '../../lib/sql.js';
import { QueryRejected } from '../sandbox.js';
import type { Statement } from './ast.js';
import {
  fullName,
  objectsUnder,
  outputDirectory,
  prepareReadable,
  type ResolvedName,
  requireDatabase,
  resolveName,
  tableArns,
} from './caller-checks.js';
import { writableHiveType } from './column-types.js';
import type { StatementContext, StatementResult } from './context.js';
import {
  overColumns,
  partitionValues,
  type SelectColumn,
  storeFiles,
  under,
  type WrittenFile,
  withSelectWriter,
} from './select-writer.js';
import { authorize } from './statement-support.js';
import { type FileFormat, storageOf, writeRequest } from './write-format.js';
import { rowCountResult } from './write-result.js';

type CreateTableAs = Extract<Statement, { kind: 'CreateTableAs' }>;

/** A location as a folder URL (`s3://b/p/`). */
export function folderUrl(location: string): string {
  return location.endsWith('/') ? location : `${location}/`;
}

/** Athena refuses to write a new table (or UNLOAD) into a location that holds anything. */
export async function requireEmpty(ctx: StatementContext, location: string, what: string): Promise<void> {
  if ((await objectsUnder(ctx, location, 1)).length > 0)
    throw new QueryRejected(
      `HIVE_PATH_ALREADY_EXISTS: Target directory for ${what} already exists: ${location}. You may need to manually clean the data at location '${location}' before retrying. Athena will not delete data in your account.`,
    );
}

/** Column names as Hive keeps them, unique, with the partition columns last and in the order given. */
export function tableColumns(columns: SelectColumn[], partitionedBy: readonly string[]): SelectColumn[] {
  const named = columns.map((c) => ({ name: c.name.toLowerCase(), type: c.type }));
  const seen = new Set<string>();
  for (const [i, column] of named.entries()) {
    if (column.name === '') throw new QueryRejected(`Column name not specified at position ${i + 1}`);
    if (seen.has(column.name))
      throw new QueryRejected(`DUPLICATE_COLUMN_NAME: Column name '${column.name}' specified more than once`);
    seen.add(column.name);
  }
  for (const key of partitionedBy)
    if (!seen.has(key))
      throw new QueryRejected(
        `INVALID_TABLE_PROPERTY: Partition column '${key}' does not exist in the query's columns.`,
      );
  const last = named.slice(named.length - partitionedBy.length).map((c) => c.name);
  if (partitionedBy.length > 0 && last.join() !== partitionedBy.join())
    throw new QueryRejected(
      `HIVE_COLUMN_ORDER_MISMATCH: Partition keys must be the last columns in the table and in the same order as the table properties: [${partitionedBy.join(', ')}]`,
    );
  if (partitionedBy.length > 0 && partitionedBy.length === named.length)
    throw new QueryRejected('INVALID_TABLE_PROPERTY: Table contains only partition columns');
  return named;
}

/** The table Athena registers for a CTAS (or that an INSERT INTO appends to). */
function tableInput(
  name: ResolvedName,
  columns: { name: string; hive: string }[],
  partitionedBy: readonly string[],
  format: FileFormat,
  location: string,
): TableInput {
  const storage = storageOf(format);
  const shape = (c: { name: string; hive: string }) => ({ Name: c.name, Type: c.hive });
  return {
    Name: name.name,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { EXTERNAL: 'TRUE', has_encrypted_data: 'false', ...storage.parameters },
    PartitionKeys: columns.filter((c) => partitionedBy.includes(c.name)).map(shape),
    StorageDescriptor: {
      Columns: columns.filter((c) => !partitionedBy.includes(c.name)).map(shape),
      Location: location,
      ...storage.descriptor,
      NumberOfBuckets: 0,
      StoredAsSubDirectories: false,
    },
  };
}

/** Registers the partitions the written files fall in (folders `k=v/` below the table's location). */
export async function registerPartitions(
  ctx: StatementContext,
  name: ResolvedName,
  definition: TableInput,
  files: readonly WrittenFile[],
  existing: ReadonlySet<string> = new Set(),
): Promise<void> {
  const keys = (definition.PartitionKeys ?? []).map((k) => k.Name);
  if (keys.length === 0) return;
  const folders = new Set(files.map((f) => f.relativePath.slice(0, f.relativePath.lastIndexOf('/'))));
  const fresh = [...folders].filter((folder) => !existing.has(JSON.stringify(partitionValues(folder, keys))));
  if (fresh.length === 0) return;
  await authorize(ctx, { action: 'glue:BatchCreatePartition', resources: tableArns(ctx, name) });
  const location = folderUrl(definition.StorageDescriptor?.Location ?? '');
  for (const folder of fresh)
    await ctx.catalog
      .createPartition(name.database, name.name, {
        Values: partitionValues(folder, keys),
        StorageDescriptor: { ...definition.StorageDescriptor, Location: `${location}${folder}/` },
      })
      .catch((error: unknown) => {
        // Another INSERT INTO registered it meanwhile: the files are where that partition reads.
        if (!(isAppError(error) && error.code === 'AlreadyExistsException')) throw error;
      });
}

export async function createTableAs(
  statement: CreateTableAs,
  ctx: StatementContext,
): Promise<StatementResult> {
  const name = resolveName(statement.table, ctx);
  const request = writeRequest(statement.properties, 'table');
  await requireDatabase(ctx, name);
  await authorize(ctx, { action: 'glue:GetTable', resources: tableArns(ctx, name) });
  const exists = await ctx.catalog.getTable(name.database, name.name).then(
    () => true,
    () => false,
  );
  if (exists) {
    if (statement.ifNotExists) return rowCountResult('DDL', 'CREATE_TABLE_AS_SELECT', 0, 0);
    throw new QueryRejected(`TABLE_ALREADY_EXISTS: Destination table '${fullName(name)}' already exists`);
  }
  const location = folderUrl(request.externalLocation ?? `${outputDirectory(ctx)}tables/${ctx.queryId}/`);
  await requireEmpty(ctx, location, `table '${name.database}.${name.name}'`);
  await authorize(ctx, { action: 'glue:CreateTable', resources: tableArns(ctx, name) });
  const prepared = await prepareReadable(ctx, statement.query);
  return withSelectWriter(ctx, prepared, async (writer) => {
    const columns = tableColumns(writer.columns, request.partitionedBy).map((c) => ({
      name: c.name,
      hive: writableHiveType(c),
    }));
    let rows = 0;
    let files: WrittenFile[] = [];
    if (statement.withData) {
      // Each column is written as the type it is registered with, so the files and the catalog agree.
      const select = overColumns(columns.length, (column) =>
        columns.map((c, i) => `CAST(${column(i)} AS ${duckDbTypeOf(c.hive)}) AS ${quoteIdent(c.name)}`),
      );
      ({ rows, files } = await writer.write(select, request.format, request.partitionedBy));
      await storeFiles(ctx, files, under(location));
    }
    const definition = tableInput(name, columns, request.partitionedBy, request.format, location);
    await ctx.catalog.createTable(name.database, definition);
    await registerPartitions(ctx, name, definition, files);
    return rowCountResult('DDL', 'CREATE_TABLE_AS_SELECT', rows, writer.dataScanned);
  });
}
