import { describe, expect, it } from 'vitest';
import type { CatalogTable } from '../catalog/index.js';
import type { EngineView } from './engine-pool.js';
import { checkViewColumns, decodeView, encodeView, statementBody, trinoType } from './query-views.js';

const view = (columns: { name: string; type: string }[]): EngineView => ({
  database: 'city',
  name: 'v',
  context: 'city',
  sql: 'SELECT 1',
  columns,
});

function table(text: string): CatalogTable {
  return {
    database: 'city',
    definition: { Name: 'v', TableType: 'VIRTUAL_VIEW', ViewOriginalText: text },
    version: 1,
    createTime: 0,
    updateTime: 0,
  };
}

describe('views as Athena stores them', () => {
  it('encode and decode the Presto View definition', () => {
    const definition = {
      originalSql: "SELECT 'a */ b' AS x",
      catalog: 'awsdatacatalog',
      schema: 'city',
      columns: [{ name: 'x', type: 'varchar' }],
      runAsInvoker: false,
    };
    const text = encodeView(definition);
    expect(text).toMatch(/^\/\* Presto View: [A-Za-z0-9+/]+=* \*\/$/);
    expect(decodeView(table(text))).toEqual(definition);
    expect(() => decodeView(table('SELECT 1'))).toThrow(/not an Athena \(Presto\) view/);
    expect(() => decodeView(table('/* Presto View: bm90IGpzb24= */'))).toThrow(
      /not an Athena \(Presto\) view/,
    );
  });

  it('name Trino types of DuckDB columns', () => {
    const of = (type: string) => trinoType({ name: 'c', type });
    expect(of('VARCHAR')).toBe('varchar');
    expect(of('INTEGER[]')).toBe('array(integer)');
    expect(of('STRUCT(a BIGINT, b DOUBLE)')).toBe('row(a bigint, b double)');
    expect(of('MAP(VARCHAR, FLOAT)')).toBe('map(varchar, real)');
    expect(of('TIMESTAMP WITH TIME ZONE')).toBe('timestamp(3) with time zone');
    expect(of('DECIMAL(10,2)')).toBe('decimal(10,2)');
  });

  it('are stale when their SQL answers other columns than recorded', () => {
    const stored = view([
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'varchar(20)' },
    ]);
    expect(() =>
      checkViewColumns(stored, [
        { name: 'id', type: 'INTEGER' },
        { name: 'name', type: 'VARCHAR' },
      ]),
    ).not.toThrow();
    expect(() =>
      checkViewColumns(view([{ name: 'n', type: 'int' }]), [{ name: 'n', type: 'INTEGER' }]),
    ).not.toThrow();
    expect(() => checkViewColumns(stored, [{ name: 'id', type: 'BIGINT' }])).toThrow(
      /stored view has 2 columns/,
    );
    expect(() =>
      checkViewColumns(stored, [
        { name: 'id', type: 'VARCHAR' },
        { name: 'name', type: 'VARCHAR' },
      ]),
    ).toThrow(/column \[id\] of type varchar .* cannot be coerced to column \[id\] of type bigint/);
  });

  it('take a prepared statement without its trailing semicolons', () => {
    expect(statementBody('SELECT 1 ;\n ; ')).toBe('SELECT 1');
    expect(statementBody("SELECT ';'")).toBe("SELECT ';'");
  });
});
