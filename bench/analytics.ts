import { createReadStream, createWriteStream, promises as fs, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  CreateDatasetCommand,
  CreateRecipeCommand,
  CreateRecipeJobCommand,
  DataBrewClient,
  DescribeJobRunCommand,
  PublishRecipeCommand,
  StartJobRunCommand,
} from '@aws-sdk/client-databrew';
import {
  CreateCrawlerCommand,
  GetCrawlerCommand,
  GetTableCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { type CatalogTable, type TableInput, tableRelation } from '../src/catalog/index.js';
import { PIPELINE_TRUST } from '../src/demo/personas.js';
import { renameSteps, vancouverRecipe } from '../src/demo/recipes.js';
import { createSyntheticStream } from '../src/demo/synthetic.js';
import { compileRecipe, parseRecipe } from '../src/etl/index.js';
import { poll } from '../src/lib/poll.js';
import { quoteIdent, quoteLiteral } from '../src/lib/sql.js';
import { queryRows, withDuckDb } from './duckdb.js';
import { countFromEnv, median, ratio, serveSeawall } from './harness.js';

const ROWS = countFromEnv('BENCH_ROWS', 2_000_000);
const QUERY_RUNS = countFromEnv('BENCH_QUERY_RUNS', 9);
const JOB_RUNS = countFromEnv('BENCH_JOB_RUNS', 3);
/** An analyst's group-by: where tickets are written, by status, with how many distinct offences and over what dates. */
const QUERY =
  'SELECT street, status, count(*) AS tickets, count(DISTINCT bylaw || section) AS offences, min(entry_date) AS first_day, max(entry_date) AS last_day FROM parking_tickets GROUP BY street, status ORDER BY tickets DESC, street, status LIMIT 20';

/**
 * Polls as an eager client would: every 10 ms unless BENCH_POLL_MS says otherwise, without backing off. On two
 * cores the polling itself competes with the query for CPU, so the interval is part of what the figure measures.
 */
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 10);
const until = <T>(read: () => Promise<T>, done: (value: T) => boolean, intervalMs = POLL_MS) =>
  poll(read, done, { intervalMs, maxIntervalMs: intervalMs });

/** Raw CSV to curated Parquet and a group-by query, each through Seawall and in plain DuckDB on the same files. */
interface ClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** The role the crawler and the recipe job act as: trusted by Glue and DataBrew, allowed everything. */
async function serviceRole(common: ClientConfig): Promise<string> {
  const iam = new IAMClient(common);
  try {
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'bench-pipeline',
        AssumeRolePolicyDocument: JSON.stringify(PIPELINE_TRUST),
      }),
    );
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: 'bench-pipeline',
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    );
    return Role?.Arn ?? '';
  } finally {
    iam.destroy();
  }
}

