import { col0, type DocumentedCase } from './corpus-case.js';

const SELECT = 'Trino docs sql/select';

/** UNNEST, VALUES, OFFSET and FETCH, TABLESAMPLE, ROW types, and the case of column names. */
export const unnestRowCases: DocumentedCase[] = [
  {
    sql: 'SELECT * FROM UNNEST(ARRAY[1,2]) AS t(number)',
    expected: [['number'], ['1'], ['2']],
    source: `${SELECT}: UNNEST`,
  },
  {
    sql: "SELECT * FROM UNNEST(map_from_entries(ARRAY[('SQL',1974), ('Java', 1995)])) AS t(language, first_appeared_year)",
    expected: [
      ['language', 'first_appeared_year'],
      ['SQL', '1974'],
      ['Java', '1995'],
    ],
    unordered: true,
    source: `${SELECT}: UNNEST of a map`,
  },
  {
    sql: "SELECT * FROM UNNEST(ARRAY[ROW('Java', 1995), ROW('SQL' , 1974)], ARRAY[ROW(false), ROW(true)]) as t(language,first_appeared_year,declarative)",
    seawallRefuses: /has 2 columns available but 3 columns specified/,
    expected: [
      ['language', 'first_appeared_year', 'declarative'],
      ['Java', '1995', 'false'],
      ['SQL', '1974', 'true'],
    ],
    source: `${SELECT}: UNNEST of arrays of rows`,
  },
  {
    sql: 'SELECT a, b, rownumber FROM UNNEST (ARRAY[2, 5], ARRAY[7, 8, 9]) WITH ORDINALITY AS t(a, b, rownumber)',
    expected: [
      ['a', 'b', 'rownumber'],
      ['2', '7', '1'],
      ['5', '8', '2'],
      [null, '9', '3'],
    ],
    source: `${SELECT}: UNNEST WITH ORDINALITY`,
  },
  {
    sql: "SELECT * FROM UNNEST(ARRAY[1, 2], ARRAY['a'], CAST(NULL AS ARRAY(integer)))",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['1', 'a', null],
      ['2', null, null],
    ],
    source: `${SELECT}: UNNEST of several arrays, unnamed (a NULL array is empty)`,
  },
  {
    sql: "SELECT id, k, v, n FROM (VALUES (1, MAP(ARRAY['a', 'b'], ARRAY[10, 20])), (2, NULL)) AS x (id, m) CROSS JOIN UNNEST(m) WITH ORDINALITY AS t (k, v, n)",
    expected: [
      ['id', 'k', 'v', 'n'],
      ['1', 'a', '10', '1'],
      ['1', 'b', '20', '2'],
    ],
    unordered: true,
    source: `${SELECT}: UNNEST of a map column WITH ORDINALITY`,
  },
  {
    sql: "SELECT student, score FROM (VALUES ('John', ARRAY[7, 10, 9]), ('Mary', ARRAY[4, 8, 9])) AS tests (student, scores) CROSS JOIN UNNEST(scores) AS t(score)",
    expected: [
      ['student', 'score'],
      ['John', '7'],
      ['John', '10'],
      ['John', '9'],
      ['Mary', '4'],
      ['Mary', '8'],
      ['Mary', '9'],
    ],
    unordered: true,
    source: `${SELECT}: CROSS JOIN UNNEST`,
  },
  {
    sql: "SELECT numbers, animals, n, a FROM (VALUES (ARRAY[2, 5], ARRAY['dog', 'cat', 'bird']), (ARRAY[7, 8, 9], ARRAY['cow', 'pig'])) AS x (numbers, animals) CROSS JOIN UNNEST(numbers, animals) AS t (n, a)",
    expected: [
      ['numbers', 'animals', 'n', 'a'],
      ['[2, 5]', '[dog, cat, bird]', '2', 'dog'],
      ['[2, 5]', '[dog, cat, bird]', '5', 'cat'],
      ['[2, 5]', '[dog, cat, bird]', null, 'bird'],
      ['[7, 8, 9]', '[cow, pig]', '7', 'cow'],
      ['[7, 8, 9]', '[cow, pig]', '8', 'pig'],
      ['[7, 8, 9]', '[cow, pig]', '9', null],
    ],
    unordered: true,
    source: `${SELECT}: UNNEST of several arrays pads with nulls`,
  },
  {
    sql: "SELECT runner, checkpoint FROM (VALUES ('Joe', ARRAY[10, 20, 30, 42]), ('Roger', ARRAY[10]), ('Dave', ARRAY[]), ('Levi', NULL)) AS marathon (runner, checkpoints) LEFT JOIN UNNEST(checkpoints) AS t(checkpoint) ON TRUE",
    expected: [
      ['runner', 'checkpoint'],
      ['Joe', '10'],
      ['Joe', '20'],
      ['Joe', '30'],
      ['Joe', '42'],
      ['Roger', '10'],
      ['Dave', null],
      ['Levi', null],
    ],
    unordered: true,
    source: `${SELECT}: LEFT JOIN UNNEST ... ON TRUE`,
  },
  {
    sql: "WITH dataset AS (SELECT 'engineering' as department, ARRAY['Sharon', 'John', 'Bob', 'Sally'] as users) SELECT department, names FROM dataset CROSS JOIN UNNEST(users) as t(names)",
    expected: [
      ['department', 'names'],
      ['engineering', 'Sharon'],
      ['engineering', 'John'],
      ['engineering', 'Bob'],
      ['engineering', 'Sally'],
    ],
    unordered: true,
    source: 'Athena docs: flattening-arrays',
  },
  {
    sql: "WITH dataset AS (SELECT ARRAY[CAST(ROW('Sally', 'engineering', ARRAY[1,2,3,4]) AS ROW(name VARCHAR, department VARCHAR, scores ARRAY(INTEGER))), CAST(ROW('John', 'finance', ARRAY[7,8,9]) AS ROW(name VARCHAR, department VARCHAR, scores ARRAY(INTEGER))), CAST(ROW('Amy', 'devops', ARRAY[12,13,14,15]) AS ROW(name VARCHAR, department VARCHAR, scores ARRAY(INTEGER)))] AS users), users AS (SELECT person, score FROM dataset, UNNEST(dataset.users) AS t(person), UNNEST(person.scores) AS t(score)) SELECT person.name, person.department, SUM(score) AS total_score FROM users GROUP BY (person.name, person.department) ORDER BY (total_score) DESC LIMIT 1",
    expected: [
      ['name', 'department', 'total_score'],
      ['Amy', 'devops', '54'],
    ],
    source: 'Athena docs: flattening-arrays (highest combined score)',
  },
  {
    sql: 'WITH dataset AS (SELECT ARRAY[1,2,3,4,5] AS items) SELECT array_agg(i ORDER BY i) AS array_items FROM dataset CROSS JOIN UNNEST(items) AS t(i) WHERE i > 3',
    expected: [['array_items'], ['[4, 5]']],
    source: 'Athena docs: filtering-arrays (ORDER BY added: without it the order is unspecified)',
  },
  {
    sql: 'WITH dataset AS (SELECT ARRAY[ARRAY[1,2,3,4], ARRAY[5,6,7,8], ARRAY[9,0]] AS items), item AS (SELECT i AS array_items FROM dataset, UNNEST(items) AS t(i)) SELECT array_items, sum(val) AS total FROM item, UNNEST(array_items) AS t(val) GROUP BY array_items',
    expected: [
      ['array_items', 'total'],
      ['[1, 2, 3, 4]', '10'],
      ['[5, 6, 7, 8]', '26'],
      ['[9, 0]', '9'],
    ],
    unordered: true,
    source: 'Athena docs: arrays-and-aggregation',
  },
  {
    sql: 'SELECT * FROM UNNEST (CAST(null AS ARRAY(integer))) AS t(number)',
    expected: [['number']],
    source: `${SELECT}: UNNEST of a null array has no rows`,
  },
  {
    sql: 'VALUES 1, 2, 3',
    expected: [['_col0'], ['1'], ['2'], ['3']],
    unordered: true,
    source: 'Trino docs sql/values',
  },
  {
    sql: "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(id, name) ORDER BY id DESC",
    expected: [
      ['id', 'name'],
      ['2', 'b'],
      ['1', 'a'],
    ],
    source: 'Trino docs sql/values: VALUES as a table with column aliases',
  },
  {
    sql: 'SELECT * FROM (VALUES 5, 2, 4, 1, 3) t(x) ORDER BY x OFFSET 2 LIMIT 2',
    expected: [['x'], ['3'], ['4']],
    source: `${SELECT}: OFFSET and LIMIT`,
  },
  {
    sql: 'SELECT x FROM (VALUES (1), (1), (2)) AS t(x) ORDER BY x FETCH FIRST 1 ROWS WITH TIES',
    seawallRefuses: /SYNTAX_ERROR: line 1:\d+: mismatched input 'WITH'/,
    expected: [['x'], ['1'], ['1']],
    source: `${SELECT}: FETCH FIRST ... WITH TIES keeps the peers of the last row`,
  },
  {
    sql: 'SELECT count(*) AS n FROM (VALUES (1), (2), (3)) AS t(x) TABLESAMPLE BERNOULLI (100)',
    expected: [['n'], ['3']],
    source: `${SELECT}: TABLESAMPLE (100 percent keeps every row)`,
  },
  {
    sql: "WITH dataset AS (SELECT ROW('Bob', 38) AS users) SELECT * FROM dataset",
    expected: [['users'], ['{field0=Bob, field1=38}']],
    source: 'Athena docs: rows-and-structs (an unnamed ROW)',
  },
  {
    sql: "SELECT ARRAY[ROW(1, 'a')] AS items, MAP(ARRAY['k'], ARRAY[ROW(1, NULL)]) AS m, CAST(ROW(ROW(2, 3)) AS ROW(x ROW(a integer, b integer))) AS named",
    expected: [
      ['items', 'm', 'named'],
      ['[{field0=1, field1=a}]', '{k={field0=1, field1=null}}', '{x={a=2, b=3}}'],
    ],
    source:
      'Athena docs: rows-and-structs (unnamed rows inside arrays and maps print as {field0=.., field1=..})',
  },
  {
    sql: "WITH dataset AS (SELECT CAST(ROW('Bob', 38) AS ROW(name VARCHAR, age INTEGER)) AS users) SELECT * FROM dataset",
    expected: [['users'], ['{name=Bob, age=38}']],
    source: 'Athena docs: rows-and-structs (field names are lower case in engine version 3)',
  },
  {
    sql: "WITH dataset AS (SELECT CAST(ROW('aws.amazon.com', ROW(true)) AS ROW(hostname VARCHAR, flaggedActivity ROW(isNew BOOLEAN))) AS sites) SELECT sites.hostname, sites.flaggedactivity.isnew FROM dataset",
    expected: [
      ['hostname', 'isnew'],
      ['aws.amazon.com', 'true'],
    ],
    source: 'Athena docs: rows-and-structs (dot notation)',
  },
  {
    sql: 'SELECT (CAST(ROW(1, true) AS ROW(field1 bigint, field2 boolean))).*',
    seawallRefuses: /SYNTAX_ERROR: line 1:\d+: mismatched input/,
    expected: [
      ['field1', 'field2'],
      ['1', 'true'],
    ],
    source: `${SELECT}: row_expression.*`,
  },
  {
    sql: 'SELECT (ROW(1, true)).*',
    seawallRefuses: /SYNTAX_ERROR: line 1:\d+: mismatched input/,
    expected: [
      ['_col0', '_col1'],
      ['1', 'true'],
    ],
    source: `${SELECT}: row_expression.* of an anonymous row`,
  },
  {
    sql: "SELECT ROW(1, 'a')[2]",
    expected: col0('a'),
    source: 'Trino docs language/types: ROW field access by position',
  },
  {
    sql: 'SELECT x FROM (VALUES (2), (NULL), (1)) AS t(x) ORDER BY x DESC',
    expected: [['x'], ['2'], ['1'], [null]],
    source: `${SELECT}: NULLs sort last for ASC and DESC`,
  },
];
