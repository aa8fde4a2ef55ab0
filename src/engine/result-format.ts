import {
  type DuckDBArrayType,
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBIntervalValue,
  type DuckDBListType,
  DuckDBListValue,
  type DuckDBMapType,
  DuckDBMapValue,
  type DuckDBStructType,
  DuckDBStructValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';
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

/**
 * Athena's ColumnInfo Type and Precision for each DuckDB type, as Athena reports them in GetQueryResults
 * (and as PyAthena's tests record them): `float` for a REAL with precision 17 like `double`, varchar's
 * 2147483647, varbinary's 1073741824, 3 for timestamps and times, 0 for date, array, map and row.
 */
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
  [DuckDBTypeId.FLOAT]: ['float', 17],
  [DuckDBTypeId.DOUBLE]: ['double', 17],
  [DuckDBTypeId.VARCHAR]: ['varchar', 2147483647],
  [DuckDBTypeId.BLOB]: ['varbinary', 1073741824],
  [DuckDBTypeId.DATE]: ['date', 0],
  [DuckDBTypeId.TIME]: ['time', 3],
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
  // JSON is a VARCHAR with an alias in DuckDB; Athena has a json type of its own.
  if (type.alias?.toUpperCase() === 'JSON') athena = ['json', 0];
  let scale = 0;
  if (type.typeId === DuckDBTypeId.DECIMAL) {
    const decimal = type as unknown as { width: number; scale: number };
    athena = ['decimal', decimal.width];
    scale = decimal.scale;
  }
  return athenaColumn(name, athena[0], athena[1], scale);
}

/** Athena's ColumnInfo for a column of an Athena type (only varchar compares case-sensitively). */
export function athenaColumn(name: string, type: string, precision: number, scale = 0): ColumnInfo {
  return {
    CatalogName: 'hive',
    SchemaName: '',
    TableName: '',
    Name: name,
    Label: name,
    Type: type,
    Precision: precision,
    Scale: scale,
    Nullable: 'UNKNOWN',
    CaseSensitive: type === 'varchar',
  };
}

/** `2024-01-02 03:04:05[.123456]` as Athena prints timestamps: exactly three fractional digits. */
function athenaTimestamp(text: string): string {
  const match = /^(-?\d+-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(text);
  if (!match) return text;
  return `${match[1]}.${(match[2] ?? '').padEnd(3, '0').slice(0, 3)}`;
}

/**
 * A double (or, with `float`, a real) as Java's Double.toString (Float.toString) writes it, as Athena prints
 * them: the shortest digits that read back as the value; plain from 10^-3 up to 10^7 (`1.0`, `0.001`),
 * scientific outside it (`1.0E7`, `1.5830208E9`, `1.0E-4`).
 */
function athenaDouble(value: number, float = false): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  let digits = 17;
  if (float) {
    digits = 1;
    while (digits < 9 && Math.fround(Number(value.toPrecision(digits))) !== value) digits++;
  }
  const shortest = float ? Number(value.toPrecision(digits)) : value;
  const abs = Math.abs(shortest);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = String(shortest);
    return plain.includes('.') || plain.includes('e') ? plain : `${plain}.0`;
  }
  const [mantissa = '', exponent = '0'] = shortest.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** `13:21:32[.424…]` as Athena prints times: exactly three fractional digits. */
