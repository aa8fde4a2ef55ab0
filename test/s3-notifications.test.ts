import { rmSync } from 'node:fs';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3EventRecord } from '../src/storage/index.js';
import { awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { policyUser } from './helpers/iam-user.js';
import { allowPublic, startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { setTopicPolicy } from './helpers/sns.js';
import { webhook } from './helpers/webhook.js';

const RETRIES = { firstDelayMs: 50, maxDelayMs: 200, attempts: 5 };

/** Collects what the in-process bus delivers; `next(n)` waits for the first n records not yet taken. */
function busRecorder(t: TestSeawall) {
  const records: S3EventRecord[] = [];
  let taken = 0;
  const stop = t.seawall.storage.notifications.subscribe((record) => {
    records.push(record);
  });
  return {
    records,
    stop,
    /** The next `count` records, waiting up to 20 s for them (a retried delivery on a loaded machine is slow). */
    async next(count: number): Promise<S3EventRecord[]> {
      const deadline = Date.now() + 20_000;
      while (records.length < taken + count && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 25));
      const out = records.slice(taken, taken + count);
      taken += out.length;
      return out;
    },
    /** Waits long enough for anything more to arrive; answers what did. */
    async rest(): Promise<S3EventRecord[]> {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const out = records.slice(taken);
      taken = records.length;
      return out;
    },
  };
}

const eventBridge = (s3: S3Client, Bucket: string) =>
  s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket,
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    }),
  );

