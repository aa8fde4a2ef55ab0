import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3EventRecord } from '../src/storage/index.js';
import { failureFields } from './helpers/failure.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';
import { setTopicPolicy } from './helpers/sns.js';
import { webhook } from './helpers/webhook.js';

/**
 * What S3 sends and lists, field by field, against what was recorded from AWS (LocalStack's snapshots marked
 * validated: tests/aws/services/s3/test_s3_notifications_sqs.snapshot.json, test_s3_list_operations.snapshot.json)
 * and AWS's documentation.
 */

const RETRIES = { firstDelayMs: 50, maxDelayMs: 200, attempts: 5 };

/** The records the in-process bus delivers for one bucket; `next(n)` waits (up to 20 s) for n more. */
function busOf(t: TestSeawall, bucket: string) {
  const records: S3EventRecord[] = [];
  let taken = 0;
  const stop = t.seawall.storage.notifications.subscribe((record) => {
    if (record.s3.bucket.name === bucket) records.push(record);
  });
  return {
    stop,
    async next(count: number): Promise<S3EventRecord[]> {
      const deadline = Date.now() + 20_000;
      while (records.length < taken + count && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 25));
      const out = records.slice(taken, taken + count);
      taken += out.length;
      return out;
    },
  };
}

async function toBus(s3: S3Client, Bucket: string) {
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket,
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    }),
  );
}

/** A raw signed GET of an S3 path, for the wire as S3 writes it. */
async function rawGet(t: TestSeawall, path: string, query: Record<string, string>) {
  const search = new URLSearchParams(query).toString().replace(/\+/g, '%20');
  const headers = await signedHeaders(t, {
    method: 'GET',
    path,
    query,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  return rawRequest(t.url, { method: 'GET', path: search === '' ? path : `${path}?${search}`, headers });
}

describe('S3 event records as AWS writes them', () => {
  let t: TestSeawall;
  let s3: S3Client;
  beforeAll(async () => {
    t = await startTestSeawall({ env: { SEAWALL_SNS_ENDPOINTS: 'any' }, limits: { eventRetries: RETRIES } });
    s3 = t.s3();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('names no sequencer in tagging events, which are no PUT or DELETE of the object', async () => {
    const Bucket = 'events-tagging';
    await toBus(s3, Bucket);
    const bus = busOf(t, Bucket);
    try {
      const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'tagged', Body: 'data' }));
      await s3.send(
        new PutObjectTaggingCommand({
          Bucket,
          Key: 'tagged',
          Tagging: { TagSet: [{ Key: 'zone', Value: 'raw' }] },
        }),
      );
      const [created, tagged] = await bus.next(2);
      expect(created?.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
      // Recorded from AWS: { eTag, key } and nothing else.
      expect(tagged?.eventName).toBe('ObjectTagging:Put');
      expect(tagged?.s3.object).toEqual({ key: 'tagged', eTag: put.ETag?.replaceAll('"', '') });
    } finally {
      bus.stop();
    }
  });

  it("names a delete marker's eTag (the empty object's) and no null version id", async () => {
    const Bucket = 'events-markers';
    await toBus(s3, Bucket);
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const bus = busOf(t, Bucket);
    try {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'one' }));
      const marker = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'doc' }));
      const [, hidden] = await bus.next(2);
      expect(hidden?.eventName).toBe('ObjectRemoved:DeleteMarkerCreated');
      expect(hidden?.s3.object).toMatchObject({
        key: 'doc',
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        versionId: marker.VersionId,
      });
      expect(hidden?.s3.object).not.toHaveProperty('size');

      // A write to a suspended bucket makes the "null" version, which the record does not name.
      await s3.send(
        new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } }),
      );
      await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'three' }));
      const [suspended] = await bus.next(1);
      expect(suspended?.eventName).toBe('ObjectCreated:Put');
      expect(suspended?.s3.object).toMatchObject({ key: 'doc', size: 5 });
      expect(suspended?.s3.object).not.toHaveProperty('versionId');
    } finally {
      bus.stop();
    }
  });

  it('sends the test event with its HostId, and filters keys as they are written in records (a space is +)', async () => {
    const sns = new SNSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    const hook = await webhook();
    try {
      const Bucket = 'events-filters';
      await s3.send(new CreateBucketCommand({ Bucket }));
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'filtered-events' }));
      await setTopicPolicy(sns, TopicArn, [
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: TopicArn,
        },
      ]);
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hook.url }));
      const [confirmation] = await hook.waitFor(1);
      expect((await fetch(confirmation?.body.SubscribeURL ?? '')).status).toBe(200);

      const configured = await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: {
            TopicConfigurations: [
              {
                Id: 'spaced',
                TopicArn,
                Events: ['s3:ObjectCreated:*'],
                // S3: "If your prefix or suffix contains a space, you must replace it with the '+' character."
                Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'raw+data/' }] } },
              },
            ],
          },
        }),
      );
      const [, test] = await hook.waitFor(2);
      expect(JSON.parse(test?.body.Message ?? '{}')).toEqual({
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Time: expect.any(String),
        Bucket,
        RequestId: configured.$metadata.requestId,
        HostId: configured.$metadata.extendedRequestId,
      });

      await s3.send(new PutObjectCommand({ Bucket, Key: 'raw data/tickets.csv', Body: 'a,b\n' }));
      const [, , notification] = await hook.waitFor(3);
      const { Records } = JSON.parse(notification?.body.Message ?? '{}') as { Records: S3EventRecord[] };
      expect(Records?.[0]?.s3.object.key).toBe('raw+data/tickets.csv');
    } finally {
      sns.destroy();
      await hook.close();
    }
  });
});

