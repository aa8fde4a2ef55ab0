import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const Bucket = 'attributes';
const ALL = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  await t.close();
});

async function attributesRaw(
  key: string,
  headers: Record<string, string>,
  query: Record<string, string> = {},
) {
  const path = `/${Bucket}/${key}`;
  const signed = await signedHeaders(t, {
    method: 'GET',
    path,
    query: { attributes: '', ...query },
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers },
  });
  const search = new URLSearchParams({ attributes: '', ...query }).toString();
  return rawRequest(t.url, { method: 'GET', path: `${path}?${search}`, headers: signed });
}

describe('GetObjectAttributes', () => {
  it('answers ETag, Checksum, StorageClass and ObjectSize of an object put whole, without ObjectParts', async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket, Key: 'obj', Body: 'foo', ChecksumAlgorithm: 'CRC32' }),
    );
    const out = await s3.send(
      new GetObjectAttributesCommand({ Bucket, Key: 'obj', ObjectAttributes: [...ALL] }),
    );
    expect(out.ETag).toBe(put.ETag?.replace(/"/g, ''));
    expect(out.ObjectSize).toBe(3);
    expect(out.StorageClass).toBe('STANDARD');
    expect(out.ObjectParts).toBeUndefined();
    expect(out.Checksum).toEqual({ ChecksumCRC32: put.ChecksumCRC32, ChecksumType: 'FULL_OBJECT' });
    expect(out.VersionId).toBeUndefined();
    expect(out.DeleteMarker).toBeUndefined();
    expect(out.LastModified).toBeInstanceOf(Date);

    const some = await s3.send(
      new GetObjectAttributesCommand({ Bucket, Key: 'obj', ObjectAttributes: ['ObjectSize'] }),
    );
    expect(some.ObjectSize).toBe(3);
    expect(some.ETag).toBeUndefined();
    expect(some.StorageClass).toBeUndefined();
  });

  it('gives a COMPOSITE multipart object’s parts, a page at a time', async () => {
    // S3 lists the parts of an object with a COMPOSITE checksum only: one with a FULL_OBJECT checksum (S3's
    // default one too) is only counted (test/s3-default-checksum.test.ts).
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key: 'mpu', ChecksumAlgorithm: 'CRC32' }),
    );
    const part = Buffer.alloc(5 * 1024 * 1024, 1);
    const parts = [];
    for (const PartNumber of [1, 2, 3]) {
      const { ETag, ChecksumCRC32 } = await s3.send(
        new UploadPartCommand({
          Bucket,
          Key: 'mpu',
          UploadId,
          PartNumber,
          Body: part,
          ChecksumAlgorithm: 'CRC32',
        }),
      );
      parts.push({ ETag, PartNumber, ChecksumCRC32 });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket, Key: 'mpu', UploadId, MultipartUpload: { Parts: parts } }),
    );
    const out = await s3.send(
      new GetObjectAttributesCommand({ Bucket, Key: 'mpu', ObjectAttributes: ['ObjectParts', 'ETag'] }),
    );
    expect(out.ObjectParts?.TotalPartsCount).toBe(3);
    expect(out.ObjectParts?.IsTruncated).toBe(false);
    expect(out.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * 1024 * 1024],
      [2, 5 * 1024 * 1024],
      [3, 5 * 1024 * 1024],
    ]);
    expect(out.ETag).toMatch(/^[0-9a-f]{32}-3$/);
    const page = await s3.send(
      new GetObjectAttributesCommand({
        Bucket,
        Key: 'mpu',
        ObjectAttributes: ['ObjectParts'],
        MaxParts: 1,
        PartNumberMarker: '1',
      }),
    );
    expect(page.ObjectParts).toMatchObject({
      PartNumberMarker: '1',
      NextPartNumberMarker: '2',
      MaxParts: 1,
      IsTruncated: true,
    });
    expect(page.ObjectParts?.Parts?.map((p) => p.PartNumber)).toEqual([2]);
  });

  it('answers the aws cli', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'cli', Body: 'hello' }));
    const res = await awsCli(t.dataDir, t.url, [
      's3api',
      'get-object-attributes',
      '--bucket',
      Bucket,
      '--key',
      'cli',
      '--object-attributes',
      'ObjectSize',
      'StorageClass',
      'ETag',
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      ObjectSize: 5,
      StorageClass: 'STANDARD',
      ETag: '5d41402abc4b2a76b9719d911017c592',
    });
  });

  it('refuses a missing or unknown attribute, a version id and a missing key as S3 does', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'refusals', Body: 'x' }));
    const missing = await attributesRaw('refusals', {});
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('<Code>InvalidRequest</Code>');
    expect(missing.body).toContain('x-amz-object-attributes header specifying the attributes');
    const unknown = await attributesRaw('refusals', { 'x-amz-object-attributes': 'ETag,Colour' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('<Code>InvalidArgument</Code>');
    const version = await attributesRaw(
      'refusals',
      { 'x-amz-object-attributes': 'ETag' },
      { versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY' },
    );
    expect(version.status).toBeGreaterThanOrEqual(400);
    expect(version.body).not.toContain('<ETag>');
    const absent = await s3
      .send(new GetObjectAttributesCommand({ Bucket, Key: 'nothing-here', ObjectAttributes: ['ETag'] }))
      .catch((error: { name: string; $metadata: { httpStatusCode?: number } }) => error);
    expect(absent).toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
  });

  it('needs s3:GetObjectVersionAttributes to name a version', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'attributes-versions' }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'attributes-versions',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const { VersionId } = await s3.send(
      new PutObjectCommand({ Bucket: 'attributes-versions', Key: 'v', Body: 'v' }),
    );
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'attribute-reader' }));
    const allow = (actions: string[]) =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: 'attribute-reader',
          PolicyName: 'read',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: actions, Resource: 'arn:aws:s3:::attributes-versions/*' }],
          }),
        }),
      );
    // As S3 documents it: s3:GetObject too, and s3:GetObjectVersion for a version.
    await allow(['s3:GetObject', 's3:GetObjectAttributes', 's3:GetObjectVersion']);
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'attribute-reader' }));
    const reader = new S3Client({
      endpoint: t.url,
      region: t.credentials.region,
      forcePathStyle: true,
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    });
    const read = (versioned: boolean) =>
      reader.send(
        new GetObjectAttributesCommand({
          Bucket: 'attributes-versions',
          Key: 'v',
          ObjectAttributes: ['ObjectSize'],
          ...(versioned ? { VersionId } : {}),
        }),
      );
    try {
      expect((await read(false)).ObjectSize).toBe(1);
      const denied = await read(true).catch((error: { name: string }) => error);
      expect(denied).toMatchObject({ name: 'AccessDenied' });
      await allow([
        's3:GetObject',
        's3:GetObjectAttributes',
        's3:GetObjectVersion',
        's3:GetObjectVersionAttributes',
      ]);
      expect((await read(true)).ObjectSize).toBe(1);
    } finally {
      reader.destroy();
      iam.destroy();
    }
  });
});
