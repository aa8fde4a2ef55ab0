import { type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';
import { quoteIdent } from '../lib/sql.js';

/** Athena's ColumnInfo for a result column. */
export interface ColumnInfo {
  CatalogName: string;
  SchemaName: string;
  TableName: string;
  Name: string;
  Label: string;
  Type: string;
  Precision: number;
  Scale: number;
  Nullable: 'UNKNOWN';
  CaseSensitive: boolean;
}

const SIMPLE_TYPES: Partial<Record<DuckDBTypeId, [string, number]>> = {
  [DuckDBTypeId.BOOLEAN]: ['boolean', 0],
  [DuckDBTypeId.TINYINT]: ['tinyint', 3],
  [DuckDBTypeId.SMALLINT]: ['smallint', 5],
  [DuckDBTypeId.INTEGER]: ['integer', 10],
  [DuckDBTypeId.BIGINT]: ['bigint', 19],
  [DuckDBTypeId.UTINYINT]: ['smallint', 5],
  [DuckDBTypeId.USMALLINT]: ['integer', 10],
  [DuckDBTypeId.UINTEGER]: ['bigint', 19],
  [DuckDBTypeId.UBIGINT]: ['decimal', 20],
  [DuckDBTypeId.HUGEINT]: ['decimal', 38],
  [DuckDBTypeId.FLOAT]: ['real', 24],
  [DuckDBTypeId.DOUBLE]: ['double', 53],
  [DuckDBTypeId.VARCHAR]: ['varchar', 2147483647],
  [DuckDBTypeId.BLOB]: ['varbinary', 2147483647],
  [DuckDBTypeId.DATE]: ['date', 0],
  [DuckDBTypeId.TIME]: ['time', 0],
  [DuckDBTypeId.TIMESTAMP]: ['timestamp', 3],
  [DuckDBTypeId.TIMESTAMP_S]: ['timestamp', 3],
  [DuckDBTypeId.TIMESTAMP_MS]: ['timestamp', 3],
  [DuckDBTypeId.TIMESTAMP_NS]: ['timestamp', 3],
  [DuckDBTypeId.TIMESTAMP_TZ]: ['timestamp with time zone', 3],
  [DuckDBTypeId.INTERVAL]: ['interval day to second', 0],
  [DuckDBTypeId.UUID]: ['uuid', 0],
  [DuckDBTypeId.ENUM]: ['varchar', 2147483647],
  [DuckDBTypeId.LIST]: ['array', 0],
  [DuckDBTypeId.ARRAY]: ['array', 0],
  [DuckDBTypeId.STRUCT]: ['row', 0],
  [DuckDBTypeId.MAP]: ['map', 0],
  [DuckDBTypeId.SQLNULL]: ['unknown', 0],
};

export function columnInfo(name: string, type: DuckDBType): ColumnInfo {
  let athena = SIMPLE_TYPES[type.typeId] ?? ['varchar', 2147483647];
  let scale = 0;
  if (type.typeId === DuckDBTypeId.DECIMAL) {
    const decimal = type as unknown as { width: number; scale: number };
    athena = ['decimal', decimal.width];
    scale = decimal.scale;
  }
  return {
    CatalogName: 'hive',
    SchemaName: '',
    TableName: '',
    Name: name,
    Label: name,
    Type: athena[0],
    Precision: athena[1],
    Scale: scale,
    Nullable: 'UNKNOWN',
    CaseSensitive: athena[0] === 'varchar',
  };
}

/**
 * The SQL that prints result column `position` (1-based) as Athena prints values: timestamps with
 * milliseconds, booleans as true/false, everything else in DuckDB's text form.
 */
export function formatExpression(position: number, type: DuckDBType, alias: string): string {
  const column = `#${position}`;
  switch (type.typeId) {
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return `strftime(${column}::TIMESTAMP, '%Y-%m-%d %H:%M:%S.%g') AS ${quoteIdent(alias)}`;
    case DuckDBTypeId.TIMESTAMP_TZ:
      return `strftime(timezone('UTC', ${column}), '%Y-%m-%d %H:%M:%S.%g UTC') AS ${quoteIdent(alias)}`;
    case DuckDBTypeId.BLOB:
      return `hex(${column}) AS ${quoteIdent(alias)}`;
    default:
      return `CAST(${column} AS VARCHAR) AS ${quoteIdent(alias)}`;
  }
}

/** A CSV field as Athena writes result files: every value quoted, NULL as an empty unquoted field. */
export function csvField(value: string | null): string {
  return value === null ? '' : `"${value.replace(/"/g, '""')}"`;
}

/**
 * Reads complete rows of Seawall's result CSV (the format csvField writes, every row ending in a newline)
 * from `offset`, at most `limit` of them. Returns the rows and the offset just after the last one read.
 */
export function parseCsvRows(
  text: string,
  offset: number,
  limit: number,
): { rows: (string | null)[][]; next: number } {
  const rows: (string | null)[][] = [];
  let i = offset;
  reading: while (rows.length < limit && i < text.length) {
    const row: (string | null)[] = [];
    let j = i;
    for (;;) {
      let value: string | null = null;
      if (text[j] === '"') {
        value = '';
        let k = j + 1;
        for (;;) {
          const quote = text.indexOf('"', k);
          if (quote < 0) break reading;
          value += text.slice(k, quote);
          if (text[quote + 1] !== '"') {
            k = quote + 1;
            break;
          }
          value += '"';
          k = quote + 2;
        }
        j = k;
      }
      row.push(value);
      if (text[j] === ',') {
        j++;
        continue;
      }
      if (text[j] !== '\n') break reading;
      j++;
      break;
    }
    rows.push(row);
    i = j;
  }
  return { rows, next: i };
}
