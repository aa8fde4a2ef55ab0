/*
 * CREATE [OR REPLACE] VIEW, DROP VIEW and SHOW CREATE VIEW. A view is stored in the Glue Data Catalog as
 * Athena stores it (query-views.ts has the encoding), so Glue's GetTable, Athena and other engines reading the
 * catalog see the same view. Creating one checks its SQL as a query of the caller's (translated, sandboxed,
 * every table underneath readable) and records the columns it answers.
 */
import type { TableInput } from '../../catalog/index.js';
import { isAppError } from '../../errors.js';
import { decodeView, encodeView, isView, trinoType, VIEW_EXPANDED_TEXT } from '../query-views.js';
import { QueryRejected } from '../sandbox.js';
import type { Statement } from './ast.js';
import {
  fullName,
  prepareReadable,
  type ResolvedName,
  requireDatabase,
  resolveName,
  tableArns,
} from './caller-checks.js';
import { viewHiveType } from './column-types.js';
import type { StatementContext, StatementResult } from './context.js';
import { describeSelect } from './select-writer.js';
import { authorize } from './statement-support.js';
import { resultColumn } from './write-result.js';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

function answered(
  statementType: StatementResult['statementType'],
  substatementType: string,
): StatementResult {
  return { statementType, substatementType, dataScanned: 0, kind: 'rows', columns: [], rows: [] };
}

async function findTable(ctx: StatementContext, name: ResolvedName) {
  await authorize(ctx, { action: 'glue:GetTable', resources: tableArns(ctx, name) });
  return ctx.catalog.getTable(name.database, name.name).catch((error: unknown) => {
    if (isAppError(error) && error.code === 'EntityNotFoundException') return undefined;
    throw error;
  });
}

export async function createView(
  statement: Of<'CreateView'>,
  ctx: StatementContext,
): Promise<StatementResult> {
  const name = resolveName(statement.view, ctx);
  await requireDatabase(ctx, name);
  const existing = await findTable(ctx, name);
  if (existing && !isView(existing))
    throw new QueryRejected(`TABLE_ALREADY_EXISTS: Table already exists: '${fullName(name)}'`);
  if (existing && !statement.orReplace)
    throw new QueryRejected(`ALREADY_EXISTS: View already exists: '${fullName(name)}'`);
  await authorize(ctx, {
    action: existing ? 'glue:UpdateTable' : 'glue:CreateTable',
    resources: tableArns(ctx, name),
  });
  // As in Trino, the view's unqualified names resolve in the session's database, which it records.
  const schema = (ctx.database ?? 'default').toLowerCase();
  const prepared = await prepareReadable(ctx, statement.query, schema);
  if (prepared.reads.some((r) => r.database === name.database && r.table === name.name))
    throw new QueryRejected(`VIEW_IS_RECURSIVE: View is recursive: '${fullName(name)}'`);
  const columns = (await describeSelect(ctx, prepared, schema)).map((c) => ({
    ...c,
    name: c.name.toLowerCase(),
  }));
  const unnamed = columns.findIndex((c) => c.name === '');
  if (unnamed >= 0) throw new QueryRejected(`Column name not specified at position ${unnamed + 1}`);
  const input: TableInput = {
    Name: name.name,
    TableType: 'VIRTUAL_VIEW',
    Owner: ctx.caller.principal.arn,
    ...(statement.comment !== undefined ? { Description: statement.comment } : {}),
    Parameters: { presto_view: 'true', comment: 'Presto View' },
    ViewOriginalText: encodeView({
      originalSql: statement.query,
      catalog: 'awsdatacatalog',
      schema,
      columns: columns.map((c) => ({ name: c.name, type: trinoType(c) })),
      ...(statement.comment !== undefined ? { comment: statement.comment } : {}),
      owner: ctx.caller.principal.arn,
      runAsInvoker: false,
    }),
    ViewExpandedText: VIEW_EXPANDED_TEXT,
    PartitionKeys: [],
    StorageDescriptor: {
      Columns: columns.map((c) => ({ Name: c.name, Type: viewHiveType(c) })),
      Location: '',
      SerdeInfo: {},
      Compressed: false,
      NumberOfBuckets: 0,
      SortColumns: [],
      StoredAsSubDirectories: false,
    },
  };
  if (existing) await ctx.catalog.updateTable(name.database, input);
  else await ctx.catalog.createTable(name.database, input);
  return answered('DDL', 'CREATE_VIEW');
}

export async function dropView(statement: Of<'DropView'>, ctx: StatementContext): Promise<StatementResult> {
  const name = resolveName(statement.view, ctx);
  const existing = await findTable(ctx, name);
  if (!existing) {
    if (statement.ifExists) return answered('DDL', 'DROP_VIEW');
    throw new QueryRejected(`TABLE_NOT_FOUND: View '${fullName(name)}' does not exist`);
  }
  if (!isView(existing))
    throw new QueryRejected(
      `TABLE_NOT_FOUND: View '${fullName(name)}' does not exist, but a table with that name exists. Did you mean DROP TABLE ${fullName(name)}?`,
    );
  await authorize(ctx, { action: 'glue:DeleteTable', resources: tableArns(ctx, name) });
  await ctx.catalog.deleteTable(name.database, name.name);
  return answered('DDL', 'DROP_VIEW');
}

export async function showCreateView(
  statement: Of<'ShowCreateView'>,
  ctx: StatementContext,
): Promise<StatementResult> {
  const name = resolveName(statement.view, ctx);
  const existing = await findTable(ctx, name);
  if (!existing) throw new QueryRejected(`TABLE_NOT_FOUND: View '${fullName(name)}' does not exist`);
  if (!isView(existing))
    throw new QueryRejected(`NOT_SUPPORTED: Relation '${fullName(name)}' is a table, not a view`);
  const definition = decodeView(existing);
  const quoted = ['awsdatacatalog', name.database, name.name]
    .map((p) => `"${p.replaceAll('"', '""')}"`)
    .join('.');
  const comment =
    definition.comment === undefined ? '' : ` COMMENT '${definition.comment.replaceAll("'", "''")}'`;
  const text = `CREATE VIEW ${quoted}${comment} AS\n${definition.originalSql}`;
  return {
    statementType: 'UTILITY',
    substatementType: 'SHOW_CREATE_VIEW',
    dataScanned: 0,
    kind: 'rows',
    columns: [resultColumn('Create View', 'varchar')],
    rows: text.split('\n').map((line) => [line]),
  };
}
