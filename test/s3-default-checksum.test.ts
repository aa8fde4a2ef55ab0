import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumOf } from './helpers/checksums.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * Since December 2024 S3 adds a CRC64NVME full-object checksum to every object uploaded without one, and answers
 * it as it answers one sent (HEAD/GET with ChecksumMode, GetObjectAttributes, listings, the write's own answer).
 * The clients here send no checksum (requestChecksumCalculation WHEN_REQUIRED, or raw requests), and the expected
 * values come from the tests' own reference CRC, apart from the server's.
 */
let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'default-checksum';

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
  );
});
afterAll(async () => {
  await t.close();
});

async function expectDefaultChecksum(key: string, data: Buffer): Promise<void> {
  const expected = checksumOf('CRC64NVME', data);
  const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
  expect(head.ChecksumCRC64NVME).toBe(expected);
  expect(head.ChecksumType).toBe('FULL_OBJECT');
  expect(head.ChecksumCRC32).toBeUndefined();
  const attributes = await s3.send(
    new GetObjectAttributesCommand({ Bucket: BUCKET, Key: key, ObjectAttributes: ['Checksum'] }),
  );
  expect(attributes.Checksum).toEqual({ ChecksumCRC64NVME: expected, ChecksumType: 'FULL_OBJECT' });
}

describe('the default CRC64NVME checksum of an object uploaded without one', () => {
  it('PutObject through the SDK: answered by the put, HEAD, GetObjectAttributes and the listings', async () => {
    const data = randomBytes(70_000);
    const key = 'sdk/plain';
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: data }));
    expect(put.ChecksumCRC64NVME).toBe(checksumOf('CRC64NVME', data));
    expect(put.ChecksumType).toBe('FULL_OBJECT');
    await expectDefaultChecksum(key, data);

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'sdk/' }));
    expect(listed.Contents?.map((c) => [c.Key, c.ChecksumAlgorithm, c.ChecksumType])).toEqual([
      [key, ['CRC64NVME'], 'FULL_OBJECT'],
    ]);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'sdk/' }));
    expect(versions.Versions?.map((v) => [v.Key, v.ChecksumAlgorithm, v.ChecksumType])).toEqual([
      [key, ['CRC64NVME'], 'FULL_OBJECT'],
    ]);
  });

  it('a raw PUT with an unsigned payload and no checksum header', async () => {
    const data = Buffer.from('test data..');
    const path = `/${BUCKET}/raw/unsigned`;
    const headers = await signedHeaders(t, {
      method: 'PUT',
      path,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(data.length) },
    });
    const put = await rawRequest(t.url, { method: 'PUT', path, headers, body: data });
    expect(put.status).toBe(200);
    // The value AWS answered for these bytes (LocalStack's snapshot of test_s3_checksum_no_automatic_sdk_calculation).
    expect(checksumOf('CRC64NVME', data)).toBe('qUVrWYOrIAM=');
    expect(put.headers['x-amz-checksum-crc64nvme']).toBe('qUVrWYOrIAM=');
    expect(put.headers['x-amz-checksum-type']).toBe('FULL_OBJECT');
    await expectDefaultChecksum('raw/unsigned', data);
  });

  it('a multipart upload created without ChecksumAlgorithm: a full-object CRC64NVME of all its bytes', async () => {
    const key = 'multipart/plain';
    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1000)];
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    expect(created.ChecksumAlgorithm).toBeUndefined();
    const uploaded = [];
    for (const [index, Body] of parts.entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId: created.UploadId,
          PartNumber: index + 1,
          Body,
        }),
      );
      expect(part.ChecksumCRC64NVME).toBeUndefined();
      uploaded.push({ ETag: part.ETag, PartNumber: index + 1 });
    }
    const listed = await s3.send(
      new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId }),
    );
    expect(listed.Parts?.map((p) => p.ChecksumCRC64NVME)).toEqual([undefined, undefined]);
    const data = Buffer.concat(parts);
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: created.UploadId,
        MultipartUpload: { Parts: uploaded },
      }),
    );
    expect(completed.ChecksumCRC64NVME).toBe(checksumOf('CRC64NVME', data));
    expect(completed.ChecksumType).toBe('FULL_OBJECT');
    await expectDefaultChecksum(key, data);
    // A full-object checksum has no part checksums to show: the parts are only counted.
    const attributes = await s3.send(
      new GetObjectAttributesCommand({ Bucket: BUCKET, Key: key, ObjectAttributes: ['ObjectParts'] }),
    );
    expect(attributes.ObjectParts?.TotalPartsCount).toBe(2);
    expect(attributes.ObjectParts?.Parts ?? []).toEqual([]);
  });

  it('CopyObject of an object stored without a checksum sent: the copy has the default one', async () => {
    const data = randomBytes(3000);
    const headers = await signedHeaders(t, {
      method: 'PUT',
      path: `/${BUCKET}/copy/source`,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(data.length) },
    });
    const put = await rawRequest(t.url, {
      method: 'PUT',
      path: `/${BUCKET}/copy/source`,
      headers,
      body: data,
    });
    expect(put.status).toBe(200);
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/dest', CopySource: `${BUCKET}/copy/source` }),
    );
    expect(copied.CopyObjectResult?.ChecksumCRC64NVME).toBe(checksumOf('CRC64NVME', data));
    expect(copied.CopyObjectResult?.ChecksumType).toBe('FULL_OBJECT');
    await expectDefaultChecksum('copy/dest', data);
  });
});
