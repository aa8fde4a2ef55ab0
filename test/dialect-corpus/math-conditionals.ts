import { col0, type DocumentedCase } from './corpus-case.js';

const MATH = 'Trino docs functions/math';
const COND = 'Trino docs functions/conditional';
const CONV = 'Trino docs functions/conversion';
const SHIPPING =
  "(VALUES ('California', '94131', 25, 100), ('California', 'P332a', 5, 72), ('California', '94025', 0, 155)) AS shipping(origin_state, origin_zip, packages, total_cost)";

/** Arithmetic, math functions, NaN and infinity, conditionals and casts. Doubles print as Java does. */
export const mathConditionalCases: DocumentedCase[] = [
  {
    sql: 'SELECT 7 / 2, -7 / 2, 7 % 3, -7 % 3, mod(-7, 3)',
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4'],
      ['3', '-3', '1', '-1', '-1'],
    ],
    source: `${MATH}: integer division truncates; % and mod take the dividend's sign`,
  },
  {
    sql: 'SELECT 7 / 2.0, 7e0 / 2',
    expected: [
      ['_col0', '_col1'],
      ['3.5', '3.5'],
    ],
    source: 'Trino docs functions/decimal: decimal division; double division',
  },
  {
    sql: "SELECT 1.0 / 3, 2.0 / 3, DECIMAL '10.00' / 3",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['0.3', '0.7', '3.33'],
    ],
    source: 'Trino docs functions/decimal: x / y has the scale max(xs, ys), rounded half up',
  },
  {
    sql: 'SELECT 1 / 0',
    refused: /division by zero/i,
    source: `${COND}: try handles "Division by zero", so it is an error`,
  },
  { sql: 'SELECT try(1 / 0)', expected: col0(null), source: `${COND}: try` },
  {
    sql: 'SELECT round(2.5e0), round(-2.5e0), round(0.5e0), round(1.45e0, 1)',
    expected: [
      ['_col0', '_col1', '_col2', '_col3'],
      ['3.0', '-3.0', '1.0', '1.5'],
    ],
    source: `${MATH}: round; Trino source MathFunctions: half away from zero`,
  },
  {
    sql: "SELECT round(4), round(DECIMAL '2.5'), round(DECIMAL '-2.45', 1)",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['4', '3', '-2.50'],
    ],
    source: `${MATH}: round keeps the input type (round(x, d) keeps the decimal scale; Trino source DecimalRoundFunctions); decimals round half away from zero`,
  },
  {
    sql: "SELECT CAST(2.5e0 AS INTEGER), CAST(-2.5e0 AS BIGINT), CAST(DECIMAL '12.345' AS DECIMAL(4, 2))",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['3', '-3', '12.35'],
    ],
    source: 'Trino source DoubleOperators, DecimalCasts: casts round half away from zero',
  },
  {
    sql: 'SELECT truncate(19.99e0), truncate(-19.99e0), ceil(1.2e0), floor(-1.2e0), abs(-5), sign(-3)',
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4', '_col5'],
      ['19.0', '-19.0', '2.0', '-2.0', '5', '-1'],
    ],
    source: MATH,
  },
  {
    sql: 'SELECT power(2, 10), sqrt(16), cbrt(27), ln(1), log(2, 8), log10(1000), log2(8)',
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4', '_col5', '_col6'],
      ['1024.0', '4.0', '3.0', '0.0', '3.0', '3.0', '3.0'],
    ],
    source: `${MATH}: these return double`,
  },
  {
    sql: 'SELECT pi(), e()',
    expected: [
      ['_col0', '_col1'],
      ['3.141592653589793', '2.718281828459045'],
    ],
    source: MATH,
  },
  {
    sql: 'SELECT width_bucket(5.3, 0.2, 10.6, 5), width_bucket(-1, 0, 10, 5), width_bucket(11, 0, 10, 5)',
    expected: [
      ['_col0', '_col1', '_col2'],
      ['3', '0', '6'],
    ],
    source: `${MATH}: width_bucket (0 below the range, n + 1 above it)`,
  },
  {
    sql: "SELECT from_base('7fffffffffffffff', 16), from_base('1010', 2), to_base(255, 16), to_base(10, 2)",
    expected: [
      ['_col0', '_col1', '_col2', '_col3'],
      ['9223372036854775807', '10', 'ff', '1010'],
    ],
    source: `${MATH}: from_base, to_base`,
  },
  {
    sql: 'SELECT 1e10, 0.0001e0, 123456789e0, 1e7, 9999999e0, 0.001e0',
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4', '_col5'],
      ['1.0E10', '1.0E-4', '1.23456789E8', '1.0E7', '9999999.0', '0.001'],
    ],
    source:
      'Java Double.toString (scientific below 10^-3 and from 10^7), which Athena, a Java engine, uses for double text: inferred, not checked on a live Athena',
  },
  {
    sql: "SELECT to_unixtime(TIMESTAMP '2020-03-01 00:00:00 UTC')",
    expected: col0('1.5830208E9'),
    source: 'Trino docs functions/datetime: to_unixtime returns double, printed as Java prints it',
  },
  {
    sql: 'SELECT CAST(1.1 AS REAL), CAST(2.5 AS REAL)',
    expected: [
      ['_col0', '_col1'],
      ['1.1', '2.5'],
    ],
    source:
      'Java Float.toString (the shortest decimal that reads back as the float), as Athena prints real values: inferred, not checked on a live Athena',
  },
  {
    sql: 'SELECT nan(), infinity(), -infinity(), 1e0 / 0, 0e0 / 0',
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4'],
      ['NaN', 'Infinity', '-Infinity', 'Infinity', 'NaN'],
    ],
    source: `${MATH}: floating point functions; Java prints NaN and Infinity`,
  },
  {
    sql: 'SELECT greatest(1, NULL, 3), least(3, 1, 2), greatest(1, 5, 3)',
    expected: [
      ['_col0', '_col1', '_col2'],
      [null, '1', '5'],
    ],
    source: 'Trino docs functions/comparison: greatest and least are NULL when any argument is NULL',
  },
  {
    sql: 'SELECT 9223372036854775807 + 1',
    refused: /overflow|out of range/i,
    source: 'Trino source BigintOperators: bigint addition overflow is an error',
  },
  {
    sql: 'SELECT ST_X(ST_Point(-123.1, 49.2)), ST_Y(ST_Point(-123.1, 49.2)), ST_Distance(ST_Point(0, 0), ST_Point(3, 4))',
    expected: [
      ['_col0', '_col1', '_col2'],
      ['-123.1', '49.2', '5.0'],
    ],
    source: 'Trino docs functions/geospatial: ST_Point, ST_X, ST_Y, ST_Distance (planar)',
  },
  {
    sql: 'SELECT ST_AsText(ST_Point(1, 2))',
    expected: col0('POINT (1 2)'),
    source: 'Trino docs functions/geospatial: ST_AsText (well-known text)',
  },
  {
    sql: 'SELECT round(great_circle_distance(49.2827, -123.1207, 49.2606, -123.2460), 3)',
    expected: col0('9.417'),
    source:
      'Trino docs functions/geospatial: great_circle_distance in km; value from Trino source GeoFunctions (Earth radius 6371.01 km)',
  },
  {
    sql: "SELECT if(1 > 2, 'a'), if(1 < 2, 'a', 'b')",
    expected: [
      ['_col0', '_col1'],
      [null, 'a'],
    ],
    source: `${COND}: IF`,
  },
  {
    sql: 'SELECT coalesce(NULL, 2, 3), nullif(1, 1), nullif(1, 2)',
    expected: [
      ['_col0', '_col1', '_col2'],
      ['2', null, '1'],
    ],
    source: `${COND}: COALESCE, NULLIF`,
  },
  {
    sql: "SELECT a, CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END AS word FROM (VALUES (1), (2), (3)) AS t(a) ORDER BY a",
    expected: [
      ['a', 'word'],
      ['1', 'one'],
      ['2', 'two'],
      ['3', 'many'],
    ],
    source: `${COND}: simple CASE`,
  },
  {
    sql: `SELECT TRY(CAST(origin_zip AS BIGINT)) AS zip FROM ${SHIPPING}`,
    expected: [['zip'], ['94131'], [null], ['94025']],
    unordered: true,
    source: `${COND}: TRY examples`,
  },
  {
    sql: `SELECT CAST(origin_zip AS BIGINT) FROM ${SHIPPING}`,
    refused: /P332a|cast/i,
    source: `${COND}: TRY examples (Cannot cast 'P332a' to BIGINT)`,
  },
  {
    sql: `SELECT COALESCE(TRY(total_cost / packages), 0) AS per_package FROM ${SHIPPING}`,
    expected: [['per_package'], ['4'], ['14'], ['0']],
    unordered: true,
    source: `${COND}: TRY with COALESCE`,
  },
  {
    sql: "SELECT try_cast('abc' AS INTEGER), try_cast('42' AS INTEGER), try_cast('2024-02-30' AS DATE)",
    expected: [
      ['_col0', '_col1', '_col2'],
      [null, '42', null],
    ],
    source: `${CONV}: try_cast`,
  },
  {
    sql: "SELECT CAST('12' AS INTEGER) + 1, CAST(12 AS VARCHAR) || 'a', CAST('1.50' AS DECIMAL(4, 2)), CAST(true AS VARCHAR)",
    expected: [
      ['_col0', '_col1', '_col2', '_col3'],
      ['13', '12a', '1.50', 'true'],
    ],
    source: `${CONV}: cast`,
  },
  {
    sql: "SELECT typeof(123), typeof('cat'), typeof(cos(2) + 1.5)",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['integer', 'varchar(3)', 'double'],
    ],
    source: `${CONV}: typeof`,
  },
  {
    sql: 'SELECT NULL IS DISTINCT FROM 1, NULL IS NOT DISTINCT FROM NULL, 3 BETWEEN 1 AND 5, 2 IN (1, NULL)',
    expected: [
      ['_col0', '_col1', '_col2', '_col3'],
      ['true', 'true', 'true', null],
    ],
    source: 'Trino docs functions/comparison: IS DISTINCT FROM, BETWEEN, IN with NULL',
  },
];
