import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeQuery, serializerFor } from './sandbox.js';

/** [SQL, the reason it is refused, the context database (`city` unless given; null for none)] */
type Escape = [string, RegExp, (string | null)?];

/** Names visible only inside their scope: outside it they are tables, and without a database refused. */
const SCOPE_ESCAPES: Escape[] = [
  [
    'SELECT s.* FROM (WITH pg_settings AS (SELECT 1) SELECT 1) q, pg_settings s',
    /Table pg_settings is not qualified/,
    null,
  ],
  [
    'SELECT v.sql FROM (WITH duckdb_views AS (SELECT 1) SELECT 1) q, duckdb_views v',
    /Table duckdb_views is not qualified/,
    null,
  ],
  [
    'SELECT (WITH duckdb_settings AS (SELECT 1) SELECT 1), * FROM duckdb_settings',
    /Table duckdb_settings is not/,
    null,
  ],
  [
    'WITH a AS (SELECT * FROM duckdb_tables), duckdb_tables AS (SELECT 1) SELECT * FROM a',
    /Table duckdb_tables is not/,
    null,
  ],
  [
    'WITH pg_settings AS (SELECT * FROM pg_settings) SELECT * FROM pg_settings',
    /Table pg_settings is not/,
    null,
  ],
  [
    'WITH RECURSIVE duckdb_views AS (SELECT * FROM duckdb_views) SELECT * FROM duckdb_views',
    /Table duckdb_views is not/,
    null,
  ],
  [
    'WITH RECURSIVE pg_settings AS (SELECT * FROM pg_settings UNION ALL SELECT 1) SELECT 1',
    /Table pg_settings is not/,
    null,
  ],
  [
    'WITH x AS (SELECT 1) (SELECT * FROM x) UNION ALL (WITH duckdb_columns AS (SELECT 1) SELECT * FROM duckdb_columns) UNION ALL SELECT * FROM duckdb_columns',
    /Table duckdb_columns is not/,
    null,
  ],
  // The Kelvin sign lower-cases to `k` in JavaScript, never in DuckDB.
  ['WITH "duc\u212Adb_views" AS (SELECT 1) SELECT * FROM duckdb_views', /Table duckdb_views is not/, null],
  ['SELECT * FROM (SELECT 1) AS pg_settings, pg_settings', /Table pg_settings is not/, null],
];

/** The engine's own schemas and catalogs, and strings that name files. */
const NAME_ESCAPES: Escape[] = [
  ['SELECT * FROM main.pg_settings', /Table main\.pg_settings is not a catalog table/],
  ['SELECT * FROM information_schema.tables', /not a catalog table/],
  ['SELECT * FROM pg_catalog.pg_views', /not a catalog table/],
  ['SELECT * FROM "MAIN"."DUCKDB_VIEWS"', /not a catalog table/],
  ['SELECT * FROM memory.t', /Table memory\.t is not a catalog table/],
  ['SELECT * FROM awsdatacatalog.information_schema.tables', /not a catalog table/],
  ['SELECT * FROM system.main.duckdb_settings', /Catalog system does not exist/],
  ['SELECT * FROM temp.main.x', /Catalog temp does not exist/],
  ['SELECT * FROM pg_settings', /Table pg_catalog\.pg_settings is not a catalog table/, 'pg_catalog'],
  ["SELECT * FROM 'data.csv'", /A string is not a table/],
  ["SELECT * FROM e'/etc/passwd'", /A string is not a table/],
  ['SELECT * FROM $$/etc/passwd$$', /A string is not a table/],
  ["FROM '/etc/passwd'", /A string is not a table/],
  ["SELECT * FROM trees, '/etc/hosts' h", /A string is not a table/],
  ['SELECT * FROM trees AT (VERSION => 1)', /AT \(VERSION => \.\.\.\) .* not supported/],
];

