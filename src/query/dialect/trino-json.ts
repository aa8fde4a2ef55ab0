/*
 * Trino's JSON functions and casts on DuckDB's JSON (a VARCHAR whose typeof is JSON). Trino's JSONPath
 * (`$.a.b`, `$.a[0]`, `$["a b"]`, `$.store[book]`) is rewritten into DuckDB's (`$."a"[0]`), so it must be a
 * literal. Malformed JSON gives NULL in json_extract*, as in Trino (DuckDB fails).
 *
 * Known difference: json_parse keeps the object's key order (Trino's sorts the keys) and normalizes numbers
 * as DuckDB reads them.
 */
import { type JsonNode, QueryRejected } from '../sandbox-tree.js';
import {
  type Call,
  checkArity,
  constantString,
  type Rule,
  type RuleTable,
  stringConstant,
  template,
} from './rules.js';

/** Trino's JSONPath as DuckDB writes it: each key quoted, each index in brackets. */
export function duckdbJsonPath(path: string): string {
  const bad = () => new QueryRejected(`INVALID_FUNCTION_ARGUMENT: Invalid JSON path: '${path}'`);
  if (!path.startsWith('$')) throw bad();
  let out = '$';
  let i = 1;
  const key = (name: string) => {
    if (name === '' || name.includes('"')) throw bad();
    out += `."${name}"`;
  };
  while (i < path.length) {
    const char = path[i];
    if (char === '.') {
      const match = /^[^.[\]"]+/.exec(path.slice(i + 1));
      if (!match) throw bad();
      key(match[0]);
      i += 1 + match[0].length;
    } else if (char === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) throw bad();
      const inner = path.slice(i + 1, end).trim();
      if (/^[0-9]+$/.test(inner)) out += `[${inner}]`;
      else if (/^"[^"]*"$/.test(inner)) key(inner.slice(1, -1));
      else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(inner)) key(inner);
      else throw bad();
      i = end + 1;
    } else throw bad();
  }
  return out;
}

/** A rule over (json, path): `$p` in the template is the DuckDB path, given as an extra. */
function withPath(sql: (p: string) => string): Rule {
  return (call: Call) => {
    checkArity(call, 2);
    const path = duckdbJsonPath(constantString(call, 1, 'JSON path'));
    return { sql: sql('$3'), extra: [stringConstant(path)] };
  };
}

const VALID = (json: string) => `json_valid(${json})`;

/** json_array_contains: a JSON value of the same kind (number, string, boolean) equal to the value. */
const ARRAY_CONTAINS = `CASE WHEN NOT ${VALID('$1')} OR json_type($1) <> 'ARRAY' THEN NULL
  WHEN typeof($2) IN ('VARCHAR') THEN list_contains(list_transform(CAST(json($1) AS JSON[]), __j_e -> CASE WHEN json_type(__j_e) = 'VARCHAR' THEN json_extract_string(__j_e, '$') END), CAST($2 AS VARCHAR))
  WHEN typeof($2) = 'BOOLEAN' THEN list_contains(list_transform(CAST(json($1) AS JSON[]), __j_e -> CASE WHEN json_type(__j_e) = 'BOOLEAN' THEN json_extract_string(__j_e, '$') END), CAST($2 AS VARCHAR))
  ELSE list_contains(list_transform(CAST(json($1) AS JSON[]), __j_e -> CASE WHEN json_type(__j_e) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN CAST(json_extract_string(__j_e, '$') AS DOUBLE) END), TRY_CAST($2 AS DOUBLE)) END`;

/** json_array_get: zero-based, negative from the end; a string element comes back unquoted (Trino's quirk). */
const ARRAY_GET = `CASE WHEN NOT ${VALID('$1')} OR json_type($1) <> 'ARRAY' THEN NULL
  WHEN json_type(json_extract($1, '$[' || CASE WHEN $2 < 0 THEN '#' || CAST($2 AS VARCHAR) ELSE CAST($2 AS VARCHAR) END || ']')) = 'VARCHAR'
    THEN json_extract_string($1, '$[' || CASE WHEN $2 < 0 THEN '#' || CAST($2 AS VARCHAR) ELSE CAST($2 AS VARCHAR) END || ']')
  ELSE CAST(json_extract($1, '$[' || CASE WHEN $2 < 0 THEN '#' || CAST($2 AS VARCHAR) ELSE CAST($2 AS VARCHAR) END || ']') AS VARCHAR) END`;

export const JSON_FUNCTIONS: RuleTable = {
  json_parse: template('json($1)', 1),
  json_format: template('CAST(json($1) AS VARCHAR)', 1),
  json_extract: withPath((p) => `CASE WHEN ${VALID('$1')} THEN json_extract($1, ${p}) END`),
  json_extract_scalar: withPath(
    (p) =>
      `CASE WHEN ${VALID('$1')} AND json_type($1, ${p}) NOT IN ('OBJECT', 'ARRAY') THEN json_extract_string($1, ${p}) END`,
  ),
  json_size: withPath(
    (p) =>
      `CASE WHEN NOT ${VALID('$1')} THEN NULL WHEN json_type($1, ${p}) = 'ARRAY' THEN CAST(json_array_length($1, ${p}) AS BIGINT) WHEN json_type($1, ${p}) = 'OBJECT' THEN CAST(len(json_keys($1, ${p})) AS BIGINT) WHEN json_type($1, ${p}) IS NULL THEN NULL ELSE CAST(0 AS BIGINT) END`,
  ),
  json_array_length: template(
    `CASE WHEN ${VALID('$1')} AND json_type($1) = 'ARRAY' THEN CAST(json_array_length($1) AS BIGINT) END`,
    1,
  ),
  json_array_contains: template(ARRAY_CONTAINS, 2),
  json_array_get: template(ARRAY_GET, 2),
  is_json_scalar: template("json_type(json($1)) NOT IN ('OBJECT', 'ARRAY')", 1),
};

