import {
  CloudTrailClient,
  type Event,
  LookupEventsCommand,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { CreateDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { CreateKeyCommand, GenerateDataKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient, athenaQuery } from './helpers/athena.js';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { csvTableCommand } from './helpers/glue.js';
import { policyUser } from './helpers/iam-user.js';
import { rawRequest } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let trail: CloudTrailClient;

beforeAll(async () => {
  t = await startTestSeawall();
  trail = new CloudTrailClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
});

afterAll(async () => {
  trail.destroy();
  await t.close();
});

/** Every event LookupEvents answers for `input`, page by page. */
async function lookupAll(input: LookupEventsCommandInput = {}): Promise<Event[]> {
  const events: Event[] = [];
  let token: string | undefined;
  do {
    const page = await trail.send(
      new LookupEventsCommand({ ...input, ...(token ? { NextToken: token } : {}) }),
    );
    events.push(...(page.Events ?? []));
    token = page.NextToken;
  } while (token);
  return events;
}

function recordOf(event: Event): Record<string, unknown> {
  return JSON.parse(event.CloudTrailEvent ?? '{}') as Record<string, unknown>;
}

describe('the audit trail records every call', () => {
  it('a management call becomes a CloudTrail record with all its fields, found by LookupEvents', async () => {
    await t.s3().send(new CreateBucketCommand({ Bucket: 'audit-one' }));
    const events = await lookupAll({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateBucket' }],
    });
    expect(events).toHaveLength(1);
    const event = events[0] as Event;
    expect(event).toMatchObject({
      EventName: 'CreateBucket',
      EventSource: 's3.amazonaws.com',
      ReadOnly: 'false',
      Username: 'root',
      AccessKeyId: t.credentials.accessKeyId,
    });
    expect(event.EventTime).toBeInstanceOf(Date);
    expect(event.Resources).toEqual([
      { ResourceType: 'AWS::S3::Bucket', ResourceName: 'arn:aws:s3:::audit-one' },
    ]);
    const record = recordOf(event);
    expect(record).toMatchObject({
      eventVersion: '1.10',
      userIdentity: {
        type: 'Root',
        principalId: t.seawall.accountId,
        arn: `arn:aws:iam::${t.seawall.accountId}:root`,
        accountId: t.seawall.accountId,
        accessKeyId: t.credentials.accessKeyId,
      },
      eventSource: 's3.amazonaws.com',
      eventName: 'CreateBucket',
      awsRegion: t.credentials.region,
      sourceIPAddress: '127.0.0.1',
      requestParameters: { bucketName: 'audit-one' },
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      eventCategory: 'Management',
      recipientAccountId: t.seawall.accountId,
    });
    expect(record.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(record.requestID).toMatch(/^[0-9A-F]{16}$/);
    expect(record.eventID).toMatch(/^[0-9a-f-]{36}$/);
    expect(String(record.userAgent)).toContain('aws-sdk-js');
  });

  it('an SNS Publish is recorded (a management event: no selector Seawall takes can ask for it as data)', async () => {
    const sns = new SNSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'audit-topic' }));
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn, Message: 'hello' }));
    sns.destroy();
    expect(MessageId).toBeDefined();
    const published = (
      await lookupAll({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Publish' }] })
    ).map(recordOf);
    expect(published).toMatchObject([
      {
        eventSource: 'sns.amazonaws.com',
        managementEvent: true,
        resources: [{ ARN: TopicArn, type: 'AWS::SNS::Topic' }],
      },
    ]);
  });

  it('a query parameter cannot stand in for the bucket or key a call was on', async () => {
    await t.s3().send(new PutObjectCommand({ Bucket: 'audit-one', Key: 'real', Body: 'x' }));
    const forged = await rawRequest(t.url, {
      method: 'GET',
      path: '/audit-one?key=forged&bucketName=other&Host=elsewhere&acl',
    });
    expect(forged.status).toBeGreaterThanOrEqual(200);
    const records = (
      await lookupAll({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GetBucketAcl' }] })
    ).map(recordOf);
    expect(records.length).toBeGreaterThanOrEqual(1);
    for (const record of records)
      expect(record.requestParameters).toMatchObject({
        bucketName: 'audit-one',
        Host: expect.not.stringMatching(/elsewhere/),
      });
  });

  it('denied and unauthenticated calls are recorded with their error code', async () => {
    const user = await policyUser(t, 'audit-denied');
    await expect(user.s3.send(new CreateBucketCommand({ Bucket: 'audit-denied-bucket' }))).rejects.toThrow();
    const bad = new S3Client({
      endpoint: t.url,
      region: t.credentials.region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wrong' },
    });
    await expect(bad.send(new CreateBucketCommand({ Bucket: 'audit-nobody' }))).rejects.toThrow();
    bad.destroy();
    user.s3.destroy();
    user.close();

    const denied = (
      await lookupAll({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'audit-denied' }] })
    )
      .map(recordOf)
      .find((record) => record.eventName === 'CreateBucket');
    expect(denied).toMatchObject({
      errorCode: 'AccessDenied',
      userIdentity: { type: 'IAMUser', userName: 'audit-denied' },
    });
    expect(String(denied?.errorMessage)).toContain('not authorized');

    const unknown = (
      await lookupAll({
        LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: 'AKIAIOSFODNN7EXAMPLE' }],
      })
    ).map(recordOf);
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatchObject({ errorCode: 'InvalidAccessKeyId', eventSource: 's3.amazonaws.com' });

    // A JSON protocol names its operation in a header: a refused call is recorded under that name.
    const badKms = new KMSClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLF', secretAccessKey: 'wrong' },
    });
    await expect(badKms.send(new ListKeysCommand({}))).rejects.toThrow();
    badKms.destroy();
    const refused = (
      await lookupAll({
        LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: 'AKIAIOSFODNN7EXAMPLF' }],
      })
    ).map(recordOf);
    expect(refused).toMatchObject([
      {
        eventName: 'ListKeys',
        eventSource: 'kms.amazonaws.com',
        errorCode: 'UnrecognizedClientException',
        readOnly: true,
      },
    ]);
  });

  it('a garbled request that names no operation is recorded too', async () => {
    const response = await rawRequest(t.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'Nope.Nothing' },
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    const events = await lookupAll({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Unknown' }],
    });
    // This request's own record, by the request id its answer carried.
    const requestId = response.headers['x-amz-request-id'];
    expect(requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(events.map((event) => recordOf(event).requestID)).toContain(requestId);
  });

  it('secrets never reach a record: secret keys, KMS plaintext, session tokens', async () => {
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'audit-secrets' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'audit-secrets' }));
    iam.destroy();
    const kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const dataKey = await kms.send(
      new GenerateDataKeyCommand({ KeyId: KeyMetadata?.KeyId, KeySpec: 'AES_256' }),
    );
    kms.destroy();
    const all = (await lookupAll()).map((event) => event.CloudTrailEvent ?? '').join('\n');
    expect(all).toContain('GenerateDataKey');
    expect(all).toContain('CreateAccessKey');
    expect(all).not.toContain(AccessKey?.SecretAccessKey as string);
    expect(all).not.toContain(t.credentials.secretAccessKey);
    expect(all).not.toContain(Buffer.from(dataKey.Plaintext as Uint8Array).toString('base64'));
  });

  it('LookupEvents validates its input as CloudTrail does, and pages by NextToken', async () => {
    for (let i = 0; i < 3; i++)
      await t.s3().send(new PutObjectCommand({ Bucket: 'audit-one', Key: `k${i}`, Body: 'x' }));
    const first = await trail.send(new LookupEventsCommand({ MaxResults: 2 }));
    expect(first.Events).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    const second = await trail.send(new LookupEventsCommand({ MaxResults: 2, NextToken: first.NextToken }));
    expect(second.Events?.[0]?.EventId).not.toBe(first.Events?.[1]?.EventId);
    // Newest first.
    expect((first.Events?.[0]?.EventTime as Date) >= (second.Events?.[0]?.EventTime as Date)).toBe(true);
    // Object writes are data events, which event history never shows.
    expect((await lookupAll()).some((event) => event.EventName === 'PutObject')).toBe(false);

    const refused = async (input: LookupEventsCommandInput) =>
      trail.send(new LookupEventsCommand(input)).then(
        () => 'accepted',
        (error: Error) => error.name,
      );
    expect(await refused({ MaxResults: 51 })).toBe('InvalidMaxResultsException');
    expect(
      await refused({
        LookupAttributes: [
          { AttributeKey: 'EventName', AttributeValue: 'a' },
          { AttributeKey: 'Username', AttributeValue: 'b' },
        ],
      }),
    ).toBe('InvalidLookupAttributesException');
    expect(
      await refused({ StartTime: new Date(2_000_000_000_000), EndTime: new Date(1_000_000_000_000) }),
    ).toBe('InvalidTimeRangeException');
    expect(await refused({ NextToken: 'not-a-token' })).toBe('InvalidNextTokenException');
  });

  it('aws cloudtrail lookup-events (the Debian v2 and the v1 on PATH) reads the same history', async () => {
    for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
      const result = await awsCli(
        t.dataDir,
        t.url,
        [
          'cloudtrail',
          'lookup-events',
          '--lookup-attributes',
          'AttributeKey=ResourceName,AttributeValue=audit-one',
          '--output',
          'json',
        ],
        undefined,
        cli,
      );
      expect(result.stderr, cli).toBe('');
      const events = (JSON.parse(result.stdout) as { Events: Event[] }).Events;
      expect(events.map((event) => event.EventName)).toContain('CreateBucket');
    }
  });

  it('an Athena query names each table it read: the GetTable call Athena makes for its caller', async () => {
    await t.s3().send(new CreateBucketCommand({ Bucket: 'audit-lake' }));
    await t
      .s3()
      .send(
        new PutObjectCommand({ Bucket: 'audit-lake', Key: 'requests/a.csv', Body: 'id,kind\n1,pothole\n' }),
      );
    const glue = new GlueClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: t.credentials,
    });
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'vancouver' } }));
    await glue.send(
      csvTableCommand('vancouver', 'service_requests_311', 's3://audit-lake/requests/', [
        { Name: 'id', Type: 'int' },
        { Name: 'kind', Type: 'string' },
      ]),
    );
    glue.destroy();
    const athena = athenaClient(t);
    expect(await athenaQuery(athena, 'SELECT count(*) FROM vancouver.service_requests_311')).toEqual([
      ['_col0'],
      ['1'],
    ]);
    athena.destroy();

    const reads = (
      await lookupAll({
        LookupAttributes: [
          { AttributeKey: 'ResourceName', AttributeValue: 'vancouver/service_requests_311' },
        ],
      })
    )
      .map(recordOf)
      .filter((record) => record.eventName === 'GetTable');
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({
      eventSource: 'glue.amazonaws.com',
      userIdentity: { type: 'Root', invokedBy: 'athena.amazonaws.com' },
      sourceIPAddress: 'athena.amazonaws.com',
      requestParameters: { databaseName: 'vancouver', name: 'service_requests_311' },
      resources: [
        {
          ARN: `arn:aws:glue:${t.credentials.region}:${t.seawall.accountId}:table/vancouver/service_requests_311`,
          type: 'AWS::Glue::Table',
        },
      ],
    });
  });

  it('console sign-ins are recorded as ConsoleLogin events, the password never, a failed user name hidden', async () => {
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'audit-analyst' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'audit-analyst', Password: 'Correct-horse-9' }));
    iam.destroy();
    const signIn = (password: string) =>
      fetch(`${t.url}/_seawall/signin`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: `http://${new URL(t.url).host}`,
          'user-agent': 'audit-browser/1.0',
        },
        body: JSON.stringify({ account: t.seawall.accountId, userName: 'audit-analyst', password }),
      });
    expect((await signIn('Correct-horse-9')).status).toBe(200);
    expect((await signIn('Wrong-horse-9')).status).toBe(401);
    const logins = (
      await lookupAll({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ConsoleLogin' }] })
    ).map(recordOf);
    expect(logins).toHaveLength(2);
    const [failed, succeeded] = logins;
    expect(succeeded).toMatchObject({
      eventSource: 'signin.amazonaws.com',
      eventType: 'AwsConsoleSignIn',
      userIdentity: {
        type: 'IAMUser',
        userName: 'audit-analyst',
        arn: `arn:aws:iam::${t.seawall.accountId}:user/audit-analyst`,
      },
      responseElements: { ConsoleLogin: 'Success' },
      userAgent: 'audit-browser/1.0',
      sourceIPAddress: '127.0.0.1',
    });
    expect(failed).toMatchObject({
      errorMessage: 'Failed authentication',
      responseElements: { ConsoleLogin: 'Failure' },
      userIdentity: { userName: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
    });
    expect(JSON.stringify(logins)).not.toContain('horse');
  });

  it('a sign-in that must change the password is recorded, and one whose new password is refused with its error', async () => {
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'audit-newcomer' }));
    await iam.send(
      new CreateLoginProfileCommand({
        UserName: 'audit-newcomer',
        Password: 'First-pony-7',
        PasswordResetRequired: true,
      }),
    );
    iam.destroy();
    const signIn = (body: Record<string, string>) =>
      fetch(`${t.url}/_seawall/signin`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: `http://${new URL(t.url).host}`,
          'user-agent': 'newcomer-browser/1.0',
        },
        body: JSON.stringify({ account: t.seawall.accountId, userName: 'audit-newcomer', ...body }),
      });
    expect((await signIn({ password: 'First-pony-7', newPassword: 'First-pony-7' })).status).toBe(400);
    expect((await signIn({ password: 'First-pony-7', newPassword: 'Second-pony-8' })).status).toBe(200);
    const logins = (
      await lookupAll({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ConsoleLogin' }] })
    )
      .map(recordOf)
      .filter((r) => r.userAgent === 'newcomer-browser/1.0');
    expect(logins).toEqual([
      expect.objectContaining({
        responseElements: { ConsoleLogin: 'Success' },
        userIdentity: expect.objectContaining({ userName: 'audit-newcomer' }),
      }),
      expect.objectContaining({
        errorCode: 'PasswordPolicyViolation',
        responseElements: { ConsoleLogin: 'Failure' },
        userIdentity: expect.objectContaining({ userName: 'HIDDEN_DUE_TO_SECURITY_REASONS' }),
      }),
    ]);
    expect(JSON.stringify(logins)).not.toContain('pony');
  });
});
