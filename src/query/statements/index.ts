/**
 * Athena's statements beyond SELECT: parseStatement reads one (or answers undefined for a query, which the
 * SELECT path runs) and runStatement runs it as the caller, through the catalog and storage.
 */
import { QueryRejected } from '../sandbox-tree.js';
import type { Statement } from './ast.js';
import { runCatalogStatement } from './catalog-statements.js';
import type { StatementContext, StatementResult, StatementType } from './context.js';
import { DATA_STATEMENT_KINDS, runDataStatement } from './data-statements.js';
import { parseStatement } from './grammar.js';
import { runPreparedStatement } from './prepared-statements.js';
import { runShowStatement } from './show-statements.js';

export type { PreparedStatements, Statement } from './ast.js';
export type { StatementContext, StatementResult, StatementType } from './context.js';
export { parseStatement };

/** Athena's StatementType and SubstatementType of each kind, known before it runs. */
const TYPES: Record<Statement['kind'], [StatementType, string]> = {
  ShowDatabases: ['UTILITY', 'SHOW_DATABASES'],
  ShowTables: ['UTILITY', 'SHOW_TABLES'],
  ShowViews: ['UTILITY', 'SHOW_VIEWS'],
  ShowColumns: ['UTILITY', 'SHOW_COLUMNS'],
  ShowPartitions: ['UTILITY', 'SHOW_PARTITIONS'],
  ShowCreateTable: ['UTILITY', 'SHOW_CREATE_TABLE'],
  ShowCreateView: ['UTILITY', 'SHOW_CREATE_VIEW'],
  ShowTblProperties: ['UTILITY', 'SHOW_TBLPROPERTIES'],
  Describe: ['UTILITY', 'DESCRIBE_TABLE'],
  Explain: ['UTILITY', 'EXPLAIN'],
  CreateDatabase: ['DDL', 'CREATE_DATABASE'],
  DropDatabase: ['DDL', 'DROP_DATABASE'],
  CreateExternalTable: ['DDL', 'CREATE_TABLE'],
  DropTable: ['DDL', 'DROP_TABLE'],
  AlterTableAddPartitions: ['DDL', 'ALTER_TABLE_ADD_PARTITION'],
  AlterTableDropPartitions: ['DDL', 'ALTER_TABLE_DROP_PARTITION'],
  MsckRepairTable: ['DDL', 'MSCK_REPAIR_TABLE'],
  CreateView: ['DDL', 'CREATE_VIEW'],
  DropView: ['DDL', 'DROP_VIEW'],
  CreateTableAs: ['DDL', 'CREATE_TABLE_AS_SELECT'],
  InsertInto: ['DML', 'INSERT'],
  Unload: ['DML', 'UNLOAD'],
  Prepare: ['UTILITY', 'PREPARE'],
  Execute: ['DML', 'EXECUTE'],
  Deallocate: ['UTILITY', 'DEALLOCATE'],
};

export function statementTypes(statement: Statement): {
  statementType: StatementType;
  substatementType: string;
} {
  const [statementType, substatementType] = TYPES[statement.kind];
  return { statementType, substatementType };
}

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