describe('S3 event notifications', () => {
  let t: TestSeawall;
  let s3: S3Client;
  beforeAll(async () => {
    t = await startTestSeawall({
      limits: { eventRetries: RETRIES },
      env: { SEAWALL_LIFECYCLE_DAY_SECONDS: '1' },
    });
    s3 = t.s3();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores, answers and clears a configuration; with none, Get answers an empty one', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'notify-config' }));
    const empty = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'notify-config' }));
    expect(empty.TopicConfigurations ?? []).toEqual([]);
    expect(empty.EventBridgeConfiguration).toBeUndefined();
    await eventBridge(s3, 'notify-config');
    const set = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'notify-config' }));
    expect(set.EventBridgeConfiguration).toEqual({});
    // The aws cli reads it too, and an empty document turns notifications off.
    const cli = await awsCli(t.dataDir, t.url, [
      's3api',
      'get-bucket-notification-configuration',
      '--bucket',
      'notify-config',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual({ EventBridgeConfiguration: {} });
    const off = await awsCli(t.dataDir, t.url, [
      's3api',
      'put-bucket-notification-configuration',
      '--bucket',
      'notify-config',
      '--notification-configuration',
      '{}',
    ]);
    expect(off.code, off.stderr).toBe(0);
    const cleared = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'notify-config' }));
    expect(cleared.EventBridgeConfiguration).toBeUndefined();
    expect(
      await failureOf(s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'notify-nothing' }))),
    ).toMatchObject({ code: 'NoSuchBucket', status: 404 });
  });

  it('refuses destinations that cannot receive, as S3 does when it cannot validate them', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'notify-refuse' }));
    const put = (NotificationConfiguration: object) =>
      failureOf(
        s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: 'notify-refuse',
            NotificationConfiguration,
          }),
        ),
      );
    const queue = await put({
      QueueConfigurations: [
        { QueueArn: 'arn:aws:sqs:ca-west-1:123456789012:q', Events: ['s3:ObjectCreated:*'] },
      ],
    });
    expect(queue).toMatchObject({
      code: 'InvalidArgument',
      status: 400,
      message: 'Unable to validate the following destination configurations',
    });
    const lambda = await put({
      LambdaFunctionConfigurations: [
        {
          LambdaFunctionArn: 'arn:aws:lambda:ca-west-1:123456789012:function:f',
          Events: ['s3:ObjectRemoved:*'],
        },
      ],
    });
    expect(lambda.code).toBe('InvalidArgument');
    const topic = await put({
      TopicConfigurations: [
        { TopicArn: `arn:aws:sns:ca-west-1:${t.seawall.accountId}:missing`, Events: ['s3:ObjectCreated:*'] },
      ],
    });
    expect(topic.code).toBe('InvalidArgument');
    expect(await put({ TopicConfigurations: [{ TopicArn: 'x', Events: ['s3:Nothing'] }] })).toMatchObject({
      code: 'InvalidArgument',
      message: 'The event is not supported for notifications',
    });
    // Nothing was stored by the refused requests.
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'notify-refuse' }));
    expect(got.QueueConfigurations ?? []).toEqual([]);
  });

  it('needs s3:PutBucketNotification and s3:GetBucketNotification', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'notify-authz' }));
    const user = await policyUser(t, 'notify-reader', [
      { Effect: 'Allow', Action: 's3:GetBucketNotification', Resource: 'arn:aws:s3:::notify-authz' },
    ]);
    try {
      await user.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'notify-authz' }));
      expect(await failureOf(eventBridge(user.s3, 'notify-authz'))).toMatchObject({
        code: 'AccessDenied',
        status: 403,
      });
    } finally {
      user.close();
    }
  });

  it('sends every kind of change to the bus, in S3 event records, in order', async () => {
    const bus = busRecorder(t);
    try {
      const Bucket = 'notify-events';
      await s3.send(new CreateBucketCommand({ Bucket }));
      // Anonymous browser uploads below: the bucket's Block Public Access, on from its creation, is off.
      await allowPublic(s3, Bucket);
      await eventBridge(s3, Bucket);
      const put = await s3.send(
        new PutObjectCommand({ Bucket, Key: 'raw/parking tickets.csv', Body: 'a,b\n1,2\n' }),
      );
      const [created] = await bus.next(1);
      expect(created).toMatchObject({
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: t.credentials.region,
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: `AWS:${t.seawall.accountId}` },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: {
          'x-amz-request-id': put.$metadata.requestId,
          'x-amz-id-2': put.$metadata.extendedRequestId,
        },
        s3: {
          s3SchemaVersion: '1.0',
          bucket: {
            name: Bucket,
            ownerIdentity: { principalId: t.seawall.accountId },
            arn: `arn:aws:s3:::${Bucket}`,
          },
          object: { key: 'raw/parking+tickets.csv', size: 8, eTag: put.ETag?.replaceAll('"', '') },
        },
      });
      // No version id where the bucket never had versioning.
      expect(created?.s3.object.versionId).toBeUndefined();
      expect(Date.parse(created?.eventTime ?? '')).toBeGreaterThan(Date.now() - 60_000);

      await s3.send(
        new CopyObjectCommand({ Bucket, Key: 'copy.csv', CopySource: `${Bucket}/raw/parking%20tickets.csv` }),
      );
      const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'big.bin' }));
      const part = await s3.send(
        new UploadPartCommand({
          Bucket,
          Key: 'big.bin',
          UploadId: upload.UploadId,
          PartNumber: 1,
          Body: 'x',
        }),
      );
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: 'big.bin',
          UploadId: upload.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      );
      await s3.send(
        new PutObjectTaggingCommand({
          Bucket,
          Key: 'copy.csv',
          Tagging: { TagSet: [{ Key: 'zone', Value: 'raw' }] },
        }),
      );
      await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'copy.csv' }));
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'copy.csv' }));
      await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'big.bin' }] } }));
      const records = await bus.next(6);
      expect(records.map((r) => [r.eventName, r.s3.object.key, r.eventVersion])).toEqual([
        ['ObjectCreated:Copy', 'copy.csv', '2.1'],
        ['ObjectCreated:CompleteMultipartUpload', 'big.bin', '2.1'],
        ['ObjectTagging:Put', 'copy.csv', '2.3'],
        ['ObjectTagging:Delete', 'copy.csv', '2.3'],
        ['ObjectRemoved:Delete', 'copy.csv', '2.1'],
        ['ObjectRemoved:Delete', 'big.bin', '2.1'],
      ]);
      // S3's sequencers increase with the changes, compared as hex of one length; tagging events have none.
      const sequenced = [created, ...records].filter((r) => !r?.eventName.startsWith('ObjectTagging'));
      const sequencers = sequenced.map((r) => r?.s3.object.sequencer ?? '');
      expect(sequencers.every((s) => /^[0-9A-F]+$/.test(s))).toBe(true);
      expect([...sequencers].sort()).toEqual(sequencers);
      expect(records[2]?.s3.object).not.toHaveProperty('sequencer');
      expect(records[4]?.s3.object).not.toHaveProperty('size');
      // A browser upload is a Post; an anonymous one names no one.
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket,
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: '*',
                Action: 's3:PutObject',
                Resource: `arn:aws:s3:::${Bucket}/drop/*`,
              },
            ],
          }),
        }),
      );
      const form = new FormData();
      form.append('key', 'drop/form.txt');
      form.append('file', new Blob(['from a form']), 'form.txt');
      expect((await fetch(`${t.url}/${Bucket}`, { method: 'POST', body: form })).status).toBe(204);
      const [posted] = await bus.next(1);
      expect(posted).toMatchObject({
        eventName: 'ObjectCreated:Post',
        userIdentity: { principalId: 'Anonymous' },
        s3: { object: { key: 'drop/form.txt', size: 11 } },
      });
      // A delete of a key that is not there changes nothing and tells no one.
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'never-was' }));
      expect(await bus.rest()).toEqual([]);
    } finally {
      bus.stop();
    }
  });

  it('names versions, delete markers and lifecycle expirations in versioned buckets', async () => {
    const bus = busRecorder(t);
    try {
      const Bucket = 'notify-versions';
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(
        new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
      );
      await eventBridge(s3, Bucket);
      const v1 = await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: 'one' }));
      const marker = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'doc' }));
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'doc', VersionId: marker.VersionId }));
      const [put, hidden, removed] = await bus.next(3);
      expect(put?.s3.object).toMatchObject({ versionId: v1.VersionId, size: 3 });
      expect(hidden?.eventName).toBe('ObjectRemoved:DeleteMarkerCreated');
      expect(hidden?.s3.object.versionId).toBe(marker.VersionId);
      expect(removed?.eventName).toBe('ObjectRemoved:Delete');
      expect(removed?.s3.object.versionId).toBe(marker.VersionId);

      // A lifecycle rule's expiration is S3's own doing.
      await s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket,
          LifecycleConfiguration: {
            Rules: [{ ID: 'expire', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } }],
          },
        }),
      );
      const [expired] = await bus.next(1);
      expect(expired).toMatchObject({
        eventName: 'LifecycleExpiration:DeleteMarkerCreated',
        eventVersion: '2.3',
        userIdentity: { principalId: 's3.amazonaws.com' },
        s3: { object: { key: 'doc' } },
      });
    } finally {
      bus.stop();
    }
  });

  it('retries a delivery that failed until it is taken', async () => {
    const Bucket = 'notify-retry';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await eventBridge(s3, Bucket);
    let calls = 0;
    const got: string[] = [];
    const stop = t.seawall.storage.notifications.subscribe((record) => {
      if (record.s3.bucket.name !== Bucket) return;
      calls++;
      if (calls < 3) throw new Error('not yet');
      got.push(record.s3.object.key);
    });
    try {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'late', Body: 'x' }));
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(got).toEqual(['late']);
      expect(calls).toBe(3);
    } finally {
      stop();
    }
  });
});

