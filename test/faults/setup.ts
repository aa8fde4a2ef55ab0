import { AthenaClient } from '@aws-sdk/client-athena';
import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { DataBrewClient } from '@aws-sdk/client-databrew';
import { CreateCrawlerCommand, GetTablesCommand, GlueClient } from '@aws-sdk/client-glue';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { PIPELINE_TRUST } from '../../src/demo/personas.js';
import { dedupeCsvJob, runToEnd } from '../helpers/databrew.js';
import { crawl } from '../helpers/glue.js';
import { sealByDefault, type TestSeawall } from '../helpers/seawall.js';
import { documentedTrailPolicy } from '../helpers/trails.js';
import { PLAIN, VERSIONED } from './model.js';
import type { Clients, Pipeline } from './workload.js';

/** Where a server answers and who the test is. */
export interface Target {
  readonly url: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity;
}

export const DATA = 'kw-data';
export const TRAIL = 'kw-trail';
export const TRAIL_PREFIX = 'kw';
const CRAWLER = 'kw-crawler';
const JOB = 'kw-job';
const DATABASE = 'kw_db';
const OUTPUT = 'out/';

/** Clients of every service the workload calls; `attempts` 1 for the workload, so no call is sent twice. */
export function clientsFor(target: Target, attempts?: number): Clients {
  const common = {
    endpoint: target.url,
    region: target.region,
    credentials: target.credentials,
    ...(attempts ? { maxAttempts: attempts } : {}),
  };
  return {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    glue: new GlueClient(common),
    databrew: new DataBrewClient(common),
    athena: new AthenaClient(common),
  };
}

export function destroyClients(clients: Clients): void {
  for (const client of Object.values(clients)) client.destroy();
}

/** CSV files for the crawler, the recipe job and the queries: `rows` lines in all, `distinct` of them distinct. */
function csvFiles(): { files: string[]; rows: number; distinct: number } {
  const files: string[] = [];
  for (let f = 0; f < 3; f++) {
    const lines = ['id,name,amount'];
    for (let i = 0; i < 400; i++) lines.push(`${f * 1000 + (i % 300)},name ${i % 300},${(i % 300) * 1.5}`);
    files.push(`${lines.join('\n')}\n`);
  }
  return { files, rows: 1200, distinct: 900 };
}

async function serviceRole(target: Target): Promise<string> {
  const iam = new IAMClient({ endpoint: target.url, region: target.region, credentials: target.credentials });
  try {
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'kw-pipeline',
        AssumeRolePolicyDocument: JSON.stringify(PIPELINE_TRUST),
      }),
    );
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: 'kw-pipeline',
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    );
    return Role?.Arn ?? '';
  } finally {
    iam.destroy();
  }
}

/** A trail with log file validation over every management event and the workload buckets' writes. */
async function startTrail(target: Target, s3: S3Client): Promise<void> {
  const sts = new STSClient({ endpoint: target.url, region: target.region, credentials: target.credentials });
  const trail = new CloudTrailClient({
    endpoint: target.url,
    region: target.region,
    credentials: target.credentials,
  });
  try {
    const { Account = '' } = await sts.send(new GetCallerIdentityCommand({}));
    const where = { seawall: { accountId: Account, region: target.region } } as Pick<TestSeawall, 'seawall'>;
    await s3.send(new CreateBucketCommand({ Bucket: TRAIL }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: TRAIL,
        Policy: documentedTrailPolicy(where, TRAIL, TRAIL_PREFIX, TRAIL),
      }),
    );
    await trail.send(
      new CreateTrailCommand({
        Name: TRAIL,
        S3BucketName: TRAIL,
        S3KeyPrefix: TRAIL_PREFIX,
        EnableLogFileValidation: true,
      }),
    );
    await trail.send(
      new PutEventSelectorsCommand({
        TrailName: TRAIL,
        EventSelectors: [
          {
            ReadWriteType: 'WriteOnly',
            IncludeManagementEvents: true,
            DataResources: [
              { Type: 'AWS::S3::Object', Values: [`arn:aws:s3:::${PLAIN}/`, `arn:aws:s3:::${VERSIONED}/`] },
            ],
          },
        ],
      }),
    );
    await trail.send(new StartLoggingCommand({ Name: TRAIL }));
  } finally {
    sts.destroy();
    trail.destroy();
  }
}

/**
 * The buckets (one versioned under a KMS key of its own), the trail, and a pipeline over a small CSV dataset:
 * a crawler that catalogs it, a recipe job that removes its duplicate rows, a table queries count.
 */
export async function setUp(target: Target): Promise<Pipeline> {
  const clients = clientsFor(target);
  const { s3, glue, databrew } = clients;
  const kms = new KMSClient({ endpoint: target.url, region: target.region, credentials: target.credentials });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: PLAIN }));
    await s3.send(new CreateBucketCommand({ Bucket: VERSIONED }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'kill test' }));
    await sealByDefault(s3, VERSIONED, KeyMetadata?.KeyId);
    await startTrail(target, s3);

    await s3.send(new CreateBucketCommand({ Bucket: DATA }));
    const csv = csvFiles();
    for (const [i, body] of csv.files.entries())
      await s3.send(new PutObjectCommand({ Bucket: DATA, Key: `csv/part-${i}.csv`, Body: body }));
    const role = await serviceRole(target);
    await glue.send(
      new CreateCrawlerCommand({
        Name: CRAWLER,
        Role: role,
        DatabaseName: DATABASE,
        Targets: { S3Targets: [{ Path: `s3://${DATA}/csv/` }] },
      }),
    );
    const crawled = await crawl(glue, CRAWLER);
    if (crawled.LastCrawl?.Status !== 'SUCCEEDED')
      throw new Error(`the first crawl ${crawled.LastCrawl?.Status}`);
    const { TableList = [] } = await glue.send(new GetTablesCommand({ DatabaseName: DATABASE }));
    const table = TableList[0]?.Name;
    if (TableList.length !== 1 || !table) throw new Error(`crawled ${TableList.map((t) => t.Name)}`);
    await dedupeCsvJob(databrew, JOB, role, { Bucket: DATA, Key: 'csv/' }, { Bucket: DATA, Key: OUTPUT });
    const run = await runToEnd(databrew, JOB);
    if (run.State !== 'SUCCEEDED') throw new Error(`the first job run ${run.State}: ${run.ErrorMessage}`);
    return { crawler: CRAWLER, job: JOB, database: DATABASE, table, rows: csv.rows, distinct: csv.distinct };
  } finally {
    kms.destroy();
    destroyClients(clients);
  }
}

/** The rows the recipe job's output holds: every file under its location, less each file's header line. */
export async function outputRows(s3: S3Client): Promise<number> {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: DATA, Prefix: OUTPUT }));
  let rows = 0;
  for (const object of Contents) {
    const got = await s3.send(new GetObjectCommand({ Bucket: DATA, Key: object.Key }));
    const lines = ((await got.Body?.transformToString()) ?? '').split('\n').filter((line) => line !== '');
    rows += Math.max(0, lines.length - 1);
  }
  return rows;
}