/** Table functions: only range, generate_series and unnest, unqualified, wherever they appear. */
const TABLE_FUNCTION_ESCAPES: Escape[] = [
  [
    "SELECT * FROM read_csv('/etc/passwd')",
    /Function read_csv is not allowed: queries read catalog tables only/,
  ],
  ["SELECT * FROM read_csv_auto('/etc/passwd')", /read_csv_auto is not allowed/],
  ["SELECT * FROM read_parquet('x.parquet')", /read_parquet is not allowed/],
  ['SELECT * FROM trees t, LATERAL read_text(t.path)', /read_text is not allowed/],
  ["SELECT * FROM glob('/*')", /glob is not allowed/],
  ["SELECT * FROM query_table('pg_settings')", /query_table is not allowed/],
  ["SELECT * FROM query('SELECT 1')", /Function query is not allowed/],
  ['SELECT * FROM duckdb_settings()', /duckdb_settings is not allowed/],
  ["SELECT * FROM sniff_csv('/etc/passwd')", /sniff_csv is not allowed/],
  ["SELECT * FROM parquet_metadata('x')", /parquet_metadata is not allowed/],
  ["SELECT * FROM json_each('[1]')", /json_each is not allowed/],
  [
    'SELECT * FROM main.range(3)',
    /Function main\.range is not allowed in queries: call range without a schema/,
  ],
  ['SELECT * FROM trees LIMIT (SELECT count(*) FROM duckdb_tables())', /duckdb_tables is not allowed/],
  ["SELECT * FROM unnest([1]) u, LATERAL (SELECT * FROM read_csv('/etc/passwd'))", /read_csv is not allowed/],
];

/** Functions off the allow-list, however they are spelt or wherever they hide. */
const FUNCTION_ESCAPES: Escape[] = [
  ['SELECT pg_get_viewdef(1)', /^Function pg_get_viewdef is not allowed in queries\.$/],
  ['SELECT pg_catalog.pg_get_viewdef(1)', /Function pg_get_viewdef is not allowed/],
  ['SELECT "PG_Get_ViewDef"(1)', /Function pg_get_viewdef is not allowed/],
  ["SELECT current_setting('allowed_paths')", /current_setting is not allowed/],
  ["SELECT getenv('HOME')", /getenv is not allowed/],
  ["SELECT getvariable('x')", /getvariable is not allowed/],
  ['SELECT version()', /Function version is not allowed/],
  ['SELECT current_schema()', /Function current_schema is not allowed/],
  ["SELECT main.lower('A')", /Function main\.lower is not allowed in queries: call lower without a schema/],
  ["SELECT system.main.lower('A')", /Function system\.main\.lower is not allowed/],
  ['SELECT species.upper() FROM trees', /Function species\.upper is not allowed/],
  ['SELECT setseed(0.5)', /setseed is not allowed/],
  ["SELECT nextval('s')", /nextval is not allowed/],
  ["SELECT json_serialize_sql('SELECT 1')", /json_serialize_sql is not allowed/],
  ['SELECT sleep_ms(100000)', /sleep_ms is not allowed/],
  ["SELECT write_log('x')", /write_log is not allowed/],
  ["SELECT icu_sort_key('a', 'de')", /icu_sort_key is not allowed/],
  ['SELECT stats(1)', /Function stats is not allowed/],
  ['SELECT txid_current()', /txid_current is not allowed/],
  ["SELECT in_search_path('memory', 'main')", /in_search_path is not allowed/],
  ['SELECT count(*) EXPORT_STATE FROM trees', /EXPORT_STATE is not allowed/],
  ["SELECT list_transform([1], x -> current_setting('threads'))", /current_setting is not allowed/],
  ['SELECT COLUMNS(c -> getvariable(c) IS NULL) FROM trees', /getvariable is not allowed/],
  [
    "SELECT * REPLACE (current_setting('allowed_paths') AS species) FROM trees",
    /current_setting is not allowed/,
  ],
  [
    'SELECT sum(height) FILTER (WHERE current_query() IS NOT NULL) FROM trees',
    /current_query is not allowed/,
  ],
  [
    "SELECT row_number() OVER (ORDER BY current_setting('threads')) FROM trees",
    /current_setting is not allowed/,
  ],
  ['SELECT (SELECT sql FROM duckdb_views() LIMIT 1)', /duckdb_views is not allowed/],
  ["SELECT * FROM trees ORDER BY (SELECT max(file) FROM glob('*'))", /glob is not allowed/],
];

