import { GetDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationEvent } from '../src/lib/operation.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
const events: OperationEvent[] = [];

beforeAll(async () => {
  t = await startTestSeawall();
  t.seawall.onOperation((event) => events.push(event));
});
afterAll(async () => {
  await t.close();
});

/** The service prefix of each signing name's IAM actions. */
const ACTION_PREFIX: Record<string, string> = {
  s3: 's3',
  glue: 'glue',
  athena: 'athena',
  databrew: 'databrew',
  iam: 'iam',
  sts: 'sts',
  sns: 'sns',
  kms: 'kms',
  cloudtrail: 'cloudtrail',
  monitoring: 'cloudwatch',
  logs: 'logs',
};

async function eventFor(requestId: string | undefined): Promise<OperationEvent> {
  for (let i = 0; i < 100; i++) {
    const found = events.find((e) => e.requestId === requestId);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no event for request ${requestId}`);
}

describe('the operation registry', () => {
  it('declares every operation once, with its service, IAM action and resources', () => {
    const operations = t.seawall.operations;
    expect(operations.length).toBeGreaterThan(60);
    const seen = new Set<string>();
    for (const op of operations) {
      const id = `${op.service}:${op.name}`;
      expect(seen.has(id), id).toBe(false);
      seen.add(id);
      const prefix = ACTION_PREFIX[op.service];
      expect(prefix, `${id} is served by a known service`).toBeDefined();
      expect(op.action, id).toMatch(new RegExp(`^${prefix}:[A-Za-z0-9]+$`));
      expect(typeof op.resources, id).toBe('function');
      expect(typeof op.decode, id).toBe('function');
      expect(typeof op.handle, id).toBe('function');
    }
    for (const name of ['PutObject', 'GetObject', 'ListObjectsV2', 'DeleteObjects']) {
      expect(seen.has(`s3:${name}`), name).toBe(true);
    }
    for (const id of ['glue:GetTable', 'athena:StartQueryExecution', 'databrew:CreateRecipe']) {
      expect(seen.has(id), id).toBe(true);
    }
  });

  it('names the IAM action S3 checks, which is not always the operation name', () => {
    const action = (name: string) => t.seawall.operations.find((o) => o.service === 's3' && o.name === name);
    expect(action('HeadObject')?.action).toBe('s3:GetObject');
    expect(action('ListObjectsV2')?.action).toBe('s3:ListBucket');
    expect(action('ListBuckets')?.action).toBe('s3:ListAllMyBuckets');
    expect(action('UploadPart')?.action).toBe('s3:PutObject');
    expect(action('ListParts')?.action).toBe('s3:ListMultipartUploadParts');
  });
});

describe('the request pipeline', () => {
  it('reports each request once: principal, operation, resources, outcome and timing', async () => {
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'events' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'events', Key: 'a/b.csv', Body: 'x' }));
    const event = await eventFor(put.$metadata.requestId);
    expect(event).toMatchObject({
      service: 's3',
      operation: 'PutObject',
      action: 's3:PutObject',
      readOnly: false,
      resources: ['arn:aws:s3:::events/a/b.csv'],
      outcome: 'success',
      status: 200,
    });
    expect(event.principal?.arn).toBe(`arn:aws:iam::${t.credentials.accountId}:root`);
    expect(event.durationMs).toBeGreaterThanOrEqual(0);
    expect(events.filter((e) => e.requestId === put.$metadata.requestId)).toHaveLength(1);
  });

  it('reports Glue resources in the catalog, and failures with their error code', async () => {
    const glue = new GlueClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: t.credentials,
    });
    const failure = await glue.send(new GetDatabaseCommand({ Name: 'Missing' })).catch((e: unknown) => e);
    const requestId = (failure as { $metadata: { requestId?: string } }).$metadata.requestId;
    const event = await eventFor(requestId);
    const base = `arn:aws:glue:${t.credentials.region}:${t.credentials.accountId}`;
    expect(event).toMatchObject({
      service: 'glue',
      operation: 'GetDatabase',
      action: 'glue:GetDatabase',
      readOnly: true,
      resources: [`${base}:catalog`, `${base}:database/missing`],
      outcome: 'failed',
      errorCode: 'EntityNotFoundException',
    });
    glue.destroy();
  });

  it('records when a key was last used, and for which service and region', async () => {
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'keyed' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'keyed' }));
    const keyId = AccessKey?.AccessKeyId ?? '';
    const before = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
    expect(before.AccessKeyLastUsed?.ServiceName).toBe('N/A');
    const s3 = new S3Client({
      endpoint: t.url,
      region: t.credentials.region,
      forcePathStyle: true,
      credentials: { accessKeyId: keyId, secretAccessKey: AccessKey?.SecretAccessKey ?? '' },
    });
    // Denied (the user has no policies), but the key was used all the same.
    await s3.send(new ListBucketsCommand({})).catch(() => undefined);
    let used = before;
    for (let i = 0; i < 100 && used.AccessKeyLastUsed?.ServiceName === 'N/A'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
    }
    expect(used.AccessKeyLastUsed).toMatchObject({ ServiceName: 's3', Region: t.credentials.region });
    expect(used.AccessKeyLastUsed?.LastUsedDate).toBeInstanceOf(Date);
    s3.destroy();
    iam.destroy();
  });

  it('reports a request it could not authenticate as denied, with no principal', async () => {
    const s3 = new S3Client({
      endpoint: t.url,
      region: t.credentials.region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'wrong' },
    });
    const failure = await s3.send(new CreateBucketCommand({ Bucket: 'never' })).catch((e: unknown) => e);
    const event = await eventFor((failure as { $metadata: { requestId?: string } }).$metadata.requestId);
    expect(event).toMatchObject({ service: 's3', outcome: 'denied', errorCode: 'InvalidAccessKeyId' });
    expect(event.principal).toBeUndefined();
    expect(event.operation).toBeUndefined();
    s3.destroy();
  });
});
