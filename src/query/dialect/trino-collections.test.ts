import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrinoSql, type TrinoSql } from '../../../test/helpers/trino-sql.js';

// Expected values are the examples of trino.io/docs/current/functions/array.html, map.html and lambda.html,
// or follow from their definitions (1-based indexes, NULL elements).
let trino: TrinoSql;
beforeAll(async () => {
  trino = await openTrinoSql();
});
afterAll(() => trino.close());

const value = (sql: string) => trino.value(sql);
const refused = (sql: string, message: RegExp) => expect(trino.rows(sql)).rejects.toThrow(message);

describe('Trino array functions', () => {
  it('cardinality of arrays and maps', async () => {
    expect(await trino.rows("SELECT cardinality(ARRAY[1, 2, 3]), cardinality(split('a,b', ','))")).toEqual([
      [3, 2],
    ]);
    expect(await value("SELECT cardinality(MAP(ARRAY['a', 'b'], ARRAY[1, 2]))")).toBe(2);
    expect(await value("SELECT cardinality(x) FROM (SELECT MAP(ARRAY['a'], ARRAY[1]) AS x) t")).toBe(1);
    expect(await value('SELECT cardinality(x) FROM (SELECT ARRAY[1, 2] AS x) t')).toBe(2);
  });
  it('element_at: 1-based, negative from the end, NULL out of bounds, keys of maps', async () => {
    expect(
      await trino.rows(
        "SELECT element_at(ARRAY[1, 2, 3], 1), element_at(ARRAY[1, 2, 3], -1), element_at(ARRAY[1, 2, 3], 5), element_at(MAP(ARRAY['a'], ARRAY[1]), 'a'), element_at(MAP(ARRAY['a'], ARRAY[1]), 'b')",
      ),
    ).toEqual([[1, 3, null, 1, null]]);
    await refused('SELECT element_at(ARRAY[1], 0)', /indices start at 1/);
  });
  it('a[i]: 1-based, a NULL element kept, an index outside the array fails as in Trino (element_at is NULL)', async () => {
    expect(
      await trino.rows(
        "SELECT ARRAY[10, 20][2], a[i], a[2], m[2], r[1], CAST(NULL AS ARRAY(INTEGER))[3], a[CAST(NULL AS INTEGER)], split('x,y', ',')[2], n[k], a[BIGINT '1'] FROM (SELECT ARRAY[10, NULL] AS a, 1 AS i, MAP(ARRAY[1, 2], ARRAY['p', 'q']) AS m, ROW(7, 'z') AS r, MAP(ARRAY['a', 'b'], ARRAY[1, 2]) AS n, 'b' AS k) t",
      ),
    ).toEqual([[20, 10, null, 'q', 7, null, null, 'y', 2, 10]]);
    await refused(
      'SELECT a[3] FROM (SELECT ARRAY[10, NULL] AS a) t',
      /Array subscript must be less than or equal to array length: 3 > 2/,
    );
    await refused(
      'SELECT ARRAY[1, 2][i] FROM (SELECT 5 AS i) t',
      /less than or equal to array length: 5 > 2/,
    );
    await refused('SELECT ARRAY[1, 2][i] FROM (SELECT -1 AS i) t', /Array subscript is negative: -1/);
    await refused('SELECT ARRAY[1, 2][i] FROM (SELECT 0 AS i) t', /indices start at 1/);
    await refused("SELECT split('x,y', ',')[3]", /3 > 2/);
    // Nested subscripts, and inside a lambda with a column of the query.
    expect(
      await trino.rows(
        'SELECT a[2][1][1], a[i][j], transform(ARRAY[1, 2], x -> ARRAY[10, 20, 30][x + i]) FROM (SELECT ARRAY[ARRAY[ARRAY[1], ARRAY[2]], ARRAY[ARRAY[3]]] AS a, 1 AS i, 2 AS j) t',
      ),
    ).toEqual([[3, [2], [20, 30]]]);
    // A subscript in the position, nested deep, and map keys in a chain: each written once, not once per use.
    expect(
      await trino.rows(
        "SELECT a[a[a[a[a[a[a[a[1]]]]]]]], m['x']['y'], a[NULL] FROM (SELECT ARRAY[2, 3, 4, 5, 6, 7, 8, 9, 10] AS a, MAP(ARRAY['x'], ARRAY[MAP(ARRAY['y'], ARRAY[5])]) AS m) t",
      ),
    ).toEqual([[9, 5, null]]);
    await refused(
      "SELECT m['x']['z'] FROM (SELECT MAP(ARRAY['x'], ARRAY[MAP(ARRAY['y'], ARRAY[5])]) AS m) t",
      /Key not present in map: z/,
    );
  });
  it('contains is NULL when not found and a NULL element is there', async () => {
    expect(
      await trino.rows(
        'SELECT contains(ARRAY[1, NULL], 1), contains(ARRAY[1, NULL], 2), contains(ARRAY[1, 3], 2)',
      ),
    ).toEqual([[true, null, false]]);
  });
  it('array_join, with a NULL replacement', async () => {
    expect(
      await trino.rows("SELECT array_join(ARRAY[1, NULL, 2], ','), array_join(ARRAY[1, NULL, 2], ',', 'x')"),
    ).toEqual([['1,2', '1,x,2']]);
  });
  it('array_distinct keeps the first of each, NULL too, in order', async () => {
    expect(await value('SELECT array_distinct(ARRAY[2, 1, NULL, 2, NULL])')).toEqual([2, 1, null]);
  });
  it('array_sort puts NULLs last; with a comparator it sorts stably', async () => {
    expect(await value('SELECT array_sort(ARRAY[3, 2, 5, 1, 2])')).toEqual([1, 2, 2, 3, 5]);
    expect(await value('SELECT array_sort(ARRAY[3, NULL, 1])')).toEqual([1, 3, null]);
    // Equal lengths keep their order; a comparator that says all are equal changes nothing.
    expect(
      await trino.rows(
        "SELECT array_sort(ARRAY['bb', 'a', 'cc', 'd', 'aa'], (x, y) -> IF(length(x) < length(y), -1, IF(length(x) = length(y), 0, 1))), array_sort(ARRAY[3, 1, 2], (x, y) -> 0), array_sort(CAST(ARRAY[] AS ARRAY(INTEGER)), (x, y) -> 0), array_sort(CAST(NULL AS ARRAY(INTEGER)), (x, y) -> 0)",
      ),
    ).toEqual([[['a', 'd', 'bb', 'cc', 'aa'], [3, 1, 2], [], null]]);
    await refused('SELECT array_sort(ARRAY[3, 1], (x, y) -> 2)', /comparator must return either -1, 0, or 1/);
    await refused(
      'SELECT array_sort(ARRAY[3, 1], (x, y) -> NULL)',
      /comparator must return either -1, 0, or 1/,
    );
  });
  it('array_max and array_min are NULL when an element is NULL', async () => {
    expect(
      await trino.rows('SELECT array_max(ARRAY[1, 3]), array_min(ARRAY[3, 1]), array_max(ARRAY[1, NULL, 3])'),
    ).toEqual([[3, 1, null]]);
  });
  it('array_position: 0 when missing, with an instance', async () => {
    expect(
      await trino.rows(
        'SELECT array_position(ARRAY[1, 2], 2), array_position(ARRAY[1, 2], 3), array_position(ARRAY[1, 2, 1], 1, 2)',
      ),
    ).toEqual([[2, 0, 3]]);
    expect(await value('SELECT array_position(ARRAY[1], 1, NULL)')).toBeNull();
  });
  it('array_remove, array_intersect, array_union, array_except, arrays_overlap', async () => {
    expect(await value('SELECT array_remove(ARRAY[1, NULL, 2, 1], 1)')).toEqual([null, 2]);
    expect(await value('SELECT array_intersect(ARRAY[1, 2, 2, 3], ARRAY[3, 2, 4])')).toEqual([2, 3]);
    expect(await value('SELECT array_union(ARRAY[1, 1], ARRAY[2, 1])')).toEqual([1, 2]);
    expect(await value('SELECT array_except(ARRAY[1, 2, 2, 3], ARRAY[2])')).toEqual([1, 3]);
    expect(
      await trino.rows(
        'SELECT arrays_overlap(ARRAY[1, 2], ARRAY[2]), arrays_overlap(ARRAY[1, NULL], ARRAY[2]), arrays_overlap(ARRAY[1], ARRAY[2])',
      ),
    ).toEqual([[true, null, false]]);
  });
  it('sequence of integers, dates with the month rule, and timestamps', async () => {
    expect(await trino.rows('SELECT sequence(1, 5), sequence(5, 1), sequence(1, 10, 3)')).toEqual([
      [
        [1, 2, 3, 4, 5],
        [5, 4, 3, 2, 1],
        [1, 4, 7, 10],
      ],
    ]);
    expect(await value("SELECT sequence(DATE '2024-01-31', DATE '2024-04-30', INTERVAL '1' MONTH)")).toEqual([
      '2024-01-31T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
      '2024-03-31T00:00:00.000Z',
      '2024-04-30T00:00:00.000Z',
    ]);
    expect(await value("SELECT sequence(DATE '2024-01-03', DATE '2024-01-01')")).toHaveLength(3);
    expect(
      await value(
        "SELECT sequence(TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 02:00:00', INTERVAL '1' HOUR)",
      ),
    ).toHaveLength(3);
    await refused('SELECT sequence(1, 5, -1)', /sequence stop value/);
    await refused('SELECT sequence(1, 20000)', /10000 entries/);
    await refused('SELECT sequence(1, 5, 0)', /step must not be zero/);
  });
  it('transform and filter: the documented examples', async () => {
    expect(
      await trino.rows(
        "SELECT transform(ARRAY[5, 6], x -> x + 1), transform(ARRAY[5, NULL, 6], x -> coalesce(x, 0) + 1), transform(ARRAY['x', 'abc', 'z'], x -> x || '0')",
      ),
    ).toEqual([
      [
        [6, 7],
        [6, 1, 7],
        ['x0', 'abc0', 'z0'],
      ],
    ]);
    expect(
      await trino.rows(
        'SELECT filter(ARRAY[5, -6, NULL, 7], x -> x > 0), filter(ARRAY[5, NULL, 7, NULL], x -> x IS NOT NULL)',
      ),
    ).toEqual([
      [
        [5, 7],
        [5, 7],
      ],
    ]);
  });
  it('reduce: the documented examples', async () => {
    expect(
      await trino.rows(
        'SELECT reduce(ARRAY[5, 20, 50], 0, (s, x) -> s + x, s -> s), reduce(ARRAY[5, 20, NULL, 50], 0, (s, x) -> s + x, s -> s), reduce(ARRAY[5, 20, NULL, 50], 0, (s, x) -> s + coalesce(x, 0), s -> s), reduce(ARRAY[5, 20, 50], 0, (s, x) -> s + x, s -> s * 10)',
      ),
    ).toEqual([[75, null, 75, 750]]);
    // The state may be of another type than the elements: a number, a string, a row.
    expect(
      await trino.rows(
        "SELECT reduce(ARRAY[], 0, (s, x) -> s + x, s -> s), reduce(ARRAY[2147483647, 1], BIGINT '0', (s, x) -> s + x, s -> s), reduce(ARRAY[1, 2, 3], '', (s, x) -> s || CAST(x AS VARCHAR), s -> s), reduce(ARRAY[5, 6, 10, 20], CAST(ROW(0.0, 0) AS ROW(sum DOUBLE, count INTEGER)), (s, x) -> CAST(ROW(x + s.sum, s.count + 1) AS ROW(sum DOUBLE, count INTEGER)), s -> IF(s.count = 0, NULL, s.sum / s.count)), reduce(CAST(NULL AS ARRAY(INTEGER)), 0, (s, x) -> s + x, s -> s)",
      ),
    ).toEqual([[0, 2147483648, '123', 10.25, null]]);
    // The state widens to what the input function answers, as in Trino; nested lambdas keep their own names.
    expect(
      await trino.rows(
        'SELECT reduce(ARRAY[1.5e0, 2.5e0, 0.4e0], 0, (s, x) -> s + x, s -> s), reduce(ARRAY[123456789012345, NULL, 54321], 0, (s, x) -> s + coalesce(x, 0), s -> s), reduce(ARRAY[1, 2], 0, (s, x) -> s + reduce(ARRAY[10], 0, (t, y) -> t + y * x, t -> t), s -> s), zip_with(ARRAY[1, 2], ARRAY[3, 4], (a, b) -> reduce(ARRAY[10], 0, (s, x) -> s + x * a, s -> s))',
      ),
    ).toEqual([[4.4, 123456789066666, 30, [10, 20]]]);
    // Each reduce writes its input function twice (for the state's type, then to run): deeply nested ones are
    // refused as too large, without expanding the shared subtrees first.
    let nested = 'x0';
    for (let i = 1; i <= 12; i++)
      nested = `reduce(ARRAY[1, 2], 0, (s${i}, x${i}) -> s${i} + ${nested.replace('x0', `x${i}`)}, s${i} -> s${i})`;
    await refused(`SELECT ${nested.replace('x0', '1')}`, /too large once written for the engine/);
  });
  it('zip pads with NULL; zip_with: the documented examples', async () => {
    expect(await value("SELECT zip(ARRAY[1, 2], ARRAY['1b', null, '3b'])")).toHaveLength(3);
    expect(
      await trino.rows(
        "SELECT zip_with(ARRAY[1, 2], ARRAY[3, 4], (x, y) -> x + y), zip_with(ARRAY['a', 'b', 'c'], ARRAY['d', 'e', 'f'], (x, y) -> concat(x, y)), zip_with(ARRAY['a'], ARRAY['d', null, 'f'], (x, y) -> coalesce(x, y))",
      ),
    ).toEqual([
      [
        [4, 6],
        ['ad', 'be', 'cf'],
        ['a', null, 'f'],
      ],
    ]);
  });
  it('any_match, all_match, none_match: true, false, or NULL when a NULL decides', async () => {
    expect(
      await trino.rows(
        'SELECT any_match(ARRAY[1, 5], x -> x > 4), any_match(ARRAY[1, NULL], x -> x > 4), any_match(ARRAY[1], x -> x > 4), any_match(ARRAY[], x -> true)',
      ),
    ).toEqual([[true, null, false, false]]);
    expect(
      await trino.rows(
        'SELECT all_match(ARRAY[5, 6], x -> x > 4), all_match(ARRAY[5, NULL], x -> x > 4), all_match(ARRAY[1, NULL], x -> x > 4), all_match(ARRAY[], x -> false)',
      ),
    ).toEqual([[true, null, false, true]]);
    expect(
      await trino.rows('SELECT none_match(ARRAY[1, 2], x -> x > 4), none_match(ARRAY[5], x -> x > 4)'),
    ).toEqual([[true, false]]);
  });
  it('trim_array: the documented examples', async () => {
    expect(
      await trino.rows('SELECT trim_array(ARRAY[1, 2, 3, 4], 1), trim_array(ARRAY[1, 2, 3, 4], 2)'),
    ).toEqual([
      [
        [1, 2, 3],
        [1, 2],
      ],
    ]);
    await refused('SELECT trim_array(ARRAY[1], 2)', /size/);
  });
  it('flatten, slice, repeat', async () => {
    expect(await value('SELECT flatten(ARRAY[ARRAY[1], ARRAY[2, 3]])')).toEqual([1, 2, 3]);
    expect(
      await trino.rows(
        'SELECT slice(ARRAY[1, 2, 3, 4], 2, 2), slice(ARRAY[1, 2, 3, 4], -2, 2), slice(ARRAY[1, 2], 5, 1)',
      ),
    ).toEqual([[[2, 3], [3, 4], []]]);
    expect(await value("SELECT repeat('ab', 3)")).toEqual(['ab', 'ab', 'ab']);
  });
  it('shuffle keeps the elements', async () => {
    expect(await value('SELECT array_sort(shuffle(ARRAY[3, 1, 2]))')).toEqual([1, 2, 3]);
  });
  it('concat of arrays', async () => {
    expect(await value('SELECT concat(ARRAY[1], ARRAY[2, 3])')).toEqual([1, 2, 3]);
  });
  it('|| of an array and an element appends or prepends it where the syntax shows the depths', async () => {
    expect(
      await trino.rows(
        "SELECT ARRAY[1] || 2, 0 || ARRAY[1], ARRAY[4, 5] || ARRAY[ARRAY[1, 2]], ARRAY[1] || 2.5, CAST(NULL AS ARRAY(VARCHAR)) || 'a', ARRAY[1] || CAST(NULL AS INTEGER), 'a' || 'b'",
      ),
    ).toEqual([
      [
        [1, 2],
        [0, 1],
        [
          [4, 5],
          [1, 2],
        ],
        [1, 2.5],
        null,
        null,
        'ab',
      ],
    ]);
  });
});

