import { describe, expect, it } from 'vitest';
import type { CatalogService, CatalogTable } from '../catalog/index.js';
import type { EngineView } from './engine-pool.js';
import type { PreparedSelect, SqlParser } from './prepare.js';
import {
  checkViewColumns,
  decodeView,
  encodeView,
  prepareWithViews,
  statementBody,
  trinoType,
} from './query-views.js';

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

describe('expanding views', () => {
  /** A catalog of views named in `views` (each reading the names its SQL lists after FROM) and plain tables. */
  function deps(views: Record<string, string>) {
    const catalog = {
      async getTable(database: string, name: string): Promise<CatalogTable> {
        const sql = views[name];
        if (sql === undefined)
          return { ...table(''), database, definition: { Name: name, TableType: 'EXTERNAL_TABLE' } };
        const text = encodeView({
          originalSql: sql,
          catalog: 'awsdatacatalog',
          schema: database,
          columns: [],
          runAsInvoker: false,
        });
        return {
          ...table(text),
          database,
          definition: { Name: name, TableType: 'VIRTUAL_VIEW', ViewOriginalText: text },
        };
      },
    } as unknown as CatalogService;
    // Stands for prepareSelect: the tables a SQL reads are the comma-separated names after FROM.
    const prepare = async (
      _parser: SqlParser,
      sql: string,
      database: string | undefined,
    ): Promise<PreparedSelect> => ({
      sql: `${sql};`,
      columns: { unnamedPrefix: '_unnamed_', types: new Map() },
      tables: (sql.split(' FROM ')[1] ?? '')
        .split(', ')
        .filter(Boolean)
        .map((t) => ({ database: database ?? 'city', table: t })),
    });
    const looked: string[] = [];
    return {
      looked,
      deps: {
        catalog,
        parser: {} as SqlParser,
        prepareSelect: prepare as never,
        mayLookUp: async (ref: { table: string }) => {
          looked.push(ref.table);
        },
      },
    };
  }

  it('defines each view after the views it reads, over the tables underneath', async () => {
    const { deps: d, looked } = deps({ top: 'SELECT FROM mid, t1', mid: 'SELECT FROM t1, t2' });
    const expanded = await prepareWithViews(d, 'SELECT FROM top', 'city');
    expect(expanded.views.map((v) => [v.name, v.sql])).toEqual([
      ['mid', 'SELECT FROM t1, t2'],
      ['top', 'SELECT FROM mid, t1'],
    ]);
    expect(expanded.tables.map((t) => t.table).sort()).toEqual(['t1', 't2']);
    expect(expanded.reads.map((t) => t.table).sort()).toEqual(['mid', 't1', 't2', 'top']);
    expect(looked.sort()).toEqual(['mid', 't1', 't2', 'top']);
  });

  it('refuses a cycle and nesting deeper than 10', async () => {
    const cycle = deps({ a: 'SELECT FROM b', b: 'SELECT FROM c', c: 'SELECT FROM a' }).deps;
    await expect(prepareWithViews(cycle, 'SELECT FROM a', 'city')).rejects.toThrow(
      /View 'awsdatacatalog.city.a' refers to itself/,
    );
    const chain = (n: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`v${i}`, `SELECT FROM ${i + 1 < n ? `v${i + 1}` : 't'}`]),
      );
    await expect(prepareWithViews(deps(chain(10)).deps, 'SELECT FROM v0', 'city')).resolves.toMatchObject({
      tables: [{ table: 't' }],
    });
    await expect(prepareWithViews(deps(chain(11)).deps, 'SELECT FROM v0', 'city')).rejects.toThrow(
      /nested more than 10 views deep/,
    );
  });
});