describe('S3 event notifications across a restart', () => {
  it('delivers after a restart what was not delivered before it', async () => {
    const dataDir = tempDir();
    // The retry falls a minute later (its cap too, or the cap would bring it forward to before the second start).
    const first = await startTestSeawall({
      dataDir,
      limits: { eventRetries: { ...RETRIES, firstDelayMs: 60_000, maxDelayMs: 60_000 } },
    });
    const s3 = first.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'notify-restart' }));
    await eventBridge(s3, 'notify-restart');
    let failures = 0;
    first.seawall.storage.notifications.subscribe(() => {
      failures++;
      throw new Error('the consumer is down');
    });
    await s3.send(new PutObjectCommand({ Bucket: 'notify-restart', Key: 'kept', Body: 'x' }));
    for (let i = 0; i < 100 && failures === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(failures).toBe(1);
    await first.close();

    // The second process is moved past the retry's time once its consumer is back; the next change wakes delivery.
    let offset = 0;
    const clock = { now: () => new Date(Date.now() + offset) };
    const second = await startTestSeawall({
      dataDir,
      clock,
      limits: { eventRetries: RETRIES },
    });
    try {
      const bus = busRecorder(second);
      offset = 120_000;
      await second.s3().send(new PutObjectCommand({ Bucket: 'notify-restart', Key: 'next', Body: 'y' }));
      const records = await bus.next(2);
      expect(records.map((r) => r.s3.object.key)).toEqual(['kept', 'next']);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('S3 event notifications to SNS topics and their webhooks', () => {
  let t: TestSeawall;
  beforeAll(async () => {
    // The webhook listens on loopback, which SNS reaches only when told it may.
    t = await startTestSeawall({ env: { SEAWALL_SNS_ENDPOINTS: 'any' }, limits: { eventRetries: RETRIES } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('delivers S3 events to a topic policy-allowed for S3, through a confirmed HTTP subscription', async () => {
    const s3 = t.s3();
    const sns = new SNSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    const hook = await webhook();
    try {
      const Bucket = 'notify-sns';
      await s3.send(new CreateBucketCommand({ Bucket }));
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'lake-events' }));
      const config = {
        Bucket,
        NotificationConfiguration: {
          TopicConfigurations: [
            {
              Id: 'raw-csv',
              TopicArn,
              Events: ['s3:ObjectCreated:*' as const],
              Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: 'raw/' }] } },
            },
          ],
        },
      };
      // As in S3, the topic's default policy does not let S3 publish: the destination cannot be validated.
      const refused = await failureOf(s3.send(new PutBucketNotificationConfigurationCommand(config)));
      expect(refused).toMatchObject({ code: 'InvalidArgument', status: 400 });
      await setTopicPolicy(sns, TopicArn, [
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: TopicArn,
          Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:s3:::${Bucket}` } },
        },
      ]);
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hook.url }));
      const [confirmation] = await hook.waitFor(1);
      expect(confirmation?.type).toBe('SubscriptionConfirmation');
      expect((await fetch(confirmation?.body.SubscribeURL ?? '')).status).toBe(200);

      await s3.send(new PutBucketNotificationConfigurationCommand(config));
      const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
      expect(got.TopicConfigurations).toEqual([
        {
          Id: 'raw-csv',
          TopicArn,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'raw/' }] } },
        },
      ]);
      // S3 tests the destination when the configuration is stored.
      const [, test] = await hook.waitFor(2);
      expect(test?.type).toBe('Notification');
      expect(JSON.parse(test?.body.Message ?? '{}')).toMatchObject({
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Bucket,
      });

      await s3.send(new PutObjectCommand({ Bucket, Key: 'curated/skipped.parquet', Body: 'x' }));
      const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'raw/tickets.csv', Body: 'a,b\n' }));
      const [, , notification] = await hook.waitFor(3);
      expect(notification?.body).toMatchObject({
        Type: 'Notification',
        TopicArn,
        Subject: 'Amazon S3 Notification',
      });
      const { Records } = JSON.parse(notification?.body.Message ?? '{}') as { Records: S3EventRecord[] };
      expect(Records).toHaveLength(1);
      expect(Records[0]).toMatchObject({
        eventName: 'ObjectCreated:Put',
        responseElements: {
          'x-amz-request-id': put.$metadata.requestId,
          'x-amz-id-2': put.$metadata.extendedRequestId,
        },
        s3: { configurationId: 'raw-csv', object: { key: 'raw/tickets.csv', size: 4 } },
      });
      // Nothing for the key the filter leaves out.
      await new Promise((r) => setTimeout(r, 300));
      expect(hook.received).toHaveLength(3);
    } finally {
      sns.destroy();
      await hook.close();
    }
  });
});