function athenaTime(text: string): string {
  const match = /^(\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(text);
  if (!match) return text;
  return `${match[1]}.${(match[2] ?? '').padEnd(3, '0').slice(0, 3)}`;
}

const MICROS_PER_DAY = 86_400_000_000n;

/**
 * An interval as Trino prints it: a year-to-month one as `3-5`, a day-to-second one as `2 03:00:00.000`
 * (Trino keeps the two apart; an interval of both is printed as DuckDB does).
 */
export function athenaInterval(value: DuckDBIntervalValue): string {
  const { months, days, micros } = value;
  if (days === 0 && micros === 0n) {
    const sign = months < 0 ? '-' : '';
    const abs = Math.abs(months);
    return `${sign}${Math.floor(abs / 12)}-${abs % 12}`;
  }
  if (months !== 0) return value.toString();
  const total = BigInt(days) * MICROS_PER_DAY + micros;
  const sign = total < 0n ? '-' : '';
  const abs = total < 0n ? -total : total;
  const two = (n: bigint) => n.toString().padStart(2, '0');
  const millis = (abs % 1_000_000n) / 1000n;
  const seconds = abs / 1_000_000n;
  return `${sign}${seconds / 86_400n} ${two((seconds / 3600n) % 24n)}:${two((seconds / 60n) % 60n)}:${two(seconds % 60n)}.${millis.toString().padStart(3, '0')}`;
}

/**
 * The SQL type that gives the fields of every row inside `type` a name, or undefined when they all have one.
 * DuckDB's row() makes rows whose fields are unnamed and its client cannot tell apart; Trino calls them
 * `field0`, `field1`… (Athena prints `{field0=Bob, field1=38}`), and a cast to a row type with those names keeps
 * the values by position.
 */
export function namedRowsType(type: DuckDBType): string | undefined {
  const named = (t: DuckDBType): { sql: string; renamed: boolean } => {
    switch (t.typeId) {
      case DuckDBTypeId.STRUCT: {
        const struct = t as DuckDBStructType;
        let renamed = struct.entryNames.some((name) => name === '');
        const fields = struct.entryNames.map((name, i) => {
          const inner = named(struct.entryTypes[i] as DuckDBType);
          renamed ||= inner.renamed;
          return `${quoteIdent(name === '' ? `field${i}` : name)} ${inner.sql}`;
        });
        return { sql: `STRUCT(${fields.join(', ')})`, renamed };
      }
      case DuckDBTypeId.LIST: {
        const inner = named((t as DuckDBListType).valueType);
        return { sql: `${inner.sql}[]`, renamed: inner.renamed };
      }
      case DuckDBTypeId.ARRAY: {
        const array = t as DuckDBArrayType;
        const inner = named(array.valueType);
        return { sql: `${inner.sql}[${array.length}]`, renamed: inner.renamed };
      }
      case DuckDBTypeId.MAP: {
        const map = t as DuckDBMapType;
        const [key, value] = [named(map.keyType), named(map.valueType)];
        return { sql: `MAP(${key.sql}, ${value.sql})`, renamed: key.renamed || value.renamed };
      }
      default:
        return { sql: t.toString(), renamed: false };
    }
  };
  const { sql, renamed } = named(type);
  return renamed ? sql : undefined;
}

/**
 * A value inside an array, map or row as Trino prints it: `[a, b]`, `{k=v}`, `{name=Bob, age=38}`, strings
 * unquoted, NULL as `null`, numbers, timestamps and intervals as at the top level.
 */
export function athenaNested(value: DuckDBValue, type: DuckDBType): string {
  if (value === null) return 'null';
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) {
    const item = (type as DuckDBListType | DuckDBArrayType).valueType;
    return `[${value.items.map((v) => athenaNested(v, item)).join(', ')}]`;
  }
  if (value instanceof DuckDBMapValue) {
    const { keyType, valueType } = type as DuckDBMapType;
    return `{${value.entries.map((e) => `${athenaNested(e.key, keyType)}=${athenaNested(e.value, valueType)}`).join(', ')}}`;
  }
  if (value instanceof DuckDBStructValue) {
    const struct = type as DuckDBStructType;
    // DuckDB's row() has fields without names, whose values its client cannot tell apart: fail, never print
    // one value for another.
    if (struct.entryNames.some((name) => name === ''))
      throw new Error(
        'NOT_SUPPORTED: a ROW without field names cannot be printed here: name its fields with CAST(ROW(...) AS ROW(a integer, b varchar)).',
      );
    return `{${struct.entryNames
      .map(
        (name, i) =>
          `${name}=${athenaNested(value.entries[name] ?? null, struct.entryTypes[i] as DuckDBType)}`,
      )
      .join(', ')}}`;
  }
  return formatValue(value, type.typeId, type) ?? 'null';
}

/**
 * A result value as Athena prints it: timestamps with milliseconds, doubles always with a fraction, binary as
 * hex, everything else in DuckDB's text form. Formatting here, rather than by wrapping the query in casts,
 * spares binding every query twice.
 */
export function formatValue(value: DuckDBValue, type: DuckDBTypeId, full?: DuckDBType): string | null {
  if (value === null) return null;
  switch (type) {
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return athenaTimestamp(String(value));
    case DuckDBTypeId.TIMESTAMP_TZ:
      return `${athenaTimestamp(String(value))} UTC`;
    case DuckDBTypeId.DOUBLE:
      return typeof value === 'number' ? athenaDouble(value) : String(value);
    case DuckDBTypeId.FLOAT:
      return typeof value === 'number' ? athenaDouble(value, true) : String(value);
    case DuckDBTypeId.TIME:
      return athenaTime(String(value));
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.MAP:
    case DuckDBTypeId.STRUCT:
      return full ? athenaNested(value, full) : String(value);
    case DuckDBTypeId.INTERVAL:
      return value instanceof DuckDBIntervalValue ? athenaInterval(value) : String(value);
    case DuckDBTypeId.BLOB:
      return value instanceof DuckDBBlobValue
        ? Buffer.from(value.bytes).toString('hex').toUpperCase()
        : String(value);
    default:
      return String(value);
  }
}

/** A CSV field as Athena writes result files: every value quoted, NULL as an empty unquoted field. */
export function csvField(value: string | null): string {
  return value === null ? '' : `"${value.replace(/"/g, '""')}"`;
}
