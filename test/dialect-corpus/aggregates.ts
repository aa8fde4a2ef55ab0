import { col0, type DocumentedCase } from './corpus-case.js';

const AGG = 'Trino docs functions/aggregate';
const NAMES = "(VALUES ('a', 1), ('b', 3), ('c', 2)) AS t(name, v)";

/** Aggregate functions. */
export const aggregateCases: DocumentedCase[] = [
  {
    sql: 'SELECT count(*) FROM (VALUES 1, 2, 3) AS t(x)',
    expected: col0('3'),
    source: 'Trino docs sql/select: an unnamed column is _col0',
  },
  {
    sql: 'SELECT count(*) AS n, count(x) AS non_null, count(DISTINCT x) AS d FROM (VALUES (1), (1), (NULL)) AS t(x)',
    expected: [
      ['n', 'non_null', 'd'],
      ['3', '2', '1'],
    ],
    source: `${AGG}: count(*), count(x), count(DISTINCT x)`,
  },
  {
    sql: 'SELECT count_if(x > 1) FROM (VALUES (1), (2), (3)) AS t(x)',
    expected: col0('2'),
    source: `${AGG}: count_if`,
  },
  {
    sql: 'SELECT bool_and(b), bool_or(b), every(b) FROM (VALUES (true), (false), (true)) AS t(b)',
    expected: [
      ['_col0', '_col1', '_col2'],
      ['false', 'true', 'false'],
    ],
    source: `${AGG}: bool_and, bool_or, every`,
  },
  {
    sql: `SELECT max_by(name, v), min_by(name, v) FROM ${NAMES}`,
    expected: [
      ['_col0', '_col1'],
      ['b', 'a'],
    ],
    source: `${AGG}: max_by, min_by`,
  },
  {
    sql: `SELECT max_by(name, v, 2), min_by(name, v, 2) FROM ${NAMES}`,
    expected: [
      ['_col0', '_col1'],
      ['[b, c]', '[a, c]'],
    ],
    source: `${AGG}: max_by(x, y, n) in descending order of y, min_by(x, y, n) ascending`,
  },
  {
    sql: 'SELECT max(x, 2), min(x, 2) FROM (VALUES (1), (4), (3), (2)) AS t(x)',
    expected: [
      ['_col0', '_col1'],
      ['[4, 3]', '[1, 2]'],
    ],
    source: `${AGG}: max(x, n), min(x, n)`,
  },
  {
    sql: 'SELECT arbitrary(x), any_value(x) FROM (VALUES (CAST(NULL AS INTEGER)), (5), (5)) AS t(x)',
    expected: [
      ['_col0', '_col1'],
      ['5', '5'],
    ],
    source: `${AGG}: arbitrary and any_value return a non-null value if one exists`,
  },
  {
    sql: 'SELECT approx_distinct(x) FROM (VALUES (1), (2), (3), (3), (NULL)) AS t(x)',
    expected: col0('3'),
    source: `${AGG}: approx_distinct (exact at this size: HyperLogLog's sparse form)`,
  },
  {
    sql: 'SELECT approx_distinct(x) FROM (VALUES (CAST(NULL AS INTEGER))) AS t(x)',
    expected: col0('0'),
    source: `${AGG}: approx_distinct is zero when all values are null`,
  },
  {
    sql: 'SELECT approx_percentile(x, 0.5) FROM (VALUES (1), (2), (3), (4), (5)) AS t(x)',
    expected: col0('3'),
    source: `${AGG}: approx_percentile returns the input type`,
  },
  {
    sql: "SELECT array_sort(map_keys(histogram(x))), histogram(x)['a'] FROM (VALUES ('a'), ('b'), ('a')) AS t(x)",
    expected: [
      ['_col0', '_col1'],
      ['[a, b]', '2'],
    ],
    source: `${AGG}: histogram`,
  },
  {
    sql: 'SELECT element_at(map_agg(k, v), 2) FROM (VALUES (1, 10), (2, 20)) AS t(k, v)',
    expected: col0('20'),
    source: `${AGG}: map_agg; Trino docs functions/map: element_at`,
  },
  {
    sql: 'SELECT array_agg(x ORDER BY x DESC) FROM (VALUES (2), (3), (1)) AS t(x)',
    expected: col0('[3, 2, 1]'),
    source: `${AGG}: ordering during aggregation`,
  },
  {
    sql: 'SELECT array_agg(x ORDER BY x) FROM (VALUES (2), (NULL), (1)) AS t(x)',
    expected: col0('[1, 2, null]'),
    source: `${AGG}: array_agg keeps NULLs; Trino docs sql/select: NULLs sort last`,
  },
  {
    sql: 'SELECT array_agg(x) FILTER (WHERE x IS NOT NULL) FROM (VALUES (2), (NULL)) AS t(x)',
    expected: col0('[2]'),
    source: `${AGG}: filtering during aggregation`,
  },
  {
    sql: "SELECT listagg(value, ',') WITHIN GROUP (ORDER BY value) csv_value FROM (VALUES 'a', 'c', 'b') t(value)",
    expected: [['csv_value'], ['a,b,c']],
    source: `${AGG}: listagg`,
  },
  {
    sql: "SELECT id, listagg(value, ',') WITHIN GROUP (ORDER BY o) csv_value FROM (VALUES (100, 1, 'a'), (200, 3, 'c'), (200, 2, 'b')) t(id, o, value) GROUP BY id ORDER BY id",
    expected: [
      ['id', 'csv_value'],
      ['100', 'a'],
      ['200', 'b,c'],
    ],
    source: `${AGG}: listagg with grouping`,
  },
  {
    sql: 'SELECT round(geometric_mean(x), 6) FROM (VALUES (2), (8)) AS t(x)',
    expected: col0('4.0'),
    source: `${AGG}: geometric_mean returns double`,
  },
  {
    sql: 'SELECT avg(x), sum(x) FROM (VALUES (1), (2)) AS t(x)',
    expected: [
      ['_col0', '_col1'],
      ['1.5', '3'],
    ],
    source: `${AGG}: avg returns double; sum keeps the input type`,
  },
  {
    sql: 'SELECT sum(x), max(x) FROM (VALUES (1)) AS t(x) WHERE x > 1',
    expected: [
      ['_col0', '_col1'],
      [null, null],
    ],
    source: `${AGG}: aggregates return null for no input rows`,
  },
  {
    sql: 'SELECT stddev(x), variance(x), stddev_pop(x) FROM (VALUES (1), (2), (3), (4)) AS t(x)',
    expected: [
      ['_col0', '_col1', '_col2'],
      ['1.2909944487358056', '1.6666666666666667', '1.118033988749895'],
    ],
    source: `${AGG}: stddev and variance are the sample forms`,
  },
  {
    sql: 'SELECT round(corr(y, x), 10), round(regr_slope(y, x), 10) FROM (VALUES (1, 2), (2, 4), (3, 6)) AS t(x, y)',
    expected: [
      ['_col0', '_col1'],
      ['1.0', '2.0'],
    ],
    source: `${AGG}: corr, regr_slope`,
  },
  {
    sql: 'SELECT count(*) FILTER (WHERE x > 1) AS big FROM (VALUES (1), (2), (3)) AS t(x)',
    expected: [['big'], ['2']],
    source: `${AGG}: FILTER`,
  },
  {
    sql: 'SELECT g, count(*) AS n FROM (VALUES (1), (1), (2)) AS t(g) GROUP BY g HAVING count(*) > 1',
    expected: [
      ['g', 'n'],
      ['1', '2'],
    ],
    source: 'Trino docs sql/select: HAVING',
  },
];
