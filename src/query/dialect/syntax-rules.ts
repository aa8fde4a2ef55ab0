import { type Json, type JsonNode, list, QueryRejected, text } from '../sandbox-tree.js';
import {
  type Call,
  constantOf,
  KEEP,
  type Rule,
  SAME,
  stringConstant,
  type Translation,
  template,
} from './rules.js';
import { AT_TIME_ZONE, EXTRACT } from './trino-datetime.js';
import { jsonCastRule, varcharCastRule } from './trino-json.js';
import { LTRIM, RTRIM, STRING_FUNCTIONS, TRIM } from './trino-strings.js';
import { splitZonedLiteral, TemplateBuilder } from './zones.js';

/**
 * Rules for what DuckDB's parser writes for a piece of syntax, by the name it writes: `count(*)` is
 * `count_star()`, `EXTRACT(YEAR FROM d)` is `main.date_part('year', d)`, `x AT TIME ZONE z` is
 * `main.timezone(z, x)`, `INTERVAL '2' DAY` is `to_days(CAST(trunc(CAST('2' AS DOUBLE)) AS INTEGER))`.
 */
export const PARSER_RULES: Readonly<Record<string, Rule>> = {
  count_star: SAME,
  date_part: EXTRACT,
  timezone: AT_TIME_ZONE,
  // LIKE ... ESCAPE, SUBSTRING(s FROM a FOR b), POSITION(a IN s), TRIM(BOTH x FROM s): Trino's meaning.
  like_escape: SAME,
  not_like_escape: SAME,
  substring: STRING_FUNCTIONS.substring as Rule,
  position: SAME,
  trim: TRIM,
  ltrim: LTRIM,
  rtrim: RTRIM,
  // ROW(...); ARRAY[...] is an operator, `[...]` is DuckDB's own list literal.
  list_value: () => {
    throw new QueryRejected("[...] list literals are not part of Athena's SQL: write ARRAY[...].");
  },
  row: SAME,
  // The parts of an INTERVAL literal.
  trunc: SAME,
  to_years: SAME,
  to_months: SAME,
  to_days: SAME,
  to_hours: SAME,
  to_minutes: SAME,
  to_seconds: SAME,
  to_milliseconds: SAME,
  to_microseconds: SAME,
  to_weeks: SAME,
};

/**
 * How deep an argument's array type is, when its syntax shows it: 0 for a literal that is not NULL, 1 for
 * `ARRAY[1]` or `CAST(x AS ARRAY(INTEGER))`, 2 for `ARRAY[ARRAY[1]]`; undefined when only binding would tell.
 */
function arrayDepth(node: JsonNode | undefined): number | undefined {
  if (node?.class === 'CONSTANT') return constantOf(node)?.value === null ? undefined : 0;
  if (node?.class === 'OPERATOR' && node.type === 'ARRAY_CONSTRUCTOR') {
    const elements = list(node.children, 'children').map((child) => arrayDepth(child as JsonNode));
    if (elements.length === 0) return 1;
    const first = elements[0];
    return first !== undefined && elements.every((depth) => depth === first) ? first + 1 : undefined;
  }
  if (node?.class === 'CAST') {
    let depth = 0;
    for (let type = node.cast_type as JsonNode | undefined; type?.id === 'LIST'; depth++)
      type = (type.type_info as JsonNode | null)?.child_type as JsonNode | undefined;
    return depth;
  }
  return undefined;
}

/**
 * `||` of an array and an element appends or prepends it in Trino, which DuckDB's `||` refuses; that is known
 * only where the syntax shows both sides' depths (see arrayDepth). Strings and arrays of one depth are
 * concatenated alike by both.
 */
const concatOperator: Rule = (call) => {
  const [left, right] = call.args.map(arrayDepth);
  if (left !== undefined && right !== undefined) {
    // NULL when either side is, as every Trino function that does not say otherwise.
    if (left === right + 1)
      return 'CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL ELSE list_append($1, $2) END';
    if (right === left + 1)
      return 'CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL ELSE list_prepend($1, $2) END';
  }
  return KEEP;
};

