/*
 * The DDL that changes the Glue Data Catalog: databases, external tables and their partitions. Each statement
 * is authorized as the caller for the Glue action it performs, as Athena does. Tables are external: dropping
 * one never deletes its data. MSCK REPAIR TABLE lists the table's location for Hive-style `key=value/`
 * prefixes and adds the partitions the catalog lacks.
 */
import {
  type CatalogService,
  type CatalogTable,
  databaseInputShape,
  isDataKey,
  parseS3Url,
  parseShape,
  partitionInputShape,
  readChecks,
  tableInputShape,
} from '../../catalog/index.js';
import { isAppError } from '../../errors.js';
import { QueryRejected } from '../sandbox-tree.js';
import type { PartitionSpec, Statement } from './ast.js';
import type { StatementContext, StatementResult } from './context.js';
import { authorize, databaseOf, done, glue, lines, readTable, requireDatabase } from './statement-support.js';
import { statementTypes } from './statement-types.js';
import { glueColumns, partitionName, tableInputOf, unescapePathName } from './table-ddl.js';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;
type PartitionInput = Parameters<CatalogService['createPartition']>[2];

function is(error: unknown, code: string): boolean {
  return isAppError(error) && error.code === code;
}

async function createDatabase(ctx: StatementContext, s: Of<'CreateDatabase'>): Promise<StatementResult> {
  await glue(ctx, 'CreateDatabase', s.name);
  try {
    const input = {
      Name: s.name,
      ...(s.comment !== undefined ? { Description: s.comment } : {}),
      ...(s.location !== undefined ? { LocationUri: s.location } : {}),
      Parameters: s.properties,
    };
    // What Glue's CreateDatabase would refuse is refused here too, with Glue's message.
    await ctx.catalog.createDatabase(parseShape(databaseInputShape, input, 'databaseInput'));
  } catch (error) {
    if (!is(error, 'AlreadyExistsException')) throw error;
    if (!s.ifNotExists)
      throw new QueryRejected(`FAILED: AlreadyExistsException: Database ${s.name} already exists`);
  }
  return done('DDL', 'CREATE_DATABASE');
}

async function dropDatabase(ctx: StatementContext, s: Of<'DropDatabase'>): Promise<StatementResult> {
  // As Glue's DeleteDatabase: the database and every table in it.
  await glue(ctx, 'DeleteDatabase', s.name, '*');
  const exists = await ctx.catalog.getDatabase(s.name).then(
    () => true,
    (error: unknown) => {
      if (is(error, 'EntityNotFoundException')) return false;
      throw error;
    },
  );
  if (!exists) {
    if (s.ifExists) return done('DDL', 'DROP_DATABASE');
    throw new QueryRejected(`FAILED: SemanticException [Error 10072]: Database does not exist: ${s.name}`);
  }
  if (!s.cascade && (await ctx.catalog.getTables(s.name)).length > 0)
    throw new QueryRejected(
      `FAILED: InvalidOperationException Database ${s.name} is not empty. One or more tables exist.`,
    );
  await ctx.catalog.deleteDatabase(s.name);
  return done('DDL', 'DROP_DATABASE');
}

async function createTable(ctx: StatementContext, s: Of<'CreateExternalTable'>): Promise<StatementResult> {
  const database = databaseOf(ctx, s.table);
  await glue(ctx, 'CreateTable', database, s.table.name);
  const input = parseShape(tableInputShape, tableInputOf(s), 'tableInput');
  await requireDatabase(ctx, database);
  try {
    await ctx.catalog.createTable(database, input);
  } catch (error) {
    if (!is(error, 'AlreadyExistsException')) throw error;
    if (!s.ifNotExists)
      throw new QueryRejected(
        `FAILED: AlreadyExistsException: Table ${database}.${s.table.name} already exists`,
      );
  }
  return done('DDL', 'CREATE_TABLE');
}

