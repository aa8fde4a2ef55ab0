import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { prepareSelect, type SqlParser } from '../../src/query/prepare.js';

/**
 * Runs queries written in Athena's (Trino's) SQL through the translator on an in-process DuckDB set up as the
 * query engine is (integer division, UTC), for the dialect's unit tests. Queries must read no table.
 */
export interface TrinoSql {
  /** The rows, values made plain: BIGINT as number when safe, BLOB as hex, MAP as an object of its entries. */
  rows(sql: string): Promise<unknown[][]>;
  /** The single value of a one-row, one-column query. */
  value(sql: string): Promise<unknown>;
  /** The DuckDB SQL the query becomes. */
  translate(sql: string): Promise<string>;
  close(): void;
}

export async function openTrinoSql(): Promise<TrinoSql> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run('SET integer_division = true');
  await connection.run("SET TimeZone = 'UTC'");
  const parser = parserOf(connection);
  const translate = async (sql: string) => (await prepareSelect(parser, sql, 'db')).sql;
  const rows = async (sql: string) => {
    const reader = await connection.runAndReadAll(await translate(sql));
    return reader.getRowsJS().map((row) => row.map(plain));
  };
  return {
    rows,
    translate,
    value: async (sql) => {
      const all = await rows(sql);
      if (all.length !== 1 || all[0]?.length !== 1) throw new Error(`not one value: ${JSON.stringify(all)}`);
      return all[0][0];
    },
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

function parserOf(connection: DuckDBConnection): SqlParser {
  const one = async (sql: string, value: string) => {
    const reader = await connection.runAndReadAll(sql, [value]);
    return String(reader.getRowObjectsJson()[0]?.t);
  };
  return {
    serialize: (sql) => one('SELECT json_serialize_sql($1::VARCHAR) t', sql),
    deserialize: (json) => one('SELECT json_deserialize_sql($1::JSON) t', json),
  };
}

function plain(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every(isEntry))
      return Object.fromEntries(value.map((entry) => [String(plain(entry.key)), plain(entry.value)]));
    return value.map(plain);
  }
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  return value;
}

function isEntry(value: unknown): value is { key: unknown; value: unknown } {
  return (
    value !== null &&
    typeof value === 'object' &&
    Object.keys(value).length === 2 &&
    'key' in value &&
    'value' in value
  );
}
