/**
 * The one place SQL text is built from names and values for DuckDB. Identifiers are always double-quoted;
 * literals are single-quoted with quotes doubled. Nothing user-controlled reaches SQL any other way.
 */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains NUL');
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('literal contains NUL');
  return `'${value.replace(/'/g, "''")}'`;
}

/** A list literal of strings: ['a', 'b']. */
export function quoteList(values: readonly string[]): string {
  return `[${values.map(quoteLiteral).join(', ')}]`;
}
