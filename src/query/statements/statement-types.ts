import type { Statement } from './ast.js';
import type { StatementType } from './context.js';

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
  AlterTable: ['DDL', 'ALTER_TABLE'],
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
  if (statement.kind === 'AlterTable') {
    const change = {
      SetProperties: 'SET_TBLPROPERTIES',
      AddColumns: 'ADD_COLUMNS',
      SetLocation: 'SET_LOCATION',
    };
    return { statementType, substatementType: `ALTER_TABLE_${change[statement.change.kind]}` };
  }
  return { statementType, substatementType };
}
