import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../lib/sql.js';
import { analyzeQuery, serializerFor, type TableReference } from './sandbox.js';

/** [SQL, the catalog tables it reads as `database.table`, the context database (`city` unless given)] */
type Legitimate = [string, string[], (string | null)?];

const QUERIES: Legitimate[] = [
  ['SELECT * FROM trees', ['city.trees']],
  ['SELECT * FROM city.trees', ['city.trees'], null],
  ['SELECT * FROM "City"."Trees"', ['city.trees'], null],
  [
    'SELECT t.species, count(*) FROM city.trees t GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5 OFFSET 1',
    ['city.trees'],
  ],
  [
    'SELECT t.name, s.species, v.visitors FROM trees t JOIN parks.sites s ON t.site = s.id LEFT JOIN parks.visits v USING (site)',
    ['city.trees', 'parks.sites', 'parks.visits'],
  ],
  [
    'WITH tall AS (SELECT * FROM trees WHERE height > 10), by_species AS (SELECT species, count(*) AS n FROM tall GROUP BY species) SELECT * FROM by_species ORDER BY n DESC',
    ['city.trees'],
  ],
  ['WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n FROM r', []],
  [
    'WITH RECURSIVE chain AS (SELECT id, parent FROM nodes WHERE parent IS NULL UNION ALL SELECT n.id, n.parent FROM nodes n JOIN chain c ON n.parent = c.id) SELECT count(*) FROM chain',
    ['city.nodes'],
  ],
  [
    'WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3), x AS (SELECT * FROM r) SELECT * FROM x',
    [],
  ],
  ['WITH a AS (SELECT 1 AS x) SELECT * FROM (WITH a AS (SELECT 2 AS x) SELECT * FROM a) q, a', []],
  [
    'WITH a AS (SELECT * FROM trees) SELECT (SELECT count(*) FROM a) AS n FROM a LIMIT (SELECT 1)',
    ['city.trees'],
  ],
  [
    'WITH a AS (SELECT species FROM trees), b AS (SELECT * FROM parks.sites WHERE species IN (SELECT species FROM a)) SELECT * FROM b',
    ['city.trees', 'parks.sites'],
  ],
  // The CTE named like the table covers only its own query; the outer name is the catalog table.
  ['SELECT * FROM (WITH trees AS (SELECT 1 AS id) SELECT * FROM trees) q, trees', ['city.trees']],
  [
    'SELECT species, height, rank() OVER (PARTITION BY species ORDER BY height DESC) AS r, avg(height) OVER (ORDER BY height ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM trees QUALIFY r <= 3',
    ['city.trees'],
  ],
  [
    'SELECT lag(height, 1, 0) OVER w, lead(height) OVER w, first_value(height) OVER w, ntile(4) OVER w, percent_rank() OVER w, row_number() OVER w FROM trees WINDOW w AS (PARTITION BY species ORDER BY planted)',
    ['city.trees'],
  ],
  [
    "SELECT list_transform(tags, x -> upper(x)), list_filter(tags, lambda t: t LIKE 'a%'), list_reduce([1, 2, 3], (a, b) -> a + b), [x * 2 FOR x IN [1, 2, 3] IF x > 1] FROM trees",
    ['city.trees'],
  ],
  ['SELECT tag, count(*) FROM (SELECT unnest(tags) AS tag FROM trees) GROUP BY tag', ['city.trees']],
  ['SELECT t.id, u.tag FROM trees t, unnest(t.tags) AS u(tag)', ['city.trees']],
  [
    'SELECT species, site, sum(height), grouping(species) FROM trees GROUP BY ROLLUP (species, site)',
    ['city.trees'],
  ],
  ['SELECT species, site, count(*) FROM trees GROUP BY CUBE (species, site)', ['city.trees']],
  [
    'SELECT species, site, count(*) FROM trees GROUP BY GROUPING SETS ((species), (species, site), ())',
    ['city.trees'],
  ],
  [
    "SELECT lower(species), upper(name), trim(both ' ' FROM name), substring(name FROM 2 FOR 3), position('a' IN name), concat_ws('-', species, name), lpad(CAST(id AS VARCHAR), 5, '0'), split_part(name, ' ', 1), replace(name, 'a', 'b'), length(name), left(name, 2), name || '!' FROM trees",
    ['city.trees'],
  ],
  [
    "SELECT regexp_extract(name, '([0-9]+)', 1), regexp_replace(name, '\\s+', ' ', 'g'), regexp_matches(name, '^A'), name SIMILAR TO 'a.*', name ~ '^b', name LIKE 'a%' ESCAPE '!', name ILIKE 'A%', name NOT LIKE '%z' FROM trees",
    ['city.trees'],
  ],
  [
    "SELECT date_trunc('month', planted), extract(year FROM planted), planted + INTERVAL 1 DAY, date_diff('day', planted, current_date), strftime(planted, '%Y'), current_timestamp, now(), localtimestamp, DATE '2024-01-01', CAST(planted AS TIMESTAMP) AT TIME ZONE 'UTC', make_date(2024, 1, 1), last_day(planted) FROM trees",
    ['city.trees'],
  ],
  [
    `SELECT json_extract(doc, '$.a'), doc ->> '$.b', doc -> '$.c', json_extract_string(doc, '$.d'), json_array_length(doc, '$.e'), CAST('{"x": 1}' AS JSON), to_json({'a': 1}) FROM trees`,
    ['city.trees'],
  ],
  [
    "SELECT [1, 2, 3][2], [1, 2, 3][1:2], {'a': 1}.a, MAP {'k': 1}['k'], list_value(1), struct_extract({'a': 1}, 'a'), ARRAY[1, 2], array_length([1]), list_sort([3, 1]), list_distinct([1, 1]), cardinality(MAP {'a': 1}), (1, 2)",
    [],
  ],
  [
    'SELECT * FROM trees t WHERE species IN (SELECT species FROM parks.favourites) AND EXISTS (SELECT 1 FROM parks.sites s WHERE s.id = t.site) AND height > ALL (SELECT 1) AND NOT EXISTS (SELECT 1 WHERE false)',
    ['city.trees', 'parks.favourites', 'parks.sites'],
  ],
  [
    "SELECT species FROM trees UNION SELECT species FROM parks.sites INTERSECT SELECT species FROM parks.favourites EXCEPT SELECT 'oak'",
    ['city.trees', 'parks.sites', 'parks.favourites'],
  ],
  [
    'SELECT id, species FROM trees UNION ALL BY NAME SELECT species, id FROM parks.sites',
    ['city.trees', 'parks.sites'],
  ],
  ["SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(id, label) ORDER BY id DESC NULLS FIRST", []],
  ['VALUES (1), (2)', []],
  ['SELECT DISTINCT species FROM trees ORDER BY species', ['city.trees']],
  ['SELECT DISTINCT ON (species) species, height FROM trees ORDER BY species, height DESC', ['city.trees']],
  [
    "SELECT CASE WHEN height > 10 THEN 'tall' ELSE 'short' END, coalesce(name, '?'), nullif(species, ''), if(height > 1, 1, 0), try(1 / 0), TRY_CAST(name AS INTEGER), height BETWEEN 1 AND 2, species IS DISTINCT FROM 'oak', name IS NULL FROM trees",
    ['city.trees'],
  ],
  [
    "SELECT count(DISTINCT species), string_agg(species, ',' ORDER BY species), approx_count_distinct(name), quantile_cont(height, 0.5), median(height), sum(height) FILTER (WHERE height > 5), arg_max(species, height), stddev_samp(height), corr(height, id), percentile_cont(0.5) WITHIN GROUP (ORDER BY height) FROM trees",
    ['city.trees'],
  ],
  [
    "SELECT * EXCLUDE (height) FROM trees, (SELECT * REPLACE (upper(species) AS species) FROM parks.sites), (SELECT COLUMNS('^vis') FROM parks.visits)",
    ['city.trees', 'parks.sites', 'parks.visits'],
  ],
  ["SELECT min(COLUMNS(*)), max(COLUMNS(c -> c LIKE 'h%')) FROM trees", ['city.trees']],
  ['TABLE trees', ['city.trees']],
  ['FROM trees SELECT species', ['city.trees']],
  [
    'SELECT i, t.name FROM range(10) r(i) JOIN trees t ON t.id = r.i, generate_series(1, 2) g(n)',
    ['city.trees'],
  ],
  ['SELECT generate_series(1, 3), range(3)', []],
  [
    'SELECT current_date, current_timestamp, localtime, t.user, t."current_schema" FROM trees t',
    ['city.trees'],
  ],
  ['SELECT * FROM trees TABLESAMPLE BERNOULLI (10 PERCENT) REPEATABLE (42)', ['city.trees']],
  ['SELECT species FROM trees USING SAMPLE 10 ROWS ORDER BY species COLLATE nocase', ['city.trees']],
  ['SELECT * FROM trees t, LATERAL (SELECT t.height * 2 AS double_height) d', ['city.trees']],
  ["SELECT CASE WHEN height < 0 THEN error('negative height') END FROM trees", ['city.trees']],
  ['SELECT species, sum(height) FROM trees GROUP BY ALL ORDER BY ALL', ['city.trees']],
  ["SELECT * FROM trees WHERE (species, height) IN (('oak', 1))", ['city.trees']],
];