/** Operators: written as FUNCTION nodes named by their symbol, or OPERATOR nodes named by their type. */
export const OPERATOR_RULES: Readonly<Record<string, Rule>> = {
  // Arithmetic: the engine runs with integer_division, so `/` on integers truncates as in Trino.
  '+': dateArithmetic('+'),
  '-': dateArithmetic('-'),
  '*': SAME,
  '/': arithmetic('/', 'Infinity'),
  '%': arithmetic('%', 'NaN'),
  // Both give NULL when a side is NULL.
  '||': concatOperator,
  '~~': SAME,
  '!~~': SAME,
  OPERATOR_NOT: SAME,
  OPERATOR_IS_NULL: SAME,
  OPERATOR_IS_NOT_NULL: SAME,
  OPERATOR_COALESCE: SAME,
  COMPARE_IN: SAME,
  COMPARE_NOT_IN: SAME,
  ARRAY_CONSTRUCTOR: SAME,
  STRUCT_EXTRACT: SAME,
  GROUPING_FUNCTION: SAME,
  OPERATOR_TRY: SAME,
  ARRAY_EXTRACT: subscript,
};

const INTEGERS: Readonly<Record<string, string>> = {
  TINYINT: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
};

/**
 * CAST and TRY_CAST. To and from JSON, and to VARCHAR (JSON strings, doubles in Java's form), see
 * trino-json.ts. To an integer type Trino rounds a real number half away from zero (DuckDB rounds half to
 * even) and refuses text that is not a whole number (DuckDB rounds '1.5' to 2). `x::type` is not Trino's.
 */
export function castRule(cast: JsonNode, sql: Buffer): Rule {
  const location = cast.query_location;
  if (typeof location === 'number' && sql.subarray(location, location + 2).toString('latin1') === '::')
    throw new QueryRejected("'::' casts are not part of Athena's SQL: write CAST(x AS type).");
  const json = jsonCastRule(cast, sql) ?? varcharCastRule(cast);
  if (json) return json;
  const type = cast.cast_type as JsonNode;
  const id = text(type.id, 'type.id');
  if (TIMESTAMPS.has(id)) return timestampCast(cast, id, sql);
  if (id === 'DECIMAL') return decimalLiteral(cast, sql);
  if (id === 'TIME' || id === 'TIME WITH TIME ZONE') {
    const text = constantOf(cast.child as JsonNode)?.value;
    if (typeof text === 'string' && /[A-Za-z]/.test(text))
      throw new QueryRejected(
        `INVALID_LITERAL: '${text.slice(0, 60)}' is not a time Seawall reads (no zone names).`,
      );
  }
  const target = INTEGERS[id];
  // An INTERVAL literal's own cast of its truncated number.
  const child = cast.child as JsonNode;
  if (!target || (child.class === 'FUNCTION' && child.function_name === 'trunc')) return () => KEEP;
  const convert = cast.try_cast === true ? 'TRY_CAST' : 'CAST';
  const notWhole =
    cast.try_cast === true
      ? 'NULL'
      : `error('INVALID_CAST_ARGUMENT: Cannot cast ''' || CAST($1 AS VARCHAR) || ''' to ${target}')`;
  return template(
    `CASE WHEN $1 IS NULL THEN NULL::${target}` +
      ` WHEN typeof($1) IN ('DOUBLE', 'FLOAT') THEN ${convert}(round(TRY_CAST($1 AS DOUBLE)) AS ${target})` +
      ` WHEN typeof($1) = 'VARCHAR' THEN CASE WHEN regexp_full_match(CAST($1 AS VARCHAR), '\\s*[+-]?[0-9]+\\s*') THEN ${convert}(trim(CAST($1 AS VARCHAR)) AS ${target}) ELSE ${notWhole} END` +
      ` ELSE ${convert}($1 AS ${target}) END`,
  );
}

const TIMESTAMPS = new Set(['TIMESTAMP', 'TIMESTAMP_MS', 'TIMESTAMP WITH TIME ZONE']);

/**
 * Text to a timestamp. A literal naming a zone (`TIMESTAMP '2012-10-31 01:00 UTC'`), or any text cast to
 * `timestamp with time zone`, is a wall-clock time in that zone; Trino wants a space, not `T`, between the date
 * and the time.
 */
