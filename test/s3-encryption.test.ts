import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout } from '../src/data-dir.js';
import { awsCli } from './helpers/aws-cli.js';
import { failure, failureOf } from './helpers/failure.js';
import { clientConfig as clientConfigOf } from './helpers/glue.js';
import { type PolicyUser, policyUser } from './helpers/iam-user.js';
import { OffsetClock } from './helpers/offset-clock.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

const DAY_MS = 86_400_000;

async function bodyOf(
  s3: S3Client,
  input: { Bucket: string; Key: string; Range?: string; VersionId?: string },
) {
  const answer = await s3.send(new GetObjectCommand(input));
  return { answer, bytes: Buffer.from((await answer.Body?.transformToByteArray()) ?? []) };
}

/** The blob file that holds a version's bytes, found through the metadata (as an attacker with the disk would). */
function blobPath(t: TestSeawall, bucket: string, key: string, versionId?: string): string {
  const layout = dataDirLayout(t.dataDir);
  const db = new BetterSqlite3(layout.metadataDb, { readonly: true });
  try {
    const row = db
      .prepare(
        versionId === undefined
          ? 'SELECT blob_id FROM object_versions WHERE bucket = ? AND key = ? AND is_latest = 1'
          : 'SELECT blob_id FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?',
      )
      .get(...(versionId === undefined ? [bucket, key] : [bucket, key, versionId])) as { blob_id: string };
    return join(layout.objects, 'blobs', row.blob_id.slice(0, 2), row.blob_id);
  } finally {
    db.close();
  }
}

