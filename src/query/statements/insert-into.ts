/*
 * INSERT INTO t [(columns)] SELECT …: appends new files, in the table's own format, under the table's
 * location (or each partition's), and registers the partitions that are new. Existing files are never
 * touched. Authorized as the caller: reading the SELECT's tables, glue:GetTable (and glue:GetPartitions,
 * glue:BatchCreatePartition for a partitioned table), s3:PutObject on every key written.
 */
import { duckDbTypeOf } from '../../catalog/index.js';
import { isAppError } from '../../errors.js';
import { quoteIdent } from '../../lib/sql.js';
import { isView, trinoType } from '../query-views.js';
import { QueryRejected } from '../sandbox.js';
import type { Statement } from './ast.js';
import { fullName, prepareReadable, resolveName, tableArns } from './caller-checks.js';
import type { StatementContext, StatementResult } from './context.js';
import { folderUrl, registerPartitions } from './create-table-as.js';
import { overColumns, partitionValues, storeFiles, under, withSelectWriter } from './select-writer.js';
import { authorize } from './statement-support.js';
import { tableFormat } from './write-format.js';
import { rowCountResult } from './write-result.js';

type InsertInto = Extract<Statement, { kind: 'InsertInto' }>;

/** The columns named by INSERT INTO t (a, b): each must exist, once. */
function targetColumns(all: readonly string[], named: readonly string[] | undefined): string[] {
  if (named === undefined) return [...all];
  const targets = named.map((n) => n.toLowerCase());
  const seen = new Set<string>();
  for (const name of targets) {
    if (!all.includes(name))
      throw new QueryRejected(`COLUMN_NOT_FOUND: Insert column name does not exist in target table: ${name}`);
    if (seen.has(name))
      throw new QueryRejected(
        `DUPLICATE_COLUMN_NAME: Insert column name is specified more than once: ${name}`,
      );
    seen.add(name);
  }
  return targets;
}

export async function insertInto(statement: InsertInto, ctx: StatementContext): Promise<StatementResult> {
  const name = resolveName(statement.table, ctx);
  await authorize(ctx, { action: 'glue:GetTable', resources: tableArns(ctx, name) });
  const table = await ctx.catalog.getTable(name.database, name.name).catch((error: unknown) => {
    if (isAppError(error) && error.code === 'EntityNotFoundException')
      throw new QueryRejected(`TABLE_NOT_FOUND: Table '${fullName(name)}' does not exist`);
    throw error;
  });
  if (isView(table)) throw new QueryRejected('NOT_SUPPORTED: Inserting into views is not supported');
  const definition = table.definition;
  const location = definition.StorageDescriptor?.Location;
  if (!location) throw new QueryRejected(`Table '${fullName(name)}' has no location to insert into.`);
  const format = tableFormat(definition);
  const keys = (definition.PartitionKeys ?? []).map((k) => k.Name.toLowerCase());
  const columns = [...(definition.StorageDescriptor?.Columns ?? []), ...(definition.PartitionKeys ?? [])].map(
    (c) => ({ name: c.Name.toLowerCase(), type: duckDbTypeOf(c.Type ?? 'string') }),
  );
  const targets = targetColumns(
    columns.map((c) => c.name),
    statement.columns,
  );
  const prepared = await prepareReadable(ctx, statement.query);
  return withSelectWriter(ctx, prepared, async (writer) => {
    if (writer.columns.length !== targets.length)
      throw new QueryRejected(
        `TYPE_MISMATCH: Insert query has mismatched column types: Table: [${targets
          .map((t) => trinoType(columns.find((c) => c.name === t) as { name: string; type: string }))
          .join(', ')}], Query: [${writer.columns.map(trinoType).join(', ')}]`,
      );
    // Each table column gets the query's value at its position among the targets, cast to the column's type
    // (a value that does not convert fails the statement); columns not named are NULL, as in Trino.
    const select = overColumns(targets.length, (column) =>
      columns.map((c) => {
        const i = targets.indexOf(c.name);
        return `CAST(${i < 0 ? 'NULL' : column(i)} AS ${c.type}) AS ${quoteIdent(c.name)}`;
      }),
    );
    const { rows, files } = await writer.write(select, format, keys);
    // Existing partitions by their values, with the location of their own when they have one.
    const existing = new Map<string, string | undefined>();
    if (keys.length > 0) {
      await authorize(ctx, { action: 'glue:GetPartitions', resources: tableArns(ctx, name) });
      for (const partition of await ctx.catalog.allPartitions(name.database, name.name))
        existing.set(
          JSON.stringify(partition.definition.Values),
          partition.definition.StorageDescriptor?.Location || undefined,
        );
    }
    // A file of an existing partition goes where that partition is; any other below the table's location.
    const below = under(folderUrl(location));
    await storeFiles(ctx, files, (file) => {
      const folder = file.relativePath.slice(0, file.relativePath.lastIndexOf('/'));
      const own = keys.length > 0 ? existing.get(JSON.stringify(partitionValues(folder, keys))) : undefined;
      if (own === undefined) return below(file);
      return under(folderUrl(own))({ ...file, relativePath: file.relativePath.slice(folder.length + 1) });
    });
    await registerPartitions(ctx, name, definition, files, new Set(existing.keys()));
    return rowCountResult('DML', 'INSERT', rows, writer.dataScanned);
  });
}
