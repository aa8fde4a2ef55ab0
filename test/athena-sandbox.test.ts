import {
  type AthenaClient,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CreateCrawlerCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient, athenaQuery, waitForQuery } from './helpers/athena.js';
import { clientConfig, crawl } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

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
      Key: 'raw/trees/data.csv',
      Body: 'id,species,height\n1,maple,12\n2,oak,20\n3,maple,8\n',
    }),
  );
  const glue = new GlueClient(clientConfig(t));
  await glue.send(
    new CreateCrawlerCommand({
      Name: 'raw',
      Role: await t.serviceRole(),
      DatabaseName: 'city',
      Targets: { S3Targets: [{ Path: 's3://lake/raw/' }] },
    }),
  );
  await crawl(glue, 'raw');
  glue.destroy();
});
afterAll(async () => {
  athena.destroy();
  await t.close();
});

/** Runs SQL that must fail; returns the reason after checking that nothing of the engine came back. */
async function refusal(sql: string, database?: string): Promise<string> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      ...(database ? { QueryExecutionContext: { Database: database } } : {}),
    }),
  );
  const done = await waitForQuery(athena, QueryExecutionId as string);
  expect(done.Status?.State, sql).toBe('FAILED');
  await expect(athena.send(new GetQueryResultsCommand({ QueryExecutionId }))).rejects.toMatchObject({
    name: 'InvalidRequestException',
  });
  const reason = done.Status?.StateChangeReason ?? '';
  expect(reason).not.toContain(t.dataDir);
  expect(reason).not.toMatch(/allowed_paths|enable_external_access|\/engine\//);
  return reason;
}

describe('the SQL sandbox through the Athena API', () => {
  it('does not let a CTE name reach the engine settings from outside its scope', async () => {
    const sql = 'SELECT s.* FROM (WITH pg_settings AS (SELECT 1) SELECT 1) q, pg_settings s';
    expect(await refusal(sql, 'city')).toMatch(/TABLE_NOT_FOUND: Table 'awsdatacatalog\.city\.pg_settings'/);
    expect(await refusal(sql)).toMatch(/pg_settings is not qualified with a database/);
  });

  it("does not let a CTE name reach the views' SQL from outside its scope", async () => {
    const sql = 'SELECT v.sql FROM (WITH duckdb_views AS (SELECT 1) SELECT 1) q, duckdb_views v';
    expect(await refusal(sql, 'city')).toMatch(/TABLE_NOT_FOUND: Table 'awsdatacatalog\.city\.duckdb_views'/);
  });

  it('refuses pg_get_viewdef and other functions that read the engine', async () => {
    // View oids are numbered from about 22000 in a fresh DuckDB 1.5 engine: a range finds them all.
    const viewdef =
      'SELECT pg_get_viewdef(i) AS d FROM range(40000) r(i), (SELECT count(*) FROM trees) c WHERE d IS NOT NULL';
    expect(await refusal(viewdef, 'city')).toMatch(/Function 'pg_get_viewdef' not registered/);
    expect(await refusal('SELECT pg_get_viewdef(1) FROM trees', 'city')).toMatch(
      /Function 'pg_get_viewdef' not registered/,
    );
    expect(await refusal('SELECT pg_catalog.pg_get_viewdef(1) FROM trees', 'city')).toMatch(
      /Function 'pg_catalog.pg_get_viewdef' not registered/,
    );
    expect(await refusal('SELECT current_schema FROM trees', 'city')).toMatch(
      /current_schema is not allowed/,
    );
  });

  it('refuses reads that are not catalog tables', async () => {
    expect(await refusal("SELECT * FROM 'trees.csv'", 'city')).toMatch(/string is not a table/);
    expect(await refusal('SUMMARIZE trees', 'city')).toMatch(/SUMMARIZE is not supported/);
    expect(await refusal('SELECT * FROM trees, (SHOW TABLES)', 'city')).toMatch(/SHOW is not supported/);
  });

  it('still answers analytic SQL with CTEs, subqueries and window functions', async () => {
    const rows = await athenaQuery(
      athena,
      `WITH tall AS (SELECT species, height FROM trees WHERE height > 9),
            ranked AS (SELECT species, height, rank() OVER (ORDER BY height DESC) AS r FROM tall)
       SELECT species, r, (SELECT count(*) FROM city.trees) AS total FROM ranked ORDER BY r`,
      'city',
    );
    expect(rows).toEqual([
      ['species', 'r', 'total'],
      ['oak', '1', '3'],
      ['maple', '2', '3'],
    ]);
  });
});
