import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeQuery, analyzeTree, QueryRejected, serializerFor } from './sandbox.js';
import {
  ALLOWED_FUNCTIONS,
  ALLOWED_TABLE_FUNCTIONS,
  FUNCTION_GROUPS,
  PARSER_QUALIFIED_FUNCTIONS,
} from './sandbox-functions.js';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let serialize: (sql: string) => Promise<string>;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  connection = await instance.connect();
  serialize = serializerFor(connection);
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

async function tree(sql: string): Promise<{ [key: string]: unknown }> {
  return JSON.parse(await serialize(sql));
}

describe('the allow-list', () => {
  it('names only functions DuckDB has, so it cannot rot', async () => {
    const known = new Map(
      (await rows('SELECT DISTINCT function_name, function_type FROM duckdb_functions()')).map((r) => [
        String(r.function_name).toLowerCase(),
        String(r.function_type),
      ]),
    );
    for (const name of ALLOWED_FUNCTIONS) expect(known.has(name), name).toBe(true);
    for (const name of ALLOWED_TABLE_FUNCTIONS) expect(known.has(name), name).toBe(true);
    for (const name of PARSER_QUALIFIED_FUNCTIONS) expect(ALLOWED_FUNCTIONS.has(name), name).toBe(true);
  });

  it('is sorted, without duplicates, and holds nothing that reads the engine', () => {
    const seen = new Set<string>();
    for (const [group, names] of Object.entries(FUNCTION_GROUPS)) {
      expect([...names].sort(), group).toEqual(names);
      for (const name of names) {
        expect(seen.has(name), name).toBe(false);
        seen.add(name);
      }
    }
    const revealing =
      /^(pg_|duckdb_|pragma_|read_|parquet_|icu_|has_|current_(?!date$|localtime$|localtimestamp$))|serialize|^(getvariable|getenv|version|platform|setseed|glob|query|query_table|sniff_csv|which_secret|current_setting|nextval|currval|stats|write_log)$/;
    for (const name of ALLOWED_FUNCTIONS) expect(name, name).not.toMatch(revealing);
  });

  it('holds macros whose bodies call only allowed functions', async () => {
    const macros = await rows(
      "SELECT function_name, macro_definition FROM duckdb_functions() WHERE function_type = 'macro'",
    );
    const allowed = macros.filter((m) => ALLOWED_FUNCTIONS.has(String(m.function_name)));
    expect(allowed.length).toBeGreaterThan(40);
    for (const macro of allowed) {
      const body = `SELECT ${String(macro.macro_definition)}`;
      expect(analyzeTree(await tree(body), body, undefined), String(macro.function_name)).toEqual([]);
    }
  });

  it('accepts main-qualified calls only where DuckDB writes them itself', async () => {
    const sql =
      "SELECT [1][1:1], {'a': 1}, (1, 2), MAP {'k': 1}, substring('ab' FROM 1 FOR 1), position('a' IN 'ab'), trim(LEADING 'a' FROM 'ab'), trim(TRAILING 'b' FROM 'ab'), trim('a'), extract(year FROM DATE '2024-01-01'), TIMESTAMP '2024-01-01' AT TIME ZONE 'UTC', 'a' LIKE 'b' ESCAPE '!', 'a' NOT LIKE 'b' ESCAPE '!', 'a' ILIKE 'b' ESCAPE '!', 'a' NOT ILIKE 'b' ESCAPE '!', [x FOR x IN [1] IF x > 0]";
    const written = new Set<string>();
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        const node = value as { [key: string]: unknown };
        if (node.class === 'FUNCTION' && node.schema === 'main') written.add(String(node.function_name));
        Object.values(node).forEach(visit);
      }
    };
    visit(await tree(sql));
    expect([...written].sort()).toEqual([...PARSER_QUALIFIED_FUNCTIONS].sort());
    expect(analyzeTree(await tree(sql), sql, undefined)).toEqual([]);
  });
});

