import { quoteIdent, quoteLiteral } from '../lib/sql.js';
import type { Condition, DataType, DateFormatPart, DateToken } from './recipe.js';

/**
 * SQL expression builders for the recipe compiler. Every identifier goes through quoteIdent and every
 * value through quoteLiteral; type names come from fixed tables or pass `safeTypeName`.
 */
export interface ColumnSchema {
  readonly name: string;
  readonly type: string;
}

export type TypeClass =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'other';

const CLASS_OF_TYPE: ReadonlyArray<readonly [RegExp, TypeClass]> = [
  [/^(VARCHAR|TEXT|STRING|CHAR|BPCHAR|NVARCHAR)(\(\d+\))?$/, 'string'],
  [/^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|INT[1248]?|LONG|SHORT|SIGNED)$/, 'integer'],
  [/^(FLOAT[48]?|REAL|DOUBLE|DECIMAL|NUMERIC)(\(\s*\d+\s*(,\s*\d+\s*)?\))?$/, 'number'],
  [/^(BOOLEAN|BOOL|LOGICAL)$/, 'boolean'],
  [/^DATE$/, 'date'],
  [/^(TIMESTAMP|DATETIME|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMP_US)$/, 'timestamp'],
  [/^(TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ)$/, 'timestamptz'],
];

export function typeClass(type: string): TypeClass {
  const normal = type.trim().toUpperCase();
  return CLASS_OF_TYPE.find(([pattern]) => pattern.test(normal))?.[1] ?? 'other';
}

/** A column's own type, for casts that must keep it; only simple names such as DECIMAL(18,3) get through. */
function safeTypeName(type: string): string | undefined {
  return /^[A-Za-z][A-Za-z0-9_ ]{0,40}(\(\s*\d+\s*(,\s*\d+\s*)?\))?$/.test(type) ? type : undefined;
}