async function dropTable(ctx: StatementContext, s: Of<'DropTable'>): Promise<StatementResult> {
  const database = databaseOf(ctx, s.table);
  await glue(ctx, 'DeleteTable', database, s.table.name);
  let table: CatalogTable;
  try {
    table = await readTable(ctx, s.table);
  } catch (error) {
    if (s.ifExists && error instanceof QueryRejected && !error.message.startsWith('Insufficient'))
      return done('DDL', 'DROP_TABLE');
    throw error;
  }
  if (table.definition.TableType === 'VIRTUAL_VIEW')
    throw new QueryRejected('FAILED: SemanticException [Error 10134]: Cannot drop a view with DROP TABLE');
  await ctx.catalog.deleteTable(database, table.definition.Name);
  return done('DDL', 'DROP_TABLE');
}

/** A spec's values in the table's key order; every key named once, nothing else. */
export function valuesOf(table: CatalogTable, spec: PartitionSpec): string[] {
  const keys = (table.definition.PartitionKeys ?? []).map((k) => k.Name.toLowerCase());
  const given = new Map(spec.map((p) => [p.key, p.value]));
  const shown = spec.map((p) => `${p.key}=${p.value}`).join(', ');
  if (given.size !== spec.length || given.size !== keys.length || !keys.every((k) => given.has(k)))
    throw new QueryRejected(
      `FAILED: SemanticException [Error 10098]: Partition spec {${shown}} does not match the partition columns of ${table.definition.Name}`,
    );
  return keys.map((k) => given.get(k) as string);
}

function partitionInput(table: CatalogTable, values: string[], location: string | undefined): PartitionInput {
  const sd = table.definition.StorageDescriptor ?? {};
  const base = sd.Location ?? '';
  const path = partitionName(table.definition.PartitionKeys ?? [], values);
  const input = {
    Values: values,
    StorageDescriptor: { ...sd, Location: location ?? `${base}${base.endsWith('/') ? '' : '/'}${path}/` },
    Parameters: {},
  };
  return parseShape(partitionInputShape, input, 'partitionInput');
}

async function addPartitions(
  ctx: StatementContext,
  s: Of<'AlterTableAddPartitions'>,
): Promise<StatementResult> {
  const table = await readTable(ctx, s.table);
  await glue(ctx, 'BatchCreatePartition', table.database, table.definition.Name);
  const inputs = s.partitions.map((p) => {
    if (p.location !== undefined) parseS3Url(p.location);
    return partitionInput(table, valuesOf(table, p.spec), p.location);
  });
  for (const input of inputs)
    await ctx.catalog
      .createPartition(table.database, table.definition.Name, input)
      .catch((error: unknown) => {
        if (!is(error, 'AlreadyExistsException')) throw error;
        if (!s.ifNotExists)
          throw new QueryRejected('FAILED: AlreadyExistsException: Partition already exists.');
      });
  return done('DDL', 'ALTER_TABLE_ADD_PARTITION');
}

async function dropPartitions(
  ctx: StatementContext,
  s: Of<'AlterTableDropPartitions'>,
): Promise<StatementResult> {
  const table = await readTable(ctx, s.table);
  await glue(ctx, 'BatchDeletePartition', table.database, table.definition.Name);
  for (const spec of s.partitions) {
    const values = valuesOf(table, spec);
    await ctx.catalog
      .deletePartition(table.database, table.definition.Name, values)
      .catch((error: unknown) => {
        if (!is(error, 'EntityNotFoundException')) throw error;
        if (!s.ifExists)
          throw new QueryRejected(
            `FAILED: SemanticException [Error 10006]: Partition not found (${spec.map((p) => `${p.key} = '${p.value}'`).join(', ')})`,
          );
      });
  }
  return done('DDL', 'ALTER_TABLE_DROP_PARTITION');
}

/** The partition values a key under the table's location names, when its directories are `k=v/` in key order. */
function valuesInKey(relative: string, keys: string[]): string[] | undefined {
  const segments = relative.split('/');
  if (segments.length <= keys.length) return undefined;
  const values: string[] = [];
  for (const [i, key] of keys.entries()) {
    const segment = segments[i] as string;
    const equals = segment.indexOf('=');
    if (equals < 0 || unescapePathName(segment.slice(0, equals)).toLowerCase() !== key) return undefined;
    values.push(unescapePathName(segment.slice(equals + 1)));
  }
  return values;
}

