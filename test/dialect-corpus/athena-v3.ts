import { col0, type DocumentedCase } from './corpus-case.js';

const V3 = 'Athena docs engine-versions-reference-0003';

/** Examples of Athena engine version 3's own reference page: what it added and what it now refuses. */
export const athenaV3Cases: DocumentedCase[] = [
  {
    sql: 'SELECT contains_sequence(ARRAY [1,2,3,4,5,6], ARRAY[1,2])',
    expected: col0('true'),
    source: `${V3}: contains_sequence`,
  },
  {
    sql: 'SELECT format_number(123456), format_number(1000000)',
    expected: [
      ['_col0', '_col1'],
      ['123K', '1M'],
    ],
    source: `${V3}: format_number`,
  },
  {
    sql: "SELECT EXTRACT(TIMEZONE_HOUR FROM TIMESTAMP '2020-05-10 12:34:56 +08:35'), EXTRACT(TIMEZONE_MINUTE FROM TIMESTAMP '2020-05-10 12:34:56 +08:35')",
    expected: [
      ['_col0', '_col1'],
      ['8', '35'],
    ],
    source: `${V3}: timezone_hour, timezone_minute`,
  },
  {
    sql: "SELECT timezone_hour(TIMESTAMP '2024-01-01 00:00 America/Vancouver'), timezone_hour(TIMESTAMP '2024-07-01 00:00 America/Vancouver'), timezone_minute(TIMESTAMP '2024-07-01 00:00 America/Vancouver'), timezone_hour(from_unixtime(0, 'Asia/Kolkata')), timezone_minute(from_unixtime(0, 'Asia/Kolkata')), timezone_hour(with_timezone(TIMESTAMP '2024-01-01 00:00', '-03:30')), timezone_minute(with_timezone(TIMESTAMP '2024-01-01 00:00', '-03:30'))",
    expected: [
      ['_col0', '_col1', '_col2', '_col3', '_col4', '_col5', '_col6'],
      ['-8', '-7', '0', '5', '30', '-3', '-30'],
    ],
    source:
      'Trino docs functions/datetime: timezone_hour, timezone_minute (the offset at that instant, daylight saving included)',
  },
  {
    sql: "SELECT timezone_hour(TIMESTAMP '2024-01-01 00:00'), EXTRACT(TIMEZONE_MINUTE FROM TIMESTAMP '2024-01-01 00:00')",
    expected: [
      ['_col0', '_col1'],
      ['0', '0'],
    ],
    source: 'Trino: a timestamp is coerced to a timestamp with time zone in the session zone, UTC',
  },
  {
    sql: "SELECT timezone_hour(coalesce(TIMESTAMP '2024-01-01 00:00 America/New_York', NULL))",
    seawallRefuses: /NOT_SUPPORTED: timezone_hour of a value whose time zone is not known here/,
    expected: col0('-5'),
    source: 'Trino docs functions/datetime: timezone_hour (a zone the translator loses through coalesce)',
  },
  {
    sql: "SELECT timezone_hour('2024-01-01')",
    refused: /Unexpected parameters \(varchar\) for function timezone_hour/,
    source: 'Trino: timezone_hour takes a timestamp with time zone',
  },
  {
    sql: "SELECT concat_ws(',', 'def', 'pqr', 'mno')",
    expected: col0('def,pqr,mno'),
    source: `${V3}: concat_ws`,
  },
  {
    sql: 'SELECT array_agg(a) OVER(ORDER BY a ASC NULLS FIRST GROUPS BETWEEN 1 PRECEDING AND 2 FOLLOWING) FROM (VALUES 3, 3, 3, 2, 2, 1, null, null) T(a)',
    expected: [
      ['_col0'],
      ['[null, null, 1, 2, 2]'],
      ['[null, null, 1, 2, 2]'],
      ['[null, null, 1, 2, 2, 3, 3, 3]'],
      ['[1, 2, 2, 3, 3, 3]'],
      ['[1, 2, 2, 3, 3, 3]'],
      ['[2, 2, 3, 3, 3]'],
      ['[2, 2, 3, 3, 3]'],
      ['[2, 2, 3, 3, 3]'],
    ],
    unordered: true,
    source: `${V3}: GROUPS window frames (peer groups: {NULL, NULL}, {1}, {2, 2}, {3, 3, 3})`,
  },
  {
    sql: 'SELECT * FROM (VALUES 1, 2, 3, 4) INTERSECT ALL SELECT * FROM (VALUES 3, 4)',
    expected: [['_col0'], ['3'], ['4']],
    unordered: true,
    source: `${V3}: INTERSECT ALL`,
  },
  {
    sql: 'SELECT * FROM (VALUES 1, 2, 3, 4) EXCEPT ALL SELECT * FROM (VALUES 3, 4)',
    expected: [['_col0'], ['1'], ['2']],
    unordered: true,
    source: `${V3}: EXCEPT ALL`,
  },
  {
    sql: 'SELECT sum(x) over (order by x range 1 preceding) FROM (values (1), (1), (2), (2)) t(x)',
    expected: [['_col0'], ['2'], ['2'], ['6'], ['6']],
    unordered: true,
    source: `${V3}: RANGE PRECEDING (x = 1 sums the rows in [0, 1], x = 2 those in [1, 2])`,
  },
  {
    sql: 'SELECT m.id AS row_id, m.match, m.val, m.label FROM (VALUES(1, 90),(2, 80),(3, 70),(4, 70)) t(id, value) MATCH_RECOGNIZE (ORDER BY id MEASURES match_number() AS match, RUNNING LAST(value) AS val, classifier() AS label ALL ROWS PER MATCH AFTER MATCH SKIP PAST LAST ROW PATTERN (() | A) DEFINE A AS true) AS m',
    refused: /MATCH_RECOGNIZE/i,
    source: `${V3}: MATCH_RECOGNIZE, which Seawall refuses by name`,
  },
  {
    sql: "SELECT concat('a')",
    refused: /two or more/i,
    source: `${V3}: INVALID_FUNCTION_ARGUMENT: There must be two or more concatenation arguments`,
  },
  {
    sql: "SELECT TIME '13:21:32.424 America/Los_Angeles'",
    refused: /literal|time/i,
    source: `${V3}: political time zones with TIME are an INVALID LITERAL`,
  },
  {
    sql: 'SELECT 1 AS ""',
    refused: /zero-length|identifier/i,
    source: `${V3}: Zero-length delimited identifier not allowed`,
  },
  {
    sql: 'SELECT bool_or(b) IGNORE NULLS OVER () FROM (VALUES (true)) AS t(b)',
    refused: /null treatment|IGNORE/i,
    source: `${V3}: Cannot specify null treatment clause for bool_or function`,
  },
];
