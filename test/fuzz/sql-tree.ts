/** Reading a DuckDB syntax tree (json_serialize_sql) for what a compiled recipe reads, calls and names. */

/** The functions the compiler writes; a recipe's SQL calling anything else would be an injection. */
export const RECIPE_FUNCTIONS = [
  'upper',
  'lower',
  'regexp_replace',
  'regexp_matches',
  'array_to_string',
  'list_transform',
  'string_split',
  'array_extract',
  'array_slice',
  'contains',
  'starts_with',
  'ends_with',
  'trunc',
  'timezone',
  'year',
  'strftime',
  'mode',
  'to_base64',
  'unhex',
  'sha256',
  'encode',
  'rpad',
  'hex',
  'octet_length',
  'getvariable',
  'error',
  'printf',
  'xor',
  'substr',
  'range',
  '||',
  '+',
  '*',
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a serialised DuckDB syntax tree reads, calls and names. */
export function collectTree(node: Json) {
  const found = {
    tables: [] as string[],
    functions: [] as string[],
    columns: [] as string[],
    aliases: [] as string[],
    strings: [] as string[],
  };
  const visit = (n: Json): void => {
    if (Array.isArray(n)) {
      for (const item of n) visit(item);
      return;
    }
    if (n === null || typeof n !== 'object') return;
    if (n.type === 'BASE_TABLE') found.tables.push(String(n.table_name));
    if (n.type === 'TABLE_FUNCTION') found.functions.push(`table function ${JSON.stringify(n.function)}`);
    if (n.class === 'FUNCTION') found.functions.push(String(n.function_name));
    if (n.class === 'COLUMN_REF' && Array.isArray(n.column_names))
      found.columns.push(...n.column_names.map(String));
    if (typeof n.alias === 'string' && n.alias !== '' && n.class !== undefined) found.aliases.push(n.alias);
    const v = n.value;
    if (
      n.class === 'CONSTANT' &&
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      !v.is_null &&
      typeof v.value === 'string'
    )
      found.strings.push(v.value);
    for (const child of Object.values(n)) if (child !== null && typeof child === 'object') visit(child);
  };
  visit(node);
  return found;
}
