import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import {
  type AthenaClient,
  CreateWorkGroupCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  CreateDatasetCommand,
  CreateRecipeCommand,
  CreateRecipeJobCommand,
  DataBrewClient,
  DescribeJobRunCommand,
  StartJobRunCommand,
} from '@aws-sdk/client-databrew';
import {
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  GetTablesCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient, athenaQuery, waitForQuery } from './helpers/athena.js';
import { clientConfig, crawl } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * Files that crash or exhaust an engine: a JSON object nested 200,000 deep (DuckDB's JSON reader overflows its
 * stack on it), gzip bombs (1 MB expanding to 1 GiB) and undecodable text. None may take the server down, at
 * crawl, query or recipe job, and the rest of the lake must still be cataloged.
 */
let t: TestSeawall;
let s3: S3Client;
let glue: GlueClient;
let athena: AthenaClient;
let databrew: DataBrewClient;
const BUCKET = 'hostile-lake';
const DEEP_JSON = `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}\n`;

/** `prefix`, then `size` bytes of `fill`, gzipped as they are made (never held whole). */
async function gzipBomb(size: number, fill: string, prefix = ''): Promise<Buffer> {
  const block = Buffer.alloc(2 ** 20, fill);
  const blocks = size / block.length;
  const source = Readable.from(
    (function* () {
      yield Buffer.from(prefix);
      for (let i = 0; i < blocks; i++) yield block;
    })(),
  );
  const chunks: Buffer[] = [];
  for await (const chunk of source.pipe(createGzip({ level: 9 }))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function put(key: string, body: Buffer | string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function createTable(name: string, folder: string, classification: 'csv' | 'json', gzip = false) {
  const json = classification === 'json';
  await glue.send(
    new CreateTableCommand({
      DatabaseName: 'hostile',
      TableInput: {
        Name: name,
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification, compressionType: gzip ? 'gzip' : 'none' },
        StorageDescriptor: {
          Columns: [{ Name: json ? 'a' : 'x', Type: 'string' }],
          Location: `s3://${BUCKET}/${folder}/`,
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          SerdeInfo: {
            SerializationLibrary: json
              ? 'org.openx.data.jsonserde.JsonSerDe'
              : 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
            Parameters: json ? {} : { 'field.delim': ',' },
          },
        },
      },
    }),
  );
}

async function finishedQuery(sql: string, workgroup?: string) {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      QueryExecutionContext: { Database: 'hostile' },
      ...(workgroup ? { WorkGroup: workgroup } : {}),
    }),
  );
  return waitForQuery(athena, QueryExecutionId as string);
}

async function failedQuery(sql: string): Promise<string> {
  const done = await finishedQuery(sql);
  expect(done.Status?.State, done.Status?.StateChangeReason).toBe('FAILED');
  return done.Status?.StateChangeReason ?? '';
}

async function stillServing(): Promise<void> {
  expect((await fetch(`${t.url}/_seawall/health`)).status).toBe(200);
  expect(await athenaQuery(athena, 'SELECT 40 + 2 AS answer')).toEqual([['answer'], ['42']]);
}

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  glue = new GlueClient(clientConfig(t));
  databrew = new DataBrewClient(clientConfig(t));
  athena = athenaClient(t);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await put('raw/good/licences.csv', 'id,kind\n1,retail\n2,office\n');
  await put('raw/deep/deep.json', DEEP_JSON);
  // Latin-1 bytes that are not UTF-8, first in their folder, with a readable file after them.
  await put('raw/mixed/a-latin1.csv', Buffer.from('id,name\n1,Caf\xe9 M\xfcller\n', 'latin1'));
  await put('raw/mixed/b-utf8.csv', 'id,name\n2,Café\n');
  await put('raw/latin1/only.csv', Buffer.from('id,name\n1,Caf\xe9\n', 'latin1'));
  await put('raw/bomb/zeros.csv.gz', await gzipBomb(2 ** 30, '\0'));
  await put('bombs/json/string.json.gz', await gzipBomb(2 ** 30, 'x', '{"a": "'));
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'hostile' } }));
}, 120_000);

afterAll(async () => {
  glue.destroy();
  athena.destroy();
  databrew.destroy();
  await t.close();
});