describe('objects are encrypted at rest', () => {
  let t: TestSeawall;
  let s3: S3Client;
  let kms: KMSClient;
  const clock = new OffsetClock();
  const BUCKET = 'sealed';
  let keyArn: string;

  beforeAll(async () => {
    t = await startTestSeawall({ clock });
    s3 = t.s3();
    kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'lake' }));
    keyArn = KeyMetadata?.Arn ?? '';
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/lake', TargetKeyId: keyArn }));
  });
  afterAll(async () => {
    kms.destroy();
    await t.close();
  });

  it('with SSE-S3 by default: the answers say so, and the bytes on disk are not the plaintext', async () => {
    const marker = `marker-${randomBytes(8).toString('hex')}`;
    const body = `${marker}\n`.repeat(5000);
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain.txt', Body: body }));
    expect(put.ServerSideEncryption).toBe('AES256');
    expect(put.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'plain.txt' }));
    expect(head.ServerSideEncryption).toBe('AES256');
    expect(head.ContentLength).toBe(body.length);
    const { answer, bytes } = await bodyOf(s3, { Bucket: BUCKET, Key: 'plain.txt' });
    expect(answer.ServerSideEncryption).toBe('AES256');
    expect(bytes.toString()).toBe(body);
    const onDisk = readFileSync(blobPath(t, BUCKET, 'plain.txt'));
    expect(onDisk.includes(marker)).toBe(false);
    // One 16-byte tag per 64 KiB segment.
    expect(onDisk.length).toBe(body.length + Math.ceil(body.length / 65536) * 16);
    // An empty object is sealed too, and reads back empty.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'empty', Body: '' }));
    expect((await bodyOf(s3, { Bucket: BUCKET, Key: 'empty' })).bytes.length).toBe(0);
  });

  it('serves ranges and parts, decrypting only what they need', async () => {
    const data = randomBytes(300_000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ranged', Body: data }));
    for (const [start, end] of [
      [0, 0],
      [65535, 65536],
      [65536, 131071],
      [100, 299_999],
      [299_999, 299_999],
      [131_000, 200_000],
    ] as const) {
      const { answer, bytes } = await bodyOf(s3, {
        Bucket: BUCKET,
        Key: 'ranged',
        Range: `bytes=${start}-${end}`,
      });
      expect(answer.ContentRange).toBe(`bytes ${start}-${end}/300000`);
      expect(bytes.equals(data.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
    }
    const suffix = await bodyOf(s3, { Bucket: BUCKET, Key: 'ranged', Range: 'bytes=-70000' });
    expect(suffix.bytes.equals(data.subarray(230_000))).toBe(true);
  });

  it('with SSE-KMS under a customer key named by alias, id or ARN, with its context and bucket key', async () => {
    const context = Buffer.from(JSON.stringify({ dataset: 'parking' })).toString('base64');
    for (const keyId of ['alias/lake', keyArn.split('/')[1] as string, keyArn]) {
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'kms.csv',
          Body: 'a,b\n1,2\n',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: keyId,
          SSEKMSEncryptionContext: context,
        }),
      );
      expect(put.ServerSideEncryption).toBe('aws:kms');
      expect(put.SSEKMSKeyId).toBe(keyArn);
      expect(put.SSEKMSEncryptionContext).toBe(context);
      const { answer, bytes } = await bodyOf(s3, { Bucket: BUCKET, Key: 'kms.csv' });
      expect(answer.SSEKMSKeyId).toBe(keyArn);
      expect(bytes.toString()).toBe('a,b\n1,2\n');
    }
    const keyed = await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'bucket-key.csv',
        Body: 'x',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alias/lake',
        BucketKeyEnabled: true,
      }),
    );
    expect(keyed.BucketKeyEnabled).toBe(true);
    // A context naming another object is S3's own refusal, InvalidArgument, not one of KMS's (KMS.…).
    const elsewhere = Buffer.from(JSON.stringify({ 'aws:s3:arn': 'arn:aws:s3:::other/x' })).toString(
      'base64',
    );
    expect(
      await failureOf(
        s3.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: 'kms-elsewhere.csv',
            Body: 'x',
            ServerSideEncryption: 'aws:kms',
            SSEKMSKeyId: 'alias/lake',
            SSEKMSEncryptionContext: elsewhere,
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidArgument', status: 400 });
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'bucket-key.csv' }));
    expect(head.BucketKeyEnabled).toBe(true);
    expect((await bodyOf(s3, { Bucket: BUCKET, Key: 'bucket-key.csv' })).bytes.toString()).toBe('x');
  });

  it('with SSE-KMS and no key: the AWS managed key aws/s3, made on first use', async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'managed', Body: 'm', ServerSideEncryption: 'aws:kms' }),
    );
    const { Aliases } = await kms.send(new ListAliasesCommand({}));
    const alias = Aliases?.find((a) => a.AliasName === 'alias/aws/s3');
    expect(alias?.TargetKeyId).toBeDefined();
    expect(put.SSEKMSKeyId).toContain(alias?.TargetKeyId);
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }));
    expect(KeyMetadata?.KeyManager).toBe('AWS');
    // Its policy lets no one manage it, not even the account.
    expect(await failure(kms.send(new DisableKeyCommand({ KeyId: KeyMetadata?.KeyId })))).toMatchObject({
      code: 'AccessDeniedException',
    });
    expect((await bodyOf(s3, { Bucket: BUCKET, Key: 'managed' })).bytes.toString()).toBe('m');
  });

  it('as the bucket default says: Put, Get and DeleteBucketEncryption', async () => {
    const initial = await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }));
    expect(initial.ServerSideEncryptionConfiguration?.Rules).toEqual([
      {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
        BucketKeyEnabled: false,
        BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
      },
    ]);
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: BUCKET,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/lake' },
              BucketKeyEnabled: true,
            },
          ],
        },
      }),
    );
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'defaulted', Body: 'd' }));
    expect(put.ServerSideEncryption).toBe('aws:kms');
    expect(put.SSEKMSKeyId).toBe(keyArn);
    expect(put.BucketKeyEnabled).toBe(true);
    // A write that names only an S3 Bucket Key setting gets the bucket's default with that setting.
    const unkeyed = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'unkeyed', Body: 'u', BucketKeyEnabled: false }),
    );
    expect([unkeyed.ServerSideEncryption, unkeyed.BucketKeyEnabled]).toEqual(['aws:kms', undefined]);
    // A write that asks for SSE-S3 gets it.
    const asked = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'asked', Body: 'a', ServerSideEncryption: 'AES256' }),
    );
    expect(asked.ServerSideEncryption).toBe('AES256');
    const got = await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }));
    expect(got.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: 'alias/lake',
    });
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: BUCKET }));
    const after = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after', Body: 'z' }));
    expect(after.ServerSideEncryption).toBe('AES256');
    expect(
      await failure(
        s3.send(
          new PutBucketEncryptionCommand({
            Bucket: BUCKET,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' } }],
            },
          }),
        ),
      ),
    ).toEqual({ code: 'NotImplemented', status: 501 });
    expect(
      await failure(
        s3.send(
          new PutBucketEncryptionCommand({
            Bucket: 'no-such-bucket-here',
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
            },
          }),
        ),
      ),
    ).toEqual({ code: 'NoSuchBucket', status: 404 });
  });

  it('in multipart uploads: each part sealed as it arrives, the object under the key the upload began with', async () => {
    const create = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'multi',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alias/lake',
      }),
    );
    expect(create.ServerSideEncryption).toBe('aws:kms');
    expect(create.SSEKMSKeyId).toBe(keyArn);
    const first = randomBytes(5 * 1024 * 1024);
    const second = randomBytes(70_000);
    const source = randomBytes(6 * 1024 * 1024);
    const copied = source.subarray(1000, 1000 + 5 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy-source', Body: source }));
    const parts = [];
    const one = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: 'multi',
        UploadId: create.UploadId,
        PartNumber: 1,
        Body: first,
      }),
    );
    expect(one.ServerSideEncryption).toBe('aws:kms');
    parts.push({ PartNumber: 1, ETag: one.ETag });
    const two = await s3.send(
      new UploadPartCopyCommand({
        Bucket: BUCKET,
        Key: 'multi',
        UploadId: create.UploadId,
        PartNumber: 2,
        CopySource: `${BUCKET}/copy-source`,
        CopySourceRange: `bytes=1000-${1000 + copied.length - 1}`,
      }),
    );
    expect(two.ServerSideEncryption).toBe('aws:kms');
    parts.push({ PartNumber: 2, ETag: two.CopyPartResult?.ETag });
    const three = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: 'multi',
        UploadId: create.UploadId,
        PartNumber: 3,
        Body: second,
      }),
    );
    parts.push({ PartNumber: 3, ETag: three.ETag });
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'multi',
        UploadId: create.UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    expect(done.ServerSideEncryption).toBe('aws:kms');
    expect(done.ETag).toMatch(/-3"$/);
    const whole = Buffer.concat([first, copied, second]);
    const { answer, bytes } = await bodyOf(s3, { Bucket: BUCKET, Key: 'multi' });
    expect(answer.SSEKMSKeyId).toBe(keyArn);
    expect(bytes.equals(whole)).toBe(true);
    const part2 = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'multi', PartNumber: 2 }));
    expect(Buffer.from((await part2.Body?.transformToByteArray()) ?? []).equals(copied)).toBe(true);
    const onDisk = readFileSync(blobPath(t, BUCKET, 'multi'));
    expect(onDisk.includes(first.subarray(0, 64))).toBe(false);
  });

  it('in copies, which take the encryption the request or the destination asks for, never the source', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'to-copy',
        Body: 'copy me',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alias/lake',
      }),
    );
    const plain = await s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'copied', CopySource: `${BUCKET}/to-copy` }),
    );
    expect(plain.ServerSideEncryption).toBe('AES256');
    expect((await bodyOf(s3, { Bucket: BUCKET, Key: 'copied' })).bytes.toString()).toBe('copy me');
    // A copy onto itself that changes only the encryption is allowed, and changes it.
    const onto = await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'copied',
        CopySource: `${BUCKET}/copied`,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: keyArn,
      }),
    );
    expect(onto.ServerSideEncryption).toBe('aws:kms');
    expect(onto.SSEKMSKeyId).toBe(keyArn);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copied' }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect((await bodyOf(s3, { Bucket: BUCKET, Key: 'copied' })).bytes.toString()).toBe('copy me');
  });

  it('keeps each version under its own data key, and every version reads back', async () => {
    const bucket = 'sealed-versions';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'one' }));
    const v2 = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'two', ServerSideEncryption: 'aws:kms' }),
    );
    expect(
      (await bodyOf(s3, { Bucket: bucket, Key: 'k', VersionId: v1.VersionId as string })).bytes.toString(),
    ).toBe('one');
    const second = await bodyOf(s3, { Bucket: bucket, Key: 'k', VersionId: v2.VersionId as string });
    expect(second.bytes.toString()).toBe('two');
    expect(second.answer.ServerSideEncryption).toBe('aws:kms');
  });

  it('needs kms:GenerateDataKey to write and kms:Decrypt to read under a customer key, beside s3 permissions', async () => {
    const s3Only = [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }];
    const user: PolicyUser = await policyUser(t, 'sse-user', s3Only);
    try {
      const put = (Key: string) =>
        user.s3.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key,
            Body: 'secret',
            ServerSideEncryption: 'aws:kms',
            SSEKMSKeyId: 'alias/lake',
          }),
        );
      expect(await failure(put('denied'))).toEqual({ code: 'AccessDenied', status: 403 });
      expect(await failure(user.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kms.csv' })))).toEqual({
        code: 'AccessDenied',
        status: 403,
      });
      // HEAD does not decrypt, so S3 permissions are enough.
      expect(
        (await user.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'kms.csv' }))).SSEKMSKeyId,
      ).toBe(keyArn);
      // SSE-S3 and the AWS managed key need nothing of KMS.
      await user.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'user-plain', Body: 'p' }));
      await user.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'user-managed',
          Body: 'p',
          ServerSideEncryption: 'aws:kms',
        }),
      );
      expect((await bodyOf(user.s3, { Bucket: BUCKET, Key: 'user-managed' })).bytes.toString()).toBe('p');
      await user.allow([
        ...s3Only,
        { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: keyArn },
      ]);
      await put('allowed');
      expect((await bodyOf(user.s3, { Bucket: BUCKET, Key: 'allowed' })).bytes.toString()).toBe('secret');
    } finally {
      user.close();
    }
  });

  it('with SSE-C once the bucket unblocks it: the key is needed for every read, and only that key works', async () => {
    const bucket = 'customer-keys';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const key = randomBytes(32);
    const other = randomBytes(32);
    const sseC = (k: Buffer, prefix = 'SSECustomer') => ({
      [`${prefix}Algorithm`]: 'AES256',
      [`${prefix}Key`]: k.toString('base64'),
      [`${prefix}KeyMD5`]: createHash('md5').update(k).digest('base64'),
    });
    const data = randomBytes(150_000);
    // Blocked, as new S3 buckets are, until the bucket's encryption configuration unblocks it.
    expect(
      await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'c', Body: data, ...sseC(key) }))),
    ).toEqual({ code: 'AccessDenied', status: 403 });
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
              BlockedEncryptionTypes: { EncryptionType: ['NONE'] },
            },
          ],
        },
      }),
    );
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'c', Body: data, ...sseC(key) }));
    expect([put.SSECustomerAlgorithm, put.SSECustomerKeyMD5, put.ServerSideEncryption]).toEqual([
      'AES256',
      createHash('md5').update(key).digest('base64'),
      undefined,
    ]);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c' })))).toEqual({
      code: 'InvalidRequest',
      status: 400,
    });
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'c' })))).toMatchObject({
      status: 400,
    });
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'c', ...sseC(other) }))),
    ).toEqual({
      code: 'AccessDenied',
      status: 403,
    });
    const got = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'c', Range: 'bytes=70000-70099', ...sseC(key) }),
    );
    expect(
      Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(data.subarray(70000, 70100)),
    ).toBe(true);
    expect(got.SSECustomerKeyMD5).toBe(put.SSECustomerKeyMD5);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'c', ...sseC(key) }));
    expect(head.SSECustomerAlgorithm).toBe('AES256');
    // An SSE-C key for an object that has none is refused.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'p' }));
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'plain', ...sseC(key) }))),
    ).toEqual({
      code: 'InvalidRequest',
      status: 400,
    });
    // A copy needs the source's key, and is encrypted as its own request says.
    expect(
      await failure(
        s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/c` })),
      ),
    ).toEqual({ code: 'InvalidRequest', status: 400 });
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copy',
        CopySource: `${bucket}/c`,
        ...sseC(key, 'CopySourceSSECustomer'),
      }),
    );
    expect(copy.ServerSideEncryption).toBe('AES256');
    expect((await bodyOf(s3, { Bucket: bucket, Key: 'copy' })).bytes.equals(data)).toBe(true);
    // Multipart: the key on each part and on the completion, which joins the parts.
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mc', ...sseC(key) }),
    );
    const part = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: 'mc', UploadId, PartNumber: 1, Body: data, ...sseC(key) }),
    );
    expect(part.SSECustomerKeyMD5).toBe(put.SSECustomerKeyMD5);
    expect(
      await failure(
        s3.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: 'mc',
            UploadId,
            PartNumber: 2,
            Body: data,
            ...sseC(other),
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidRequest', status: 400 });
    const complete = (extra: object) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'mc',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
          ...extra,
        }),
      );
    // The completion takes no key, as S3's (the upload's key is kept from its parts while it is in progress).
    const done = await complete({});
    expect(done.ServerSideEncryption).toBeUndefined();
    const joined = await bodyOf(s3, { Bucket: bucket, Key: 'mc', ...sseC(key) });
    expect(joined.bytes.equals(data)).toBe(true);
    // A copy onto itself with a new key changes the key: the old one no longer reads it.
    const newKey = randomBytes(32);
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'mc',
        CopySource: `${bucket}/mc`,
        ...sseC(key, 'CopySourceSSECustomer'),
        ...sseC(newKey),
      }),
    );
    expect((await bodyOf(s3, { Bucket: bucket, Key: 'mc', ...sseC(newKey) })).bytes.equals(data)).toBe(true);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mc', ...sseC(key) })))).toEqual(
      {
        code: 'AccessDenied',
        status: 403,
      },
    );
    // The aws cli's multipart upload with --sse-c (it sends no key on the completion).
    const file = join(tempDir('seawall-ssec-cli-'), 'big.bin');
    const big = randomBytes(10 * 1024 * 1024);
    writeFileSync(file, big);
    const keyFile = join(tempDir('seawall-ssec-key-'), 'key.bin');
    writeFileSync(keyFile, key);
    const cp = await awsCli(t.dataDir, t.url, [
      's3',
      'cp',
      file,
      `s3://${bucket}/cli-big`,
      '--sse-c',
      'AES256',
      '--sse-c-key',
      `fileb://${keyFile}`,
    ]);
    expect(cp.code, cp.stderr).toBe(0);
    expect((await bodyOf(s3, { Bucket: bucket, Key: 'cli-big', ...sseC(key) })).bytes.equals(big)).toBe(true);
    // A malformed key is refused before anything is stored.
    expect(
      await failure(
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: 'bad',
            Body: 'x',
            SSECustomerAlgorithm: 'AES256',
            SSECustomerKey: randomBytes(16).toString('base64'),
          }),
        ),
      ),
    ).toMatchObject({ status: 400 });
  });

  it('through the aws cli: --sse and --sse-kms-key-id, and the bucket encryption commands', async () => {
    const file = join(tempDir('seawall-sse-cli-'), 'rows.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    const aws = (...args: string[]) => awsCli(t.dataDir, t.url, args);
    const cp = await aws(
      's3',
      'cp',
      file,
      `s3://${BUCKET}/cli/rows.csv`,
      '--sse',
      'aws:kms',
      '--sse-kms-key-id',
      'alias/lake',
    );
    expect(cp.code, cp.stderr).toBe(0);
    const head = await aws('s3api', 'head-object', '--bucket', BUCKET, '--key', 'cli/rows.csv');
    expect(JSON.parse(head.stdout)).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn });
    const put = await aws(
      's3api',
      'put-bucket-encryption',
      '--bucket',
      BUCKET,
      '--server-side-encryption-configuration',
      JSON.stringify({
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }],
      }),
    );
    expect(put.code, put.stderr).toBe(0);
    const got = await aws('s3api', 'get-bucket-encryption', '--bucket', BUCKET);
    expect(JSON.parse(got.stdout).ServerSideEncryptionConfiguration.Rules[0]).toMatchObject({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
    });
    const del = await aws('s3api', 'delete-bucket-encryption', '--bucket', BUCKET);
    expect(del.code, del.stderr).toBe(0);
    const back = await aws('s3', 'cp', `s3://${BUCKET}/cli/rows.csv`, '-');
    expect(back.stdout).toBe('a,b\n1,2\n');
  });
  it('follows its key: disabled it refuses reads, enabled they work again, deleted the data is gone for good', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'shred me' }));
    const id = KeyMetadata?.KeyId as string;
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'doomed',
        Body: 'old records',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: id,
      }),
    );
    await kms.send(new DisableKeyCommand({ KeyId: id }));
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doomed' })))).toEqual({
      code: 'KMS.DisabledException',
      status: 400,
    });
    expect(
      await failure(
        s3.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: 'new',
            Body: 'x',
            ServerSideEncryption: 'aws:kms',
            SSEKMSKeyId: id,
          }),
        ),
      ),
    ).toEqual({ code: 'KMS.DisabledException', status: 400 });
    await kms.send(new EnableKeyCommand({ KeyId: id }));
    expect((await bodyOf(s3, { Bucket: BUCKET, Key: 'doomed' })).bytes.toString()).toBe('old records');
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 7 }));
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doomed' })))).toEqual({
      code: 'KMS.KMSInvalidStateException',
      status: 400,
    });
    clock.offset += 8 * DAY_MS;
    // KMS refuses to decrypt under a key that is gone; S3 answers that as its AccessDenied.
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doomed' })))).toEqual({
      code: 'AccessDenied',
      status: 403,
    });
    // The object is still listed and described; only its bytes are beyond reach.
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'doomed' }))).ContentLength).toBe(11);
    clock.offset = 0;
  });
});

