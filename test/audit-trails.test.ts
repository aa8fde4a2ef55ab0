import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CloudTrailClient,
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  ListPublicKeysCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout } from '../src/data-dir.js';
import { failureOf } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { documentedTrailPolicy } from './helpers/trails.js';
import { until } from './helpers/until.js';

const ENV = { SEAWALL_TRAIL_DELIVERY_SECONDS: '1', SEAWALL_TRAIL_DIGEST_SECONDS: '3' };
const LOGS = 'trail-logs';
const PREFIX = 'audit';

let dataDir: string;
let t: TestSeawall;
let trail: CloudTrailClient;
let s3: S3Client;
const began = new Date(Date.now() - 120_000);

async function start() {
  t = await startTestSeawall({ dataDir, env: ENV });
  trail = new CloudTrailClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  s3 = t.s3();
}

async function stop() {
  trail.destroy();
  await t.close();
}

beforeAll(async () => {
  dataDir = tempDir();
  await start();
});

afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: LOGS,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

async function bytesOf(key: string): Promise<{ body: Buffer; metadata: Record<string, string> }> {
  const got = await s3.send(new GetObjectCommand({ Bucket: LOGS, Key: key }));
  return { body: Buffer.from((await got.Body?.transformToByteArray()) ?? []), metadata: got.Metadata ?? {} };
}

interface LoggedRecord {
  eventName: string;
  eventSource: string;
  requestParameters?: { bucketName?: string; key?: string } | null;
}

/** Every record of every log file delivered so far. */
async function deliveredRecords(): Promise<LoggedRecord[]> {
  const records: LoggedRecord[] = [];
  for (const key of await keysUnder(`${PREFIX}/AWSLogs/${t.seawall.accountId}/CloudTrail/`)) {
    const document = JSON.parse(gunzipSync((await bytesOf(key)).body).toString('utf8')) as {
      Records: LoggedRecord[];
    };
    records.push(...document.Records);
  }
  return records;
}

const digestPrefix = () => `${PREFIX}/AWSLogs/${t.seawall.accountId}/CloudTrail-Digest/`;

/** Waits for a digest delivered after `after` (a digest key) that lists every log file delivered so far. */
async function digestCoveringAll(): Promise<string> {
  return until(
    async () => {
      const logs = await keysUnder(`${PREFIX}/AWSLogs/${t.seawall.accountId}/CloudTrail/`);
      const digests = (await keysUnder(digestPrefix())).sort();
      const listed = new Set<string>();
      for (const key of digests) {
        const digest = JSON.parse(gunzipSync((await bytesOf(key)).body).toString('utf8')) as {
          logFiles: { s3Object: string }[];
        };
        for (const file of digest.logFiles) listed.add(file.s3Object);
      }
      return logs.length > 0 && logs.every((key) => listed.has(key))
        ? digests[digests.length - 1]
        : undefined;
    },
    'a digest listing every log file',
    { ms: 30_000, everyMs: 250 },
  );
}