function timestampCast(cast: JsonNode, id: string, sql: Buffer): Rule {
  const constant = constantOf(cast.child as JsonNode);
  if (typeof constant?.value !== 'string') return () => KEEP;
  const value = constant.value;
  if (/^\s*\d{4,}-\d{1,2}-\d{1,2}T/.test(value))
    throw new QueryRejected(
      `INVALID_CAST_ARGUMENT: Value cannot be cast to timestamp: ${value.slice(0, 100)}`,
    );
  // A literal's cast has no position; the text before its string says TIMESTAMP.
  const location = (cast.child as JsonNode).query_location;
  const literal =
    typeof location === 'number' &&
    /timestamp\s*$/i.test(sql.subarray(Math.max(0, location - 32), location).toString('latin1'));
  const zoned = splitZonedLiteral(value);
  const withZone = id === 'TIMESTAMP WITH TIME ZONE';
  if (!zoned && !withZone) return () => KEEP;
  const local = zoned?.local ?? value;
  return (call) => {
    const b = new TemplateBuilder(call);
    const wallClock = `CAST(${b.add(stringConstant(local))} AS TIMESTAMP_MS)`;
    if (!literal && !withZone) return b.done(wallClock);
    return b.done(wallClock, { tree: stringConstant(zoned?.zone ?? 'UTC') });
  };
}

/**
 * `DECIMAL '10.00'` is decimal(4, 2) in Trino, its precision and scale those of the digits written; DuckDB
 * reads the literal as its default decimal(18, 3).
 */
function decimalLiteral(cast: JsonNode, sql: Buffer): Rule {
  const child = cast.child as JsonNode;
  const constant = constantOf(child);
  const location = child.query_location;
  const literal =
    typeof constant?.value === 'string' &&
    typeof location === 'number' &&
    /decimal\s*$/i.test(sql.subarray(Math.max(0, location - 16), location).toString('latin1'));
  if (!literal) return () => KEEP;
  const match = /^\s*[+-]?(\d*)(?:\.(\d*))?\s*$/.exec(constant.value as string);
  if (!match || (match[1] === '' && (match[2] ?? '') === ''))
    throw new QueryRejected(
      `INVALID_LITERAL: '${String(constant.value).slice(0, 50)}' is not a valid decimal literal`,
    );
  const scale = (match[2] ?? '').length;
  const precision = Math.max(1, (match[1] ?? '').replace(/^0+(?=\d)/, '').length + scale);
  if (precision > 38) throw new QueryRejected('INVALID_LITERAL: a decimal literal has at most 38 digits');
  return template(`CAST($1 AS DECIMAL(${precision}, ${scale}))`);
}

/** A parser-written interval literal (`INTERVAL '2' DAY` is `to_days(...)`). */
function isInterval(node: JsonNode | undefined): boolean {
  if (!node) return false;
  if (node.class === 'CAST') return text((node.cast_type as JsonNode).id, 'type.id') === 'INTERVAL';
  return node.class === 'FUNCTION' && INTERVAL_PARTS.has(String(node.function_name));
}

const INTERVAL_PARTS = new Set(
  'to_years to_months to_days to_hours to_minutes to_seconds to_milliseconds to_microseconds to_weeks'.split(
    ' ',
  ),
);

/**
 * `+` and `-` with an interval keep the other side's type (a date plus days is a date in Trino, a timestamp in
 * DuckDB) and its zone.
 */
function dateArithmetic(operator: '+' | '-'): Rule {
  return (call) => {
    if (call.args.length !== 2) return KEEP;
    const [left, right] = call.args;
    const other =
      isInterval(right) && !isInterval(left) ? 0 : isInterval(left) && !isInterval(right) ? 1 : -1;
    if (other < 0) return KEEP;
    const zone = call.zoneOf(other);
    return new TemplateBuilder(call).done(
      `cast_to_type($1 ${operator} $2, $${other + 1})`,
      zone ? { tree: zone } : undefined,
    );
  };
}

function realType(x: string): string {
  return `typeof(${x}) IN ('DOUBLE', 'FLOAT')`;
}

function decimalType(x: string): string {
  return `typeof(${x}) LIKE 'DECIMAL%'`;
}

function scaleOf(x: string): string {
  return `coalesce(TRY_CAST(regexp_extract(typeof(${x}), ',([0-9]+)\\)', 1) AS INTEGER), 0)`;
}

/**
 * `/` and `%` as Trino computes them.
 * - By zero: integers and decimals fail ("Division by zero"); doubles give Infinity or NaN, as in Java
 *   (DuckDB answers NULL).
 * - Decimals (with no double): Trino's quotient is a decimal of the larger scale, rounded half up, where DuckDB
 *   gives every digit of a double (`100.0 * 41 / 48` is 85.4, not 85.41666…).
 * Each answer keeps the type DuckDB gives the operation.
 */
