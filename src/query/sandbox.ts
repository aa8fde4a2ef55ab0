import type { DuckDBConnection } from '@duckdb/node-api';
import { checkStatement } from './sandbox-query.js';
import {
  type Analysis,
  type Json,
  list,
  node,
  onlyKeys,
  QueryRejected,
  type TableReference,
  text,
  unrecognised,
} from './sandbox-tree.js';
import { trinoSyntaxError } from './statements/tokens.js';

export { QueryRejected, RESERVED_SCHEMAS, type TableReference } from './sandbox-tree.js';

/** Words a read-only query may begin with: a statement refused after one of them is a second statement. */
const QUERY_STARTS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE']);

function firstWord(sql: string): string {
  const stripped = sql.replace(/^(\s|\(|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '');
  return (/^[A-Za-z]+/.exec(stripped)?.[0] ?? 'this').toUpperCase();
}

/**
 * DuckDB's syntax error as Trino words it, where DuckDB says where it is: "SYNTAX_ERROR: line 1:1: mismatched
 * input 'SELEC'". DuckDB's position is a byte offset into the text it parsed, which is the query as written but
 * where the pre-parse rewrote a Trino construct before it (pre-parse.ts): then the column, rarely the line, is
 * off by what the rewrite changed.
 */
function syntaxFailure(message: string, position: Json | undefined, sql: string): QueryRejected {
  const at = Number(position);
  if (typeof position !== 'string' || !Number.isSafeInteger(at) || at < 0)
    return new QueryRejected(message || 'The query could not be parsed.');
  const offset = Buffer.from(sql, 'utf8').subarray(0, at).toString('utf8').length;
  const near = /^syntax error at or near "(.*)"$/s.exec(message)?.[1];
  const said =
    near !== undefined
      ? `mismatched input '${near}'`
      : message === 'syntax error at end of input'
        ? "mismatched input '<EOF>'"
        : message;
  return trinoSyntaxError(sql, offset, said);
}

function parseFailure(root: { [key: string]: Json }, sql: string): QueryRejected {
  const message = text(root.error_message, 'error_message');
  if (!/only select/i.test(message)) return syntaxFailure(message, root.position, sql);
  const word = firstWord(sql);
  if (QUERY_STARTS.has(word))
    return new QueryRejected(
      'Exactly one statement must be submitted per query, and it must be a read-only SELECT.',
    );
  return new QueryRejected(
    `${word} statements are not allowed: Athena queries here are read-only SELECT statements.`,
  );
}

/**
 * Decides whether SQL may run, from DuckDB's own syntax tree of it (the parsed JSON of
 * `json_serialize_sql`), so what is checked is what would execute: exactly one read-only SELECT that reads
 * only catalog tables and calls only allow-listed functions. Pure; returns the catalog tables the query reads
 * and throws QueryRejected, with the reason, for anything else, including any part of the tree it does not
 * recognise.
 */
export function analyzeTree(
  tree: unknown,
  sql: string,
  defaultDatabase: string | undefined,
): TableReference[] {
  const root = node(tree as Json, 'serialised query');
  if (root.error === true) throw parseFailure(root, sql);
  onlyKeys(root, 'serialised query', ['error', 'statements']);
  const statements = list(root.statements, 'statements');
  if (statements.length !== 1) throw new QueryRejected('Exactly one statement must be submitted per query.');
  const analysis: Analysis = {
    sql: Buffer.from(sql, 'utf8'),
    database: defaultDatabase || undefined,
    tables: new Map(),
    statement: checkStatement,
  };
  try {
    checkStatement(statements[0], { analysis, scope: undefined, depth: 0, keywordsAnywhere: false });
  } catch (error) {
    // The depth bound comes first; a smaller stack than expected must still end in a refusal, not a crash.
    if (error instanceof RangeError) throw new QueryRejected('The query is nested too deeply.');
    throw error;
  }
  return [...analysis.tables.values()];
}

/**
 * analyzeTree over the tree `serialize` returns: the JSON text of `json_serialize_sql` for the SQL, from
 * whichever DuckDB the caller holds (in process or in a worker).
 */
export async function analyzeQuery(
  serialize: (sql: string) => Promise<string>,
  sql: string,
  defaultDatabase: string | undefined,
): Promise<TableReference[]> {
  const json = await serialize(sql);
  let tree: unknown;
  try {
    tree = JSON.parse(json);
  } catch {
    throw unrecognised('a serialised query that is not JSON');
  }
  return analyzeTree(tree, sql, defaultDatabase);
}

/** The `serialize` of analyzeQuery for a DuckDB connection (any: parsing needs no tables nor settings). */
export function serializerFor(connection: DuckDBConnection): (sql: string) => Promise<string> {
  return async (sql) => {
    const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS tree', [sql]);
    return String(reader.getRowObjectsJson()[0]?.tree ?? '');
  };
}