/** `aws cloudtrail validate-logs` from the pip aws cli v1, pointed at Seawall for CloudTrail and S3. */
function validateLogs(trailArn: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const layout = dataDirLayout(dataDir);
  return new Promise((resolve) => {
    execFile(
      'aws',
      [
        '--profile',
        'seawall',
        '--region',
        t.seawall.region,
        'cloudtrail',
        'validate-logs',
        '--trail-arn',
        trailArn,
        '--start-time',
        began.toISOString(),
        '--verbose',
      ],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? tmpdir(),
          AWS_SHARED_CREDENTIALS_FILE: layout.credentials,
          AWS_CONFIG_FILE: layout.awsConfig,
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL: t.url,
          AWS_PAGER: '',
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('CreateTrail refuses what CloudTrail refuses', () => {
  it('answers AWS errors for a missing bucket, a bucket CloudTrail may not write to, a bad or taken name', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'no-policy' }));
    const create = (Name: string, S3BucketName: string) =>
      trail.send(new CreateTrailCommand({ Name, S3BucketName })).then(
        () => 'created',
        (error: { name: string; message: string }) => `${error.name}: ${error.message}`,
      );
    expect(await create('trail1', 'no-such-bucket')).toBe(
      'S3BucketDoesNotExistException: S3 bucket does not exist: no-such-bucket',
    );
    expect(await create('trail1', 'no-policy')).toBe(
      'InsufficientS3BucketPolicyException: Incorrect S3 bucket policy is detected for bucket: no-policy',
    );
    // A policy that lets CloudTrail write log files but not digests (under CloudTrail/ only) is not enough.
    await s3.send(new CreateBucketCommand({ Bucket: 'logs-only' }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'logs-only',
        Policy: documentedTrailPolicy(t, 'logs-only', PREFIX, 'narrow').replace(
          `/AWSLogs/${t.seawall.accountId}/*`,
          `/AWSLogs/${t.seawall.accountId}/CloudTrail/*`,
        ),
      }),
    );
    const narrow = await trail
      .send(new CreateTrailCommand({ Name: 'narrow', S3BucketName: 'logs-only', S3KeyPrefix: PREFIX }))
      .then(
        () => 'created',
        (error: { name: string }) => error.name,
      );
    expect(narrow).toBe('InsufficientS3BucketPolicyException');
    expect(await create('a', 'no-policy')).toMatch(/^InvalidTrailNameException: Trail name too short/);
    expect(await create('bad--name', 'no-policy')).toMatch(/^InvalidTrailNameException: .*adjacent/);
    await s3.send(new CreateBucketCommand({ Bucket: 'dup-logs' }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'dup-logs',
        Policy: documentedTrailPolicy(t, 'dup-logs', PREFIX, 'dup'),
      }),
    );
    // The documented policy names the trail and the prefix: without the prefix it does not let CloudTrail in.
    expect(await create('dup', 'dup-logs')).toMatch(/^InsufficientS3BucketPolicyException/);
    expect(
      await trail.send(
        new CreateTrailCommand({ Name: 'dup', S3BucketName: 'dup-logs', S3KeyPrefix: PREFIX }),
      ),
    ).toMatchObject({ Name: 'dup', LogFileValidationEnabled: false });
    const again = await trail
      .send(new CreateTrailCommand({ Name: 'dup', S3BucketName: 'dup-logs', S3KeyPrefix: PREFIX }))
      .catch((error: { name: string; message: string }) => `${error.name}: ${error.message}`);
    expect(again).toBe(
      `TrailAlreadyExistsException: Trail dup already exists for customer: ${t.seawall.accountId}`,
    );
    const advanced = await trail
      .send(
        new PutEventSelectorsCommand({
          TrailName: 'dup',
          AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }],
        }),
      )
      .catch((error: { name: string }) => error.name);
    expect(advanced).toBe('UnsupportedOperationException');
  });
});