function arithmetic(operator: '/' | '%', real: 'Infinity' | 'NaN'): Rule {
  const value =
    real === 'Infinity' ? "CAST($1 AS DOUBLE) * CAST('Infinity' AS DOUBLE)" : "CAST('NaN' AS DOUBLE)";
  const anyReal = `(${realType('$1')} OR ${realType('$2')})`;
  const decimal =
    operator === '/'
      ? ` WHEN (${decimalType('$1')} OR ${decimalType('$2')}) AND NOT ${anyReal} THEN cast_to_type(round(CAST($1 AS DOUBLE) / CAST($2 AS DOUBLE), greatest(${scaleOf('$1')}, ${scaleOf('$2')})), $1 / $2)`
      : '';
  return template(
    `CASE WHEN $2 = 0 THEN (CASE WHEN ${anyReal} THEN cast_to_type(${value}, $1 ${operator} $2) ELSE error('DIVISION_BY_ZERO: Division by zero') END)${decimal} ELSE $1 ${operator} $2 END`,
    2,
  );
}

const SYNTAX_REFUSALS: Readonly<Record<string, string>> = {
  COLLATE: "COLLATE is not part of Athena's SQL.",
  POSITIONAL_REFERENCE: "#n column references are not part of Athena's SQL.",
};

/** Expressions of DuckDB's own syntax that Athena's SQL does not have: refused, never given a meaning. */
export function refuseSyntax(expression: JsonNode, sql: Buffer): void {
  void sql;
  const kind = String(expression.class);
  const message = SYNTAX_REFUSALS[kind];
  if (message) throw new QueryRejected(message);
  if (kind === 'STAR') {
    const extras: Json[] = [
      ...list(expression.exclude_list, 'exclude_list'),
      ...list(expression.replace_list, 'replace_list'),
      ...list(expression.rename_list, 'rename_list'),
      ...list(expression.qualified_exclude_list, 'qualified_exclude_list'),
    ];
    if (
      extras.length > 0 ||
      expression.columns === true ||
      (expression.expr !== null && expression.expr !== undefined)
    )
      throw new QueryRejected("* EXCLUDE, REPLACE, RENAME and COLUMNS(...) are not part of Athena's SQL.");
  }
}

const INVALID_ARGUMENT = 'INVALID_FUNCTION_ARGUMENT: ';

/**
 * `a[i]` and `m[k]`. A literal key is a map's: Trino fails when the map lacks it (DuckDB answers NULL). A
 * position must be 1 or more (DuckDB counts negative ones from the end) and at most the array's length (DuckDB
 * answers NULL past the end): a literal one is checked here, any other when the query runs. Whether the base is
 * an array, a map or a row is known only once DuckDB binds it, so the template asks `typeof`, which DuckDB
 * folds; the length is read (through JSON, the one length that binds on all three) only when the element found
 * is NULL.
 */
function subscript(call: Call): Translation {
  const index = constantOf(call.args[1]);
  // The base, and a position that is not a literal, are bound once as fields of __x, in a lambda's argument
  // (never its body, so nested subscripts in either do not shadow each other): written at each use, they would
  // multiply with every level of nesting. A literal stays one (a row's field is found only by a constant).
  const i = index ? '$2' : '__x.i';
  const bound = (body: string) => `list_transform([{'a': $1${index ? '' : ", 'i': $2"}}], __x -> ${body})[1]`;
  if (typeof index?.value === 'string')
    return bound(
      "CASE WHEN __x.a IS NULL THEN NULL WHEN map_contains(__x.a, $2) THEN __x.a[$2] ELSE error('Key not present in map: ' || $2) END",
    );
  if (typeof index?.value === 'number' && index.value < 1)
    throw new QueryRejected(
      index.value === 0
        ? 'SQL array indices start at 1'
        : 'Array subscript is negative: write element_at(a, -n).',
    );
  // The position is read as a BIGINT, as a map's key of another type must still bind in the branches a map
  // never takes.
  const at = `TRY_CAST(${i} AS BIGINT)`;
  const length = 'json_array_length(to_json(__x.a))';
  return bound(
    `CASE WHEN typeof(__x.a) NOT LIKE '%]' OR __x.a IS NULL OR ${i} IS NULL THEN __x.a[${i}] WHEN ${at} = 0 THEN error('${INVALID_ARGUMENT}SQL array indices start at 1') WHEN ${at} < 0 THEN error('${INVALID_ARGUMENT}Array subscript is negative: ' || ${i}) WHEN __x.a[${i}] IS NOT NULL OR ${at} <= ${length} THEN __x.a[${i}] ELSE error('${INVALID_ARGUMENT}Array subscript must be less than or equal to array length: ' || ${i} || ' > ' || ${length}) END`,
  );
}
