import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetWorkGroupCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  CreateDatasetCommand,
  CreateRecipeCommand,
  CreateRecipeJobCommand,
  DataBrewClient,
  DescribeDatasetCommand,
  DescribeJobCommand,
  DescribeJobRunCommand,
  DescribeRecipeCommand,
  ListJobRunsCommand,
  PublishRecipeCommand,
  StartJobRunCommand,
  UpdateRecipeCommand,
} from '@aws-sdk/client-databrew';
import {
  CreateCrawlerCommand,
  GetCrawlerCommand,
  GetTableCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { poll } from '../lib/poll.js';
import { DEMO_DATASETS, DEMO_YEARS, type DemoDataset } from './datasets.js';
import { ensurePipelineRole } from './persona-setup.js';
import { ingestFromPortal } from './portal.js';
import { renameSteps, vancouverRecipe } from './recipes.js';
import { chooseDatasetSource, type SourceChoice } from './sources.js';
import { createSyntheticStream, syntheticFileName } from './synthetic.js';
import { CURATED_BUCKET, CURATED_DATABASE, LAKE_KEY_ALIAS, RAW_BUCKET, RAW_DATABASE } from './zones.js';

export { CURATED_BUCKET, CURATED_DATABASE, RAW_BUCKET, RAW_DATABASE } from './zones.js';

const CRAWLER = 'vancouver-raw';

export interface DemoTarget {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface DemoOptions extends SourceChoice {
  progress(line: string): void;
  /** Rows per dataset when a dataset has to be generated. */
  syntheticRows?: number;
}

export interface DemoSummary {
  tables: { table: string; source: string; rowsByYear: Record<string, number> }[];
}

function clients(target: DemoTarget) {
  const common = { endpoint: target.endpoint, region: target.region, credentials: target.credentials };
  return {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    glue: new GlueClient(common),
    databrew: new DataBrewClient(common),
    athena: new AthenaClient(common),
    kms: new KMSClient(common),
  };
}

/**
 * The lake's customer managed key (LAKE_KEY_ALIAS), made on the first load; answers its ARN. Both zones and
 * the Athena results bucket encrypt new objects under it by default (SSE-KMS with an S3 Bucket Key).
 */
async function ensureLakeEncryption(c: Clients, buckets: readonly string[]): Promise<string> {
  let arn = await c.kms
    .send(new DescribeKeyCommand({ KeyId: LAKE_KEY_ALIAS }))
    .then((found) => found.KeyMetadata?.Arn)
    .catch(ignore('NotFoundException'));
  if (!arn) {
    const { KeyMetadata } = await c.kms.send(
      new CreateKeyCommand({ Description: 'The Vancouver data lake: raw and curated zones, query results' }),
    );
    arn = KeyMetadata?.Arn ?? '';
    await c.kms.send(new CreateAliasCommand({ AliasName: LAKE_KEY_ALIAS, TargetKeyId: arn }));
  }
  for (const Bucket of buckets)
    await c.s3.send(
      new PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: LAKE_KEY_ALIAS },
              BucketKeyEnabled: true,
            },
          ],
        },
      }),
    );
  return arn;
}

/** The primary workgroup's results bucket, as its output location names it. */
async function resultsBucketOf(c: Clients): Promise<string> {
  const { WorkGroup } = await c.athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }));
  const bucket = /^s3:\/\/([^/]+)/.exec(
    WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation ?? '',
  )?.[1];
  if (!bucket) throw new Error('the primary workgroup has no results location');
  return bucket;
}
type Clients = ReturnType<typeof clients>;

const ignore = (name: string) => (error: Error) => {
  if (error.name !== name) throw error;
};

