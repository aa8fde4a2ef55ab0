import {
  ARRAY,
  BIGINT,
  BLOB,
  BOOLEAN,
  DATE,
  DECIMAL,
  DOUBLE,
  DuckDBIntervalValue,
  DuckDBStructType,
  DuckDBVarCharType,
  FLOAT,
  INTEGER,
  LIST,
  MAP,
  SMALLINT,
  STRUCT,
  TIME,
  TIMESTAMP,
  TIMESTAMPTZ,
  TINYINT,
  VARCHAR,
} from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { athenaInterval, columnInfo, namedRowsType } from './result-format.js';

describe('columnInfo', () => {
  // What Athena reports for PyAthena's one_row_complex table: (Type, Precision, Scale).
  it.each([
    ['boolean', BOOLEAN, 'boolean', 0, 0],
    ['tinyint', TINYINT, 'tinyint', 3, 0],
    ['smallint', SMALLINT, 'smallint', 5, 0],
    ['integer', INTEGER, 'integer', 10, 0],
    ['bigint', BIGINT, 'bigint', 19, 0],
    ['real', FLOAT, 'float', 17, 0],
    ['double', DOUBLE, 'double', 17, 0],
    ['varchar', VARCHAR, 'varchar', 2147483647, 0],
    ['timestamp', TIMESTAMP, 'timestamp', 3, 0],
    ['timestamp with time zone', TIMESTAMPTZ, 'timestamp with time zone', 3, 0],
    ['time', TIME, 'time', 3, 0],
    ['date', DATE, 'date', 0, 0],
    ['varbinary', BLOB, 'varbinary', 1073741824, 0],
    ['array', LIST(INTEGER), 'array', 0, 0],
    ['json', new DuckDBVarCharType('JSON'), 'json', 0, 0],
    ['map', MAP(VARCHAR, INTEGER), 'map', 0, 0],
    ['row', STRUCT({ a: INTEGER }), 'row', 0, 0],
    ['decimal(10,1)', DECIMAL(10, 1), 'decimal', 10, 1],
  ])('types a %s column as Athena does', (_, type, athena, precision, scale) => {
    expect(columnInfo('c', type)).toEqual({
      CatalogName: 'hive',
      SchemaName: '',
      TableName: '',
      Name: 'c',
      Label: 'c',
      Type: athena,
      Precision: precision,
      Scale: scale,
      Nullable: 'UNKNOWN',
      CaseSensitive: athena === 'varchar',
    });
  });
});

describe('intervals as Trino prints them', () => {
  it('prints year-to-month and day-to-second intervals apart', () => {
    expect(athenaInterval(new DuckDBIntervalValue(41, 0, 0n))).toBe('3-5');
    expect(athenaInterval(new DuckDBIntervalValue(-14, 0, 0n))).toBe('-1-2');
    expect(athenaInterval(new DuckDBIntervalValue(0, 2, 10_800_000_000n))).toBe('2 03:00:00.000');
    expect(athenaInterval(new DuckDBIntervalValue(0, 0, -10_800_123_000n))).toBe('-0 03:00:00.123');
  });
});

describe('namedRowsType', () => {
  it('names the unnamed fields of rows at any depth as Trino does, and leaves named ones alone', () => {
    // What DuckDB's row(1, 'a') is (STRUCT() takes a record, which cannot hold two empty names).
    const pair = new DuckDBStructType(['', ''], [INTEGER, VARCHAR]);
    expect(namedRowsType(pair)).toBe('STRUCT("field0" INTEGER, "field1" VARCHAR)');
    expect(namedRowsType(LIST(pair))).toBe('STRUCT("field0" INTEGER, "field1" VARCHAR)[]');
    expect(namedRowsType(ARRAY(pair, 2))).toBe('STRUCT("field0" INTEGER, "field1" VARCHAR)[2]');
    expect(namedRowsType(MAP(VARCHAR, pair))).toBe(
      'MAP(VARCHAR, STRUCT("field0" INTEGER, "field1" VARCHAR))',
    );
    expect(namedRowsType(STRUCT({ x: pair, 'y z': INTEGER }))).toBe(
      'STRUCT("x" STRUCT("field0" INTEGER, "field1" VARCHAR), "y z" INTEGER)',
    );
  });

  it('says nothing of types without unnamed rows', () => {
    expect(namedRowsType(STRUCT({ a: INTEGER, b: LIST(VARCHAR) }))).toBeUndefined();
    expect(namedRowsType(MAP(VARCHAR, LIST(INTEGER)))).toBeUndefined();
    expect(namedRowsType(BIGINT)).toBeUndefined();
  });
});
