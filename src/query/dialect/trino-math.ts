/*
 * Trino's mathematical and bitwise functions on DuckDB. DuckDB fails where Java's Math answers -Infinity or NaN
 * (ln(0), sqrt(-1)); its mod gives NULL where Trino fails on a zero divisor; greatest/least skip NULLs where
 * Trino answers NULL. The templates give Trino's answers. round is DuckDB's: half away from zero for doubles
 * and decimals, as Trino rounds.
 */
import { QueryRejected } from '../sandbox-tree.js';
import {
  checkArity,
  constantOf,
  type Rule,
  type RuleTable,
  renamed,
  SAME,
  template,
  unexpectedType,
} from './rules.js';

const javaLn = (x: string) =>
  `CASE WHEN ${x} = 0 THEN CAST('-Infinity' AS DOUBLE) WHEN ${x} < 0 THEN CAST('NaN' AS DOUBLE) ELSE ln(${x}) END`;

/** A logarithm: -Infinity at 0 and NaN below, as Java's Math answers (DuckDB fails). */
function logarithm(duckdb: string): Rule {
  return template(
    `CASE WHEN $1 = 0 THEN CAST('-Infinity' AS DOUBLE) WHEN $1 < 0 THEN CAST('NaN' AS DOUBLE) ELSE ${duckdb}($1) END`,
    1,
  );
}

/** greatest/least: NULL when any argument is NULL, an error for a NaN (DuckDB ranks NaN above all). */
function nullIfAnyNull(duckdb: string): Rule {
  return (call) => {
    if (call.args.length < 1) throw new QueryRejected(`${call.name} needs at least one argument.`);
    const args = call.args.map((_, i) => `$${i + 1}`);
    const nan = args.map((a) => `(typeof(${a}) IN ('DOUBLE', 'FLOAT') AND isnan(TRY_CAST(${a} AS DOUBLE)))`);
    return `CASE WHEN ${args.map((a) => `${a} IS NULL`).join(' OR ')} THEN NULL WHEN ${nan.join(' OR ')} THEN error('INVALID_FUNCTION_ARGUMENT: Invalid argument to ${duckdb}(): NaN') ELSE ${duckdb}(${args.join(', ')}) END`;
  };
}

const truncate: Rule = (call) => {
  checkArity(call, [1, 2]);
  return call.args.length === 1 ? 'trunc($1)' : 'trunc($1, $2)';
};

/** width_bucket(x, bound1, bound2, n): Trino's MathFunctions.widthBucket, reversed bounds counting down. */
const WIDTH_BUCKET = `CASE WHEN $4 <= 0 THEN error('INVALID_FUNCTION_ARGUMENT: bucketCount must be greater than 0')
  WHEN isnan(CAST($1 AS DOUBLE)) THEN error('INVALID_FUNCTION_ARGUMENT: operand must not be NaN')
  WHEN NOT isfinite(CAST($2 AS DOUBLE)) THEN error('INVALID_FUNCTION_ARGUMENT: first bound must be finite')
  WHEN NOT isfinite(CAST($3 AS DOUBLE)) THEN error('INVALID_FUNCTION_ARGUMENT: second bound must be finite')
  WHEN $2 = $3 THEN error('INVALID_FUNCTION_ARGUMENT: bounds cannot equal each other')
  WHEN $2 < $3 THEN CASE WHEN $1 < $2 THEN 0 WHEN $1 >= $3 THEN CAST($4 AS BIGINT) + 1
    ELSE CAST(trunc(CAST($4 AS DOUBLE) * ($1 - $2) / ($3 - $2)) AS BIGINT) + 1 END
  ELSE CAST($4 AS BIGINT) + 1 - CASE WHEN $1 < $3 THEN 0 WHEN $1 >= $2 THEN CAST($4 AS BIGINT) + 1
    ELSE CAST(trunc(CAST($4 AS DOUBLE) * ($1 - $3) / ($2 - $3)) AS BIGINT) + 1 END END`;

const widthBucket: Rule = (call) => {
  checkArity(call, [2, 4]);
  if (call.args.length === 4) return WIDTH_BUCKET;
  checkArity(call, 2);
  // The bins are sorted ascending: the bucket is the number of bins at or below x.
  return 'CAST(len(list_filter($2, __m_b -> __m_b <= $1)) AS BIGINT)';
};