/** Uploads a dataset's raw file unless one is there already; answers where the data came from. */
async function loadRaw(c: Clients, dataset: DemoDataset, options: DemoOptions): Promise<string> {
  const prefix = `${dataset.key}/`;
  const existing = await c.s3.send(
    new ListObjectsV2Command({ Bucket: RAW_BUCKET, Prefix: prefix, MaxKeys: 1 }),
  );
  if ((existing.KeyCount ?? 0) > 0) return 'already loaded';
  const source = await chooseDatasetSource(dataset, options);
  if (source.kind === 'local') {
    const { size } = await fs.stat(source.path);
    await c.s3.send(
      new PutObjectCommand({
        Bucket: RAW_BUCKET,
        Key: `${prefix}${basename(source.path)}`,
        Body: createReadStream(source.path),
        ContentLength: size,
        Metadata: { source: 'sample' },
      }),
    );
    return `sample ${source.path}`;
  }
  if (source.kind === 'portal') {
    await ingestFromPortal({
      portalUrl: source.portalUrl,
      datasetId: source.datasetId,
      where: source.where,
      timezone: source.timezone,
      s3: c.s3,
      bucket: RAW_BUCKET,
      key: `${prefix}${source.datasetId}.csv`,
    });
    return `portal ${source.portalUrl}`;
  }
  // PutObject needs a length: generate into a private temporary file first.
  const dir = await fs.mkdtemp(join(tmpdir(), 'seawall-synthetic-'));
  try {
    const file = join(dir, syntheticFileName(dataset.key));
    await pipeline(
      createSyntheticStream(dataset.key, {
        rows: options.syntheticRows ?? 20_000,
        years: options.years ?? DEMO_YEARS,
      }),
      createWriteStream(file, { mode: 0o600 }),
    );
    const { size } = await fs.stat(file);
    await c.s3.send(
      new PutObjectCommand({
        Bucket: RAW_BUCKET,
        Key: `${prefix}${basename(file)}`,
        Body: createReadStream(file),
        ContentLength: size,
        Metadata: { 'seawall-synthetic': 'true', source: 'synthetic' },
      }),
    );
    return 'synthetic rows (no sample or portal reachable)';
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function crawlRaw(c: Clients, role: string): Promise<void> {
  await c.glue
    .send(
      new CreateCrawlerCommand({
        Name: CRAWLER,
        Role: role,
        DatabaseName: RAW_DATABASE,
        Targets: { S3Targets: [{ Path: `s3://${RAW_BUCKET}/` }] },
      }),
    )
    .catch(ignore('AlreadyExistsException'));
  await c.glue.send(new StartCrawlerCommand({ Name: CRAWLER })).catch(ignore('CrawlerRunningException'));
  const { Crawler } = await poll(
    () => c.glue.send(new GetCrawlerCommand({ Name: CRAWLER })),
    (r) => r.Crawler?.State === 'READY',
  );
  if (Crawler?.LastCrawl?.Status !== 'SUCCEEDED')
    throw new Error(`the crawler failed: ${Crawler?.LastCrawl?.ErrorMessage}`);
}

/**
 * Creates or updates the recipe; answers whether it changed (and so was published anew). The description
 * carries a fingerprint of the steps, which is what "changed" compares.
 */
async function ensureRecipe(c: Clients, name: string, steps: object[]): Promise<boolean> {
  const fingerprint = createHash('sha256').update(JSON.stringify(steps)).digest('hex').slice(0, 16);
  const description = `Cleans the raw ${name.replace(/-clean$/, '')} dataset (steps ${fingerprint})`;
  const current = await c.databrew
    .send(new DescribeRecipeCommand({ Name: name, RecipeVersion: 'LATEST_WORKING' }))
    .catch((error: Error) => {
      if (error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    });
  if (current?.Description === description) return false;
  if (current)
    await c.databrew.send(
      new UpdateRecipeCommand({ Name: name, Steps: steps as never, Description: description }),
    );
  else
    await c.databrew.send(
      new CreateRecipeCommand({ Name: name, Steps: steps as never, Description: description }),
    );
  await c.databrew.send(new PublishRecipeCommand({ Name: name }));
  return true;
}

async function curate(
  c: Clients,
  dataset: DemoDataset,
  years: readonly number[],
  role: string,
): Promise<'ran' | 'up to date'> {
  const { Table } = await c.glue.send(new GetTableCommand({ DatabaseName: RAW_DATABASE, Name: dataset.key }));
  const columns = (Table?.StorageDescriptor?.Columns ?? []).map((col) => col.Name as string);
  const recipe = `${dataset.key}-clean`;
  const changed = await ensureRecipe(c, recipe, [
    ...renameSteps(columns),
    ...vancouverRecipe(dataset.key, years),
  ]);
  await c.databrew
    .send(new DescribeDatasetCommand({ Name: `${dataset.key}-raw` }))
    .catch(async (error: Error) => {
      if (error.name !== 'ResourceNotFoundException') throw error;
      await c.databrew.send(
        new CreateDatasetCommand({
          Name: `${dataset.key}-raw`,
          Input: { DataCatalogInputDefinition: { DatabaseName: RAW_DATABASE, TableName: dataset.key } },
        }),
      );
    });
  const job = `${dataset.key}-curate`;
  const location = { Bucket: CURATED_BUCKET, Key: `${dataset.key}/` };
  const exists = await c.databrew.send(new DescribeJobCommand({ Name: job })).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await c.databrew.send(
      new CreateRecipeJobCommand({
        Name: job,
        RoleArn: role,
        DatasetName: `${dataset.key}-raw`,
        RecipeReference: { Name: recipe },
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
          {
            DatabaseName: CURATED_DATABASE,
            TableName: dataset.key,
            S3Options: { Location: location },
            Overwrite: true,
          },
        ],
      }),
    );
  }
  const [last] = (await c.databrew.send(new ListJobRunsCommand({ Name: job }))).JobRuns ?? [];
  if (!changed && last?.State === 'SUCCEEDED') return 'up to date';
  const { RunId } = await c.databrew.send(new StartJobRunCommand({ Name: job }));
  const run = await poll(
    () => c.databrew.send(new DescribeJobRunCommand({ Name: job, RunId })),
    (r) => ['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMEOUT'].includes(r.State ?? ''),
  );
  if (run.State !== 'SUCCEEDED')
    throw new Error(`the ${job} job ${run.State?.toLowerCase()}: ${run.ErrorMessage}`);
  return 'ran';
}

async function rowsByYear(c: Clients, table: string): Promise<Record<string, number>> {
  const { QueryExecutionId } = await c.athena.send(
    new StartQueryExecutionCommand({
      QueryString: `SELECT year, count(*) AS n FROM ${CURATED_DATABASE}.${table} GROUP BY year ORDER BY year`,
    }),
  );
  const done = await poll(
    () => c.athena.send(new GetQueryExecutionCommand({ QueryExecutionId })),
    (r) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.QueryExecution?.Status?.State ?? ''),
  );
  if (done.QueryExecution?.Status?.State !== 'SUCCEEDED')
    throw new Error(`counting ${table} failed: ${done.QueryExecution?.Status?.StateChangeReason}`);
  const results = await c.athena.send(new GetQueryResultsCommand({ QueryExecutionId }));
  return Object.fromEntries(
    (results.ResultSet?.Rows ?? [])
      .slice(1)
      .map((row) => [row.Data?.[0]?.VarCharValue ?? '', Number(row.Data?.[1]?.VarCharValue)]),
  );
}

