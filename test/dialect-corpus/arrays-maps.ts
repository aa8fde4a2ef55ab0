import { col0, type DocumentedCase } from './corpus-case.js';

const ARRAY = 'Trino docs functions/array';
const MAP = 'Trino docs functions/map';
const LAMBDA = 'Trino docs functions/lambda';

/** Arrays, maps and lambdas. Athena prints arrays as `[1, 2]` and maps as `{k=v}` in the map's order. */
export const arrayMapCases: DocumentedCase[] = [
  {
    sql: "SELECT ngrams(ARRAY['foo', 'bar', 'baz', 'foo'], 2), ngrams(ARRAY['foo', 'bar', 'baz', 'foo'], 3), ngrams(ARRAY['foo', 'bar', 'baz', 'foo'], 4), ngrams(ARRAY['foo', 'bar', 'baz', 'foo'], 5), ngrams(ARRAY['foo', 'bar', 'baz', 'foo'], 6), ngrams(ARRAY[1, 2, 3, 4], 2), ngrams(ARRAY['foo'], 1)",
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4', '_col5', '_col6'],
      [
        '[[foo, bar], [bar, baz], [baz, foo]]',
        '[[foo, bar, baz], [bar, baz, foo]]',
        '[[foo, bar, baz, foo]]',
        '[[foo, bar, baz, foo]]',
        '[[foo, bar, baz, foo]]',
        '[[1, 2], [2, 3], [3, 4]]',
        '[[foo]]',
      ],
    ],
    source: `${ARRAY}: ngrams`,
  },
  {
    sql: 'SELECT ngrams(ARRAY[1, 2], 0)',
    refused: /N must be positive/,
    source: `${ARRAY}: ngrams takes a positive n`,
  },
  {
    sql: 'SELECT contains_sequence(ARRAY[1, 2, 3], ARRAY[2, 3]), contains_sequence(ARRAY[1, 2, 3], ARRAY[1, 3]), contains_sequence(ARRAY[1], ARRAY[1, 2]), contains_sequence(ARRAY[1], CAST(ARRAY[] AS ARRAY(integer))), contains_sequence(CAST(NULL AS ARRAY(integer)), ARRAY[1])',
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4'],
      ['true', 'false', 'false', 'true', null],
    ],
    source: 'Athena docs engine-versions-reference-0003: contains_sequence (consecutive, in order)',
  },
  { sql: 'SELECT ARRAY[1, 2, 4]', expected: col0('[1, 2, 4]'), source: ARRAY },
  { sql: "SELECT ARRAY['foo', 'bar', 'bazz']", expected: col0('[foo, bar, bazz]'), source: ARRAY },
  { sql: 'SELECT ARRAY[1, 2, NULL, -4, NULL]', expected: col0('[1, 2, null, -4, null]'), source: ARRAY },
  { sql: 'SELECT ARRAY[1, 1.2, 4][2]', expected: col0('1.2'), source: `${ARRAY}: subscript operator` },
  {
    sql: 'SELECT ARRAY[1] || ARRAY[2], ARRAY[1] || 2, 2 || ARRAY[1]',
    expected: [
      ['_col0', '_col1', '_col2'],
      ['[1, 2]', '[1, 2]', '[2, 1]'],
    ],
    source: `${ARRAY}: concatenation operator`,
  },
  {
    sql: 'SELECT ARRAY [4,5] || ARRAY[ ARRAY[1,2], ARRAY[3,4] ] AS items',
    expected: [['items'], ['[[4, 5], [1, 2], [3, 4]]']],
    source: 'Athena docs: concatenating-strings-and-arrays',
  },
  {
    sql: "WITH dataset AS (SELECT ARRAY ['Hello', 'Amazon', 'Athena'] AS words, ARRAY ['Hi', 'Alexa'] AS alexa) SELECT concat(words, alexa) AS welcome_msg FROM dataset",
    expected: [['welcome_msg'], ['[Hello, Amazon, Athena, Hi, Alexa]']],
    source: 'Athena docs: concatenating-strings-and-arrays',
  },
  {
    sql: "WITH dataset AS (SELECT ARRAY ['hello', 'amazon', 'athena'] AS words) SELECT element_at(words, 1) AS first_word, element_at(words, -2) AS middle_word, element_at(words, cardinality(words)) AS last_word FROM dataset",
    expected: [
      ['first_word', 'middle_word', 'last_word'],
      ['hello', 'amazon', 'athena'],
    ],
    source: 'Athena docs: accessing-array-elements',
  },
  {
    sql: 'SELECT element_at(ARRAY[1, 2, 3], 5)',
    expected: col0(null),
    source: `${ARRAY}: element_at past the end is NULL`,
  },
  {
    sql: "WITH dataset AS (SELECT ARRAY[CAST(MAP(ARRAY['a1', 'a2', 'a3'], ARRAY[1, 2, 3]) AS JSON)] || ARRAY[CAST(MAP(ARRAY['b1', 'b2', 'b3'], ARRAY[4, 5, 6]) AS JSON)] AS items) SELECT items[1] AS item FROM dataset",
    expected: [['item'], ['{"a1":1,"a2":2,"a3":3}']],
    source: 'Athena docs: accessing-array-elements',
  },
  {
    sql: 'SELECT ARRAY[ ARRAY[1,2], ARRAY[3,4] ] AS items',
    expected: [['items'], ['[[1, 2], [3, 4]]']],
    source: 'Athena docs: creating-arrays',
  },
  {
    sql: 'SELECT flatten(ARRAY[ ARRAY[1,2], ARRAY[3,4] ]) AS items',
    expected: [['items'], ['[1, 2, 3, 4]']],
    source: 'Athena docs: flattening-arrays',
  },
  {
    sql: 'SELECT cardinality(ARRAY[1, 2, 3]), contains(ARRAY[1, 2], 2), array_position(ARRAY[5, 6], 7)',
    expected: [
      ['_col0', '_col1', '_col2'],
      ['3', 'true', '0'],
    ],
    source: `${ARRAY}: cardinality, contains, array_position (0 if not found)`,
  },
  {
    sql: 'SELECT contains(ARRAY[1, NULL], 2), array_max(ARRAY[1, NULL, 3])',
    expected: [
      ['_col0', '_col1'],
      [null, null],
    ],
    source: 'Trino source ArrayContains, ArrayMaxFunction: an unknown element makes the answer unknown',
  },
  {
    sql: "SELECT array_join(ARRAY['a', NULL, 'c'], ','), array_join(ARRAY['a', NULL, 'c'], ',', 'x')",
    expected: [
      ['_col0', '_col1'],
      ['a,c', 'a,x,c'],
    ],
    source: `${ARRAY}: array_join omits nulls unless given a replacement`,
  },
  {
    sql: 'SELECT array_distinct(ARRAY[1, 2, 1, 3]), array_sort(ARRAY[3, NULL, 1, 2])',
    expected: [
      ['_col0', '_col1'],
      ['[1, 2, 3]', '[1, 2, 3, null]'],
    ],
    source: `${ARRAY}: array_distinct; array_sort puts nulls at the end`,
  },
  {
    sql: 'SELECT array_sort(ARRAY[3, 2, 5, 1, 2], (x, y) -> IF(x < y, 1, IF(x = y, 0, -1)))',
    expected: col0('[5, 3, 2, 2, 1]'),
    source: `${ARRAY}: array_sort with a comparator`,
  },
  {
    sql: "SELECT array_sort(ARRAY['a', 'abcd', 'abc'], (x, y) -> IF(length(x) < length(y), -1, IF(length(x) = length(y), 0, 1)))",
    expected: col0('[a, abc, abcd]'),
    source: `${ARRAY}: array_sort with a comparator`,
  },
  {
    sql: "SELECT array_sort(ARRAY['bc', 'ab', 'dc'], (x, y) -> IF(x < y, 1, IF(x = y, 0, -1)))",
    expected: col0('[dc, bc, ab]'),
    source: `${ARRAY}: array_sort with a comparator`,
  },
  {
    sql: 'SELECT array_sort(ARRAY[3, 2, null, 5, null, 1, 2], (x, y) -> CASE WHEN x IS NULL THEN -1 WHEN y IS NULL THEN 1 WHEN x < y THEN 1 WHEN x = y THEN 0 ELSE -1 END)',
    expected: col0('[null, null, 5, 3, 2, 2, 1]'),
    source: `${ARRAY}: array_sort with a comparator, nulls first`,
  },
  {
    sql: 'SELECT array_sort(ARRAY[3, 2, null, 5, null, 1, 2], (x, y) -> CASE WHEN x IS NULL THEN 1 WHEN y IS NULL THEN -1 WHEN x < y THEN 1 WHEN x = y THEN 0 ELSE -1 END)',
    expected: col0('[5, 3, 2, 2, 1, null, null]'),
    source: `${ARRAY}: array_sort with a comparator, nulls last`,
  },
  {
    sql: 'SELECT array_sort(ARRAY[ARRAY[2, 3, 1], ARRAY[4, 2, 1, 4], ARRAY[1, 2]], (x, y) -> IF(cardinality(x) < cardinality(y), -1, IF(cardinality(x) = cardinality(y), 0, 1)))',
    expected: col0('[[1, 2], [2, 3, 1], [4, 2, 1, 4]]'),
    source: `${ARRAY}: array_sort with a comparator, by array length`,
  },
  {
    sql: 'SELECT array_intersect(ARRAY[1, 2, 3], ARRAY[2, 3, 4]), array_union(ARRAY[1, 2], ARRAY[2, 3]), array_except(ARRAY[1, 2, 3], ARRAY[2])',
    expected: [
      ['_col0', '_col1', '_col2'],
      ['[2, 3]', '[1, 2, 3]', '[1, 3]'],
    ],
    source: `${ARRAY}: array_intersect, array_union, array_except`,
  },
  {
    sql: 'SELECT array_remove(ARRAY[1, 2, 1], 1), reverse(ARRAY[1, 2, 3]), repeat(7, 3)',
    expected: [
      ['_col0', '_col1', '_col2'],
      ['[2]', '[3, 2, 1]', '[7, 7, 7]'],
    ],
    source: `${ARRAY}: array_remove, reverse, repeat`,
  },
  {
    sql: 'SELECT sequence(1, 5), sequence(5, 1), sequence(0, 10, 5)',
    expected: [
      ['_col0', '_col1', '_col2'],
      ['[1, 2, 3, 4, 5]', '[5, 4, 3, 2, 1]', '[0, 5, 10]'],
    ],
    source: `${ARRAY}: sequence steps by -1 when start > stop`,
  },
  {
    sql: 'SELECT slice(ARRAY[1, 2, 3, 4], 2, 2), slice(ARRAY[1, 2, 3, 4], -2, 2)',
    expected: [
      ['_col0', '_col1'],
      ['[2, 3]', '[3, 4]'],
    ],
    source: `${ARRAY}: slice(x, start, length); a negative start counts from the end`,
  },
  {
    sql: 'SELECT trim_array(ARRAY[1, 2, 3, 4], 2)',
    expected: col0('[1, 2]'),
    source: `${ARRAY}: trim_array`,
  },
  {
    sql: "SELECT zip(ARRAY[1, 2], ARRAY['1b', null, '3b'])",
    expected: col0('[{field0=1, field1=1b}, {field0=2, field1=null}, {field0=null, field1=3b}]'),
    source: `${ARRAY}: zip pads with NULL; Athena docs rows-and-structs: an unnamed row prints {field0=.., field1=..}`,
  },
  {
    sql: 'SELECT zip_with(ARRAY[1, 2], ARRAY[3, 4], (x, y) -> x + y)',
    expected: col0('[4, 6]'),
    source: `${ARRAY}: zip_with`,
  },
  {
    sql: "SELECT zip_with(ARRAY['a'], ARRAY['d', null, 'f'], (x, y) -> coalesce(x, y))",
    expected: col0('[a, null, f]'),
    source: `${ARRAY}: zip_with pads the shorter array with nulls`,
  },
  {
    sql: 'SELECT transform(ARRAY[5, NULL, 6], x -> coalesce(x, 0) + 1)',
    expected: col0('[6, 1, 7]'),
    source: `${ARRAY}: transform`,
  },
  {
    sql: 'SELECT transform(ARRAY[ARRAY[1, NULL, 2], ARRAY[3, NULL]], a -> filter(a, x -> x IS NOT NULL))',
    expected: col0('[[1, 2], [3]]'),
    source: `${ARRAY}: transform and filter`,
  },
  {
    sql: 'SELECT filter(ARRAY[5, -6, NULL, 7], x -> x > 0)',
    expected: col0('[5, 7]'),
    source: `${ARRAY}: filter`,
  },
  {
    sql: 'SELECT filter(ARRAY [-1, NULL, 10, NULL], q -> q IS NOT NULL)',
    expected: col0('[-1, 10]'),
    source: 'Athena docs: filtering-arrays',
  },
  {
    sql: 'SELECT reduce(ARRAY[5, 20, 50], 0, (s, x) -> s + x, s -> s)',
    expected: col0('75'),
    source: `${ARRAY}: reduce`,
  },
  {
    sql: 'SELECT reduce(ARRAY[5, 20, NULL, 50], 0, (s, x) -> s + x, s -> s)',
    expected: col0(null),
    source: `${ARRAY}: reduce with a NULL element`,
  },
  {
    sql: 'SELECT reduce(ARRAY[1, 2, 3], 0, (s, x) -> s + x, s -> s * 10)',
    expected: col0('60'),
    source: `${ARRAY}: reduce applies the output function`,
  },
  {
    sql: 'SELECT reduce(ARRAY[5, 6, 10, 20], CAST(ROW(0.0, 0) AS ROW(sum DOUBLE, count INTEGER)), (s, x) -> CAST(ROW(x + s.sum, s.count + 1) AS ROW(sum DOUBLE, count INTEGER)), s -> IF(s.count = 0, NULL, s.sum / s.count))',
    expected: col0('10.25'),
    source: `${ARRAY}: reduce computing an average`,
  },
  {
    sql: 'SELECT any_match(ARRAY[1, 2], x -> x > 1), all_match(ARRAY[1, 2], x -> x > 1), none_match(ARRAY[1, 2], x -> x > 5)',
    expected: [
      ['_col0', '_col1', '_col2'],
      ['true', 'false', 'true'],
    ],
    source: `${ARRAY}: any_match, all_match, none_match`,
  },
  {
    sql: 'SELECT numbers, transform(numbers, n -> n * n) AS squared_numbers FROM (VALUES (ARRAY[1, 2]), (ARRAY[3, 4]), (ARRAY[5, 6, 7])) AS t(numbers)',
    expected: [
      ['numbers', 'squared_numbers'],
      ['[1, 2]', '[1, 4]'],
      ['[3, 4]', '[9, 16]'],
      ['[5, 6, 7]', '[25, 36, 49]'],
    ],
    unordered: true,
    source: `${LAMBDA}: examples`,
  },
  {
    sql: "SELECT transform(prices, n -> TRY_CAST(n AS VARCHAR) || '$') AS price_tags FROM (VALUES (ARRAY[100, 200]), (ARRAY[30, 4])) AS t(prices)",
    expected: [['price_tags'], ['[100$, 200$]'], ['[30$, 4$]']],
    unordered: true,
    source: `${LAMBDA}: examples`,
  },
  {
    sql: 'SELECT xvalues, a, b, transform(xvalues, x -> a * x + b) AS linear_function_values FROM (VALUES (ARRAY[1, 2], 10, 5), (ARRAY[3, 4], 4, 2)) AS t(xvalues, a, b)',
    expected: [
      ['xvalues', 'a', 'b', 'linear_function_values'],
      ['[1, 2]', '10', '5', '[15, 25]'],
      ['[3, 4]', '4', '2', '[14, 18]'],
    ],
    unordered: true,
    source: `${LAMBDA}: a lambda capturing columns`,
  },
  {
    sql: 'SELECT numbers FROM (VALUES (ARRAY[1,NULL,3]), (ARRAY[10,20,30]), (ARRAY[100,200,300])) AS t(numbers) WHERE any_match(numbers, n -> COALESCE(n, 0) > 100)',
    expected: [['numbers'], ['[100, 200, 300]']],
    source: `${LAMBDA}: any_match in WHERE`,
  },
  {
    sql: "SELECT MAP(ARRAY['key1', 'key2', 'key3'], ARRAY[2373, 3463, 45837])",
    expected: col0('{key1=2373, key2=3463, key3=45837}'),
    source: MAP,
  },
  {
    sql: "SELECT MAP(ARRAY['key1', 'key2', 'key3'], ARRAY['v1', NULL, 'v3'])",
    expected: col0('{key1=v1, key2=null, key3=v3}'),
    source: MAP,
  },
  {
    sql: "SELECT MAP(ARRAY['key1', 'key2', 'key3'], ARRAY['v1', 'v2', 'v3'])['key2']",
    expected: col0('v2'),
    source: `${MAP}: subscript operator`,
  },
  {
    sql: "SELECT element_at(MAP(ARRAY['a'], ARRAY[1]), 'b'), cardinality(MAP(ARRAY['a', 'b'], ARRAY[1, 2]))",
    expected: [
      ['_col0', '_col1'],
      [null, '2'],
    ],
    source: `${MAP}: element_at is NULL for a missing key; cardinality`,
  },
  {
    sql: "SELECT map_keys(MAP(ARRAY['x', 'y'], ARRAY[1, 2])), map_values(MAP(ARRAY['x', 'y'], ARRAY[1, 2]))",
    expected: [
      ['_col0', '_col1'],
      ['[x, y]', '[1, 2]'],
    ],
    source: `${MAP}: map_keys, map_values`,
  },
  {
    sql: "SELECT map_from_entries(ARRAY[(1, 'x'), (2, 'y')])",
    expected: col0('{1=x, 2=y}'),
    source: `${MAP}: map_from_entries`,
  },
  {
    sql: "SELECT map_filter(MAP(ARRAY['k1', 'k2', 'k3'], ARRAY[20, 3, 15]), (k, v) -> v > 10)",
    expected: col0('{k1=20, k3=15}'),
    source: `${MAP}: map_filter`,
  },
  {
    sql: "SELECT transform_values(MAP(ARRAY ['a', 'b'], ARRAY [1, 2]), (k, v) -> k || CAST(v as VARCHAR))",
    expected: col0('{a=a1, b=b2}'),
    source: `${MAP}: transform_values`,
  },
  {
    sql: "SELECT map_concat(MAP(ARRAY['a', 'b'], ARRAY[1, 2]), MAP(ARRAY['b'], ARRAY[3]))['b']",
    expected: col0('3'),
    source: `${MAP}: map_concat takes the last map's value`,
  },
  {
    sql: "SELECT ARRAY[MAP(ARRAY['first'], ARRAY['Bob']), MAP(ARRAY['first'], ARRAY['Jane'])] AS people",
    expected: [['people'], ['[{first=Bob}, {first=Jane}]']],
    source: 'Athena docs: creating-arrays (an array of maps)',
  },
];
