import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { policyUser } from './helpers/iam-user.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * The bucket policies the S3 User Guide gives for an encrypted data lake, put as the guide writes them (only
 * names, ARNs and account ids replaced), and the requests the guide says they allow or deny.
 */

let t: TestSeawall;
let s3: S3Client;
let keyArn: string;
const BUCKET = 'doc-lake';
const OBJECTS = `arn:aws:s3:::${BUCKET}/*`;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? '';
  kms.destroy();
});

afterAll(async () => {
  await t?.close();
});

const putPolicy = (document: object) =>
  s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify(document) }));
const denyPut = (condition: object) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Doc',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: OBJECTS,
      Condition: condition,
    },
  ],
});
const put = (key: string, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}) =>
  s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'rows', ...extra }));

describe("the guide's policies are accepted and act as the guide says", () => {
  it('"Require SSE-KMS with a specific key": only that key passes', async () => {
    await putPolicy(
      denyPut({ StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn } }),
    );
    await put('a', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn });
    for (const extra of [{}, { ServerSideEncryption: 'AES256' as const }]) {
      expect(await failureOf(put('b', extra))).toMatchObject({ code: 'AccessDenied', status: 403 });
    }
  });

  it('"Deny SSE-C uploads" (Null customer-algorithm false) denies SSE-C and lets others through', async () => {
    await putPolicy(denyPut({ Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } }));
    await put('c');
    const ssec = put('d', {
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: Buffer.alloc(32, 7).toString('base64'),
      SSECustomerKeyMD5: undefined,
    });
    expect(await failureOf(ssec)).toMatchObject({ code: 'AccessDenied', status: 403 });
  });

  it('keys of any case, tag keys with their tag name, and every aws: key are taken', async () => {
    for (const condition of [
      { StringEquals: { 'S3:X-Amz-Server-Side-Encryption': 'aws:kms' } },
      { StringEquals: { 's3:RequestObjectTag/classification': 'open' } },
      { StringEquals: { 's3:ExistingObjectTag/classification': 'open' } },
      { NumericLessThan: { 's3:TlsVersion': 1.2 } },
      { StringEquals: { 'aws:SomeKeyS3DoesNotSupply': 'x' } },
      { IpAddress: { 'aws:VpcSourceIp': ['127.0.0.1', '10.0.0.0/8', '2001:db8::/32'] } },
    ]) {
      await putPolicy(denyPut(condition));
      const stored = await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }));
      expect(JSON.parse(stored.Policy ?? '{}').Statement[0].Condition).toEqual(condition);
    }
  });
  it('"Enforce conditional writes": an unconditional creation is denied, a multipart upload\'s parts are not', async () => {
    // The guide's condition keys: s3:if-none-match, and s3:ObjectCreationOperation to exempt
    // CreateMultipartUpload, UploadPart and UploadPartCopy, which take no conditional header.
    await putPolicy(
      denyPut({ Null: { 's3:if-none-match': 'true' }, Bool: { 's3:ObjectCreationOperation': 'true' } }),
    );
    try {
      expect(await failureOf(put('unconditional'))).toMatchObject({ code: 'AccessDenied', status: 403 });
      await put('conditional', { IfNoneMatch: '*' });
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts' }));
      const part = await s3.send(
        new UploadPartCommand({ Bucket: BUCKET, Key: 'parts', UploadId, PartNumber: 1, Body: 'rows' }),
      );
      const complete = (IfNoneMatch?: string) =>
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: BUCKET,
            Key: 'parts',
            UploadId,
            MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
            ...(IfNoneMatch ? { IfNoneMatch } : {}),
          }),
        );
      expect(await failureOf(complete())).toMatchObject({ code: 'AccessDenied', status: 403 });
      await complete('*');
    } finally {
      await s3.send(new DeleteBucketPolicyCommand({ Bucket: BUCKET }));
    }
  });
});

