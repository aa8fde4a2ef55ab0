/**
 * The statements that run a SELECT or define one: views (CREATE, DROP, SHOW CREATE), CTAS, INSERT INTO,
 * UNLOAD and EXPLAIN. Their SELECT is always prepared like any query (translated from Athena's SQL,
 * sandboxed, views expanded, every table it reads authorized for the caller), and what they write goes
 * through storage and the catalog as the caller, never through DuckDB touching a path the user chose.
 */
import { QueryRejected } from '../sandbox.js';
import type { Statement } from './ast.js';
import type { StatementContext, StatementResult } from './context.js';
import { createTableAs } from './create-table-as.js';
import { explain } from './explain.js';
import { insertInto } from './insert-into.js';
import { unload } from './unload.js';
import { createView, dropView, showCreateView } from './view-statements.js';

/** The statement kinds runDataStatement runs. */
export const DATA_STATEMENT_KINDS: ReadonlySet<Statement['kind']> = new Set([
  'CreateView',
  'DropView',
  'ShowCreateView',
  'CreateTableAs',
  'InsertInto',
  'Unload',
  'Explain',
]);

/** Runs a data statement as the query's caller; throws QueryRejected with Athena's message when it fails. */
export async function runDataStatement(
  statement: Statement,
  ctx: StatementContext,
): Promise<StatementResult> {
  switch (statement.kind) {
    case 'CreateView':
      return createView(statement, ctx);
    case 'DropView':
      return dropView(statement, ctx);
    case 'ShowCreateView':
      return showCreateView(statement, ctx);
    case 'CreateTableAs':
      return createTableAs(statement, ctx);
    case 'InsertInto':
      return insertInto(statement, ctx);
    case 'Unload':
      return unload(statement, ctx);
    case 'Explain':
      return explain(statement, ctx);
    default:
      throw new QueryRejected(`${statement.kind} is not a statement that reads or writes data.`);
  }
}