describe('a trail delivers log files and signed digests that aws cloudtrail validate-logs accepts', () => {
  let trailArn = '';

  it('delivers the calls it selects: management events, and data events of the selected bucket only', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: LOGS }));
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: LOGS, Policy: documentedTrailPolicy(t, LOGS, PREFIX, 'main') }),
    );
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: LOGS,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        },
      }),
    );
    for (const bucket of ['watched', 'unwatched']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const created = await trail.send(
      new CreateTrailCommand({
        Name: 'main',
        S3BucketName: LOGS,
        S3KeyPrefix: PREFIX,
        EnableLogFileValidation: true,
        IsMultiRegionTrail: true,
      }),
    );
    trailArn = created.TrailARN ?? '';
    expect(trailArn).toBe(`arn:aws:cloudtrail:${t.seawall.region}:${t.seawall.accountId}:trail/main`);
    await trail.send(
      new PutEventSelectorsCommand({
        TrailName: trailArn,
        EventSelectors: [
          {
            ReadWriteType: 'All',
            IncludeManagementEvents: true,
            DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::watched/'] }],
          },
        ],
      }),
    );
    expect((await trail.send(new GetEventSelectorsCommand({ TrailName: 'main' }))).EventSelectors).toEqual([
      {
        ReadWriteType: 'All',
        IncludeManagementEvents: true,
        DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::watched/'] }],
        ExcludeManagementEventSources: [],
      },
    ]);
    await trail.send(new StartLoggingCommand({ Name: 'main' }));
    await s3.send(new PutObjectCommand({ Bucket: 'watched', Key: 'seen.txt', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: 'unwatched', Key: 'unseen.txt', Body: 'y' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'after-start' }));
    const records = await until(
      async () => {
        const all = await deliveredRecords();
        return all.some((r) => r.eventName === 'CreateBucket') && all.some((r) => r.eventName === 'PutObject')
          ? all
          : undefined;
      },
      'the calls in a log file',
      { ms: 30_000, everyMs: 250 },
    );
    // Delivered through storage, so the bucket's default encryption applies.
    const [logKey] = await keysUnder(`${PREFIX}/AWSLogs/${t.seawall.accountId}/CloudTrail/`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: LOGS, Key: logKey }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    const puts = records.filter((r) => r.eventName === 'PutObject').map((r) => r.requestParameters?.key);
    expect(puts).toEqual(['seen.txt']);
    // Calls made before StartLogging are not delivered.
    expect(records.some((r) => r.eventName === 'CreateTrail')).toBe(false);
    const status = await trail.send(new GetTrailStatusCommand({ Name: 'main' }));
    expect(status.IsLogging).toBe(true);
    expect(status.LatestDeliveryTime).toBeInstanceOf(Date);
    expect(status.StartLoggingTime).toBeInstanceOf(Date);
  });

  it('signs digests the aws cli validates, with the public key ListPublicKeys gives', async () => {
    const digestKey = await digestCoveringAll();
    const { metadata } = await bytesOf(digestKey);
    expect(metadata['signature-algorithm']).toBe('SHA256withRSA');
    expect(metadata.signature).toMatch(/^[0-9a-f]{512}$/);
    const keys = await trail.send(new ListPublicKeysCommand({}));
    expect(keys.PublicKeyList).toHaveLength(1);
    const [key] = keys.PublicKeyList ?? [];
    // Valid for 30 days from when it was made, as CloudTrail's keys are.
    expect((key?.ValidityEndTime?.getTime() ?? 0) - (key?.ValidityStartTime?.getTime() ?? 0)).toBe(
      30 * 24 * 3600 * 1000,
    );
    expect(
      await failureOf(
        trail.send(
          new ListPublicKeysCommand({ StartTime: new Date(), EndTime: new Date(Date.now() - 3600_000) }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidTimeRangeException' });
    expect(
      (await trail.send(new DescribeTrailsCommand({ trailNameList: [trailArn] }))).trailList,
    ).toHaveLength(1);
    const result = await validateLogs(trailArn);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Digest file\ts3:\/\/trail-logs\/audit\/AWSLogs\/.*\tvalid/);
    expect(result.stdout).toMatch(/Log file\ts3:\/\/trail-logs\/audit\/AWSLogs\/.*\tvalid/);
    expect(result.stdout).not.toMatch(/INVALID/);
  });

  it('keeps the chain across a restart: the next digest chains to the one before it', async () => {
    const before = await digestCoveringAll();
    await stop();
    await start();
    const next = await until(
      async () => {
        const digests = (await keysUnder(digestPrefix())).sort();
        const last = digests[digests.length - 1];
        return last !== undefined && last > before ? last : undefined;
      },
      'a digest after the restart',
      { ms: 30_000, everyMs: 250 },
    );
    const digests = (await keysUnder(digestPrefix())).sort();
    const previousOf = async (key: string) =>
      (
        JSON.parse(gunzipSync((await bytesOf(key)).body).toString('utf8')) as {
          previousDigestS3Object: string;
        }
      ).previousDigestS3Object;
    expect(await previousOf(next)).toBe(digests[digests.indexOf(next) - 1]);
    expect(digests.indexOf(before)).toBeGreaterThanOrEqual(0);
    const result = await validateLogs(trailArn);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/INVALID/);
  });

  it('reports a log file changed through S3 as invalid, and a deleted one as not found', async () => {
    await digestCoveringAll();
    const logs = (await keysUnder(`${PREFIX}/AWSLogs/${t.seawall.accountId}/CloudTrail/`)).sort();
    const [changed, deleted] = logs as [string, string];
    expect(deleted).toBeDefined();
    await s3.send(new PutObjectCommand({ Bucket: LOGS, Key: changed, Body: gzipSync('{"Records":[]}') }));
    await s3.send(new DeleteObjectCommand({ Bucket: LOGS, Key: deleted }));
    const result = await validateLogs(trailArn);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`Log file\ts3://${LOGS}/${changed}\tINVALID: hash value doesn't match`);
    expect(result.stderr).toContain(`Log file\ts3://${LOGS}/${deleted}\tINVALID: not found`);
  });

  it('StopLogging stops delivery after its own record; what is made while stopped is never delivered', async () => {
    await trail.send(new StopLoggingCommand({ Name: 'main' }));
    await s3.send(new PutObjectCommand({ Bucket: 'watched', Key: 'after-stop.txt', Body: 'z' }));
    const status = await trail.send(new GetTrailStatusCommand({ Name: 'main' }));
    expect(status.IsLogging).toBe(false);
    expect(status.StopLoggingTime).toBeInstanceOf(Date);
    // Started again: once what is made after the start is delivered, everything before it has been passed.
    await trail.send(new StartLoggingCommand({ Name: 'main' }));
    await s3.send(new PutObjectCommand({ Bucket: 'watched', Key: 'after-start.txt', Body: 'z' }));
    const records = await until(
      async () => {
        const delivered = await deliveredRecords();
        return delivered.some((r) => r.requestParameters?.key === 'after-start.txt') ? delivered : undefined;
      },
      'the object written after StartLogging delivered',
      { ms: 30_000, everyMs: 250 },
    );
    const names = records.map((r) => r.eventName);
    expect(names.filter((n) => n === 'StopLogging')).toHaveLength(1);
    expect(names).toContain('StartLogging');
    expect(records.some((r) => r.requestParameters?.key === 'after-stop.txt')).toBe(false);
  });
});
