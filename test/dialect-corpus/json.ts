import { col0, type DocumentedCase } from './corpus-case.js';

const JSON_DOC = 'Trino docs functions/json';
const STORE = `'{"store": {"book": [{"author": "Nigel Rees", "price": 8.95}, {"author": "Evelyn Waugh", "price": 12.99}]}, "name": "x"}'`;

/** JSON functions and casts. A JSON value prints as its text. */
export const jsonCases: DocumentedCase[] = [
  {
    sql: `SELECT json_extract_scalar(${STORE}, '$.store.book[0].author')`,
    expected: col0('Nigel Rees'),
    source: `${JSON_DOC}: json_extract_scalar`,
  },
  {
    sql: "SELECT json_extract_scalar('[1, 2, 3]', '$[2]')",
    expected: col0('3'),
    source: `${JSON_DOC}: json_extract_scalar`,
  },
  {
    sql: `SELECT json_extract(${STORE}, '$.store.book[1]')`,
    expected: col0('{"author":"Evelyn Waugh","price":12.99}'),
    source: `${JSON_DOC}: json_extract returns JSON`,
  },
  {
    sql: `SELECT json_extract_scalar(${STORE}, '$.store')`,
    expected: col0(null),
    source: `${JSON_DOC}: json_extract_scalar needs a scalar value`,
  },
  {
    sql: `SELECT json_extract_scalar('{"a b": 1}', '$["a b"]')`,
    expected: col0('1'),
    source: `${JSON_DOC}: json_extract with a bracketed name`,
  },
  {
    sql: "SELECT json_extract_scalar('not json', '$.a')",
    expected: col0(null),
    source: 'Trino source JsonExtract: malformed JSON gives NULL',
  },
  {
    sql: "SELECT json_array_length('[1, 2, 3]')",
    expected: col0('3'),
    source: `${JSON_DOC}: json_array_length`,
  },
  {
    sql: `SELECT json_size('{"x": {"a": 1, "b": 2}}', '$.x'), json_size('{"x": [1, 2, 3]}', '$.x'), json_size('{"x": {"a": 1, "b": 2}}', '$.x.a')`,
    expected: [
      ['_col0', '_col1', '_col2'],
      ['2', '3', '0'],
    ],
    source: `${JSON_DOC}: json_size`,
  },
  {
    sql: "SELECT json_array_contains('[1, 2, 3]', 2)",
    expected: col0('true'),
    source: `${JSON_DOC}: json_array_contains`,
  },
  {
    sql: "SELECT is_json_scalar('1'), is_json_scalar('[1, 2, 3]')",
    expected: [
      ['_col0', '_col1'],
      ['true', 'false'],
    ],
    source: `${JSON_DOC}: is_json_scalar`,
  },
  {
    sql: 'SELECT json_format(json_parse(\'[1, 2, 3]\')), json_format(JSON \'{"a": 1, "b": 2}\')',
    expected: [
      ['_col0', '_col1'],
      ['[1,2,3]', '{"a":1,"b":2}'],
    ],
    source: `${JSON_DOC}: json_parse, json_format`,
  },
  {
    sql: "SELECT CAST('abc' AS JSON), CAST(1 AS JSON), CAST(true AS JSON)",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['"abc"', '1', 'true'],
    ],
    source: `${JSON_DOC}: cast to JSON (a string becomes a JSON string)`,
  },
  {
    sql: 'SELECT CAST(ARRAY[1, NULL, 456] AS JSON)',
    expected: col0('[1,null,456]'),
    source: `${JSON_DOC}: cast to JSON`,
  },
  {
    sql: "SELECT CAST(MAP(ARRAY['k1', 'k2', 'k3'], ARRAY[1, 23, 456]) AS JSON)",
    expected: col0('{"k1":1,"k2":23,"k3":456}'),
    source: `${JSON_DOC}: cast to JSON`,
  },
  {
    sql: "SELECT CAST(CAST(ROW(123, 'abc', true) AS ROW(v1 BIGINT, v2 VARCHAR, v3 BOOLEAN)) AS JSON)",
    expected: col0('{"v1":123,"v2":"abc","v3":true}'),
    source: `${JSON_DOC}: cast to JSON`,
  },
  {
    sql: "SELECT CAST(JSON '\"abc\"' AS VARCHAR), CAST(JSON '42' AS INTEGER), CAST(JSON 'null' AS VARCHAR)",
    expected: [
      ['_col0', '_col1', '_col2'],
      ['abc', '42', null],
    ],
    source: `${JSON_DOC}: cast from JSON`,
  },
  {
    sql: "SELECT CAST(JSON '[1,23,456]' AS ARRAY(INTEGER))",
    expected: col0('[1, 23, 456]'),
    source: `${JSON_DOC}: cast from JSON`,
  },
  {
    sql: 'SELECT CAST(JSON \'{"k1":1,"k2":23,"k3":456}\' AS MAP(VARCHAR, INTEGER))',
    expected: col0('{k1=1, k2=23, k3=456}'),
    source: `${JSON_DOC}: cast from JSON`,
  },
  {
    sql: 'SELECT CAST(JSON \'{"v1":123,"v2":"abc","v3":true}\' AS ROW(v1 BIGINT, v2 VARCHAR, v3 BOOLEAN))',
    expected: col0('{v1=123, v2=abc, v3=true}'),
    source: `${JSON_DOC}: cast from JSON`,
  },
  {
    sql: "SELECT CAST(JSON '[1, 2]' AS VARCHAR)",
    refused: /cast|json/i,
    source: `${JSON_DOC}: a JSON array cannot be cast to VARCHAR`,
  },
];
