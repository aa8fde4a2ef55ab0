/*
 * How a query execution that is a statement (not a query) runs: as its caller, through runStatement, its
 * answer written where Athena writes DDL output: `<id>.txt`, one line per row, columns separated by tabs,
 * without a header (a SELECT's `<id>.csv` has one). A statement that answers with a SELECT (EXECUTE of a
 * prepared query) runs it like any query.
 */

import type { CatalogService } from '../catalog/index.js';
import { parseS3Url } from '../catalog/index.js';
import type { Authorizer } from '../lib/operation.js';
import type { StorageService } from '../storage/index.js';
import type { EnginePool } from './engine-pool.js';
import { prepareSelect, type SqlParser } from './prepare.js';
import { callerOf, checkQueryAccess } from './query-access.js';
import { runQuery } from './query-runner.js';
import type { QueryRow } from './query-store.js';
import { QueryRejected } from './sandbox-tree.js';
import {
  type PreparedStatements,
  parseStatement,
  runStatement,
  type Statement,
  type StatementContext,
  type StatementResult,
  statementTypes,
} from './statements/index.js';

/**
 * Athena's StatementType and SubstatementType of a query execution's SQL, as known when it is submitted; none
 * for a query (DML, SELECT) or SQL that does not parse (it fails when it runs, with the reason).
 */
export function statementColumns(sql: string): Pick<QueryRow, 'statement_type' | 'substatement_type'> {
  let statement: Statement | undefined;
  try {
    statement = parseStatement(sql);
  } catch {
    return {};
  }
  if (!statement) return {};
  const { statementType, substatementType } = statementTypes(statement);
  return { statement_type: statementType, substatement_type: substatementType };
}

export interface StatementJobDeps {
  storage: StorageService;
  catalog: CatalogService;
  authorizer: Authorizer;
  region: string;
  pool: EnginePool;
  parser: SqlParser;
  prepared?: PreparedStatements;
  /** The workgroup's BytesScannedCutoffPerQuery. */
  bytesCutoff?: number;
}

/** Where prepared statements are not kept, the statements that use them are refused. */
const NO_PREPARED: PreparedStatements = {
  get: () => Promise.reject(new QueryRejected('Prepared statements are not available in this Seawall.')),
  put: () => Promise.reject(new QueryRejected('Prepared statements are not available in this Seawall.')),
  delete: () => Promise.reject(new QueryRejected('Prepared statements are not available in this Seawall.')),
};

/** A value of Athena's DDL output: a line break or tab inside one would split it, so they show as spaces. */
function field(value: string | null): string {
  if (value === null) return '';
  let out = '';
  for (const c of value) out += c === '\n' || c === '\r' ? ' ' : c;
  return out;
}

async function* textLines(result: Extract<StatementResult, { kind: 'rows' }>): AsyncGenerator<Buffer> {
  for await (const row of result.rows) {
    const values = row.map(field);
    // Only the last column may hold tabs (DESCRIBE's and SHOW TBLPROPERTIES' lines): the reader splits the others.
    yield Buffer.from(
      `${values.map((v, i) => (i < values.length - 1 ? v.replaceAll('\t', ' ') : v)).join('\t')}\n`,
    );
  }
}

/** Runs one statement of a query execution; answers the row's changes, as the SELECT path does. */
export async function executeStatement(
  deps: StatementJobDeps,
  row: QueryRow,
  statement: Statement,
  signal: AbortSignal,
): Promise<Partial<QueryRow>> {
  const caller = callerOf(row.caller, row.account_id);
  const directory = row.output_location.slice(0, row.output_location.lastIndexOf('/') + 1);
  const { bucket, prefix } = parseS3Url(directory);
  const text = `${directory}${row.id}.txt`;
  const access = {
    authorizer: deps.authorizer,
    catalog: deps.catalog,
    region: deps.region,
    caller,
    storage: deps.storage,
  };
  await checkQueryAccess({ ...access, tables: [], output: text });
  await deps.storage.headBucket(bucket).catch((error: { code?: string }) => {
    throw error.code === 'NoSuchBucket'
      ? new QueryRejected(`Unable to verify/create output bucket ${bucket}`)
      : error;
  });
  const ctx: StatementContext = {
    ...access,
    storage: deps.storage,
    accountId: row.account_id,
    database: row.database ?? undefined,
    workgroup: row.workgroup,
    queryId: row.id,
    outputLocation: row.output_location,
    parser: deps.parser,
    prepareSelect,
    pool: deps.pool,
    signal,
    prepared: deps.prepared ?? NO_PREPARED,
    ...(deps.bytesCutoff !== undefined ? { bytesCutoff: deps.bytesCutoff } : {}),
  };
  const result = await runStatement(statement, ctx);
  const types = { statement_type: result.statementType, substatement_type: result.substatementType };
  if (result.kind === 'select') {
    const { sql, tables, views, reads, columns } = result.select;
    await checkQueryAccess({ ...access, tables: reads, output: row.output_location });
    const ran = await runQuery(
      { pool: deps.pool, storage: deps.storage },
      {
        sql,
        database: ctx.database,
        tables,
        views,
        columns,
        output: { bucket, key: `${prefix}${row.id}.csv` },
        signal,
        ...(deps.bytesCutoff !== undefined ? { bytesCutoff: deps.bytesCutoff } : {}),
      },
    );
    return {
      state: 'SUCCEEDED',
      columns: JSON.stringify(ran.columns),
      data_scanned: ran.dataScanned,
      ...types,
    };
  }
  await deps.storage.putObject({
    bucket,
    key: `${prefix}${row.id}.txt`,
    body: textLines(result),
    contentType: 'text/plain',
    userMetadata: {},
    headers: {},
  });
  return {
    state: 'SUCCEEDED',
    columns: JSON.stringify(result.columns),
    data_scanned: result.dataScanned,
    output_location: text,
    ...(result.updateCount !== undefined ? { update_count: result.updateCount } : {}),
    ...types,
  };
}