describe('table scoping, checked against what DuckDB binds', () => {
  const NAMES = ['a', 'b', 'c', 'k', 'r', 'trees'];
  beforeAll(async () => {
    for (const name of NAMES)
      await connection.run(`CREATE TABLE main.${name} AS SELECT 'table:${name}' AS v`);
  });
  afterAll(async () => {
    for (const name of NAMES) await connection.run(`DROP TABLE main.${name}`);
  });

  // Each query returns the `v` of every table DuckDB read, so its rows name exactly the tables it bound.
  const QUERIES = [
    "SELECT * FROM (WITH a AS (SELECT 'cte:a' AS v) SELECT * FROM a) q, a",
    "WITH a AS (SELECT * FROM b), b AS (SELECT 'cte:b' AS v) SELECT * FROM a",
    "WITH RECURSIVE a AS (SELECT * FROM b), b AS (SELECT 'cte:b' AS v) SELECT * FROM a",
    "WITH a AS (SELECT 'cte:a' AS v), b AS (SELECT * FROM a) SELECT * FROM b",
    'WITH a AS (SELECT * FROM a) SELECT * FROM a',
    'WITH RECURSIVE a AS (SELECT * FROM a) SELECT * FROM a',
    "WITH a AS (SELECT 'cte:a' AS v UNION ALL SELECT * FROM a) SELECT * FROM a",
    "WITH RECURSIVE a AS (SELECT 'cte:a' AS v UNION ALL SELECT * FROM a WHERE false) SELECT * FROM a",
    `WITH A AS (SELECT 'cte:a' AS v) SELECT * FROM "a"`,
    `WITH "\u212A" AS (SELECT 'cte:k' AS v) SELECT * FROM k`,
    "SELECT (WITH a AS (SELECT 'cte:a' AS v) SELECT v FROM a), (SELECT v FROM a)",
    "WITH a AS (SELECT 'cte:a' AS v) SELECT *, (SELECT v FROM a) FROM (SELECT * FROM a) q ORDER BY (SELECT v FROM a)",
    "WITH a AS (SELECT 'cte:a' AS v) (SELECT * FROM a) UNION ALL (WITH b AS (SELECT 'cte:b' AS v) SELECT * FROM b) UNION ALL SELECT * FROM b",
    "WITH a AS (SELECT 'outer' AS v) SELECT * FROM (WITH b AS (SELECT * FROM a), a AS (SELECT 'inner' AS v) SELECT * FROM b)",
    "WITH RECURSIVE r AS (SELECT 1 AS n, 'cte:r' AS v UNION ALL SELECT n + 1, v FROM r WHERE n < 3), c AS (SELECT * FROM r) SELECT * FROM c",
    "WITH c AS (SELECT 'cte:c' AS v) SELECT * FROM trees WHERE v IN (SELECT v FROM c) OR true",
    "SELECT * FROM (SELECT 'sub' AS v) AS x, b, (WITH b AS (SELECT 'cte:b' AS v) SELECT * FROM b) y",
  ];
  for (const sql of QUERIES) {
    it(`finds the tables DuckDB reads in ${sql}`, async () => {
      const bound = new Set(
        (await connection.runAndReadAll(sql))
          .getRowsJson()
          .flat()
          .filter((v): v is string => typeof v === 'string' && v.startsWith('table:'))
          .map((v) => v.slice('table:'.length)),
      );
      const found = analyzeTree(await tree(sql), sql, 'scratch').map((t) => t.table);
      expect(new Set(found)).toEqual(bound);
    });
  }
});

describe('a tree the sandbox does not know is refused, never skipped', () => {
  type Tree = Record<string, unknown>;
  const object = (value: unknown) => value as Tree;
  const select = (root: Tree) => object(object((root.statements as unknown[])[0]).node);
  const item = (root: Tree) => object((select(root).select_list as unknown[])[0]);
  const from = (root: Tree) => object(select(root).from_table);
  const sql = 'SELECT NOT true FROM trees';
  // [what, the node to change, its field, the new value (undefined: the field is removed), the reason]
  const cases: [string, (root: Tree) => Tree, string, unknown, RegExp][] = [
    ['an unknown expression class', item, 'class', 'BOUND_EXPRESSION', /expression BOUND_EXPRESSION/],
    ['an unknown operator', item, 'type', 'ARROW', /operator ARROW/],
    ['a name inherited by every object', item, 'class', 'constructor', /expression constructor/],
    ['an unknown field', from, 'future', {}, /BASE_TABLE\.future/],
    ['an unknown table kind', from, 'type', 'DELIM_GET', /table DELIM_GET/],
    ['an unknown query node', select, 'type', 'CTE_NODE', /query CTE_NODE/],
    ['a table without its position', from, 'query_location', undefined, /position/],
  ];
  for (const [what, at, field, value, reason] of cases) {
    it(`refuses ${what}`, async () => {
      const root = await tree(sql);
      expect(analyzeTree(root, sql, 'city')).toEqual([{ database: 'city', table: 'trees' }]);
      if (value === undefined) delete at(root)[field];
      else at(root)[field] = value;
      expect(() => analyzeTree(root, sql, 'city')).toThrow(reason);
    });
  }

  it('refuses hostile nesting without exhausting the stack', async () => {
    let expression: unknown = { class: 'CONSTANT', type: 'VALUE_CONSTANT', alias: '', value: null };
    for (let i = 0; i < 100_000; i++)
      expression = { class: 'OPERATOR', type: 'OPERATOR_NOT', alias: '', children: [expression] };
    const root = await tree(sql);
    (select(root).select_list as unknown[])[0] = expression;
    expect(() => analyzeTree(root, sql, 'city')).toThrow(/nested too deeply/);
  });

  it('refuses what is not a serialised query', async () => {
    expect(() => analyzeTree('SELECT 1', 'SELECT 1', undefined)).toThrow(QueryRejected);
    expect(() => analyzeTree({ error: false, statements: [] }, '', undefined)).toThrow(
      /Exactly one statement/,
    );
    await expect(analyzeQuery(async () => 'not json', 'SELECT 1', undefined)).rejects.toThrow(QueryRejected);
  });
});

describe('analyzeQuery', () => {
  it('parses with the serialiser it is given and returns the catalog tables', async () => {
    const asked: string[] = [];
    const tables = await analyzeQuery(
      async (sql) => {
        asked.push(sql);
        return serialize(sql);
      },
      'SELECT * FROM awsdatacatalog.City.Trees t JOIN parks.sites s ON t.site = s.id JOIN trees USING (id)',
      'city',
    );
    expect(asked).toHaveLength(1);
    expect(tables).toEqual([
      { database: 'city', table: 'trees' },
      { database: 'parks', table: 'sites' },
    ]);
  });
});