async function repair(ctx: StatementContext, s: Of<'MsckRepairTable'>): Promise<StatementResult> {
  const table = await readTable(ctx, s.table);
  const name = table.definition.Name;
  await glue(ctx, 'GetPartitions', table.database, name);
  await glue(ctx, 'BatchCreatePartition', table.database, name);
  const keys = (table.definition.PartitionKeys ?? []).map((k) => k.Name.toLowerCase());
  const location = table.definition.StorageDescriptor?.Location;
  if (keys.length === 0 || !location)
    throw new QueryRejected(
      `FAILED: SemanticException Table ${name} is not a partitioned table with a location`,
    );
  for (const check of readChecks(location).slice(0, 1)) await authorize(ctx, check);
  const { bucket, prefix } = parseS3Url(location);
  const known = new Set(
    (await ctx.catalog.allPartitions(table.database, name)).map((p) => JSON.stringify(p.definition.Values)),
  );
  const missing = new Map<string, string[]>();
  for await (const object of ctx.storage.listAll(bucket, prefix)) {
    ctx.signal.throwIfAborted();
    if (!isDataKey(object.key)) continue;
    const values = valuesInKey(object.key.slice(prefix.length), keys);
    if (values && !known.has(JSON.stringify(values))) missing.set(JSON.stringify(values), values);
  }
  const names = [...missing.values()].map((values) =>
    partitionName(table.definition.PartitionKeys ?? [], values),
  );
  for (const values of missing.values())
    await ctx.catalog.createPartition(table.database, name, partitionInput(table, values, undefined));
  const out =
    names.length === 0
      ? []
      : [`Partitions not in metastore:\t${names.map((n) => `${name}:${n}`).join('\t')}`];
  out.push(...names.map((n) => `Repair: Added partition to metastore ${name}:${n}`));
  return lines('DDL', 'MSCK_REPAIR_TABLE', 'result', out);
}

/** ALTER TABLE's changes to a table's definition: its properties, added columns or location. */
async function alterTable(ctx: StatementContext, s: Of<'AlterTable'>): Promise<StatementResult> {
  const table = await readTable(ctx, s.table);
  await glue(ctx, 'UpdateTable', table.database, table.definition.Name);
  if (table.definition.TableType === 'VIRTUAL_VIEW')
    throw new QueryRejected('FAILED: SemanticException [Error 10131]: Cannot alter a view with ALTER TABLE');
  const definition = structuredClone(table.definition);
  const sd = definition.StorageDescriptor ?? {};
  const { change } = s;
  if (change.kind === 'SetProperties')
    definition.Parameters = { ...definition.Parameters, ...change.properties };
  else if (change.kind === 'SetLocation') {
    parseS3Url(change.location);
    sd.Location = change.location;
  } else {
    const taken = new Set([...(sd.Columns ?? []), ...(definition.PartitionKeys ?? [])].map((c) => c.Name));
    for (const { name } of change.columns) {
      if (taken.has(name))
        throw new QueryRejected(`FAILED: SemanticException [Error 10036]: Duplicate column name: ${name}`);
      taken.add(name);
    }
    sd.Columns = [...(sd.Columns ?? []), ...glueColumns(change.columns)];
  }
  definition.StorageDescriptor = sd;
  await ctx.catalog.updateTable(table.database, parseShape(tableInputShape, definition, 'tableInput'));
  const { statementType, substatementType } = statementTypes(s);
  return done(statementType, substatementType);
}

/** Runs a catalog DDL statement, or answers undefined for another kind. */
export async function runCatalogStatement(
  statement: Statement,
  ctx: StatementContext,
): Promise<StatementResult | undefined> {
  switch (statement.kind) {
    case 'CreateDatabase':
      return createDatabase(ctx, statement);
    case 'DropDatabase':
      return dropDatabase(ctx, statement);
    case 'CreateExternalTable':
      return createTable(ctx, statement);
    case 'DropTable':
      return dropTable(ctx, statement);
    case 'AlterTableAddPartitions':
      return addPartitions(ctx, statement);
    case 'AlterTableDropPartitions':
      return dropPartitions(ctx, statement);
    case 'MsckRepairTable':
      return repair(ctx, statement);
    case 'AlterTable':
      return alterTable(ctx, statement);
    default:
      return undefined;
  }
}
