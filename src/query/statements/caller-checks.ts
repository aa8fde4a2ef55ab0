/*
 * What the statements that read or write data check of their caller, and the names they resolve, shared by
 * views, CTAS, INSERT INTO, UNLOAD and EXPLAIN.
 */
import { catalogArns, parseS3Url } from '../../catalog/index.js';
import { isAppError } from '../../errors.js';
import { checkQueryAccess, tableLookupCheck } from '../query-access.js';
import { type ExpandedSelect, prepareWithViews } from '../query-views.js';
import { QueryRejected } from '../sandbox.js';
import type { QualifiedName } from './ast.js';
import type { StatementContext } from './context.js';
import { authorize, databaseOf } from './statement-support.js';

/** A name resolved against the query's database (Athena's default database is `default`). */
export interface ResolvedName {
  database: string;
  name: string;
}

export function resolveName(name: QualifiedName, ctx: StatementContext): ResolvedName {
  return { database: databaseOf(ctx, name), name: name.name.toLowerCase() };
}

/** `awsdatacatalog.db.t`, as Athena names tables in its messages. */
export function fullName(name: ResolvedName): string {
  return `awsdatacatalog.${name.database}.${name.name}`;
}

/** The database must exist (glue:GetDatabase as the caller), else Trino's SCHEMA_NOT_FOUND. */
export async function requireDatabase(ctx: StatementContext, name: ResolvedName): Promise<void> {
  await authorize(ctx, { action: 'glue:GetDatabase', resources: tableArns(ctx, name).slice(0, 2) });
  await ctx.catalog.getDatabase(name.database).catch((error: unknown) => {
    if (isAppError(error) && error.code === 'EntityNotFoundException')
      throw new QueryRejected(`SCHEMA_NOT_FOUND: Schema '${name.database}' does not exist`);
    throw error;
  });
}

/** The Glue ARNs a table's operations touch (catalog, database, table). */
export function tableArns(ctx: StatementContext, name: ResolvedName): string[] {
  return catalogArns(ctx.region, ctx.accountId).tablePath(name.database, name.name);
}

/**
 * Prepares a statement's SELECT (translated, sandboxed, views expanded) in the query's database (or the one
 * given), and checks
 * that the caller may read everything it reads and write the query's result, as for any query.
 */
export async function prepareReadable(
  ctx: StatementContext,
  sql: string,
  database: string | undefined = ctx.database,
): Promise<ExpandedSelect> {
  const prepared = await prepareWithViews(
    {
      catalog: ctx.catalog,
      parser: ctx.parser,
      prepareSelect: ctx.prepareSelect,
      mayLookUp: tableLookupCheck(ctx),
    },
    sql,
    database,
  );
  await checkQueryAccess({
    authorizer: ctx.authorizer,
    storage: ctx.storage,
    catalog: ctx.catalog,
    region: ctx.region,
    caller: ctx.caller,
    tables: prepared.reads,
    output: ctx.outputLocation,
  });
  return prepared;
}

/** The objects under an s3:// location, at most `limit` of them: listing it is authorized first. */
export async function objectsUnder(
  ctx: StatementContext,
  location: string,
  limit: number,
): Promise<string[]> {
  const { bucket, prefix } = parseS3Url(location);
  await authorize(ctx, {
    action: 's3:ListBucket',
    resources: [`arn:aws:s3:::${bucket}`],
    conditions: { 's3:prefix': prefix },
  });
  const keys: string[] = [];
  try {
    for await (const object of ctx.storage.listAll(bucket, prefix)) {
      keys.push(object.key);
      if (keys.length >= limit) break;
    }
  } catch (error) {
    if (isAppError(error) && error.code === 'NoSuchBucket')
      throw new QueryRejected(`The location ${location} names a bucket that does not exist.`);
    throw error;
  }
  return keys;
}

/** The directory (`s3://…/`) of the query's result object, where Athena puts what a query writes by default. */
export function outputDirectory(ctx: StatementContext): string {
  return ctx.outputLocation.slice(0, ctx.outputLocation.lastIndexOf('/') + 1);
}