describe('Trino map functions', () => {
  it('map, map_keys, map_values, map_from_entries, map_entries, map_concat', async () => {
    expect(await value("SELECT map(ARRAY['a', 'b'], ARRAY[1, 2])")).toEqual({ a: 1, b: 2 });
    expect(
      await trino.rows(
        "SELECT map_keys(MAP(ARRAY['a', 'b'], ARRAY[1, 2])), map_values(MAP(ARRAY['a', 'b'], ARRAY[1, 2]))",
      ),
    ).toEqual([
      [
        ['a', 'b'],
        [1, 2],
      ],
    ]);
    expect(await value("SELECT map_from_entries(ARRAY[(1, 'x'), (2, 'y')])")).toEqual({ 1: 'x', 2: 'y' });
    expect(await value("SELECT map_entries(MAP(ARRAY[1, 2], ARRAY['x', 'y']))")).toEqual({ 1: 'x', 2: 'y' });
    expect(
      await value("SELECT map_concat(MAP(ARRAY['a'], ARRAY[1]), MAP(ARRAY['a', 'b'], ARRAY[2, 3]))"),
    ).toEqual({ a: 2, b: 3 });
  });
  it('map_filter: the documented examples', async () => {
    expect(
      await value(
        "SELECT map_filter(MAP(ARRAY[10, 20, 30], ARRAY['a', NULL, 'c']), (k, v) -> v IS NOT NULL)",
      ),
    ).toEqual({
      10: 'a',
      30: 'c',
    });
    expect(
      await value("SELECT map_filter(MAP(ARRAY['k1', 'k2', 'k3'], ARRAY[20, 3, 15]), (k, v) -> v > 10)"),
    ).toEqual({
      k1: 20,
      k3: 15,
    });
  });
  it('transform_keys and transform_values: the documented examples', async () => {
    expect(
      await value("SELECT transform_keys(MAP(ARRAY[1, 2, 3], ARRAY['a', 'b', 'c']), (k, v) -> k + 1)"),
    ).toEqual({
      2: 'a',
      3: 'b',
      4: 'c',
    });
    expect(
      await value("SELECT transform_keys(MAP(ARRAY['a', 'b', 'c'], ARRAY[1, 2, 3]), (k, v) -> v * v)"),
    ).toEqual({
      1: 1,
      4: 2,
      9: 3,
    });
    expect(
      await value('SELECT transform_values(MAP(ARRAY[1, 2, 3], ARRAY[10, 20, 30]), (k, v) -> v + k)'),
    ).toEqual({
      1: 11,
      2: 22,
      3: 33,
    });
    expect(
      await value(
        "SELECT transform_values(MAP(ARRAY['a', 'b', 'c'], ARRAY[1, 2, 3]), (k, v) -> k || CAST(v as VARCHAR))",
      ),
    ).toEqual({ a: 'a1', b: 'b2', c: 'c3' });
  });
  it("a lambda's parameters do not capture a column of the same name", async () => {
    expect(
      await value(
        'SELECT map_filter(m, (k, v) -> v > k) FROM (SELECT MAP(ARRAY[1, 5], ARRAY[3, 2]) AS m, 100 AS k) t',
      ),
    ).toEqual({ 1: 3 });
  });
});
