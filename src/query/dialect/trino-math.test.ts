import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrinoSql, type TrinoSql } from '../../../test/helpers/trino-sql.js';

// Expected values follow trino.io/docs/current/functions/math.html and bitwise.html (their examples:
// bit_count(9, 64) = 2, bit_count(-7, 8) = 6, bitwise_and(19, 25) = 17, ...), and Java's Math for the
// special values Trino returns (ln(0) = -Infinity, sqrt(-1) = NaN).
let trino: TrinoSql;
beforeAll(async () => {
  trino = await openTrinoSql();
});
afterAll(() => trino.close());

const value = (sql: string) => trino.value(sql);
const refused = (sql: string, message: RegExp) => expect(trino.rows(sql)).rejects.toThrow(message);

describe('Trino math functions', () => {
  it('format_number: the documented examples, and DecimalFormat rounding half up on the exact double', async () => {
    expect(await trino.rows('SELECT format_number(123456), format_number(1000000)')).toEqual([
      ['123K', '1M'],
    ]);
    // 1.235 is stored just above the tie, 2.675 and 1.005 just below: Java rounds the value, not its text.
    expect(
      await trino.rows(
        'SELECT format_number(1235), format_number(2675), format_number(1005), format_number(12345), format_number(99995), format_number(999999), format_number(125), format_number(-1500)',
      ),
    ).toEqual([['1.24K', '2.67K', '1K', '12.3K', '100K', '1000K', '125', '-1.5K']]);
    expect(
      await trino.rows(
        "SELECT format_number(1.9), format_number(-0.5), format_number(nan()), format_number(infinity()), format_number(CAST(NULL AS BIGINT)), format_number(NULL), format_number(DECIMAL '2500.5')",
      ),
    ).toEqual([['1', '0', '0', '9223Q', null, null, '2.5K']]);
    await refused(
      "SELECT format_number('12')",
      /Unexpected parameters \(varchar\) for function format_number/,
    );
  });
  it('truncate, with digits', async () => {
    expect(await trino.rows('SELECT truncate(5.678e0), truncate(-5.678e0), truncate(5.678, 2)')).toEqual([
      [5, -5, 5.67],
    ]);
  });
  it('mod takes the sign of the dividend; a zero divisor fails', async () => {
    expect(await trino.rows('SELECT mod(-5, 3), mod(5, -3), mod(5.5, 2)')).toEqual([[-2, 2, 1.5]]);
    await refused('SELECT mod(5, 0)', /Division by zero/);
  });
  it('power, pow, exp, sqrt, cbrt', async () => {
    expect(await trino.rows('SELECT power(2, 3), pow(2, 10), sqrt(16), cbrt(27), cbrt(-8)')).toEqual([
      [8, 1024, 4, 3, -2],
    ]);
    expect(await value('SELECT exp(1) = e()')).toBe(true);
  });
  it('logarithms, with Java special values', async () => {
    expect(await trino.rows('SELECT log(2, 8), log2(8), log10(1000), ln(1)')).toEqual([[3, 3, 3, 0]]);
    expect(await trino.rows('SELECT ln(0), ln(-1), log10(0), sqrt(-1)')).toEqual([
      [-Infinity, Number.NaN, -Infinity, Number.NaN],
    ]);
  });
  it('width_bucket with bounds and with bins', async () => {
    expect(
      await trino.rows(
        'SELECT width_bucket(5.3, 0.2, 10.6, 5), width_bucket(-1, 0, 10, 5), width_bucket(10, 0, 10, 5), width_bucket(3, 10, 0, 5), width_bucket(2, ARRAY[1, 2, 3]), width_bucket(0, ARRAY[1, 2, 3])',
      ),
    ).toEqual([[3, 0, 6, 4, 2, 0]]);
    await refused('SELECT width_bucket(1, 0, 10, 0)', /bucketCount/);
    await refused('SELECT width_bucket(1, 5, 5, 2)', /bounds cannot equal/);
  });
  it('from_base and to_base', async () => {
    expect(
      await trino.rows(
        "SELECT from_base('2a', 16), from_base('-1010', 2), to_base(10, 2), to_base(-255, 16)",
      ),
    ).toEqual([[42, -10, '1010', '-ff']]);
    await refused("SELECT from_base('z', 16)", /Not a valid base-16 number/);
  });
  it('round is half away from zero for doubles and decimals, with digits', async () => {
    expect(
      await trino.rows(
        'SELECT round(2.5e0), round(-2.5e0), round(2.5), round(-2.5), round(1.25e0, 1), round(12345, -2), round(1.234, 2)',
      ),
    ).toEqual([[3, -3, 3, -3, 1.3, 12300, 1.23]]);
  });
  it('ceiling, floor, sign, abs', async () => {
    expect(
      await trino.rows('SELECT ceiling(1.2), ceil(-1.5e0), floor(-1.2), sign(-3), sign(2.5e0), abs(-4)'),
    ).toEqual([[2, -1, -2, -1, 1, 4]]);
  });
  it('rand and random, with bounds', async () => {
    expect(
      await trino.rows(
        'SELECT random() BETWEEN 0 AND 1, random(10) BETWEEN 0 AND 9, rand(5, 7) BETWEEN 5 AND 6',
      ),
    ).toEqual([[true, true, true]]);
    await refused('SELECT random(0)', /bound must be positive/);
  });
  it('nan, infinity, is_nan, is_finite, is_infinite, e, pi', async () => {
    expect(
      await trino.rows(
        'SELECT is_nan(nan()), is_infinite(infinity()), is_finite(1e0), is_finite(infinity()), e(), pi()',
      ),
    ).toEqual([[true, true, true, false, Math.E, Math.PI]]);
  });
  it('bitwise functions: the documented examples', async () => {
    expect(
      await trino.rows(
        'SELECT bit_count(9, 64), bit_count(9, 8), bit_count(-7, 64), bit_count(-7, 8), bitwise_and(19, 25), bitwise_not(-12), bitwise_or(19, 25), bitwise_xor(19, 25)',
      ),
    ).toEqual([[2, 2, 62, 6, 17, 11, 27, 10]]);
    await refused('SELECT bit_count(300, 8)', /representable/);
  });
  it('greatest and least are NULL when an argument is NULL', async () => {
    expect(
      await trino.rows('SELECT greatest(1, 3, 2), least(1, 3, 2), greatest(1, NULL, 3), least(NULL, 1)'),
    ).toEqual([[3, 1, null, null]]);
  });
});
