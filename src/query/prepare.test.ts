import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedCacheSize, prepareSelect, type SqlParser } from './prepare.js';

let close: () => void;
let parser: SqlParser;

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const one = async (sql: string, value: string) =>
    String((await connection.runAndReadAll(sql, [value])).getRowObjectsJson()[0]?.t);
  parser = {
    serialize: (sql) => one('SELECT json_serialize_sql($1::VARCHAR) t', sql),
    deserialize: (json) => one('SELECT json_deserialize_sql($1::JSON) t', json),
  };
  close = () => {
    connection.closeSync();
    instance.closeSync();
  };
});
afterAll(() => close());

describe('the prepared-query cache', () => {
  it('answers a repeated query from the cache, and stays within its bound in bytes for large queries', async () => {
    const first = await prepareSelect(parser, 'SELECT 1 AS one', undefined);
    expect(await prepareSelect(parser, 'SELECT 1 AS one', undefined)).toBe(first);
    const big = (i: number) => `SELECT '${String(i).padStart(8, '0')}${'x'.repeat(400_000)}' AS v`;
    const prepared = [];
    for (let i = 0; i < 60; i++) prepared.push(await prepareSelect(parser, big(i), undefined));
    const { entries, bytes } = preparedCacheSize(parser);
    // 60 queries of 400 KB, kept as key and translation in UTF-16, would be near 100 MB.
    expect(bytes).toBeLessThanOrEqual(32 * 2 ** 20);
    expect(entries).toBeGreaterThan(1);
    // The newest is still kept; the oldest went first, so it is prepared afresh.
    expect(await prepareSelect(parser, big(59), undefined)).toBe(prepared[59]);
    expect(await prepareSelect(parser, big(0), undefined)).not.toBe(prepared[0]);
  });
});
