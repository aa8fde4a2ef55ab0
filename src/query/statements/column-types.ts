/*
 * A written or viewed SELECT's column types in the catalog's vocabularies: Hive types for Glue's columns,
 * Trino types for a view's definition. Types a Hive table cannot hold are refused by CTAS, as Athena does.
 */
import { hiveTypeOf, parseDuckDbType, parseHiveType, type TypeTree } from '../../catalog/index.js';
import { QueryRejected } from '../sandbox.js';
import type { SelectColumn } from './select-writer.js';

/**
 * DuckDB types with no Hive counterpart: a column of one is refused. Nested inside an array, map or struct
 * they are registered (and written, see the casts of CTAS) as strings, as the crawler reads them.
 */
const NOT_HIVE = new Set([
  'TIME',
  'TIME WITH TIME ZONE',
  'TIMESTAMP WITH TIME ZONE',
  'INTERVAL',
  'UUID',
  'JSON',
  'BIT',
]);

/** The Hive type a written column is registered with; what Hive cannot hold is refused with Trino's error. */
export function writableHiveType(column: SelectColumn): string {
  const refuse = () =>
    new QueryRejected(
      `NOT_SUPPORTED: Unsupported Hive type: ${column.type.toLowerCase()} (column ${column.name}).`,
    );
  if (NOT_HIVE.has(column.type.toUpperCase())) throw refuse();
  try {
    return hiveTypeOf(column.type);
  } catch {
    throw refuse();
  }
}

/** The Hive type a view's column is listed with in Glue (a view may hold any type; strings stand in). */
export function viewHiveType(column: SelectColumn): string {
  try {
    return hiveTypeOf(column.type);
  } catch {
    return 'string';
  }
}

const TRINO_NAMES: Record<string, string> = {
  string: 'varchar',
  int: 'integer',
  float: 'real',
  binary: 'varbinary',
  timestamp: 'timestamp(3)',
};

function trino(tree: TypeTree): string {
  switch (tree.kind) {
    case 'primitive':
      return TRINO_NAMES[tree.name] ?? tree.name;
    case 'decimal':
      return `decimal(${tree.precision},${tree.scale})`;
    case 'array':
      return `array(${trino(tree.element)})`;
    case 'map':
      return `map(${trino(tree.key)}, ${trino(tree.value)})`;
    case 'struct':
      return `row(${tree.fields.map((f) => `${f.name} ${trino(f.type)}`).join(', ')})`;
  }
}

/** The Trino type of a view's column, as its definition records it (`varchar`, `row(a integer)`). */
export function trinoType(column: SelectColumn): string {
  const type = column.type.toUpperCase();
  if (type === 'TIMESTAMP WITH TIME ZONE') return 'timestamp(3) with time zone';
  if (type === 'TIME') return 'time(3)';
  if (type === 'INTERVAL') return 'interval day to second';
  if (type === 'UUID') return 'uuid';
  try {
    return trino(parseDuckDbType(column.type));
  } catch {
    return trino(parseHiveType(viewHiveType(column)));
  }
}
