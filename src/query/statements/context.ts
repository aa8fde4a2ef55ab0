/*
 * What every statement executor receives (StatementContext) and answers (StatementResult). A statement acts as
 * the caller who started the query: each catalog or storage action it takes is authorized for that caller
 * first, as Athena does with the caller's own credentials.
 */
import type { CatalogService } from '../../catalog/index.js';
import type { ColumnInfo } from '../../engine/index.js';
import type { Authorizer } from '../../lib/operation.js';
import type { StorageService } from '../../storage/index.js';
import type { EnginePool } from '../engine-pool.js';
import type { prepareSelect, SqlParser } from '../prepare.js';
import type { QueryCaller } from '../query-access.js';
import type { ExpandedSelect } from '../query-views.js';
import type { PreparedStatements } from './ast.js';

export interface StatementContext {
  catalog: CatalogService;
  storage: StorageService;
  authorizer: Authorizer;
  /** Who started the query; see query-access.ts (callerOf). */
  caller: QueryCaller;
  region: string;
  accountId: string;
  /** QueryExecutionContext.Database, when given. */
  database: string | undefined;
  workgroup: string;
  queryId: string;
  /** The s3:// URL of the result object Athena would write (`<dir>/<queryId>.csv`). */
  outputLocation: string;
  parser: SqlParser;
  prepareSelect: typeof prepareSelect;
  pool: EnginePool;
  /** Aborted when the query is stopped (StopQueryExecution, its time limit, shutdown). */
  signal: AbortSignal;
  /**
   * The workgroup's BytesScannedCutoffPerQuery: a statement whose reads would pass it (CTAS, INSERT INTO,
   * UNLOAD, EXPLAIN ANALYZE: the size of its tables' files) never starts.
   */
  bytesCutoff?: number;
  prepared: PreparedStatements;
}

/** Athena's StatementType. */
export type StatementType = 'DDL' | 'DML' | 'UTILITY';

/** What a statement answers. */
export type StatementResult = {
  statementType: StatementType;
  /** Athena's SubstatementType as it reports it: 'SELECT', 'CREATE_TABLE', 'SHOW_TABLES', 'DESCRIBE_TABLE'... */
  substatementType: string;
  /** DataScannedInBytes: 0 for what only touches the catalog. */
  dataScanned: number;
  /** Rows written (CTAS, INSERT INTO, UNLOAD): GetQueryResults' UpdateCount. */
  updateCount?: number;
} & (
  | {
      kind: 'rows';
      columns: ColumnInfo[];
      /** Each row's values in column order, as text (null for NULL); streamed when there may be many. */
      rows: Iterable<(string | null)[]> | AsyncIterable<(string | null)[]>;
    }
  /** Run this prepared SELECT, its views expanded, as the result (EXECUTE of a prepared query). */
  | { kind: 'select'; select: ExpandedSelect }
);
