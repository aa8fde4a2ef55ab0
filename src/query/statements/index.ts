/**
 * Athena's statements beyond SELECT: parseStatement reads one (or answers undefined for a query, which the
 * SELECT path runs) and runStatement runs it as the caller, through the catalog and storage.
 */
import { QueryRejected } from '../sandbox-tree.js';
import type { Statement } from './ast.js';
import { runCatalogStatement } from './catalog-statements.js';
import type { StatementContext, StatementResult } from './context.js';
import { DATA_STATEMENT_KINDS, runDataStatement } from './data-statements.js';
import { parseStatement } from './grammar.js';
import { runPreparedStatement } from './prepared-statements.js';
import { runShowStatement } from './show-statements.js';
import { statementTypes } from './statement-types.js';

export type { PreparedStatements, Statement } from './ast.js';
export type { StatementContext, StatementResult, StatementType } from './context.js';
export { parseStatement, statementTypes };

/** Runs a statement as the query's caller; throws QueryRejected with Athena's message when it fails. */
export async function runStatement(statement: Statement, ctx: StatementContext): Promise<StatementResult> {
  if (DATA_STATEMENT_KINDS.has(statement.kind)) return runDataStatement(statement, ctx);
  const result =
    (await runShowStatement(statement, ctx)) ??
    (await runCatalogStatement(statement, ctx)) ??
    (await runPreparedStatement(statement, ctx, parseStatement, (inner) => runStatement(inner, ctx)));
  if (!result) throw new QueryRejected(`${statement.kind} is not supported.`);
  return result;
}