describe('hostile files never take the server down', () => {
  it('a crawl skips the files it cannot read, says which and why, and catalogs the rest', async () => {
    await glue.send(
      new CreateCrawlerCommand({
        Name: 'hostile-crawler',
        Role: await t.serviceRole(),
        DatabaseName: 'hostile',
        Targets: { S3Targets: [{ Path: `s3://${BUCKET}/raw/` }] },
      }),
    );
    const crawler = await crawl(glue, 'hostile-crawler');
    expect(crawler.LastCrawl?.Status).toBe('SUCCEEDED');
    const message = crawler.LastCrawl?.ErrorMessage ?? '';
    expect(message).toMatch(/^Skipped 4 files that could not be read/);
    for (const key of [
      'raw/deep/deep.json',
      'raw/mixed/a-latin1.csv',
      'raw/latin1/only.csv',
      'raw/bomb/zeros.csv.gz',
    ])
      expect(message).toContain(`s3://${BUCKET}/${key}: `);
    expect(message).toMatch(/deep\.json: The engine stopped unexpectedly/);
    expect(message).not.toMatch(/\/engine\/[0-9a-f]{32}/);
    const { TableList } = await glue.send(new GetTablesCommand({ DatabaseName: 'hostile' }));
    expect((TableList ?? []).map((table) => table.Name).sort()).toEqual(['good', 'mixed']);
    await stillServing();
  }, 180_000);

  it('a query over a file that crashes the engine fails with the reason, and the next query runs', async () => {
    await createTable('deep', 'raw/deep', 'json');
    const reason = await failedQuery('SELECT count(*) FROM deep');
    expect(reason).toMatch(/engine stopped unexpectedly/);
    await stillServing();
    expect(await athenaQuery(athena, 'SELECT count(*) AS n FROM good', 'hostile')).toEqual([['n'], ['2']]);
  }, 120_000);

  it('queries over gzip bombs fail with a clear reason, in bounded memory', async () => {
    await createTable('zeros', 'raw/bomb', 'csv', true);
    await createTable('string', 'bombs/json', 'json', true);
    const before = process.memoryUsage().rss;
    // A gigabyte of NUL bytes is one long, odd line: reading it through is what Athena would do too, within
    // the query's time limit (a busy machine reaches this workgroup's 20 seconds, a quiet one does not).
    await athena.send(
      new CreateWorkGroupCommand({
        Name: 'bombs',
        Configuration: { ResultConfiguration: { OutputLocation: `s3://${BUCKET}/results/` } },
        Tags: [{ Key: 'seawall:query-timeout-seconds', Value: '20' }],
      }),
    );
    const zeros = await finishedQuery('SELECT count(*) FROM zeros', 'bombs');
    if (zeros.Status?.State === 'FAILED') expect(zeros.Status.StateChangeReason).toMatch(/^Query timeout/);
    else expect(zeros.Status?.State).toBe('SUCCEEDED');
    // A gigabyte-long JSON string: the reader gives up at its object size limit.
    expect(await failedQuery('SELECT count(*) FROM string')).toMatch(/maximum_object_size/);
    // The server here runs in the test's own process: decompressing the bombs must not have landed in it.
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 2 ** 20);
    await stillServing();
  }, 120_000);

  it('a recipe job over a file that crashes the engine fails, and the server keeps serving', async () => {
    await databrew.send(
      new CreateDatasetCommand({
        Name: 'deep-dataset',
        Format: 'JSON',
        Input: { S3InputDefinition: { Bucket: BUCKET, Key: 'raw/deep/' } },
      }),
    );
    await databrew.send(
      new CreateRecipeCommand({
        Name: 'deep-recipe',
        Steps: [{ Action: { Operation: 'UPPER_CASE', Parameters: { sourceColumn: 'a' } } }],
      }),
    );
    await databrew.send(
      new CreateRecipeJobCommand({
        Name: 'deep-job',
        DatasetName: 'deep-dataset',
        RecipeReference: { Name: 'deep-recipe' },
        RoleArn: await t.serviceRole(),
        Outputs: [{ Location: { Bucket: BUCKET, Key: 'curated/deep/' }, Format: 'PARQUET' }],
      }),
    );
    const { RunId } = await databrew.send(new StartJobRunCommand({ Name: 'deep-job' }));
    let run = await databrew.send(new DescribeJobRunCommand({ Name: 'deep-job', RunId }));
    while (!['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMEOUT'].includes(run.State ?? '')) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = await databrew.send(new DescribeJobRunCommand({ Name: 'deep-job', RunId }));
    }
    expect(run.State).toBe('FAILED');
    expect(run.ErrorMessage).toMatch(/engine stopped unexpectedly/);
    await stillServing();
  }, 120_000);
});