/** Words DuckDB's binder turns into session functions, and values and types that are not the query's own. */
const VALUE_ESCAPES: Escape[] = [
  ['SELECT current_schema', /current_schema is not allowed in queries: it reads the engine's session/],
  ['SELECT "CURRENT_USER"', /current_user is not allowed/],
  ['SELECT alias.current_catalog', /current_catalog is not allowed/],
  ['SELECT * FROM trees t, range(length(t.user))', /user is not allowed/],
  ['SELECT COLUMNS(current_schema) FROM trees', /current_schema is not allowed/],
  ['SELECT species FROM trees WHERE species IN (SELECT current_role)', /current_role is not allowed/],
  ['SELECT $1', /Query parameters .* are not supported/],
  ['SELECT ?', /Query parameters/],
  ['SELECT DEFAULT FROM trees', /DEFAULT is not allowed/],
  ['SELECT CAST(1 AS regclass)', /Type regclass is not supported/],
  ["SELECT 'x'::main.my_type", /Type my_type is not supported/],
  ["SELECT 'a' COLLATE \"x'y\"", /collation name/],
];

/** Statements and forms that are not a plain read. */
const STATEMENT_ESCAPES: Escape[] = [
  ['DESCRIBE trees', /DESCRIBE is not supported/],
  ['SHOW TABLES', /SHOW is not supported/],
  ['SHOW ALL TABLES', /SHOW is not supported/],
  ['SUMMARIZE trees', /SUMMARIZE is not supported/],
  ['SELECT * FROM (DESCRIBE trees)', /DESCRIBE is not supported/],
  ['SELECT * FROM trees PIVOT (sum(height) FOR species IN (1, 2))', /PIVOT and UNPIVOT are not supported/],
  ['UNPIVOT trees ON height INTO NAME n VALUE v', /PIVOT and UNPIVOT are not supported/],
  ['PIVOT trees ON species USING sum(height)', /PIVOT statements are not allowed/],
  ['WITH RECURSIVE r(n) USING KEY (n) AS (SELECT 1 UNION SELECT n + 1 FROM r) SELECT * FROM r', /USING KEY/],
  ["COPY (SELECT 1) TO '/tmp/x.csv'", /COPY statements are not allowed/],
  ["ATTACH '/tmp/x.db' AS x", /ATTACH statements are not allowed/],
  ["EXPORT DATABASE '/tmp/x'", /EXPORT statements are not allowed/],
  ['SET enable_external_access = true', /SET statements are not allowed/],
  ['RESET allowed_paths', /RESET statements are not allowed/],
  ['CALL pragma_version()', /CALL statements are not allowed/],
  ['PRAGMA database_list', /PRAGMA statements are not allowed/],
  ['EXPLAIN ANALYZE SELECT 1', /EXPLAIN statements are not allowed/],
  ['PREPARE p AS SELECT 1', /PREPARE statements are not allowed/],
  ['EXECUTE p', /EXECUTE statements are not allowed/],
  ['USE memory.main', /USE statements are not allowed/],
  ['INSTALL httpfs', /INSTALL statements are not allowed/],
  ['CREATE MACRO m() AS 1', /CREATE statements are not allowed/],
  ['SELECT 1; SELECT 2', /Exactly one statement/],
  ['SELECT 1; DROP TABLE trees', /Exactly one statement .* read-only SELECT/],
];

const ESCAPES = [
  ...SCOPE_ESCAPES,
  ...NAME_ESCAPES,
  ...TABLE_FUNCTION_ESCAPES,
  ...FUNCTION_ESCAPES,
  ...VALUE_ESCAPES,
  ...STATEMENT_ESCAPES,
];

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

const analyze = (sql: string, database: string | null = 'city') =>
  analyzeQuery(serializerFor(connection), sql, database ?? undefined);

describe('the escape corpus', () => {
  it('has at least 60 attempts', () => {
    expect(ESCAPES.length).toBeGreaterThanOrEqual(60);
  });
  for (const [sql, reason, database] of ESCAPES) {
    it(`refuses ${sql}`, async () => {
      await expect(analyze(sql, database)).rejects.toThrow(reason);
      await expect(analyze(sql, database)).rejects.toMatchObject({ name: 'QueryRejected' });
    });
  }

  it('reads the scope escapes as catalog tables when there is a database, so the engine finds no such table', async () => {
    for (const [sql, , database] of SCOPE_ESCAPES) {
      expect(database).toBeNull();
      const tables = await analyze(sql);
      expect(tables.length, sql).toBeGreaterThan(0);
      for (const table of tables) expect(table.database, sql).toBe('city');
    }
  });
});
