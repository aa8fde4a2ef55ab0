import { athenaColumn, type ColumnInfo } from '../../engine/index.js';
import type { StatementResult, StatementType } from './context.js';

/** A result column of one Trino type (what Athena reports for CTAS, INSERT INTO and EXPLAIN). */
export function resultColumn(name: string, type: 'bigint' | 'varchar' | 'boolean'): ColumnInfo {
  return athenaColumn(name, type, { bigint: 19, varchar: 2147483647, boolean: 0 }[type]);
}

/** What CTAS, INSERT INTO and UNLOAD answer, as Trino does: one `rows` column with the rows written. */
export function rowCountResult(
  statementType: StatementType,
  substatementType: string,
  rows: number,
  dataScanned: number,
): StatementResult {
  return {
    statementType,
    substatementType,
    dataScanned,
    updateCount: rows,
    kind: 'rows',
    columns: [resultColumn('rows', 'bigint')],
    rows: [[String(rows)]],
  };
}