/** Rows behind each table the corpus reads, as the engine would view them. */
const FIXTURES: Record<string, string> = {
  'city.trees': `SELECT * FROM (VALUES (1, 'oak', 12.5, 1, DATE '2020-04-01', ['a', 'b'], '{"a": 1, "e": [1]}'::JSON, 'Old Oak', 'ann', 'x')) t(id, species, height, site, planted, tags, doc, name, "user", "current_schema")`,
  'city.nodes': 'SELECT * FROM (VALUES (1, NULL), (2, 1)) n(id, parent)',
  'parks.sites': `SELECT * FROM (VALUES (1, 'oak')) s(id, species)`,
  'parks.favourites': `SELECT * FROM (VALUES ('oak')) f(species)`,
  'parks.visits': 'SELECT * FROM (VALUES (1, 10)) v(site, visitors)',
};

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

/** Runs SQL on an engine built as the engine pool builds one: exactly these tables, no files, locked. */
async function runSandboxed(
  sql: string,
  tables: TableReference[],
  context: string | undefined,
): Promise<void> {
  const engine = await DuckDBInstance.create(':memory:', { threads: '1' });
  const setup = await engine.connect();
  try {
    for (const database of new Set(tables.map((t) => t.database)))
      await setup.run(`CREATE SCHEMA ${quoteIdent(database)}`);
    for (const { database, table } of tables) {
      const rows = FIXTURES[`${database}.${table}`];
      expect(rows, `${database}.${table}`).toBeDefined();
      for (const schema of database === context ? [database, 'main'] : [database])
        await setup.run(`CREATE VIEW ${quoteIdent(schema)}.${quoteIdent(table)} AS ${rows}`);
    }
    await setup.run('SET enable_external_access = false');
    await setup.run('SET lock_configuration = true');
    await setup.run(sql);
  } finally {
    setup.closeSync();
    engine.closeSync();
  }
}

describe('the legitimate query corpus', () => {
  it('has at least 30 queries', () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(30);
  });
  for (const [sql, expected, database] of QUERIES) {
    it(`accepts ${sql}`, async () => {
      const context = database === null ? undefined : (database ?? 'city');
      const tables = await analyzeQuery(serializerFor(connection), sql, context);
      expect(tables.map((t) => `${t.database}.${t.table}`)).toEqual(expected);
      await runSandboxed(sql, tables, context);
    });
  }
});
