import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrinoSql, type TrinoSql } from '../../../test/helpers/trino-sql.js';
import { duckdbJsonPath } from './trino-json.js';

// Expected values are the examples of trino.io/docs/current/functions/json.html.
let trino: TrinoSql;
beforeAll(async () => {
  trino = await openTrinoSql();
});
afterAll(() => trino.close());

const value = (sql: string) => trino.value(sql);
const refused = (sql: string, message: RegExp) => expect(trino.rows(sql)).rejects.toThrow(message);
const STORE = `'{"store": {"book": [{"author": "x"}], "book name": 1}}'`;

describe('Trino JSON functions', () => {
  it('CAST to JSON: the documented examples', async () => {
    expect(
      await trino.rows(
        "SELECT CAST(NULL AS JSON), CAST(1 AS JSON), CAST(9223372036854775807 AS JSON), CAST('abc' AS JSON), CAST(true AS JSON), CAST(1.234 AS JSON)",
      ),
    ).toEqual([[null, '1', '9223372036854775807', '"abc"', 'true', '1.234']]);
    expect(
      await trino.rows(
        "SELECT CAST(ARRAY[1, 23, 456] AS JSON), CAST(ARRAY[1, NULL, 456] AS JSON), CAST(ARRAY[ARRAY[1, 23], ARRAY[456]] AS JSON), CAST(MAP(ARRAY['k1', 'k2', 'k3'], ARRAY[1, 23, 456]) AS JSON), CAST(CAST(ROW(123, 'abc', true) AS ROW(v1 BIGINT, v2 VARCHAR, v3 BOOLEAN)) AS JSON)",
      ),
    ).toEqual([
      [
        '[1,23,456]',
        '[1,null,456]',
        '[[1,23],[456]]',
        '{"k1":1,"k2":23,"k3":456}',
        '{"v1":123,"v2":"abc","v3":true}',
      ],
    ]);
    expect(
      await trino.rows("SELECT CAST('not_json' AS JSON), CAST('[1, 2, 3]' AS JSON), CAST('42' AS JSON)"),
    ).toEqual([['"not_json"', '"[1, 2, 3]"', '"42"']]);
  });
  it('CAST from JSON: the documented examples', async () => {
    expect(
      await trino.rows(
        `SELECT CAST(JSON 'null' AS VARCHAR), CAST(JSON '1' AS INTEGER), CAST(JSON '9223372036854775807' AS BIGINT), CAST(JSON '"abc"' AS VARCHAR), CAST(JSON 'true' AS BOOLEAN), CAST(JSON '1.234' AS DOUBLE), CAST(JSON '42' AS VARCHAR), CAST(JSON 'true' AS VARCHAR)`,
      ),
    ).toEqual([[null, 1, 9223372036854775807n, 'abc', true, 1.234, '42', 'true']]);
    await refused(`SELECT CAST(JSON '{"a": 1, "b": 2}' AS VARCHAR)`, /Cannot cast JSON/);
    await refused("SELECT CAST(JSON '[1, 2, 3]' AS VARCHAR)", /Cannot cast JSON/);
  });
  it("CAST of a double or real to varchar writes Java's scientific form", async () => {
    expect(
      await trino.rows(
        'SELECT CAST(1e0 AS VARCHAR), CAST(0.1e0 AS VARCHAR), CAST(123456789e0 AS VARCHAR), CAST(-2.5e-10 AS VARCHAR), CAST(1e20 AS VARCHAR), CAST(nan() AS VARCHAR), CAST(-infinity() AS VARCHAR), CAST(CAST(0.1 AS REAL) AS VARCHAR)',
      ),
    ).toEqual([['1.0E0', '1.0E-1', '1.23456789E8', '-2.5E-10', '1.0E20', 'NaN', '-Infinity', '1.0E-1']]);
    expect(
      await trino.rows(
        "SELECT CAST(1.5 AS VARCHAR), CAST(12 AS VARCHAR), CAST(DATE '2020-01-01' AS VARCHAR)",
      ),
    ).toEqual([['1.5', '12', '2020-01-01']]);
  });
  it('json_parse and json_format', async () => {
    expect(
      await trino.rows(
        `SELECT json_parse('[1, 2, 3]'), json_parse('"abc"'), json_parse('42'), json_parse('null')`,
      ),
    ).toEqual([['[1,2,3]', '"abc"', '42', 'null']]);
    expect(
      await trino.rows(
        `SELECT json_format(JSON '[1, 2, 3]'), json_format(JSON '"a"'), json_format(JSON '{"a": 1, "b": 2}'), json_format(JSON '42'), json_format(JSON 'true'), json_format(JSON 'null')`,
      ),
    ).toEqual([['[1,2,3]', '"a"', '{"a":1,"b":2}', '42', 'true', 'null']]);
    await refused("SELECT json_parse('not_json')", /json|JSON/);
  });
  it('json_extract with the documented paths; malformed JSON gives NULL', async () => {
    expect(
      await trino.rows(
        `SELECT json_extract(${STORE}, '$.store.book'), json_extract(${STORE}, '$.store[book]'), json_extract(${STORE}, '$.store["book name"]')`,
      ),
    ).toEqual([['[{"author":"x"}]', '[{"author":"x"}]', '1']]);
    expect(await value("SELECT json_extract('not json', '$.a')")).toBeNull();
    await refused("SELECT json_extract('{}', 'a')", /Invalid JSON path/);
  });
  it('json_extract_scalar: scalars only', async () => {
    expect(
      await trino.rows(
        `SELECT json_extract_scalar('[1, 2, 3]', '$[2]'), json_extract_scalar(${STORE}, '$.store.book[0].author'), json_extract_scalar('{"a": {"b": 1}}', '$.a'), json_extract_scalar('{"a": null}', '$.a')`,
      ),
    ).toEqual([['3', 'x', null, null]]);
  });
  it('json_size: the documented examples', async () => {
    expect(
      await trino.rows(
        `SELECT json_size('{"x": {"a": 1, "b": 2}}', '$.x'), json_size('{"x": [1, 2, 3]}', '$.x'), json_size('{"x": {"a": 1, "b": 2}}', '$.x.a'), json_size('{"x": 1}', '$.y')`,
      ),
    ).toEqual([[2, 3, 0, null]]);
  });
  it('json_array_length, json_array_contains, is_json_scalar', async () => {
    expect(await trino.rows(`SELECT json_array_length('[1, 2, 3]'), json_array_length('{}')`)).toEqual([
      [3, null],
    ]);
    expect(
      await trino.rows(
        `SELECT json_array_contains('[1, 2, 3]', 2), json_array_contains('["a", 1]', 'a'), json_array_contains('[1]', 'a'), json_array_contains('[true]', true)`,
      ),
    ).toEqual([[true, true, false, true]]);
    expect(await trino.rows("SELECT is_json_scalar('1'), is_json_scalar('[1, 2, 3]')")).toEqual([
      [true, false],
    ]);
  });
  it('json_array_get: the documented examples', async () => {
    expect(
      await trino.rows(
        `SELECT json_array_get('["a", [3, 9], "c"]', 0), json_array_get('["a", [3, 9], "c"]', 1), json_array_get('["c", [3, 9], "a"]', -1), json_array_get('["c", [3, 9], "a"]', -2), json_array_get('[]', 0), json_array_get('["a", "b", "c"]', 10), json_array_get('["c", "b", "a"]', -10)`,
      ),
    ).toEqual([['a', '[3,9]', 'a', '[3,9]', null, null, null]]);
  });
  it("rewrites Trino's JSONPath for DuckDB", () => {
    expect(duckdbJsonPath('$.store.book[0]["book name"]')).toBe('$."store"."book"[0]."book name"');
    expect(duckdbJsonPath('$.store[book]')).toBe('$."store"."book"');
    expect(() => duckdbJsonPath('$.a[*]')).toThrow(/Invalid JSON path/);
  });
});