/** Rewrites bytes of a file in place (the server may keep it open: the same file must change). */
function patch(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

describe('tampered object bytes never read back as data', () => {
  let t: TestSeawall;
  let s3: S3Client;
  const BUCKET = 'tampered';
  const SEGMENT = 65536 + 16;

  beforeAll(async () => {
    t = await startTestSeawall();
    s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  });
  afterAll(() => t.close());

  const get = (Key: string, extra: { Range?: string; VersionId?: string } = {}) =>
    bodyOf(s3, { Bucket: BUCKET, Key, ...extra });

  it('a flipped byte fails the read of its segment with InternalError; other segments still read', async () => {
    const data = randomBytes(200_000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'flip', Body: data }));
    const path = blobPath(t, BUCKET, 'flip');
    const original = readFileSync(path);
    const at = SEGMENT + 1234;
    patch(path, at, Buffer.from([(original[at] as number) ^ 0x01]));
    expect(await failure(get('flip'))).toEqual({ code: 'InternalError', status: 500 });
    expect(await failure(get('flip', { Range: 'bytes=70000-70010' }))).toEqual({
      code: 'InternalError',
      status: 500,
    });
    expect((await get('flip', { Range: 'bytes=0-65535' })).bytes.equals(data.subarray(0, 65536))).toBe(true);
    // A tag is bytes like any other.
    patch(path, at, original.subarray(at, at + 1));
    patch(path, 2 * SEGMENT - 1, Buffer.from([(original[2 * SEGMENT - 1] as number) ^ 0x80]));
    expect(await failure(get('flip', { Range: 'bytes=65536-65540' }))).toEqual({
      code: 'InternalError',
      status: 500,
    });
  });

  it('a truncated file fails the read', async () => {
    const data = randomBytes(150_000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cut', Body: data }));
    const path = blobPath(t, BUCKET, 'cut');
    const original = readFileSync(path);
    truncateSync(path, original.length - 10);
    expect(await failure(get('cut'))).toEqual({ code: 'InternalError', status: 500 });
    // Cut at a segment boundary: the last segment is gone, and the one before is not marked final.
    truncateSync(path, 2 * SEGMENT);
    expect(await failure(get('cut'))).toEqual({ code: 'InternalError', status: 500 });
  });

  it("two objects' ciphertexts swapped: neither reads", async () => {
    const a = randomBytes(90_000);
    const b = randomBytes(90_000);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: a }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'b', Body: b }));
    const pathA = blobPath(t, BUCKET, 'a');
    const pathB = blobPath(t, BUCKET, 'b');
    const sealedA = readFileSync(pathA);
    const sealedB = readFileSync(pathB);
    patch(pathA, 0, sealedB);
    patch(pathB, 0, sealedA);
    expect(await failure(get('a'))).toEqual({ code: 'InternalError', status: 500 });
    expect(await failure(get('b'))).toEqual({ code: 'InternalError', status: 500 });
  });

  it('a segment replayed from another version fails the read', async () => {
    const v1 = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'replay', Body: randomBytes(200_000) }),
    );
    const data = randomBytes(200_000);
    const v2 = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'replay', Body: data }));
    const old = readFileSync(blobPath(t, BUCKET, 'replay', v1.VersionId));
    patch(blobPath(t, BUCKET, 'replay', v2.VersionId), SEGMENT, old.subarray(SEGMENT, 2 * SEGMENT));
    expect(await failure(get('replay', { VersionId: v2.VersionId as string }))).toEqual({
      code: 'InternalError',
      status: 500,
    });
    // Segments swapped within one object fail too.
    const path = blobPath(t, BUCKET, 'replay', v1.VersionId);
    patch(path, 0, Buffer.concat([old.subarray(SEGMENT, 2 * SEGMENT), old.subarray(0, SEGMENT)]));
    expect(await failure(get('replay', { VersionId: v1.VersionId as string }))).toEqual({
      code: 'InternalError',
      status: 500,
    });
    expect((await get('replay', { Range: 'bytes=0-99' })).bytes.equals(data.subarray(0, 100))).toBe(true);
  });

  it('a large object damaged near its end stops mid-stream rather than send wrong bytes', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'large', Body: data }));
    const path = blobPath(t, BUCKET, 'large');
    const stored = readFileSync(path);
    const at = stored.length - 100;
    // A bit flipped: a random byte is the one already there once in 256 runs, and nothing is damaged.
    patch(path, at, Buffer.from([(stored[at] as number) ^ 0x01]));
    let received = Buffer.alloc(0);
    let failed = false;
    try {
      const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'large' }));
      received = Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
    } catch {
      failed = true;
    }
    expect(failed || received.length < data.length).toBe(true);
    expect(received.equals(data)).toBe(false);
    // Whatever did arrive is the object's own bytes.
    expect(received.equals(data.subarray(0, received.length))).toBe(true);
  });
});

