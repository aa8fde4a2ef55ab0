/*
 * What the catalog statements share: acting as the caller (each Glue or S3 action authorized first, as Athena
 * does), Hive's error messages for what is missing, and results as the lines of Athena's DDL output.
 */
import { RE2JS } from 're2js';
import { type CatalogTable, catalogArns } from '../../catalog/index.js';
import { athenaColumn, type ColumnInfo } from '../../engine/index.js';
import { isAppError } from '../../errors.js';
import type { AuthzCheck } from '../../lib/operation.js';
import { authorizeAsCaller } from '../query-access.js';
import { QueryRejected } from '../sandbox-tree.js';
import type { QualifiedName } from './ast.js';
import type { StatementContext, StatementResult, StatementType } from './context.js';

/** Authorizes a check as the query's caller; a denial fails the statement as Athena's does. */
export function authorize(ctx: StatementContext, check: AuthzCheck): Promise<void> {
  return authorizeAsCaller(ctx.authorizer, ctx.caller, check);
}

/** Authorizes a Glue action on a database (and a table in it, when named), with the catalog. */
export function glue(ctx: StatementContext, action: string, database: string, table?: string): Promise<void> {
  const arns = catalogArns(ctx.region, ctx.caller.principal.accountId);
  const resources =
    table === undefined ? [arns.catalog, arns.database(database)] : arns.tablePath(database, table);
  return authorize(ctx, { action: `glue:${action}`, resources });
}

/** The database a name is in: its own, the query's, or `default` as in Athena. */
export function databaseOf(ctx: StatementContext, name: { database?: string }): string {
  return (name.database ?? ctx.database ?? 'default').toLowerCase();
}

function notFound(error: unknown): boolean {
  return isAppError(error) && error.code === 'EntityNotFoundException';
}

export function databaseMissing(name: string): QueryRejected {
  return new QueryRejected(`FAILED: SemanticException [Error 10072]: Database does not exist: ${name}`);
}

export async function requireDatabase(ctx: StatementContext, name: string): Promise<void> {
  await ctx.catalog.getDatabase(name).catch((error: unknown) => {
    throw notFound(error) ? databaseMissing(name) : error;
  });
}

/** The table, after glue:GetTable is authorized; Hive's "Table not found" when there is none. */
export async function readTable(ctx: StatementContext, name: QualifiedName): Promise<CatalogTable> {
  const database = databaseOf(ctx, name);
  await glue(ctx, 'GetTable', database, name.name);
  await requireDatabase(ctx, database);
  return ctx.catalog.getTable(database, name.name).catch((error: unknown) => {
    if (!notFound(error)) throw error;
    throw new QueryRejected(
      `FAILED: SemanticException [Error 10001]: Table not found ${name.database ? `${database}.` : ''}${name.name}`,
    );
  });
}

/** A result column as Athena describes DDL output: a Hive string. */
function column(name: string): ColumnInfo {
  return athenaColumn(name, 'string', 0);
}

/** A result of text lines under one column, as Athena answers SHOW, DESCRIBE and MSCK. */
export function lines(
  statementType: StatementType,
  substatementType: string,
  name: string | undefined,
  rows: Iterable<string> | AsyncIterable<string>,
): StatementResult {
  async function* values() {
    for await (const line of rows) yield [line];
  }
  return {
    statementType,
    substatementType,
    dataScanned: 0,
    kind: 'rows',
    columns: name === undefined ? [] : [column(name)],
    rows: values(),
  };
}

/** A statement that answers nothing but its success (CREATE, DROP, ALTER...). */
export function done(statementType: StatementType, substatementType: string): StatementResult {
  return lines(statementType, substatementType, undefined, []);
}

/**
 * Athena's SHOW ... LIKE pattern (Hive's): alternatives split by `|`, each a case-insensitive regular
 * expression in which `*` stands for any characters, matched against the whole name. RE2 runs it in linear time.
 */
export function namePattern(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  if (pattern.length > 1024) throw new QueryRejected('The LIKE pattern is longer than 1024 characters.');
  const alternatives = pattern.split('|').map((part) => {
    // `*` and `.*` both mean any characters (Athena's documentation for the Data Catalog).
    let expression = '';
    for (let i = 0; i < part.length; i++) {
      if (part[i] === '.' && part[i + 1] === '*') i++;
      expression += part[i] === '*' ? '.*' : part[i];
    }
    try {
      return RE2JS.compile(expression, RE2JS.CASE_INSENSITIVE);
    } catch {
      throw new QueryRejected(`The LIKE pattern '${pattern.slice(0, 64)}' is not a valid pattern.`);
    }
  });
  return (name) => alternatives.some((re) => re.matches(name));
}
