import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  CreateCrawlerCommand,
  GetCrawlerCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient } from '../helpers/athena.js';
import { startTestSeawall, type TestSeawall } from '../helpers/seawall.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated } from './mutations.js';

let t: TestSeawall;
let athena: AthenaClient;

beforeAll(async () => {
  t = await startTestSeawall();
  athena = athenaClient(t);
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
  await s3.send(
    new PutObjectCommand({
      Bucket: 'lake',
      Key: 'raw/things/things.csv',
      Body: 'id,label,amount,seen\n1,apple,1.5,2024-01-02\n2,"b, ""c""",,2024-02-29\n3,,-7,not-a-date\n',
    }),
  );
  const glue = new GlueClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: t.s3().config.credentials,
  });
  await glue.send(
    new CreateCrawlerCommand({
      Name: 'raw',
      Role: await t.serviceRole(),
      DatabaseName: 'fuzzdb',
      Targets: { S3Targets: [{ Path: 's3://lake/raw/' }] },
    }),
  );
  await glue.send(new StartCrawlerCommand({ Name: 'raw' }));
  for (;;) {
    const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: 'raw' }));
    if (Crawler?.State === 'READY') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  glue.destroy();
});
afterAll(async () => {
  athena.destroy();
  await t.close();
});

const VALID = [
  'SELECT id, label, amount FROM things ORDER BY id',
  "SELECT count(*) AS n, sum(amount) AS total FROM things WHERE label LIKE 'a%'",
  'WITH x AS (SELECT * FROM things) SELECT label, row_number() OVER (ORDER BY id) AS r FROM x',
  'SELECT t1.id, t2.label FROM fuzzdb.things t1 JOIN things t2 ON t1.id = t2.id',
  'SELECT upper(label), length(label), CAST(amount AS varchar) FROM things LIMIT 5',
  "SELECT date_trunc('month', DATE '2024-03-05'), 7 % 3, 1 / 2",
  "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(x, y)",
  'SELECT x FROM UNNEST(ARRAY[1, 2, 3]) AS t(x)',
  "SELECT regexp_like(label, 'a.*') AS m, coalesce(seen, 'none') FROM things",
  'SELECT label, count(*) FROM things GROUP BY label HAVING count(*) > 0',
];

/** SQL that reaches for what the sandbox must refuse, and the syntax that breaks statements apart. */
const SQL_PIECES = fc.constantFrom(
  "'",
  '"',
  ';',
  '--',
  '/*',
  '*/',
  '(',
  ')',
  ',',
  ' UNION ALL SELECT 1',
  "read_csv('/etc/passwd')",
  "current_setting('allowed_paths')",
  "current_setting('temp_directory')",
  'duckdb_settings()',
  'duckdb_views()',
  "getenv('HOME')",
  "glob('*')",
  "'/etc/passwd'",
  "COPY things TO 'x.csv'",
  "ATTACH 'x.db'",
  'PRAGMA database_list',
  'SET threads = 1',
  'information_schema.tables',
  'main.',
  'system.',
  'pg_catalog.',
  '(SELECT * FROM duckdb_tables())',
  "query('SELECT 1')",
  'lambda x: x',
  ' things ',
  'fuzzdb.',
  'awsdatacatalog.',
);

