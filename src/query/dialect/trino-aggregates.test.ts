import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrinoSql, type TrinoSql } from '../../../test/helpers/trino-sql.js';

// Expected values follow trino.io/docs/current/functions/aggregate.html (its examples and its definitions:
// kurtosis's formula, skewness as Fisher's moment coefficient, max_by(x, y, n) in descending order of y).
let trino: TrinoSql;
beforeAll(async () => {
  trino = await openTrinoSql();
});
afterAll(() => trino.close());

const value = (sql: string) => trino.value(sql);
const refused = (sql: string, message: RegExp) => expect(trino.rows(sql)).rejects.toThrow(message);
const T = "(VALUES (1, 3, 'a'), (2, 1, 'b'), (3, 2, 'a'), (NULL, 4, NULL)) t(x, y, s)";

describe('Trino aggregate functions', () => {
  it('approx_distinct, zero when all values are NULL; e must be in range', async () => {
    expect(await value(`SELECT approx_distinct(s) FROM ${T}`)).toBe(2);
    expect(await value('SELECT approx_distinct(x) FROM (VALUES (CAST(NULL AS INTEGER))) t(x)')).toBe(0);
    expect(await value(`SELECT approx_distinct(s, 0.1) FROM ${T}`)).toBe(2);
    await refused(`SELECT approx_distinct(s, 0.5) FROM ${T}`, /Max standard error/);
  });
  it('approx_percentile with one percentage and with an array; weights are refused', async () => {
    expect(await value('SELECT approx_percentile(x, 0.5) FROM (VALUES (1), (2), (3)) t(x)')).toBe(2);
    expect(
      await value('SELECT approx_percentile(x, ARRAY[0.0, 1.0]) FROM (VALUES (1), (2), (3)) t(x)'),
    ).toEqual([1, 3]);
    await refused('SELECT approx_percentile(x, 1, 0.5) FROM (VALUES (1)) t(x)', /weight/);
  });
  it('arbitrary and any_value give a non-null value', async () => {
    expect(await value('SELECT arbitrary(x) FROM (VALUES (NULL), (2)) t(x)')).toBe(2);
    expect(await value('SELECT any_value(x) FROM (VALUES (NULL), (2)) t(x)')).toBe(2);
  });
  it('count_if, count, bool_and, bool_or, every', async () => {
    expect(await trino.rows(`SELECT count_if(x > 1), count(x), count(*) FROM ${T}`)).toEqual([[2, 3, 4]]);
    expect(await value(`SELECT typeof(count_if(x > 1)) FROM ${T}`)).toBe('bigint');
    expect(await value(`SELECT count_if(x > 1) FILTER (WHERE y > 1) FROM ${T}`)).toBe(1);
    expect(
      await trino.rows('SELECT bool_and(b), bool_or(b), every(b) FROM (VALUES (true), (false), (NULL)) t(b)'),
    ).toEqual([[false, true, false]]);
  });
  it('max_by and min_by, with n in the order of y', async () => {
    expect(
      await trino.rows(`SELECT max_by(x, y), min_by(x, y), max_by(s, y, 2), min_by(x, y, 2) FROM ${T}`),
    ).toEqual([[null, 2, [null, 'a'], [2, 3]]]);
  });
  it('max and min, with n as arrays', async () => {
    expect(await trino.rows(`SELECT max(x), min(x), max(x, 2), min(x, 2) FROM ${T}`)).toEqual([
      [3, 1, [3, 2], [1, 2]],
    ]);
  });
  it('histogram counts as bigint, map_agg skips NULL keys', async () => {
    expect(await value(`SELECT histogram(s) FROM ${T}`)).toEqual({ a: 2, b: 1 });
    expect(await value(`SELECT map_agg(s, y) FROM ${T} WHERE x < 3`)).toEqual({ a: 3, b: 1 });
  });
  it('array_agg keeps NULLs and takes ORDER BY and FILTER', async () => {
    expect(await value(`SELECT array_agg(x ORDER BY y) FROM ${T}`)).toEqual([2, 3, 1, null]);
    expect(await value(`SELECT array_agg(x) FILTER (WHERE y > 1) FROM ${T}`)).toEqual([1, 3, null]);
  });
  it('geometric_mean, corr, covariances and regressions', async () => {
    const rows = await trino.rows(
      'SELECT geometric_mean(x), corr(y, x), covar_pop(y, x), covar_samp(y, x), regr_slope(y, x), regr_intercept(y, x) FROM (VALUES (1e0, 2e0), (2e0, 4e0), (4e0, 8e0)) t(x, y)',
    );
    const [geo, corr, pop, samp, slope, intercept] = rows[0] as number[];
    expect(geo).toBeCloseTo(2, 12);
    expect(corr).toBeCloseTo(1, 12);
    expect(pop).toBeCloseTo(28 / 9, 12);
    expect(samp).toBeCloseTo(14 / 3, 12);
    expect(slope).toBeCloseTo(2, 12);
    expect(intercept).toBeCloseTo(0, 12);
  });
  it('stddev and variance are the sample ones; the population ones too', async () => {
    const [row] = await trino.rows(
      'SELECT stddev(x), stddev_samp(x), stddev_pop(x), variance(x), var_samp(x), var_pop(x) FROM (VALUES (1e0), (2e0), (3e0), (4e0)) t(x)',
    );
    expect(row?.map((v) => Number((v as number).toFixed(10)))).toEqual([
      1.2909944487, 1.2909944487, 1.1180339887, 1.6666666667, 1.6666666667, 1.25,
    ]);
  });
  it("kurtosis is the documented unbiased estimate; skewness is Fisher's moment coefficient", async () => {
    const data = '(VALUES (1e0), (2e0), (3e0), (4e0), (10e0)) t(x)';
    // n(n+1)/((n-1)(n-2)(n-3)) Σ(x-m)^4 / s^4 - 3(n-1)^2/((n-2)(n-3)), with n = 5, m = 4, s^2 = 12.5.
    expect(await value(`SELECT kurtosis(x) FROM ${data}`)).toBeCloseTo(
      (30 / 24) * (1394 / 156.25) - 48 / 6,
      10,
    );
    // m3 / m2^1.5 with m2 = 10, m3 = 36.
    expect(await value(`SELECT skewness(x) FROM ${data}`)).toBeCloseTo(36 / 10 ** 1.5, 10);
    expect(
      await value('SELECT skewness(DISTINCT x) FROM (VALUES (1e0), (2e0), (2e0), (10e0)) t(x)'),
    ).toBeCloseTo(0.674555484545765, 10);
  });
  it('avg of decimals keeps the decimal, rounded half up; of integers it is a double', async () => {
    expect(await value('SELECT avg(x) FROM (VALUES (1.0), (2.0), (2.0)) t(x)')).toBe(1.7);
    expect(await value('SELECT avg(x) FROM (VALUES (1), (2)) t(x)')).toBe(1.5);
    expect(await value('SELECT avg(x) FILTER (WHERE x > 1.0) FROM (VALUES (1.0), (2.0), (2.5)) t(x)')).toBe(
      2.3,
    );
  });
  it('aggregates translated as several stay window functions over the same window', async () => {
    expect(
      await trino.rows(
        'SELECT avg(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM (VALUES (1.0), (2.0), (2.5)) t(x)',
      ),
    ).toEqual([[1], [1.5], [2.3]]);
  });
  it("avg answers in Trino's types: double of integers, the decimal itself, real of reals", async () => {
    const types = await trino.rows(
      "SELECT typeof(avg(i)), typeof(avg(d)), typeof(avg(r)), typeof(avg(f)) FROM (VALUES (1, DECIMAL '1.25', REAL '1.5', 1e0)) t(i, d, r, f)",
    );
    expect(types).toEqual([['double', 'decimal(3,2)', 'real', 'double']]);
    expect(await value("SELECT typeof(avg(x) OVER ()) FROM (VALUES (DECIMAL '1.25')) t(x)")).toBe(
      'decimal(3,2)',
    );
  });
  it("sum of integers is a bigint that overflows as Trino's does; of decimals a decimal(38, s)", async () => {
    const types = await trino.rows(
      "SELECT typeof(sum(i)), typeof(sum(b)), typeof(sum(d)), typeof(sum(r)), typeof(sum(f)) FROM (VALUES (1, BIGINT '2', DECIMAL '1.25', REAL '1.5', 1e0)) t(i, b, d, r, f)",
    );
    expect(types).toEqual([['bigint', 'bigint', 'decimal(38,2)', 'real', 'double']]);
    expect(await value('SELECT typeof(sum(x) OVER (ORDER BY x)) FROM (VALUES 1) t(x)')).toBe('bigint');
    expect(await trino.rows('SELECT sum(x) OVER (ORDER BY x) FROM (VALUES 1, 2) t(x)')).toEqual([[1], [3]]);
    expect(await value('SELECT sum(DISTINCT x) FILTER (WHERE x > 1) FROM (VALUES 1, 2, 2, 3) t(x)')).toBe(5);
    expect(await value('SELECT sum(x) FROM (VALUES CAST(NULL AS INTEGER)) t(x)')).toBeNull();
    const max = "BIGINT '9223372036854775807'";
    expect(await value(`SELECT sum(x) FROM (VALUES ${max}, BIGINT '-1') t(x)`)).toBe(9223372036854775806n);
    await refused(`SELECT sum(x) FROM (VALUES ${max}, BIGINT '1') t(x)`, /NUMERIC_VALUE_OUT_OF_RANGE/);
  });
  it('sum, and the bitwise aggregates', async () => {
    expect(
      await trino.rows(`SELECT sum(x), bitwise_and_agg(x), bitwise_or_agg(x), bitwise_xor_agg(x) FROM ${T}`),
    ).toEqual([[6, 0, 3, 0]]);
  });
  it('reduce_agg: the documented examples', async () => {
    const data = '(VALUES (1, 3), (1, 4), (1, 5), (2, 6), (2, 7)) AS t(id, value)';
    expect(
      await trino.rows(
        `SELECT id, reduce_agg(value, 0, (a, b) -> a + b, (a, b) -> a + b) FROM ${data} GROUP BY id ORDER BY id`,
      ),
    ).toEqual([
      [1, 12],
      [2, 13],
    ]);
    expect(
      await trino.rows(
        `SELECT id, reduce_agg(value, 1, (a, b) -> a * b, (a, b) -> a * b) FROM ${data} GROUP BY id ORDER BY id`,
      ),
    ).toEqual([
      [1, 60],
      [2, 42],
    ]);
  });
  it('listagg ... WITHIN GROUP (ORDER BY ...) joins in order, skipping NULLs', async () => {
    expect(await value(`SELECT listagg(s, ',') WITHIN GROUP (ORDER BY y) FROM ${T}`)).toBe('b,a,a');
    expect(await value(`SELECT listagg(s) WITHIN GROUP (ORDER BY y DESC) FROM ${T}`)).toBe('aab');
  });
  it('checksum and multimap_agg are refused', async () => {
    await refused(`SELECT checksum(x) FROM ${T}`, /checksum is not supported/);
    await refused(`SELECT multimap_agg(s, x) FROM ${T}`, /multimap_agg is not supported/);
  });
});