describe("what S3 refuses in a bucket policy's Condition", () => {
  it('a key that is neither S3\'s nor a global aws: key is "Policy has an invalid condition key"', async () => {
    await putPolicy(denyPut({ Null: { 's3:x-amz-server-side-encryption': 'true' } }));
    for (const condition of [
      { StringEquals: { 's3:x-amz-server-side-encryption-key': 'aws:kms' } },
      { StringEquals: { 'kms:ViaService': 's3.ca-west-1.amazonaws.com' } },
      { StringEquals: { 's3:ExistingObjectTag': 'open' } },
      { Null: { 'x-amz-server-side-encryption': 'true' } },
    ]) {
      expect(await failureOf(putPolicy(denyPut(condition))), JSON.stringify(condition)).toEqual({
        code: 'MalformedPolicy',
        status: 400,
        message: 'Policy has an invalid condition key',
      });
    }
    // The policy in force is still the one put before.
    const stored = await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }));
    expect(JSON.parse(stored.Policy ?? '{}').Statement[0].Condition).toEqual({
      Null: { 's3:x-amz-server-side-encryption': 'true' },
    });
  });

  it('an IP condition whose value is no address or range is "Invalid IP address in Conditions"', async () => {
    for (const value of ['not-an-ip', '10.0.0.256', '10.0.0.0/33', '2001:db8::/129']) {
      const document = {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'IPAllow',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [`arn:aws:s3:::${BUCKET}`, OBJECTS],
            Condition: { NotIpAddress: { 'aws:SourceIp': value } },
          },
        ],
      };
      expect(await failureOf(putPolicy(document)), value).toEqual({
        code: 'MalformedPolicy',
        status: 400,
        message: 'Invalid IP address in Conditions',
      });
    }
    // The guide's own example, limited to loopback, lets the owner on loopback in.
    await putPolicy({
      Version: '2012-10-17',
      Id: 'S3PolicyId1',
      Statement: [
        {
          Sid: 'IPAllow',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:aws:s3:::${BUCKET}`, OBJECTS],
          Condition: { NotIpAddress: { 'aws:SourceIp': '127.0.0.0/8' } },
        },
      ],
    });
    await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  });

  it('the aws cli sees the same refusal', async () => {
    const result = await awsCli(t.dataDir, t.url, [
      's3api',
      'put-bucket-policy',
      '--bucket',
      BUCKET,
      '--policy',
      JSON.stringify(denyPut({ StringEquals: { 's3:x-amz-sse': 'aws:kms' } })),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      '(MalformedPolicy) when calling the PutBucketPolicy operation: Policy has an invalid condition key',
    );
  });
});

describe('Object Lock limits a bucket policy sets on PutObjectRetention and PutObjectLegalHold', () => {
  const LOCKED = 'doc-locked-lake';
  const days = (n: number) => new Date(Date.now() + n * 86_400_000);

  it('"s3:object-lock-remaining-retention-days" caps the retention a request asks for', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
    const user = await policyUser(t, 'lock-keeper', [
      { Effect: 'Allow', Action: 's3:*', Resource: [`arn:aws:s3:::${LOCKED}`, `arn:aws:s3:::${LOCKED}/*`] },
    ]);
    await s3.send(new PutObjectCommand({ Bucket: LOCKED, Key: 'ledger.csv', Body: 'rows' }));
    // The S3 User Guide's retention limit, as it writes it.
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: LOCKED,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'SetRetentionLimits',
              Effect: 'Deny',
              Principal: '*',
              Action: ['s3:PutObjectRetention'],
              Resource: `arn:aws:s3:::${LOCKED}/*`,
              Condition: { NumericGreaterThan: { 's3:object-lock-remaining-retention-days': '10' } },
            },
            {
              Sid: 'NoComplianceMode',
              Effect: 'Deny',
              Principal: '*',
              Action: ['s3:PutObjectRetention'],
              Resource: `arn:aws:s3:::${LOCKED}/*`,
              Condition: { StringEquals: { 's3:object-lock-mode': 'COMPLIANCE' } },
            },
            {
              Sid: 'NoLegalHold',
              Effect: 'Deny',
              Principal: '*',
              Action: ['s3:PutObjectLegalHold'],
              Resource: `arn:aws:s3:::${LOCKED}/*`,
              Condition: { StringEquals: { 's3:object-lock-legal-hold': 'ON' } },
            },
          ],
        }),
      }),
    );
    const retain = (until: Date, mode: 'GOVERNANCE' | 'COMPLIANCE' = 'GOVERNANCE') =>
      user.s3.send(
        new PutObjectRetentionCommand({
          Bucket: LOCKED,
          Key: 'ledger.csv',
          Retention: { Mode: mode, RetainUntilDate: until },
        }),
      );
    const hold = (Status: 'ON' | 'OFF') =>
      user.s3.send(
        new PutObjectLegalHoldCommand({ Bucket: LOCKED, Key: 'ledger.csv', LegalHold: { Status } }),
      );
    for (const denied of [() => retain(days(30)), () => retain(days(5), 'COMPLIANCE'), () => hold('ON')]) {
      expect(await failureOf(denied())).toMatchObject({ code: 'AccessDenied', status: 403 });
    }
    await retain(days(5));
    await hold('OFF');
    user.close();
  });
});