/** The cast type's name when it is a type DuckDB leaves unbound by its parser (JSON), else ''. */
function unboundName(type: JsonNode): string {
  const info = type.type_info as JsonNode | null | undefined;
  return type.id === 'UNBOUND' && info && typeof info.name === 'string' ? info.name.toUpperCase() : '';
}

/**
 * CAST(x AS JSON): a varchar becomes a JSON string (DuckDB's cast would parse it), other values their JSON; a
 * row without field names is refused (Trino writes an array). `JSON '...'`, the literal, parses its text.
 */
export function jsonCastRule(cast: JsonNode, sql: Buffer): Rule | undefined {
  if (unboundName(cast.cast_type as JsonNode) !== 'JSON') return undefined;
  const location = cast.query_location;
  const written =
    typeof location === 'number' && location > 0
      ? sql.subarray(location, location + 8).toString('latin1')
      : '';
  if (!/^(try_)?cast\b/i.test(written)) return template('json($1)');
  return template(
    `CASE WHEN typeof($1) LIKE '%STRUCT(""%' THEN error('NOT_SUPPORTED: CAST of a row without field names AS JSON is not supported here') ELSE to_json($1) END`,
  );
}

/**
 * A double or real `x` as Trino writes it in text, Java's scientific form: `1.0E0`, `1.23456789E8`, `1.0E-1`,
 * `NaN`, `Infinity`. DuckDB's shortest digits of |x| (`123.5`, `1e+20`) are rewritten around the first one.
 */
function javaDouble(x: string): string {
  const mantissa = `split_part(CAST(abs(${x}) AS VARCHAR), 'e', 1)`;
  const exponent = `coalesce(TRY_CAST(nullif(split_part(CAST(abs(${x}) AS VARCHAR), 'e', 2), '') AS INTEGER), 0)`;
  const digits = `replace(${mantissa}, '.', '')`;
  const significant = `rtrim(ltrim(${digits}, '0'), '0')`;
  const power = `length(split_part(${mantissa}, '.', 1)) + ${exponent} - (length(${digits}) - length(ltrim(${digits}, '0'))) - 1`;
  return `CASE WHEN isnan(${x}) THEN 'NaN' WHEN isinf(${x}) THEN CASE WHEN ${x} > 0 THEN 'Infinity' ELSE '-Infinity' END
  WHEN ${x} = 0 THEN '0.0E0'
  ELSE CASE WHEN ${x} < 0 THEN '-' ELSE '' END || substring(${significant}, 1, 1) || '.' || coalesce(nullif(substring(${significant}, 2), ''), '0') || 'E' || CAST(${power} AS VARCHAR) END`;
}

/** A value as Trino's CAST to varchar writes it, for the numbers whose text differs (doubles and reals). */
export function trinoText(x: string): string {
  return `CASE WHEN typeof(${x}) = 'DOUBLE' THEN ${javaDouble(`TRY_CAST(${x} AS DOUBLE)`)} WHEN typeof(${x}) = 'FLOAT' THEN ${javaDouble(`TRY_CAST(${x} AS FLOAT)`)} ELSE CAST(${x} AS VARCHAR) END`;
}

/**
 * CAST(x AS VARCHAR): a JSON string unquoted, JSON null as NULL, a JSON object or array refused; a double or
 * real in Java's scientific form. Other values are DuckDB's text, which is Trino's.
 */
export function varcharCastRule(cast: JsonNode): Rule | undefined {
  const type = cast.cast_type as JsonNode;
  if (type.id !== 'VARCHAR') return undefined;
  const convert = cast.try_cast === true ? 'TRY_CAST' : 'CAST';
  const fail =
    cast.try_cast === true
      ? 'NULL'
      : "error('INVALID_CAST_ARGUMENT: Cannot cast JSON object or array to varchar')";
  return template(
    `CASE WHEN typeof($1) = 'DOUBLE' THEN ${javaDouble('TRY_CAST($1 AS DOUBLE)')} WHEN typeof($1) = 'FLOAT' THEN ${javaDouble('TRY_CAST($1 AS FLOAT)')} WHEN typeof($1) <> 'JSON' THEN ${convert}($1 AS VARCHAR) WHEN json_type(CAST($1 AS JSON)) = 'VARCHAR' THEN json_extract_string(CAST($1 AS JSON), '$') WHEN json_type(CAST($1 AS JSON)) = 'NULL' THEN NULL WHEN json_type(CAST($1 AS JSON)) IN ('OBJECT', 'ARRAY') THEN ${fail} ELSE CAST($1 AS VARCHAR) END`,
  );
}
