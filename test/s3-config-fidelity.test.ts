import {
  CreateBucketCommand,
  DeleteBucketReplicationCommand,
  type FilterRuleName,
  GetBucketNotificationConfigurationCommand,
  GetBucketReplicationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketReplicationCommand,
  type PutBucketReplicationCommandInput,
  PutBucketVersioningCommand,
  type ReplicationRule,
  type S3Client,
  type TopicConfiguration,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureFields, failureOf } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * Bucket configurations (replication, notifications) answered as AWS S3 answers them: the error code, message
 * and arguments of each refusal, and what Get echoes back.
 */
let t: TestSeawall;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3({ maxAttempts: 1 });
  for (const Bucket of ['config-source', 'config-replica', 'config-plain', 'config-events']) {
    await s3.send(new CreateBucketCommand({ Bucket }));
    if (Bucket === 'config-source' || Bucket === 'config-replica')
      await s3.send(
        new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
      );
  }
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('PutBucketNotificationConfiguration', () => {
  const TOPIC = () => `arn:aws:sns:${t.credentials.region}:${t.credentials.accountId}:lake-events`;
  const topic = (Id: string, Events: string[], filter?: [FilterRuleName, string][]): TopicConfiguration => ({
    Id,
    TopicArn: TOPIC(),
    Events: Events as TopicConfiguration['Events'],
    ...(filter ? { Filter: { Key: { FilterRules: filter.map(([Name, Value]) => ({ Name, Value })) } } } : {}),
  });
  // The overlap is judged on the document: no destination has to exist for it.
  const put = (TopicConfigurations: TopicConfiguration[]) =>
    failureFields(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'config-events',
          SkipDestinationValidation: true,
          NotificationConfiguration: { TopicConfigurations },
        }),
      ),
    );

  it('refuses two configurations without filters for one event type as overlapping, naming both event types', async () => {
    const refused = await put([topic('a', ['s3:ObjectRemoved:*']), topic('b', ['s3:ObjectRemoved:*'])]);
    expect(refused).toMatchObject({
      Code: 'InvalidArgument',
      message: 'Configurations overlap. Configurations on the same bucket cannot share a common event type.',
      ArgumentName: 'Event',
      ArgumentValue: 's3:ObjectRemoved:*, s3:ObjectRemoved:*',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses overlapping filters for one event type as ambiguously defined', async () => {
    const ambiguous =
      'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.';
    // The same suffix, no prefix.
    const suffixes = await put([
      topic('json', ['s3:ObjectCreated:*'], [['suffix', '.json']]),
      topic('also-json', ['s3:ObjectCreated:Put'], [['suffix', '.json']]),
    ]);
    expect(suffixes).toMatchObject({
      Code: 'InvalidArgument',
      message: ambiguous,
      ArgumentValue: 's3:ObjectCreated:*, s3:ObjectCreated:Put',
    });
    // A configuration for every key and one that filters on a suffix.
    const unfiltered = await put([
      topic('all', ['s3:ObjectCreated:*']),
      topic('gz', ['s3:ObjectCreated:Put'], [['suffix', '.gz']]),
    ]);
    expect(unfiltered).toMatchObject({ Code: 'InvalidArgument', message: ambiguous });
    // Nested prefixes.
    const prefixes = await put([
      topic('raw', ['s3:ObjectCreated:*'], [['prefix', 'raw/']]),
      topic('raw-2024', ['s3:ObjectCreated:*'], [['prefix', 'raw/2024/']]),
    ]);
    expect(prefixes).toMatchObject({ Code: 'InvalidArgument', message: ambiguous });
  });

  it('refuses a destination that is not an ARN, whether or not destinations are validated', async () => {
    for (const SkipDestinationValidation of [true, false]) {
      const refused = await failureFields(
        s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: 'config-events',
            SkipDestinationValidation,
            NotificationConfiguration: {
              TopicConfigurations: [{ TopicArn: 'invalid-topic', Events: ['s3:ObjectCreated:*'] }],
            },
          }),
        ),
      );
      expect(refused, `skip ${SkipDestinationValidation}`).toMatchObject({
        Code: 'InvalidArgument',
        message: 'The ARN could not be parsed',
        ArgumentName: 'Topic',
        ArgumentValue: 'invalid-topic',
        $metadata: { httpStatusCode: 400 },
      });
    }
    // Nothing was stored: a fresh bucket's configuration is the empty one.
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'config-events' }));
    expect(got.TopicConfigurations).toBeUndefined();
    expect(got.EventBridgeConfiguration).toBeUndefined();
  });
});

describe('PutBucketReplication', () => {
  const rule = (extra: Partial<ReplicationRule> = {}): ReplicationRule => ({
    ID: 'all',
    Priority: 1,
    Filter: {},
    Status: 'Enabled',
    DeleteMarkerReplication: { Status: 'Disabled' },
    Destination: { Bucket: 'arn:aws:s3:::config-replica' },
    ...extra,
  });
  const config = (Bucket: string, Rules: ReplicationRule[]): PutBucketReplicationCommandInput => ({
    Bucket,
    ReplicationConfiguration: { Role: `arn:aws:iam::${t.credentials.accountId}:role/replication`, Rules },
  });

  it('refuses ExistingObjectReplication as S3 does for an account it has not enabled it for: MalformedXML', async () => {
    const refused = await failureOf(
      s3.send(
        new PutBucketReplicationCommand(
          config('config-source', [rule({ ExistingObjectReplication: { Status: 'Enabled' } })]),
        ),
      ),
    );
    expect(refused).toEqual({
      code: 'MalformedXML',
      status: 400,
      message: 'The XML you provided was not well-formed or did not validate against our published schema',
    });
  });

  it('answers the unversioned source, the missing configuration and its deletion as S3 does', async () => {
    expect(
      await failureOf(s3.send(new PutBucketReplicationCommand(config('config-plain', [rule()])))),
    ).toEqual({
      code: 'InvalidRequest',
      status: 400,
      message: "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
    });
    const missing = await failureFields(
      s3.send(new GetBucketReplicationCommand({ Bucket: 'config-source' })),
    );
    expect(missing).toMatchObject({
      Code: 'ReplicationConfigurationNotFoundError',
      message: 'The replication configuration was not found',
      BucketName: 'config-source',
      $metadata: { httpStatusCode: 404 },
    });
    // Deleting is idempotent: 204 with or without a configuration.
    for (let i = 0; i < 2; i++) {
      const deleted = await s3.send(new DeleteBucketReplicationCommand({ Bucket: 'config-source' }));
      expect(deleted.$metadata.httpStatusCode).toBe(204);
    }
  });
});
