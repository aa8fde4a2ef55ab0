import { createHmac } from 'node:crypto';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureFields, failureOf } from './helpers/failure.js';
import { policyUser } from './helpers/iam-user.js';
import { OffsetClock } from './helpers/offset-clock.js';
import { allowPublic, startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const DAY_MS = 86_400_000;

/** KMS's answer to Decrypt of a ciphertext whose key it cannot use, which S3 passes on as its AccessDenied. */
const CIPHERTEXT_KEY_GONE =
  'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.';

describe('SSE-KMS objects follow the state of their KMS key', () => {
  let t: TestSeawall;
  let s3: S3Client;
  let kms: KMSClient;
  const clock = new OffsetClock();
  const BUCKET = 'shredded';

  beforeAll(async () => {
    t = await startTestSeawall({ clock });
    s3 = t.s3();
    kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    kms.destroy();
    await t.close();
  });

  const putUnder = (Key: string, keyId: string) =>
    s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key,
        Body: 'old records',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: keyId,
      }),
    );

  it('disabled or pending deletion: KMS.DisabledException or KMS.KMSInvalidStateException naming the key', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'paused' }));
    const id = KeyMetadata?.KeyId as string;
    const arn = KeyMetadata?.Arn as string;
    await putUnder('paused', id);
    await kms.send(new DisableKeyCommand({ KeyId: id }));
    const disabled = { code: 'KMS.DisabledException', status: 400, message: `${arn} is disabled.` };
    expect(await failureOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'paused' })))).toEqual(
      disabled,
    );
    expect(await failureOf(putUnder('another', id))).toEqual(disabled);
    await kms.send(new EnableKeyCommand({ KeyId: id }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 7 }));
    expect(await failureOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'paused' })))).toEqual({
      code: 'KMS.KMSInvalidStateException',
      status: 400,
      message: `${arn} is pending deletion.`,
    });
  });

  it('deleted: reads and copies are AccessDenied with KMS Decrypt message, writes KMS.NotFoundException', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'shred me' }));
    const id = KeyMetadata?.KeyId as string;
    const arn = KeyMetadata?.Arn as string;
    await putUnder('doomed', id);
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 7 }));
    clock.offset += 8 * DAY_MS;
    try {
      const denied = { code: 'AccessDenied', status: 403, message: CIPHERTEXT_KEY_GONE };
      expect(await failureOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doomed' })))).toEqual(
        denied,
      );
      expect(
        await failureOf(
          s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'rescued', CopySource: `${BUCKET}/doomed` })),
        ),
      ).toEqual(denied);
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'joined' }));
      expect(
        await failureOf(
          s3.send(
            new UploadPartCopyCommand({
              Bucket: BUCKET,
              Key: 'joined',
              UploadId,
              PartNumber: 1,
              CopySource: `${BUCKET}/doomed`,
            }),
          ),
        ),
      ).toEqual(denied);
      // HEAD calls no KMS: the object is still described, only its bytes are beyond reach.
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'doomed' }))).SSEKMSKeyId).toBe(arn);
      expect(await failureOf(putUnder('again', id))).toEqual({
        code: 'KMS.NotFoundException',
        status: 400,
        message: `Key '${arn}' does not exist`,
      });
    } finally {
      clock.offset = 0;
    }
  });
});

