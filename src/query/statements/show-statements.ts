/*
 * SHOW and DESCRIBE: what the catalog holds, in the shapes Athena answers them (Hive's DDL output: one line per
 * row under Hive's column name, `tab_name`, `database_name`, `field`, `partition`, `createtab_stmt`...).
 */
import { type CatalogTable, catalogArns, readChecks } from '../../catalog/index.js';
import { QueryRejected } from '../sandbox-tree.js';
import type { PartitionSpec, Statement } from './ast.js';
import { valuesOf } from './catalog-statements.js';
import type { StatementContext, StatementResult } from './context.js';
import { describeTable } from './describe-table.js';
import {
  authorize,
  databaseOf,
  glue,
  lines,
  namePattern,
  readTable,
  requireDatabase,
} from './statement-support.js';
import { createTableStatement, partitionName } from './table-ddl.js';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

const VIEW = 'VIRTUAL_VIEW';

async function showDatabases(ctx: StatementContext, statement: Of<'ShowDatabases'>) {
  const arns = catalogArns(ctx.region, ctx.caller.principal.accountId);
  await authorize(ctx, { action: 'glue:GetDatabases', resources: [arns.catalog, arns.database('*')] });
  const matches = namePattern(statement.like);
  const names = (await ctx.catalog.getDatabases())
    .map((d) => d.name)
    .filter(matches)
    .sort();
  return lines('UTILITY', 'SHOW_DATABASES', 'database_name', names);
}

async function showTables(ctx: StatementContext, statement: Of<'ShowTables'> | Of<'ShowViews'>) {
  const matches = namePattern(statement.like);
  const database = databaseOf(ctx, statement);
  await glue(ctx, 'GetTables', database, '*');
  await requireDatabase(ctx, database);
  const views = statement.kind === 'ShowViews';
  const names = (await ctx.catalog.getTables(database))
    .filter((t) => !views || t.definition.TableType === VIEW)
    .map((t) => t.definition.Name)
    .filter(matches)
    .sort();
  return lines('UTILITY', views ? 'SHOW_VIEWS' : 'SHOW_TABLES', 'tab_name', names);
}

async function showPartitions(ctx: StatementContext, table: CatalogTable): Promise<StatementResult> {
  const name = table.definition.Name;
  await glue(ctx, 'GetPartitions', table.database, name);
  const keys = table.definition.PartitionKeys ?? [];
  if (keys.length === 0)
    throw new QueryRejected(
      `FAILED: SemanticException [Error 10241]: Table ${name} is not a partitioned table`,
    );
  const location = table.definition.StorageDescriptor?.Location;
  if (location) for (const check of readChecks(location).slice(0, 1)) await authorize(ctx, check);
  const partitions = await ctx.catalog.allPartitions(table.database, name);
  const names = partitions.map((p) => partitionName(keys, p.definition.Values ?? []));
  return lines('UTILITY', 'SHOW_PARTITIONS', 'partition', names.sort());
}

function showTblProperties(table: CatalogTable, property: string | undefined): StatementResult {
  const parameters = table.definition.Parameters ?? {};
  if (property !== undefined) {
    const value = parameters[property];
    const line =
      value === undefined ? `Table ${table.definition.Name} does not have property: ${property}` : value;
    return lines('UTILITY', 'SHOW_TBLPROPERTIES', 'prpt_name', [line]);
  }
  const entries = Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return lines(
    'UTILITY',
    'SHOW_TBLPROPERTIES',
    'prpt_name',
    entries.map(([k, v]) => `${k}\t${v}`),
  );
}

async function partitionOf(ctx: StatementContext, table: CatalogTable, spec: PartitionSpec): Promise<void> {
  await glue(ctx, 'GetPartition', table.database, table.definition.Name);
  await ctx.catalog.getPartition(table.database, table.definition.Name, valuesOf(table, spec)).catch(() => {
    const shown = spec.map((p) => `${p.key}=${p.value}`).join(', ');
    throw new QueryRejected(`FAILED: SemanticException [Error 10006]: Partition not found {${shown}}`);
  });
}

/** Runs a SHOW or DESCRIBE statement, or answers undefined for another kind. */
export async function runShowStatement(
  statement: Statement,
  ctx: StatementContext,
): Promise<StatementResult | undefined> {
  switch (statement.kind) {
    case 'ShowDatabases':
      return showDatabases(ctx, statement);
    case 'ShowTables':
    case 'ShowViews':
      return showTables(ctx, statement);
    case 'ShowColumns': {
      const table = await readTable(ctx, statement.table);
      const columns = [
        ...(table.definition.StorageDescriptor?.Columns ?? []),
        ...(table.definition.PartitionKeys ?? []),
      ];
      return lines(
        'UTILITY',
        'SHOW_COLUMNS',
        'field',
        columns.map((c) => c.Name.padEnd(20)),
      );
    }
    case 'ShowPartitions':
      return showPartitions(ctx, await readTable(ctx, statement.table));
    case 'ShowCreateTable': {
      const table = await readTable(ctx, statement.table);
      if (table.definition.TableType === VIEW)
        throw new QueryRejected(
          `FAILED: SemanticException [Error 10001]: ${table.definition.Name} is a view: use SHOW CREATE VIEW.`,
        );
      return lines('UTILITY', 'SHOW_CREATE_TABLE', 'createtab_stmt', createTableStatement(table).split('\n'));
    }
    case 'ShowTblProperties':
      return showTblProperties(await readTable(ctx, statement.table), statement.property);
    case 'Describe': {
      const table = await readTable(ctx, statement.table);
      // A partition's columns are its table's; the partition must exist.
      if (statement.partition) await partitionOf(ctx, table, statement.partition);
      return lines('UTILITY', 'DESCRIBE_TABLE', 'col_name', describeTable(table, statement));
    }
    default:
      return undefined;
  }
}