describe('S3 listings as AWS answers them', () => {
  let t: TestSeawall;
  let s3: S3Client;
  beforeAll(async () => {
    t = await startTestSeawall();
    s3 = t.s3();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("ListBuckets names each bucket's ARN, and its region only when the request has a parameter", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listed-arn' }));
    const bare = await s3.send(new ListBucketsCommand({}));
    const mine = bare.Buckets?.find((b) => b.Name === 'listed-arn');
    expect(mine?.BucketArn).toBe('arn:aws:s3:::listed-arn');
    expect(mine?.BucketRegion).toBeUndefined();
    const filtered = await s3.send(new ListBucketsCommand({ Prefix: 'listed-' }));
    expect(filtered.Buckets).toEqual([
      {
        Name: 'listed-arn',
        CreationDate: expect.any(Date),
        BucketRegion: t.credentials.region,
        BucketArn: 'arn:aws:s3:::listed-arn',
      },
    ]);
  });

  it('ListBuckets refuses a bucket-region that is no AWS Region, and takes an empty continuation token', async () => {
    expect(await failureFields(s3.send(new ListBucketsCommand({ BucketRegion: 'eu-east-1' })))).toMatchObject(
      {
        name: 'InvalidArgument',
        message: 'Argument value eu-east-1 is not a valid AWS Region',
        ArgumentName: 'bucket-region',
      },
    );
    const empty = await s3.send(new ListBucketsCommand({ ContinuationToken: '', MaxBuckets: 1 }));
    expect(empty.Buckets).toHaveLength(1);
  });

  it('a wrong encoding-type is refused naming the value, as every listing does', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'encoding-refused' }));
    const listings: Record<string, string>[] = [{ 'list-type': '2' }, {}, { versions: '' }, { uploads: '' }];
    for (const query of listings) {
      const wrong = await rawGet(t, '/encoding-refused', { ...query, 'encoding-type': 'value' });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toContain('<Message>Invalid Encoding Method specified in Request</Message>');
      expect(wrong.body).toContain('<ArgumentName>encoding-type</ArgumentName>');
      expect(wrong.body).toContain('<ArgumentValue>value</ArgumentValue>');
    }
    const empty = await rawGet(t, '/encoding-refused', { 'list-type': '2', 'encoding-type': '' });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatch(/<ArgumentValue(><\/ArgumentValue>|\/>)/);
    // The SDK's own validation is not in the way of a right one.
    const right = await s3.send(
      new ListObjectsV2Command({ Bucket: 'encoding-refused', EncodingType: 'url' }),
    );
    expect(right.EncodingType).toBe('url');
  });

  it('ListMultipartUploads echoes its EncodingType and always names the next markers (the last upload)', async () => {
    const Bucket = 'uploads-markers';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const empty = await rawGet(t, `/${Bucket}`, { uploads: '' });
    expect(empty.body).toMatch(/<NextKeyMarker(><\/NextKeyMarker>|\/>)/);
    expect(empty.body).toMatch(/<NextUploadIdMarker(><\/NextUploadIdMarker>|\/>)/);
    // No Prefix element where the request named none.
    expect(empty.body).not.toContain('<Prefix');

    const a = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'a b' }));
    const b = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'c' }));
    try {
      const all = await s3.send(new ListMultipartUploadsCommand({ Bucket, EncodingType: 'url' }));
      expect(all).toMatchObject({
        EncodingType: 'url',
        IsTruncated: false,
        KeyMarker: '',
        UploadIdMarker: '',
        NextKeyMarker: 'c',
        NextUploadIdMarker: b.UploadId,
      });
      expect(all.Uploads?.map((u) => u.Key)).toEqual(['a+b', 'c']);
      const first = await s3.send(new ListMultipartUploadsCommand({ Bucket, MaxUploads: 1 }));
      expect(first).toMatchObject({
        IsTruncated: true,
        NextKeyMarker: 'a b',
        NextUploadIdMarker: a.UploadId,
      });
    } finally {
      await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'a b', UploadId: a.UploadId }));
      await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'c', UploadId: b.UploadId }));
    }
  });

  it('ListParts past the last part answers NextPartNumberMarker 0', async () => {
    const Bucket = 'parts-markers';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'big' }));
    try {
      await s3.send(new UploadPartCommand({ Bucket, Key: 'big', UploadId, PartNumber: 1, Body: 'x' }));
      const past = await s3.send(
        new ListPartsCommand({ Bucket, Key: 'big', UploadId, PartNumberMarker: '10', MaxParts: 1 }),
      );
      expect(past).toMatchObject({ PartNumberMarker: '10', NextPartNumberMarker: '0', IsTruncated: false });
      expect(past.Parts ?? []).toEqual([]);
      const all = await s3.send(new ListPartsCommand({ Bucket, Key: 'big', UploadId }));
      expect(all).toMatchObject({ PartNumberMarker: '0', NextPartNumberMarker: '1' });
    } finally {
      await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'big', UploadId }));
    }
  });
});