/** from_base: digits 0-9a-z below the radix, an optional sign, as Java's Long.parseLong reads them. */
const FROM_BASE = `CASE WHEN $2 < 2 OR $2 > 36 THEN error('INVALID_FUNCTION_ARGUMENT: Radix must be between 2 and 36')
  WHEN NOT regexp_full_match(lower($1), '[+-]?[0-9a-z]+') OR list_bool_or(list_transform(string_split(regexp_replace(lower($1), '^[+-]', ''), ''), __m_c -> strpos('0123456789abcdefghijklmnopqrstuvwxyz', __m_c) > $2))
    THEN error('INVALID_FUNCTION_ARGUMENT: Not a valid base-' || CAST($2 AS VARCHAR) || ' number: ' || $1)
  ELSE CASE WHEN starts_with($1, '-') THEN -1 ELSE 1 END * list_reduce(list_transform(string_split(regexp_replace(lower($1), '^[+-]', ''), ''), __m_c -> CAST(strpos('0123456789abcdefghijklmnopqrstuvwxyz', __m_c) - 1 AS BIGINT)), (__m_a, __m_d) -> __m_a * $2 + __m_d, CAST(0 AS BIGINT)) END`;

/** bit_count(x, bits): the 1 bits of x in two's complement of that width; x must fit in it. */
const BIT_COUNT = `CASE WHEN $2 < 2 OR $2 > 64 THEN error('INVALID_FUNCTION_ARGUMENT: Bits specified in bit_count must be between 2 and 64, got ' || CAST($2 AS VARCHAR))
  WHEN $2 < 64 AND (CAST($1 AS HUGEINT) < -(CAST(1 AS HUGEINT) << ($2 - 1)) OR CAST($1 AS HUGEINT) >= (CAST(1 AS HUGEINT) << ($2 - 1)))
    THEN error('INVALID_FUNCTION_ARGUMENT: Number must be representable with the bits specified. ' || CAST($1 AS VARCHAR) || ' cannot be represented with ' || CAST($2 AS VARCHAR) || ' bits')
  WHEN $2 = 64 THEN CAST(bit_count(CAST($1 AS BIGINT)) AS BIGINT)
  ELSE CAST(bit_count(CAST($1 AS BIGINT) & ((CAST(1 AS BIGINT) << $2) - 1)) AS BIGINT) END`;

const random: Rule = (call) => {
  checkArity(call, [0, 2]);
  if (call.args.length === 0) return 'random()';
  if (call.args.length === 1)
    return "CASE WHEN $1 <= 0 THEN error('INVALID_FUNCTION_ARGUMENT: bound must be positive') ELSE cast_to_type(floor(random() * $1), $1) END";
  return "CASE WHEN $1 >= $2 THEN error('INVALID_FUNCTION_ARGUMENT: start value must be less than stop value') ELSE cast_to_type($1 + floor(random() * ($2 - $1)), $1) END";
};

/**
 * format_number(x): Trino's FormatNumberFunction. The value is made a long as Java's cast does (toward zero,
 * NaN 0, clamped to the long range), divided by 1000 while at least 1000 in size (K, M, B, T, Q), and written
 * with two decimals below 10, one below 100, none above, rounded half up on the double's exact value as
 * DecimalFormat does (printf's %.25f shows that value; its own rounding is half-even), without trailing zeros.
 */
const UNIT_STEPS = ['Q', 'T', 'B', 'M', 'K']
  .map((unit, i) => {
    const times = 5 - i;
    return `WHEN abs(__fn_v) >= 1e${times * 3} THEN {'f': __fn_v${' / 1000'.repeat(times)}, 'u': '${unit}'}`;
  })
  .join(' ');