/**
 * The main job, through the public APIs: raw files into the raw zone, a crawler over them, a DataBrew
 * recipe job per dataset writing curated Parquet, and Athena to check the result. The crawler and jobs run
 * as the `seawall-demo` service role, made first. Idempotent: what is there
 * already is reused, and a job runs again only when its recipe changed.
 */
export async function loadVancouverDemo(target: DemoTarget, options: DemoOptions): Promise<DemoSummary> {
  const c = clients(target);
  const years = options.years ?? DEMO_YEARS;
  try {
    const role = await ensurePipelineRole(target);
    for (const bucket of [RAW_BUCKET, CURATED_BUCKET])
      await c.s3.send(new CreateBucketCommand({ Bucket: bucket })).catch(ignore('BucketAlreadyOwnedByYou'));
    await ensureLakeEncryption(c, [RAW_BUCKET, CURATED_BUCKET, await resultsBucketOf(c)]);
    const sources = new Map<string, string>();
    for (const dataset of DEMO_DATASETS) {
      const source = await loadRaw(c, dataset, options);
      sources.set(dataset.key, source);
      options.progress(`raw      ${dataset.key.padEnd(22)} ${source}`);
    }
    options.progress('crawl    s3://vancouver-raw/ → vancouver_raw');
    await crawlRaw(c, role);
    const summary: DemoSummary = { tables: [] };
    for (const dataset of DEMO_DATASETS) {
      const outcome = await curate(c, dataset, years, role);
      const counts = await rowsByYear(c, dataset.key);
      summary.tables.push({
        table: `${CURATED_DATABASE}.${dataset.key}`,
        source: sources.get(dataset.key) ?? '',
        rowsByYear: counts,
      });
      const figures = Object.entries(counts)
        .map(([year, n]) => `${year}: ${n.toLocaleString('en-CA')}`)
        .join(', ');
      options.progress(
        `curated  ${`${CURATED_DATABASE}.${dataset.key}`.padEnd(32)} ${outcome.padEnd(10)} ${figures}`,
      );
    }
    return summary;
  } finally {
    for (const client of Object.values(c)) client.destroy();
  }
}