describe('SSE-C by region', () => {
  it('is allowed on new buckets where S3 kept it (Middle East: Bahrain, UAE), blocked elsewhere', async () => {
    const t = await startTestSeawall({ env: { SEAWALL_REGION: 'me-south-1' } });
    try {
      const s3 = t.s3();
      await s3.send(new CreateBucketCommand({ Bucket: 'bahrain' }));
      const got = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'bahrain' }));
      expect(got.ServerSideEncryptionConfiguration?.Rules?.[0]?.BlockedEncryptionTypes).toEqual({
        EncryptionType: ['NONE'],
      });
      const key = randomBytes(32);
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: 'bahrain',
          Key: 'k',
          Body: 'customer keyed',
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: key.toString('base64'),
          SSECustomerKeyMD5: createHash('md5').update(key).digest('base64'),
        }),
      );
      expect(put.SSECustomerAlgorithm).toBe('AES256');
    } finally {
      await t.close();
    }
  });
});

describe('objects an earlier Seawall stored in plaintext', () => {
  it('are sealed at start under their bucket default, and read back the same', async () => {
    const dataDir = tempDir('seawall-legacy-');
    const first = await startTestSeawall({ dataDir });
    const s3 = first.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'old-lake' }));
    const data = randomBytes(200_000);
    await s3.send(new PutObjectCommand({ Bucket: 'old-lake', Key: 'plain.bin', Body: data }));
    await s3.send(new PutObjectCommand({ Bucket: 'old-lake', Key: 'small.txt', Body: 'small' }));
    const kms = new KMSClient(clientConfigOf(first));
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    kms.destroy();
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'old-lake',
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: KeyMetadata?.Arn,
              },
            },
          ],
        },
      }),
    );
    // A multipart object, whose parts' layout (for ?partNumber) is kept by its blob.
    const part1 = randomBytes(5 * 1024 * 1024);
    const part2 = randomBytes(1000);
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'old-lake', Key: 'joined' }),
    );
    const etags = [];
    for (const [i, Body] of [part1, part2].entries())
      etags.push(
        (
          await s3.send(
            new UploadPartCommand({ Bucket: 'old-lake', Key: 'joined', UploadId, PartNumber: i + 1, Body }),
          )
        ).ETag,
      );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'old-lake',
        Key: 'joined',
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const oldPaths = [
      blobPath(first, 'old-lake', 'plain.bin'),
      blobPath(first, 'old-lake', 'small.txt'),
      blobPath(first, 'old-lake', 'joined'),
    ];
    await first.close();
    // As an earlier version left them: the bytes in plaintext, no encryption recorded.
    writeFileSync(oldPaths[0] as string, data);
    writeFileSync(oldPaths[1] as string, 'small');
    writeFileSync(oldPaths[2] as string, Buffer.concat([part1, part2]));
    const db = new BetterSqlite3(dataDirLayout(dataDir).metadataDb);
    db.prepare("UPDATE object_versions SET encryption = NULL WHERE bucket = 'old-lake'").run();
    db.close();
    // An earlier version sealed nothing at its stop (db/sqlite-seal.ts).
    rmSync(`${dataDirLayout(dataDir).metadataDb}.seal`, { force: true });

    const second = await startTestSeawall({ dataDir });
    try {
      const again = second.s3();
      const { answer, bytes } = await bodyOf(again, { Bucket: 'old-lake', Key: 'plain.bin' });
      expect(bytes.equals(data)).toBe(true);
      expect([answer.ServerSideEncryption, answer.SSEKMSKeyId]).toEqual(['aws:kms', KeyMetadata?.Arn]);
      expect((await bodyOf(again, { Bucket: 'old-lake', Key: 'small.txt' })).bytes.toString()).toBe('small');
      const second2 = await again.send(
        new GetObjectCommand({ Bucket: 'old-lake', Key: 'joined', PartNumber: 2 }),
      );
      expect(second2.PartsCount).toBe(2);
      expect(Buffer.from((await second2.Body?.transformToByteArray()) ?? []).equals(part2)).toBe(true);
      for (const path of oldPaths) expect(existsSync(path)).toBe(false);
      const sealed = readFileSync(blobPath(second, 'old-lake', 'plain.bin'));
      expect(sealed.includes(data.subarray(1000, 1100))).toBe(false);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