/** The exact digits of |f| to the decimals kept, as an integer, plus one when the next digit is 5 or more. */
const FORMAT_NUMBER_ROUNDED = `list_transform([printf('%.25f', abs(__fn_s.f))], __fn_x -> CAST(replace(substr(__fn_x, 1, strpos(__fn_x, '.') + __fn_s.d), '.', '') AS HUGEINT) + CASE WHEN substr(__fn_x, strpos(__fn_x, '.') + __fn_s.d + 1, 1) >= '5' THEN 1 ELSE 0 END)[1]`;
const FORMAT_NUMBER_TEXT = `CASE WHEN __fn_s.f < 0 THEN '-' ELSE '' END || list_transform([${FORMAT_NUMBER_ROUNDED}], __fn_n -> CAST(__fn_n // CAST(10 ** __fn_s.d AS HUGEINT) AS VARCHAR) || CASE WHEN __fn_s.d = 0 OR __fn_n % CAST(10 ** __fn_s.d AS HUGEINT) = 0 THEN '' ELSE '.' || rtrim(lpad(CAST(__fn_n % CAST(10 ** __fn_s.d AS HUGEINT) AS VARCHAR), __fn_s.d, '0'), '0') END)[1] || __fn_s.u`;
const FORMAT_NUMBER = `CASE WHEN NOT (typeof($1) IN ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'FLOAT', 'DOUBLE') OR typeof($1) LIKE 'DECIMAL%') THEN ${unexpectedType('format_number')} WHEN $1 IS NULL THEN NULL ELSE list_transform([CASE WHEN isnan(CAST($1 AS DOUBLE)) THEN 0.0 ELSE least(greatest(trunc(CAST($1 AS DOUBLE)), -9.223372036854776e18), 9.223372036854776e18) END], __fn_v -> list_transform([CASE ${UNIT_STEPS} ELSE {'f': __fn_v, 'u': ''} END], __fn_u -> list_transform([{'f': __fn_u.f, 'u': __fn_u.u, 'd': CASE WHEN __fn_u.f < 10 THEN 2 WHEN __fn_u.f < 100 THEN 1 ELSE 0 END}], __fn_s -> ${FORMAT_NUMBER_TEXT})[1])[1])[1] END`;

const formatNumber: Rule = (call) => {
  checkArity(call, 1);
  // A bare NULL has no type to check; Trino reads it as a bigint.
  return constantOf(call.args[0])?.value === null ? 'CAST(NULL AS VARCHAR)' : FORMAT_NUMBER;
};

export const MATH_FUNCTIONS: RuleTable = {
  format_number: formatNumber,
  ...Object.fromEntries(
    'abs acos asin atan atan2 cos cosh degrees exp floor ceil ceiling pi radians sign sin tan tanh power'
      .split(' ')
      .map((name) => [name, SAME]),
  ),
  pow: renamed('power', 2),
  // round(x, d) keeps x's type, so a decimal keeps its scale (round(DECIMAL '-2.45', 1) is -2.50).
  round: (call) => {
    checkArity(call, [1, 2]);
    return call.args.length === 1 ? 'round($1)' : 'cast_to_type(round($1, $2), $1)';
  },
  truncate,
  mod: template("CASE WHEN $2 = 0 THEN error('DIVISION_BY_ZERO: Division by zero') ELSE $1 % $2 END", 2),
  ln: logarithm('ln'),
  log2: logarithm('log2'),
  log10: logarithm('log10'),
  // Java's Math.log(x) / Math.log(b).
  log: template(`${javaLn('$2')} / ${javaLn('$1')}`, 2),
  sqrt: template("CASE WHEN $1 < 0 THEN CAST('NaN' AS DOUBLE) ELSE sqrt($1) END", 1),
  // Java's cbrt is exact on cubes; DuckDB's answers 3.0000000000000004 for 27.
  cbrt: template('CASE WHEN power(round(cbrt($1)), 3) = $1 THEN round(cbrt($1)) ELSE cbrt($1) END', 1),
  width_bucket: widthBucket,
  from_base: template(FROM_BASE, 2),
  to_base: template(
    "CASE WHEN $2 < 2 OR $2 > 36 THEN error('INVALID_FUNCTION_ARGUMENT: Radix must be between 2 and 36') WHEN $1 < 0 THEN '-' || lower(to_base(-$1, CAST($2 AS INTEGER))) ELSE lower(to_base($1, CAST($2 AS INTEGER))) END",
    2,
  ),
  rand: random,
  random,
  is_nan: template('isnan($1)', 1),
  is_finite: template('isfinite($1)', 1),
  is_infinite: template('isinf($1)', 1),
  nan: template("CAST('NaN' AS DOUBLE)", 0),
  infinity: template("CAST('Infinity' AS DOUBLE)", 0),
  e: template('exp(1)', 0),
  bitwise_and: template('CAST($1 AS BIGINT) & CAST($2 AS BIGINT)', 2),
  bitwise_or: template('CAST($1 AS BIGINT) | CAST($2 AS BIGINT)', 2),
  bitwise_xor: template('xor(CAST($1 AS BIGINT), CAST($2 AS BIGINT))', 2),
  bitwise_not: template('~CAST($1 AS BIGINT)', 1),
  bit_count: template(BIT_COUNT, 2),
  greatest: nullIfAnyNull('greatest'),
  least: nullIfAnyNull('least'),
};