export async function analyticsBench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'seawall-bench-analytics-'));
  const csv = join(work, 'parking_tickets.csv');
  let started = performance.now();
  await pipeline(
    createSyntheticStream('parking_tickets', { rows: ROWS, format: 'portal-csv', seed: 7 }),
    createWriteStream(csv),
  );
  const { size } = await fs.stat(csv);
  console.log(
    `analytics: ${ROWS.toLocaleString('en-CA')} synthetic parking tickets, ${(size / 1e6).toFixed(0)} MB of portal-style CSV, generated in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const seawall = await serveSeawall();
  const common: ClientConfig = {
    endpoint: seawall.url,
    region: seawall.region,
    credentials: { accessKeyId: seawall.accessKeyId, secretAccessKey: seawall.secret },
  };
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  const glue = new GlueClient(common);
  const databrew = new DataBrewClient(common);
  const athena = new AthenaClient(common);
  try {
    const role = await serviceRole(common);
    for (const Bucket of ['bench-raw', 'bench-curated']) await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'bench-raw',
        Key: 'parking_tickets/parking_tickets.csv',
        Body: createReadStream(csv),
        ContentLength: size,
      }),
    );
    await glue.send(
      new CreateCrawlerCommand({
        Name: 'bench',
        Role: role,
        DatabaseName: 'bench_raw',
        Targets: { S3Targets: [{ Path: 's3://bench-raw/' }] },
      }),
    );
    await glue.send(new StartCrawlerCommand({ Name: 'bench' }));
    await until(
      () => glue.send(new GetCrawlerCommand({ Name: 'bench' })),
      (r) => r.Crawler?.State === 'READY',
    );
    const { Table } = await glue.send(
      new GetTableCommand({ DatabaseName: 'bench_raw', Name: 'parking_tickets' }),
    );
    const steps = [
      ...renameSteps((Table?.StorageDescriptor?.Columns ?? []).map((c) => c.Name as string)),
      ...vancouverRecipe('parking_tickets', [2023, 2024]),
    ];

    // Seawall: the recipe job through the DataBrew API, timed from StartJobRun until the run has succeeded.
    await databrew.send(new CreateRecipeCommand({ Name: 'bench-clean', Steps: steps as never }));
    await databrew.send(new PublishRecipeCommand({ Name: 'bench-clean' }));
    await databrew.send(
      new CreateDatasetCommand({
        Name: 'bench-raw',
        Input: { DataCatalogInputDefinition: { DatabaseName: 'bench_raw', TableName: 'parking_tickets' } },
      }),
    );
    const location = { Bucket: 'bench-curated', Key: 'parking_tickets/' };
    await databrew.send(
      new CreateRecipeJobCommand({
        Name: 'bench-job',
        RoleArn: role,
        DatasetName: 'bench-raw',
        RecipeReference: { Name: 'bench-clean' },
        Outputs: [
          {
            Location: location,
            Format: 'PARQUET',
            CompressionFormat: 'ZSTD',
            PartitionColumns: ['year'],
            Overwrite: true,
          },
        ],
        DataCatalogOutputs: [
          { DatabaseName: 'bench', TableName: 'parking_tickets', S3Options: { Location: location } },
        ],
      }),
    );
    // Plain DuckDB: the same recipe SQL over the same CSV file, written the same way.
    const table: CatalogTable = {
      database: 'bench_raw',
      definition: Table as TableInput,
      version: 1,
      createTime: 0,
      updateTime: 0,
    };
    const compiled = compileRecipe(parseRecipe(steps), tableRelation(table, [{ paths: [csv], values: [] }]));
    const seawallJob = async () => {
      const begun = performance.now();
      const { RunId } = await databrew.send(new StartJobRunCommand({ Name: 'bench-job' }));
      const run = await until(
        () => databrew.send(new DescribeJobRunCommand({ Name: 'bench-job', RunId })),
        (r) => ['SUCCEEDED', 'FAILED'].includes(r.State ?? ''),
        25,
      );
      if (run.State !== 'SUCCEEDED') throw new Error(`the recipe job failed: ${run.ErrorMessage}`);
      return (performance.now() - begun) / 1000;
    };
    const plainJob = async (round: number) => {
      const begun = performance.now();
      await withDuckDb({ threads: availableParallelism(), memoryLimit: '4GB' }, async (c) => {
        await c.run(
          `COPY (${compiled.sql}) TO ${quoteLiteral(join(work, `plain-out-${round}`))} (FORMAT parquet, COMPRESSION 'zstd', PARTITION_BY (${quoteIdent('year')}))`,
        );
      });
      return (performance.now() - begun) / 1000;
    };
    // Interleaved rounds, medians: one run of either is at the mercy of whatever else the two cores do.
    const jobTimes: number[] = [];
    const plainJobTimes: number[] = [];
    for (let round = 0; round < JOB_RUNS; round++) {
      jobTimes.push(await seawallJob());
      plainJobTimes.push(await plainJob(round));
    }
    const jobSeconds = median(jobTimes);
    const plainJobSeconds = median(plainJobTimes);

    // The group-by: through the Athena API (start, poll, results) against plain DuckDB on the same Parquet files.
    const files = join(work, 'curated');
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: 'bench-curated', Prefix: 'parking_tickets/' }),
    );
    for (const object of listed.Contents ?? []) {
      const target = join(files, (object.Key as string).slice('parking_tickets/'.length));
      await fs.mkdir(dirname(target), { recursive: true });
      const body = await s3.send(new GetObjectCommand({ Bucket: 'bench-curated', Key: object.Key }));
      await fs.writeFile(
        target,
        await (body.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())),
      );
    }
    const athenaTimes: number[] = [];
    const engineTimes: number[] = [];
    let athenaRows = 0;
    for (let i = 0; i < QUERY_RUNS; i++) {
      started = performance.now();
      const { QueryExecutionId } = await athena.send(
        new StartQueryExecutionCommand({ QueryString: QUERY, QueryExecutionContext: { Database: 'bench' } }),
      );
      const done = await until(
        () => athena.send(new GetQueryExecutionCommand({ QueryExecutionId })),
        (r) => ['SUCCEEDED', 'FAILED'].includes(r.QueryExecution?.Status?.State ?? ''),
      );
      if (done.QueryExecution?.Status?.State !== 'SUCCEEDED')
        throw new Error(`query failed: ${done.QueryExecution?.Status?.StateChangeReason}`);
      const results = await athena.send(new GetQueryResultsCommand({ QueryExecutionId }));
      athenaTimes.push(performance.now() - started);
      engineTimes.push(done.QueryExecution?.Statistics?.EngineExecutionTimeInMillis ?? 0);
      athenaRows = (results.ResultSet?.Rows?.length ?? 1) - 1;
    }
    const plainTimes: number[] = [];
    let plainRows = 0;
    await withDuckDb({ threads: availableParallelism(), memoryLimit: '4GB' }, async (c) => {
      await c.run(
        `CREATE VIEW parking_tickets AS SELECT * FROM read_parquet(${quoteLiteral(`${files}/*/*.parquet`)}, hive_partitioning = true)`,
      );
      for (let i = 0; i < QUERY_RUNS; i++) {
        started = performance.now();
        plainRows = (await queryRows(c, QUERY)).length;
        plainTimes.push(performance.now() - started);
      }
    });
    if (plainRows !== athenaRows)
      throw new Error(`the two queries disagree: ${athenaRows} vs ${plainRows} rows`);

    console.log(
      `  recipe job  seawall ${jobSeconds.toFixed(2).padStart(6)} s    plain duckdb ${plainJobSeconds.toFixed(2).padStart(6)} s    seawall/duckdb ${ratio(jobSeconds, plainJobSeconds)}  (target ≤ 1.30; median of ${JOB_RUNS})`,
    );
    console.log(
      `  group-by    seawall ${median(athenaTimes).toFixed(1).padStart(6)} ms   plain duckdb ${median(plainTimes).toFixed(1).padStart(6)} ms   seawall/duckdb ${ratio(median(athenaTimes), median(plainTimes))}  (target ≤ 1.50; median of ${QUERY_RUNS}, polling every ${POLL_MS} ms)`,
    );
    console.log(
      `              of which Athena reports ${median(engineTimes)} ms engine time (plan, sandboxed engine, run, result written)`,
    );
  } finally {
    for (const client of [s3, glue, databrew, athena]) client.destroy();
    await seawall.stop();
    await fs.rm(seawall.dataDir, { recursive: true, force: true });
    await fs.rm(work, { recursive: true, force: true });
  }
}
