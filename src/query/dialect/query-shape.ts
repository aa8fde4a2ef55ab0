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
