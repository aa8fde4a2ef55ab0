/*
 * The parts of a query's shape the translation changes besides its calls: FROM items (UNNEST, strings as
 * tables, VALUES' column names, TABLESAMPLE) and the select list's names (`_col<n>`, zoned times printed as
 * Athena prints them).
 */
import { asciiLower, isNode, type Json, type JsonNode, list, QueryRejected, text } from '../sandbox-tree.js';
import { type TranslateContext, UNNAMED_PREFIX } from './translate.js';

/**
 * FROM items: UNNEST is Trino's only table function (its call is kept as it is); a name written as a string
 * (`FROM 'x.csv'`) would be a file to DuckDB.
 */
export function checkTableReference(table: JsonNode, context: TranslateContext): void {
  if (table.type === 'TABLE_FUNCTION' && isNode(table.function)) {
    const name = text(table.function.function_name, 'TABLE_FUNCTION.function_name');
    if (asciiLower(name) !== 'unnest' || writtenName(context.sql, table.function.query_location) !== 'unnest')
      throw new QueryRejected(`FUNCTION_NOT_FOUND: Table function '${name}' not registered`);
    context.tableCalls.add(table.function);
  }
  // VALUES' columns are unnamed in Trino (`_col0`…) where DuckDB calls them col0…
  if (table.type === 'EXPRESSION_LIST' && list(table.expected_names, 'expected_names').length === 0) {
    const first = list(table.values, 'VALUES')[0];
    table.expected_names = list(first, 'VALUES row').map((_, i) => `${UNNAMED_PREFIX}${i}`);
  }
  // Trino's TABLESAMPLE BERNOULLI|SYSTEM (p) takes a percentage; DuckDB reads the bare number as rows.
  if (isNode(table.sample)) table.sample = { ...table.sample, is_percentage: true };
  if (table.type === 'BASE_TABLE' && typeof table.query_location === 'number') {
    const first = context.sql.subarray(table.query_location, table.query_location + 2).toString('latin1');
    if (/^(['$]|[eE]')/.test(first))
      throw new QueryRejected(
        `A string is not a table: FROM '${text(table.table_name, 'table_name')}' would read a file. Name a catalog table.`,
      );
  }
}

/**
 * Trino's UNNEST of several arrays, or of a map, as a lateral subquery (DuckDB's table function takes one list).
 * `UNNEST(a, b) WITH ORDINALITY AS t(x, y, n)` zips its arrays, padding the shorter ones with NULL, and numbers
 * the rows from 1: `(SELECT unnest(a), unnest(b), unnest(range(1, greatest(len(a), len(b)) + 1))) AS t(x, y, n)`,
 * since unnest calls in one select list are zipped just so. A map gives two columns, its keys and its values; the
 * translator does not know types, so one argument is taken for a map when two names are given for its columns
 * (an array of plain values has one; an array of rows whose fields the names would be fails to bind). One array
 * stays DuckDB's own table function, WITH ORDINALITY included.
 */
export async function zippedUnnest(table: JsonNode, context: TranslateContext): Promise<JsonNode> {
  const call = table.function;
  if (!isNode(call) || asciiLower(text(call.function_name, 'TABLE_FUNCTION.function_name')) !== 'unnest')
    return table;
  const args = list(call.children, 'unnest arguments') as JsonNode[];
  const names = list(table.column_name_alias, 'column_name_alias') as string[];
  const ordinal = table.with_ordinality === 'WITH_ORDINALITY';
  const isMap = args.length === 1 && names.length === 2 + (ordinal ? 1 : 0);
  if (args.length === 1 && !isMap) return table;
  const refs = args.map((_, i) => `$${i + 1}`);
  const columns = isMap
    ? ['unnest(map_keys($1))', 'unnest(map_values($1))']
    : refs.map((a) => `unnest(${a})`);
  if (ordinal) {
    const lengths = isMap ? ['CAST(cardinality($1) AS BIGINT)'] : refs.map((a) => `coalesce(len(${a}), 0)`);
    const longest = lengths.length === 1 ? lengths[0] : `greatest(${lengths.join(', ')})`;
    columns.push(`unnest(range(1, ${longest} + 1))`);
  }
  const query = await context.templates.expand(`(SELECT ${columns.join(', ')})`, args);
  return {
    type: 'SUBQUERY',
    // DuckDB writes column names for a subquery only after an alias.
    alias: table.alias || `${UNNAMED_PREFIX}unnest`,
    sample: table.sample ?? null,
    subquery: query.subquery as Json,
    // Unnamed, they are Trino's `_col<n>`.
    column_name_alias: names.length > 0 ? names : columns.map((_, i) => `${UNNAMED_PREFIX}${i}`),
  };
}

/** The name at a node's position in the SQL, unquoted, if the user wrote one there. */
export function writtenName(sql: Buffer, location: Json | undefined): string {
  if (typeof location !== 'number' || location < 0 || location >= sql.length) return '';
  const rest = sql.subarray(location, location + 256).toString('utf8');
  const match = /^"((?:[^"]|"")*)"|^([A-Za-z_][A-Za-z0-9_$]*)/.exec(rest);
  return asciiLower(match?.[1]?.replace(/""/g, '"') ?? match?.[2] ?? '');
}

/**
 * Unnamed select items get a marker name, replaced after the run by `_col<position>` (Trino's name for them),
 * since a `*` before them makes their position known only then. A column reference keeps its name. A zoned
 * wall-clock time selected at the top is printed as Athena prints a timestamp with time zone.
 */
export async function nameColumns(select: JsonNode, context: TranslateContext): Promise<void> {
  const items = list(select.select_list, 'select_list') as JsonNode[];
  for (let i = 0; i < items.length; i++) {
    let item = items[i] as JsonNode;
    const zone = context.zoned.get(item);
    if (zone) {
      const alias = item.alias;
      item = await context.templates.expand("strftime($1, '%Y-%m-%d %H:%M:%S.%g') || ' ' || $2", [
        { ...item, alias: '' },
        zone,
      ]);
      item.alias = alias ?? '';
      items[i] = item;
    }
    if (item.alias === '' && item.class !== 'COLUMN_REF' && item.class !== 'STAR')
      item.alias = `${UNNAMED_PREFIX}${i}`;
    if (zone) context.types.set(String(item.alias), 'timestamp with time zone');
  }
}
