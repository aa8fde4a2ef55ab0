import { rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import {
  CreateDatasetCommand,
  CreateRecipeCommand,
  CreateRecipeJobCommand,
  DataBrewClient,
  DescribeJobRunCommand,
  StartJobRunCommand,
  StopJobRunCommand,
} from '@aws-sdk/client-databrew';
import {
  CreateCrawlerCommand,
  GetCrawlerCommand,
  GetTablesCommand,
  GlueClient,
  StartCrawlerCommand,
  StopCrawlerCommand,
} from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, settledCrawler } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

/** Crawls and recipe jobs are stopped on request, and by their time limit, within seconds. */
let t: TestSeawall;
let s3: S3Client;
let glue: GlueClient;
let databrew: DataBrewClient;
const BUCKET = 'stoppable';
const dataDir = tempDir();

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  throw new Error('expected a failure');
}

async function crawlerState(name: string) {
  return (await glue.send(new GetCrawlerCommand({ Name: name }))).Crawler;
}

async function createCrawler(name: string, prefix: string) {
  await glue.send(
    new CreateCrawlerCommand({
      Name: name,
      Role: await t.serviceRole(),
      DatabaseName: 'stoppable',
      Targets: { S3Targets: [{ Path: `s3://${BUCKET}/${prefix}` }] },
    }),
  );
}

beforeAll(async () => {
  t = await startTestSeawall({ dataDir, limits: { crawlTimeoutMs: 60_000 } });
  s3 = t.s3();
  glue = new GlueClient(clientConfig(t));
  databrew = new DataBrewClient(clientConfig(t));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // Many small tables: a crawl long enough to stop half way.
  for (let i = 0; i < 150; i++)
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `many/t${i}/part.csv`, Body: `id,name\n${i},n${i}\n` }),
    );
  // 64 million rows in a few hundred KB: a recipe job that runs for a while.
  const line = Buffer.from('1,2\n'.repeat(2 ** 18));
  const source = Readable.from(
    (function* () {
      for (let i = 0; i < 256; i++) yield line;
    })(),
  );
  const chunks: Buffer[] = [];
  for await (const chunk of source.pipe(createGzip())) chunks.push(chunk as Buffer);
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'rows/big.csv.gz',
      Body: Buffer.concat(chunks),
    }),
  );
}, 120_000);

afterAll(async () => {
  glue.destroy();
  databrew.destroy();
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('stopping background work', () => {
  it('StopCrawler stops a running crawl: STOPPING, then READY with a CANCELLED last crawl', async () => {
    await createCrawler('stop-me', 'many/');
    expect(await errorName(glue.send(new StopCrawlerCommand({ Name: 'stop-me' })))).toBe(
      'CrawlerNotRunningException',
    );
    await glue.send(new StartCrawlerCommand({ Name: 'stop-me' }));
    await glue.send(new StopCrawlerCommand({ Name: 'stop-me' }));
    const stopping = (await crawlerState('stop-me'))?.State;
    expect(['STOPPING', 'READY']).toContain(stopping);
    if (stopping === 'STOPPING')
      expect(await errorName(glue.send(new StopCrawlerCommand({ Name: 'stop-me' })))).toBe(
        'CrawlerStoppingException',
      );
    const done = await settledCrawler(glue, 'stop-me');
    expect(done.LastCrawl?.Status).toBe('CANCELLED');
    // Stopped before it went through the 150 tables it would have made.
    const tables = await glue.send(new GetTablesCommand({ DatabaseName: 'stoppable' })).then(
      (answer) => answer.TableList?.length ?? 0,
      // Stopped before the crawl made its database.
      (error: Error) => (error.name === 'EntityNotFoundException' ? 0 : Number.NaN),
    );
    expect(tables).toBeLessThan(150);
    expect(await errorName(glue.send(new StopCrawlerCommand({ Name: 'nope' })))).toBe(
      'EntityNotFoundException',
    );
  }, 120_000);

  it('a crawl past its time limit fails and says so', async () => {
    await t.close();
    t = await startTestSeawall({ dataDir, limits: { crawlTimeoutMs: 200 } });
    glue.destroy();
    glue = new GlueClient(clientConfig(t));
    await createCrawler('too-slow', 'many/');
    await glue.send(new StartCrawlerCommand({ Name: 'too-slow' }));
    const done = await settledCrawler(glue, 'too-slow');
    expect(done.LastCrawl?.Status).toBe('FAILED');
    expect(done.LastCrawl?.ErrorMessage).toBe(
      'The crawl was stopped: it ran longer than its limit of 0.2 seconds.',
    );
  }, 120_000);

  it('StopJobRun stops a running recipe job: STOPPING, then STOPPED', async () => {
    databrew.destroy();
    databrew = new DataBrewClient(clientConfig(t));
    await databrew.send(
      new CreateDatasetCommand({
        Name: 'rows',
        Format: 'CSV',
        FormatOptions: { Csv: { HeaderRow: false } },
        Input: { S3InputDefinition: { Bucket: BUCKET, Key: 'rows/' } },
      }),
    );
    await databrew.send(
      new CreateRecipeCommand({
        Name: 'sort-rows',
        Steps: [{ Action: { Operation: 'UPPER_CASE', Parameters: { sourceColumn: 'column0' } } }],
      }),
    );
    await databrew.send(
      new CreateRecipeJobCommand({
        Name: 'long-job',
        DatasetName: 'rows',
        RecipeReference: { Name: 'sort-rows' },
        RoleArn: await t.serviceRole(),
        Outputs: [{ Location: { Bucket: BUCKET, Key: 'out/' }, Format: 'PARQUET' }],
      }),
    );
    const { RunId } = await databrew.send(new StartJobRunCommand({ Name: 'long-job' }));
    let run = await databrew.send(new DescribeJobRunCommand({ Name: 'long-job', RunId }));
    while (run.State === 'STARTING') {
      await new Promise((resolve) => setTimeout(resolve, 20));
      run = await databrew.send(new DescribeJobRunCommand({ Name: 'long-job', RunId }));
    }
    expect(run.State).toBe('RUNNING');
    await databrew.send(new StopJobRunCommand({ Name: 'long-job', RunId }));
    run = await databrew.send(new DescribeJobRunCommand({ Name: 'long-job', RunId }));
    expect(['STOPPING', 'STOPPED']).toContain(run.State);
    while (run.State === 'STOPPING') {
      await new Promise((resolve) => setTimeout(resolve, 50));
      run = await databrew.send(new DescribeJobRunCommand({ Name: 'long-job', RunId }));
    }
    expect(run.State).toBe('STOPPED');
    expect(t.seawall.runtime.isActive('databrew-job', RunId as string)).toBe(false);
  }, 120_000);
});
