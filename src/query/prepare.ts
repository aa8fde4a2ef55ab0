import { analyzeQuery, QueryRejected, type TableReference } from './sandbox.js';

/** DuckDB's parser, wherever it runs: SQL to its JSON syntax tree and back. */
export interface SqlParser {
  /** The JSON text of `json_serialize_sql` for the SQL. */
  serialize(sql: string): Promise<string>;
  /** The SQL text of `json_deserialize_sql` for a JSON syntax tree. */
  deserialize(json: string): Promise<string>;
}

/** A SELECT written in Athena's SQL, ready to run on a sandboxed engine. */
export interface PreparedSelect {
  /** The DuckDB SQL that runs: what the sandbox checked. */
  sql: string;
  /** The catalog tables it reads. */
  tables: TableReference[];
}

export interface PrepareOptions {
  /**
   * Values for the query's `?` placeholders, in order, each an SQL literal as written (`'a'`, `42`,
   * `DATE '2024-01-01'`): EXECUTE ... USING and StartQueryExecution's ExecutionParameters.
   */
  parameters?: string[];
}

/**
 * Turns one read-only query in Athena's (Trino's) SQL into the DuckDB SQL that gives Athena's answer, and
 * checks what will run with the sandbox. Throws QueryRejected with the reason for anything refused.
 */
export async function prepareSelect(
  parser: SqlParser,
  sql: string,
  database: string | undefined,
  options: PrepareOptions = {},
): Promise<PreparedSelect> {
  if (options.parameters?.length) throw new QueryRejected('Query parameters are not supported yet.');
  const tables = await analyzeQuery((text) => parser.serialize(text), sql, database);
  return { sql, tables };
}