/** Well-formed statements built from what the sandbox must allow and what it must refuse, at any depth. */
const SOURCES = [
  'things',
  'fuzzdb.things',
  'awsdatacatalog.fuzzdb.things',
  'things a JOIN things b ON a.id = b.id',
  '(SELECT * FROM things) s',
  'range(3) r(id)',
  'unnest([1, 2]) u(id)',
  "read_csv('/etc/passwd')",
  "read_parquet('*.parquet')",
  "'/etc/passwd'",
  "glob('*')",
  'duckdb_settings()',
  'duckdb_views()',
  'information_schema.tables',
  'main.things',
  'system.main.things',
  'pg_catalog.pg_tables',
  'temp.main.things',
  "query_table('things')",
  'other_catalog.fuzzdb.things',
  'nosuchdb.things',
];
const EXPRESSIONS = [
  'id',
  'label',
  '*',
  'count(*)',
  "current_setting('allowed_paths')",
  "current_setting('temp_directory')",
  "getenv('HOME')",
  'version()',
  "getvariable('x')",
  "json_serialize_sql('SELECT 1')",
  "sniff_csv('/etc/passwd')",
  'current_database()',
  "typeof(label) || ' ' || label",
  'list_transform([1, 2], lambda x: x + 1)',
  "(SELECT count(*) FROM read_csv('/etc/passwd'))",
  '(SELECT max(id) FROM things)',
];
const statement = fc
  .tuple(
    fc.array(fc.constantFrom(...EXPRESSIONS), { minLength: 1, maxLength: 3 }),
    fc.constantFrom(...SOURCES),
    fc.constantFrom('', ' WHERE id > 1', ' LIMIT 2', ' ORDER BY 1'),
    fc.constantFrom(
      '{}',
      'WITH c AS ({}) SELECT * FROM c',
      'EXPLAIN {}',
      '{}; SELECT 1',
      'SELECT * FROM ({}) q',
      'DESCRIBE {}',
      'SUMMARIZE {}',
    ),
  )
  .map(([exprs, source, tail, wrap]) =>
    wrap.replace('{}', `SELECT ${exprs.join(', ')} FROM ${source}${tail}`),
  );

const sql = fc.oneof(
  { weight: 3, arbitrary: statement },
  { weight: 3, arbitrary: fc.constantFrom(...VALID).chain((q) => mutated(q, SQL_PIECES)) },
  fc.constantFrom(...VALID),
  fc
    .array(fc.oneof(SQL_PIECES, fc.constantFrom('SELECT', 'FROM', 'WHERE', '*', '1', 'id', 'x')), {
      minLength: 1,
      maxLength: 12,
    })
    .map((parts) => parts.join(' ')),
  fc.string({ unit: 'binary', maxLength: 80 }),
);

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

async function settle(id: string): Promise<QueryExecution> {
  let stopped = false;
  const started = Date.now();
  for (;;) {
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    if (TERMINAL.has(String(QueryExecution?.Status?.State))) return QueryExecution as QueryExecution;
    // A query that is still running after a few seconds is stopped: it must then end CANCELLED.
    if (!stopped && Date.now() - started > 4000) {
      await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
      stopped = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Paths of this machine that no query, result or message may ever show. */
function expectNoPaths(text: string) {
  expect(text).not.toContain(t.dataDir);
  expect(text).not.toMatch(/\/engine\/[0-9a-f]{32}/);
  expect(text).not.toContain('/dev/shm');
}

describe('Athena SQL under fuzzing', () => {
  it('any SQL ends SUCCEEDED, FAILED or CANCELLED with a reason, shows no paths, and the server keeps answering', async () => {
    await fc.assert(
      fc.asyncProperty(sql, async (query) => {
        let id: string | undefined;
        try {
          ({ QueryExecutionId: id } = await athena.send(
            new StartQueryExecutionCommand({
              QueryString: query,
              QueryExecutionContext: { Database: 'fuzzdb' },
            }),
          ));
        } catch (error) {
          // Only input Athena refuses outright (an empty query) may fail to start.
          expect((error as { name?: string }).name).toBe('InvalidRequestException');
          return;
        }
        const done = await settle(id as string);
        const state = done.Status?.State;
        if (state !== 'SUCCEEDED') {
          expect(done.Status?.StateChangeReason, `${state} without a reason`).toMatch(/\S/);
          expectNoPaths(String(done.Status?.StateChangeReason));
        } else {
          const page = await athena.send(
            new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 100 }),
          );
          for (const row of page.ResultSet?.Rows ?? [])
            for (const cell of row.Data ?? []) expectNoPaths(cell.VarCharValue ?? '');
        }
        expect((await fetch(`${t.url}/_seawall/health`)).status).toBe(200);
      }),
      fuzzParameters(50, { caseTimeoutMs: 30_000 }),
    );
  });
});