export const SQL_TYPE: Readonly<Record<DataType, string>> = {
  byte: 'TINYINT',
  short: 'SMALLINT',
  int: 'INTEGER',
  long: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  decimal: 'DECIMAL(38,18)',
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

export const ref = (column: ColumnSchema | string): string =>
  quoteIdent(typeof column === 'string' ? column : column.name);

/** DataBrew's "missing": NULL, or the empty string for text. */
export function missing(expr: string, cls: TypeClass): string {
  return cls === 'string' ? `(${expr} IS NULL OR ${expr} = '')` : `(${expr} IS NULL)`;
}

/** Leading/trailing whitespace of any kind (tabs, CR from CRLF files), not just the spaces trim() drops. */
export function trimmed(expr: string): string {
  return `regexp_replace(${expr}, ${quoteLiteral('^\\s+|\\s+$')}, '', 'g')`;
}

/** Spark's initcap, which DataBrew runs on: words split on spaces, first letter upper, the rest lower. */
export function capitalCase(expr: string): string {
  return `array_to_string(list_transform(string_split(${expr}, ' '), lambda w: upper(w[1]) || lower(w[2:])), ' ')`;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;
const OFFSET_AT_END = '\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?\\s*(Z|z|[+-]\\d{2}(:?\\d{2})?)$';

const cast = (value: string, type: string) => `CAST(${quoteLiteral(value)} AS ${type})`;

/** A literal of the column's own type (FILL_WITH_CUSTOM), or undefined when the text cannot be one. */
export function literalFor(value: string, column: ColumnSchema): string | undefined {
  const cls = typeClass(column.type);
  const type = safeTypeName(column.type);
  if (cls === 'string') return quoteLiteral(value);
  if (type === undefined) return undefined;
  if (cls === 'integer') return /^[+-]?\d+$/.test(value) ? cast(value, type) : undefined;
  if (cls === 'number') return NUMBER.test(value) ? cast(value, type) : undefined;
  if (cls === 'boolean') return /^(true|false)$/i.test(value) ? cast(value, 'BOOLEAN') : undefined;
  if (cls === 'date') return ISO_DATE.test(value) ? cast(value, 'DATE') : undefined;
  if (cls === 'timestamp' || cls === 'timestamptz')
    return ISO_TIMESTAMP.test(value) ? cast(value, type) : undefined;
  return undefined;
}

/**
 * CHANGE_DATA_TYPE. Values that do not convert become NULL (TRY_CAST), as in DataBrew. Text is trimmed first;
 * text to an integer goes through DECIMAL and truncates like Spark (`43.0` → 43, `43.9` → 43) where a plain
 * cast would round; a timestamp text with an offset becomes that UTC instant. Undefined: no such conversion.
 */
export function convert(expr: string, cls: TypeClass, target: DataType): string | undefined {
  const type = SQL_TYPE[target];
  const text = trimmed(expr);
  if (target === 'string') return `CAST(${expr} AS VARCHAR)`;
  if (target === 'byte' || target === 'short' || target === 'int' || target === 'long') {
    if (cls === 'string') return `TRY_CAST(trunc(TRY_CAST(${text} AS DECIMAL(38,9))) AS ${type})`;
    if (cls === 'number') return `TRY_CAST(trunc(${expr}) AS ${type})`;
    return cls === 'integer' || cls === 'boolean' ? `TRY_CAST(${expr} AS ${type})` : undefined;
  }
  if (target === 'float' || target === 'double' || target === 'decimal') {
    if (cls === 'string') return `TRY_CAST(${text} AS ${type})`;
    return cls === 'integer' || cls === 'number' || cls === 'boolean'
      ? `TRY_CAST(${expr} AS ${type})`
      : undefined;
  }
  if (target === 'boolean') {
    if (cls === 'string') return `TRY_CAST(${text} AS BOOLEAN)`;
    if (cls === 'integer' || cls === 'number') return `(${expr} <> 0)`;
    return cls === 'boolean' ? expr : undefined;
  }
  return convertTemporal(expr, text, cls, target);
}

function convertTemporal(
  expr: string,
  text: string,
  cls: TypeClass,
  target: 'date' | 'timestamp',
): string | undefined {
  const utc = `timezone('UTC', ${expr})`;
  if (target === 'date') {
    // The calendar date as written, so "2024-01-16T23:30:00-08:00" stays the 16th (a local business date).
    if (cls === 'string') return `TRY_CAST(${text} AS DATE)`;
    if (cls === 'date' || cls === 'timestamp') return `CAST(${expr} AS DATE)`;
    return cls === 'timestamptz' ? `CAST(${utc} AS DATE)` : undefined;
  }
  if (cls === 'string') {
    // A bare cast to TIMESTAMP drops the offset, and a cast to TIMESTAMPTZ reads offset-less text in the
    // session's time zone; so only text that carries an offset goes through TIMESTAMPTZ.
    return (
      `CASE WHEN regexp_matches(${text}, ${quoteLiteral(OFFSET_AT_END)}) ` +
      `THEN timezone('UTC', TRY_CAST(${text} AS TIMESTAMPTZ)) ELSE TRY_CAST(${text} AS TIMESTAMP) END`
    );
  }
  if (cls === 'date' || cls === 'timestamp') return `CAST(${expr} AS TIMESTAMP)`;
  return cls === 'timestamptz' ? utc : undefined;
}

/** A date/time value to format or take the year of: text as written (wall clock), instants in UTC. */
export function asTimestamp(expr: string, cls: TypeClass): string | undefined {
  if (cls === 'string') return `TRY_CAST(${trimmed(expr)} AS TIMESTAMP)`;
  if (cls === 'date' || cls === 'timestamp') return expr;
  return cls === 'timestamptz' ? `timezone('UTC', ${expr})` : undefined;
}

const STRFTIME: Readonly<Record<DateToken, string>> = {
  yyyy: '%Y',
  yy: '%y',
  mm: '%m',
  dd: '%d',
  month: '%B',
  HH: '%H',
  MM: '%M',
  SS: '%S',
};

export function strftimeFormat(parts: readonly DateFormatPart[]): string {
  const format = parts.map((part) =>
    part.kind === 'token' ? STRFTIME[part.token] : part.text.replaceAll('%', '%%'),
  );
  return quoteLiteral(format.join(''));
}

/**
 * HMAC-SHA256 (RFC 2104) of the value's UTF-8 text, base64 like DataBrew's output. DuckDB 1.5 has sha256 but
 * no hmac(), so the construction is spelled out: the key (a BLOB variable; longer than the 64-byte block →
 * hashed first) is zero-padded, XORed byte by byte with 0x36 and 0x5c, and H(K^opad || H(K^ipad || m)) taken.
 * HMAC rather than sha256(key || m): plain keyed SHA-256 allows length extension. The key is read with
 * getvariable() so it never appears in SQL text or logs, and the pads sit in uncorrelated scalar subqueries
 * so DuckDB derives them once per query instead of once per row. An unset variable is an error, not a NULL.
 */
export function hmacSha256Base64(expr: string, variable: string): string {
  const message = quoteLiteral(`CRYPTOGRAPHIC_HASH: variable ${variable} (the secret key) is not set`);
  const key = `coalesce(CAST(getvariable(${quoteLiteral(variable)}) AS BLOB), error(${message}))`;
  const block = `SELECT rpad(hex(CASE WHEN octet_length(k) > 64 THEN unhex(sha256(k)) ELSE k END), 128, '0') AS h`;
  const pad = (byte: number) =>
    `(SELECT unhex(array_to_string(list_transform(range(64), lambda i: printf('%02x', ` +
    `xor(CAST('0x' || substr(h, 2 * i + 1, 2) AS INTEGER), ${byte}))), '')) FROM (${block} FROM (SELECT ${key} AS k)))`;
  const inner = `unhex(sha256(${pad(0x36)} || encode(CAST(${expr} AS VARCHAR))))`;
  return `to_base64(unhex(sha256(${pad(0x5c)} || ${inner})))`;
}

/** Raised by condition building; the compiler turns it into a step error. */
export class ConditionProblem extends Error {}

const NEGATED: ReadonlySet<Condition['kind']> = new Set([
  'IsNot',
  'NotContains',
  'NotStartsWith',
  'NotEndsWith',
]);
const COMPARISON = { LessThan: '<', LessThanEqual: '<=', GreaterThan: '>', GreaterThanEqual: '>=' } as const;

/**
 * One condition as a never-NULL boolean. A negated condition is the exact complement of its positive form, so
 * a missing value "does not contain" anything and IS_NOT matches it.
 */
export function conditionSql(condition: Condition, column: ColumnSchema): string {
  const positive = positiveSql(condition, column);
  return NEGATED.has(condition.kind) ? `NOT coalesce(${positive}, false)` : `coalesce(${positive}, false)`;
}

function positiveSql(condition: Condition, column: ColumnSchema): string {
  const cls = typeClass(column.type);
  const expr = ref(column);
  const text = cls === 'string' ? expr : `CAST(${expr} AS VARCHAR)`;
  switch (condition.kind) {
    case 'Is':
    case 'IsNot':
      return `${expr} IN (${condition.values.map((value) => member(value, column, cls)).join(', ')})`;
    case 'Contains':
    case 'NotContains':
      return `contains(${text}, ${quoteLiteral(condition.value)})`;
    case 'StartsWith':
    case 'NotStartsWith':
      return `starts_with(${text}, ${quoteLiteral(condition.value)})`;
    case 'EndsWith':
    case 'NotEndsWith':
      return `ends_with(${text}, ${quoteLiteral(condition.value)})`;
    case 'IsBetween':
      return `(${compare('>=', condition.lower, column, cls)} AND ${compare('<=', condition.upper, column, cls)})`;
    case 'IsMissing':
      return missing(expr, cls);
    case 'IsInvalid': {
      const converted = convert(expr, cls, condition.dataType);
      if (converted === undefined)
        throw new ConditionProblem(`a ${column.type} column cannot be checked as ${condition.dataType}`);
      return `(NOT ${missing(expr, cls)} AND ${converted} IS NULL)`;
    }
    default:
      return compare(COMPARISON[condition.kind], condition.value, column, cls);
  }
}

function compare(op: string, value: string, column: ColumnSchema, cls: TypeClass): string {
  const { left, right } = comparable(value, column, cls);
  return `${left} ${op} ${right}`;
}

/** IS / IS_NOT list items: text matches text exactly; other columns take a literal of their kind. */
function member(value: string, column: ColumnSchema, cls: TypeClass): string {
  return cls === 'string' ? quoteLiteral(value) : comparable(value, column, cls).right;
}

/** Both sides of a comparison: numbers compare as numbers, even in text columns (ratings, block numbers). */
function comparable(value: string, column: ColumnSchema, cls: TypeClass): { left: string; right: string } {
  const expr = ref(column);
  const shown = JSON.stringify(value.slice(0, 64));
  if (cls === 'integer' || cls === 'number') {
    if (!NUMBER.test(value)) {
      throw new ConditionProblem(
        `${shown} is not a number, and column ${JSON.stringify(column.name)} is ${column.type}`,
      );
    }
    return { left: expr, right: cast(value, 'DOUBLE') };
  }
  if (cls === 'string') {
    return NUMBER.test(value)
      ? { left: `TRY_CAST(${expr} AS DOUBLE)`, right: cast(value, 'DOUBLE') }
      : { left: expr, right: quoteLiteral(value) };
  }
  if (cls === 'date' || cls === 'timestamp' || cls === 'timestamptz') {
    if (!ISO_TIMESTAMP.test(value))
      throw new ConditionProblem(`${shown} is not an ISO date such as 2024-01-31`);
    return {
      left: expr,
      right: cast(value, cls === 'date' ? 'DATE' : cls === 'timestamp' ? 'TIMESTAMP' : 'TIMESTAMPTZ'),
    };
  }
  if (cls === 'boolean' && /^(true|false)$/i.test(value))
    return { left: expr, right: cast(value, 'BOOLEAN') };
  throw new ConditionProblem(
    `column ${JSON.stringify(column.name)} (${column.type}) cannot be compared with ${shown}`,
  );
}
