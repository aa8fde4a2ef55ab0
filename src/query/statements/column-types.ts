/*
 * A written or viewed SELECT's column types as Hive types, for Glue's columns (a view's Trino types are in
 * query-views.ts). Types a Hive table cannot hold are refused by CTAS, as Athena does.
 */
import { hiveTypeOf } from '../../catalog/index.js';
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