describe('SSE-KMS needs a request signed with Signature Version 4', () => {
  let t: TestSeawall;
  let s3: S3Client;
  /** The SDK sending unsigned requests, as a browser or `--no-sign-request` does. */
  let anonymous: S3Client;
  let kms: KMSClient;
  const BUCKET = 'open-data';

  beforeAll(async () => {
    t = await startTestSeawall();
    s3 = t.s3();
    anonymous = t.s3({ signer: { sign: async (request) => request } });
    kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await allowPublic(s3, BUCKET);
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: BUCKET,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: ['s3:GetObject', 's3:PutObject'],
              Resource: `arn:aws:s3:::${BUCKET}/*`,
            },
          ],
        }),
      }),
    );
  });
  afterAll(async () => {
    anonymous.destroy();
    kms.destroy();
    await t.close();
  });

  const refused = {
    name: 'InvalidArgument',
    message:
      'Requests specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4.',
    ArgumentName: 'Authorization',
    ArgumentValue: 'null',
    status: 400,
  };
  const fieldsOf = async (promise: Promise<unknown>) => {
    const { name, message, ArgumentName, ArgumentValue, $metadata } = await failureFields(promise);
    const status = ($metadata as { httpStatusCode?: number }).httpStatusCode;
    return { name, message, ArgumentName, ArgumentValue, status };
  };

  it('an anonymous read of an SSE-KMS object in a public bucket is InvalidArgument; SSE-S3 objects read', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'open data' }));
    const put = (Key: string, sealing: object) =>
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'rows', ...sealing }));
    await put('customer-key.csv', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KeyMetadata?.Arn });
    await put('managed-key.csv', { ServerSideEncryption: 'aws:kms' });
    await put('plain.csv', {});
    for (const Key of ['customer-key.csv', 'managed-key.csv'])
      expect(await fieldsOf(anonymous.send(new GetObjectCommand({ Bucket: BUCKET, Key })))).toEqual(refused);
    const plain = await anonymous.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'plain.csv' }));
    expect(await plain.Body?.transformToString()).toBe('rows');
  });

  it('an anonymous write that asks for SSE-KMS is InvalidArgument', async () => {
    expect(
      await fieldsOf(
        anonymous.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: 'upload.csv',
            Body: 'x',
            ServerSideEncryption: 'aws:kms',
          }),
        ),
      ),
    ).toEqual(refused);
    await anonymous.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'upload.csv', Body: 'x' }));
  });

  it('a browser form signed with Signature Version 2 that asks for SSE-KMS is InvalidArgument', async () => {
    const post = async (sealing: Record<string, string>) => {
      const policy = Buffer.from(
        JSON.stringify({
          expiration: new Date(Date.now() + 3600_000).toISOString(),
          conditions: [
            { bucket: BUCKET },
            ['starts-with', '$key', ''],
            ...Object.entries(sealing).map(([name, value]) => ({ [name]: value })),
          ],
        }),
      ).toString('base64');
      const form = new FormData();
      form.append('key', 'form.csv');
      form.append('AWSAccessKeyId', t.credentials.accessKeyId);
      form.append('policy', policy);
      form.append(
        'signature',
        createHmac('sha1', t.credentials.secretAccessKey).update(policy).digest('base64'),
      );
      for (const [name, value] of Object.entries(sealing)) form.append(name, value);
      form.append('file', new Blob(['rows']), 'form.csv');
      const response = await fetch(`${t.url}/${BUCKET}`, { method: 'POST', body: form });
      const body = await response.text();
      const element = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
      return { status: response.status, code: element('Code'), argument: element('ArgumentName') };
    };
    expect(await post({ 'x-amz-server-side-encryption': 'aws:kms' })).toEqual({
      status: 400,
      code: 'InvalidArgument',
      argument: 'Authorization',
    });
    expect((await post({})).status).toBe(204);
  });
});

describe("S3's use of a KMS key is judged by the key's own condition keys", () => {
  let t: TestSeawall;
  let kms: KMSClient;
  const BUCKET = 'tagged-keys';

  beforeAll(async () => {
    t = await startTestSeawall();
    kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await t.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    kms.destroy();
    await t.close();
  });

  it("an IAM Deny on the key's tag or alias holds for uploads and downloads through S3", async () => {
    const secret = await kms.send(
      new CreateKeyCommand({ Tags: [{ TagKey: 'classification', TagValue: 'secret' }] }),
    );
    const open = await kms.send(new CreateKeyCommand({}));
    const secretKey = secret.KeyMetadata?.Arn as string;
    const openKey = open.KeyMetadata?.Arn as string;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/restricted', TargetKeyId: openKey }));
    // Written by the root, under each key, before the user's policy matters.
    for (const [Key, SSEKMSKeyId] of [
      ['secret.txt', secretKey],
      ['restricted.txt', openKey],
    ])
      await t.s3().send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key,
          Body: Key,
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId,
        }),
      );
    const user = await policyUser(t, 'tag-denied', [
      { Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' },
      {
        Effect: 'Deny',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/classification': 'secret' } },
      },
      {
        Effect: 'Deny',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/restricted' } },
      },
    ]);
    try {
      expect(
        await failureOf(user.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret.txt' }))),
      ).toMatchObject({ code: 'AccessDenied', status: 403 });
      expect(
        await failureOf(
          user.s3.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: 'more.txt',
              Body: 'x',
              ServerSideEncryption: 'aws:kms',
              SSEKMSKeyId: secretKey,
            }),
          ),
        ),
      ).toMatchObject({ code: 'AccessDenied', status: 403 });
      expect(
        await failureOf(user.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'restricted.txt' }))),
      ).toMatchObject({ code: 'AccessDenied', status: 403 });
      // Writing under the aliased key is not denied: only its Decrypt is.
      await user.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'restricted-2.txt',
          Body: 'y',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: openKey,
        }),
      );
    } finally {
      user.close();
    }
  });
});
