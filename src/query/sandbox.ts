/** Why a query may not run: a user error Athena would report as FAILED. */
export class QueryRejected extends Error {
  override readonly name = 'QueryRejected';
}

export interface TableReference {
  database: string;
  table: string;
}

/** Table functions that read no data from outside the query. */
const ALLOWED_TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest']);

/**
 * Scalar functions that would reveal the engine's configuration or environment (settings hold the
 * file paths the sandbox allows) or reach outside the query.
 */
const DENIED_FUNCTION =
  /^(current_setting|getenv|getvariable|current_schema|current_schemas|current_database|current_catalog|version|platform|pragma_.*|duckdb_.*|read_.*|glob|query|query_table|sql_auto_complete|which_secret|icu_.*|enable_.*|disable_.*|checkpoint|force_checkpoint|set_.*|parquet_.*|sniff_csv|json_serialize_.*|json_deserialize_.*|json_execute_serialized_sql|make_random_.*|repository.*|install_.*|load_.*)$/;

/** Schemas that belong to the engine, never to the catalog. */
export const RESERVED_SCHEMAS = new Set([
  'main',
  'information_schema',
  'pg_catalog',
  'temp',
  'system',
  'memory',
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function firstWord(sql: string): string {
  const stripped = sql.replace(/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '');
  return (/^[A-Za-z]+/.exec(stripped)?.[0] ?? 'this').toUpperCase();
}

/** Walks a serialised DuckDB syntax tree, collecting what the query reads and calls. */
function walk(
  node: Json,
  found: {
    tables: { schema: string; table: string; catalog: string }[];
    tableFunctions: string[];
    functions: string[];
    ctes: Set<string>;
  },
): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, found);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  if (node.type === 'BASE_TABLE') {
    found.tables.push({
      schema: String(node.schema_name ?? ''),
      table: String(node.table_name ?? ''),
      catalog: String(node.catalog_name ?? ''),
    });
  }
  if (
    node.type === 'TABLE_FUNCTION' &&
    node.function &&
    typeof node.function === 'object' &&
    !Array.isArray(node.function)
  ) {
    found.tableFunctions.push(String(node.function.function_name ?? ''));
  }
  if (node.class === 'FUNCTION' && typeof node.function_name === 'string')
    found.functions.push(node.function_name);
  const cteMap = node.cte_map;
  if (cteMap && typeof cteMap === 'object' && !Array.isArray(cteMap) && Array.isArray(cteMap.map)) {
    for (const entry of cteMap.map) {
      if (entry && typeof entry === 'object' && !Array.isArray(entry) && typeof entry.key === 'string')
        found.ctes.add(entry.key.toLowerCase());
    }
  }
  for (const value of Object.values(node))
    if (value !== null && typeof value === 'object') walk(value, found);
}

/**
 * Decides whether SQL may run, before it runs: exactly one read-only SELECT, reading only catalog tables and
 * calling nothing that reaches outside the query. DuckDB's own parser produces the syntax tree, so what is
 * checked is what would execute. Returns the catalog tables the query reads.
 */
export async function analyzeQuery(
  serialize: (sql: string) => Promise<string>,
  sql: string,
  defaultDatabase: string | undefined,
): Promise<TableReference[]> {
  const tree = JSON.parse(await serialize(sql)) as {
    error?: boolean;
    error_message?: string;
    error_type?: string;
    statements?: { node: Json }[];
  };
  if (tree.error) {
    if (/only select/i.test(tree.error_message ?? '')) {
      throw new QueryRejected(
        `${firstWord(sql)} statements are not allowed: Athena queries here are read-only SELECT statements.`,
      );
    }
    throw new QueryRejected(tree.error_message ?? 'The query could not be parsed.');
  }
  const statements = tree.statements ?? [];
  if (statements.length !== 1) throw new QueryRejected('Exactly one statement must be submitted per query.');
  const found = {
    tables: [] as { schema: string; table: string; catalog: string }[],
    tableFunctions: [] as string[],
    functions: [] as string[],
    ctes: new Set<string>(),
  };
  walk(statements[0]?.node ?? null, found);
  for (const name of found.tableFunctions) {
    if (!ALLOWED_TABLE_FUNCTIONS.has(name.toLowerCase()))
      throw new QueryRejected(`Function ${name} is not allowed: queries read catalog tables only.`);
  }
  for (const name of found.functions) {
    if (DENIED_FUNCTION.test(name.toLowerCase()))
      throw new QueryRejected(`Function ${name} is not allowed in queries.`);
  }
  const references = new Map<string, TableReference>();
  for (const ref of found.tables) {
    if (ref.catalog !== '' && ref.catalog.toLowerCase() !== 'awsdatacatalog')
      throw new QueryRejected(`Catalog ${ref.catalog} does not exist.`);
    if (ref.schema === '' && found.ctes.has(ref.table.toLowerCase())) continue;
    const database = (ref.schema || defaultDatabase || '').toLowerCase();
    if (database === '')
      throw new QueryRejected(
        `Table ${ref.table} is not qualified with a database and the query has no database context.`,
      );
    if (RESERVED_SCHEMAS.has(database))
      throw new QueryRejected(`Table ${ref.schema}.${ref.table} is not a catalog table.`);
    const table = ref.table.toLowerCase();
    references.set(`${database}.${table}`, { database, table });
  }
  return [...references.values()];
}
