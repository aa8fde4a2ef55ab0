import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureFields } from './helpers/failure.js';
import { allowPublic, startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'mp-fidelity';
const MiB = 1024 * 1024;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await t.close();
});

const md5Hex = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

/** A new upload of `key` with these parts uploaded, and their ETags by part number. */
async function uploadWith(key: string, bodies: Record<number, Buffer | string>) {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
  const etags: Record<number, string> = {};
  for (const [number, Body] of Object.entries(bodies)) {
    const part = await s3.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: Number(number), Body }),
    );
    etags[Number(number)] = part.ETag as string;
  }
  const complete = (Parts: { ETag: string; PartNumber: number }[]) =>
    s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts },
      }),
    );
  return { UploadId: UploadId as string, etags, complete };
}

describe('CompleteMultipartUpload refusals, as recorded from S3', () => {
  it('EntityTooSmall names the part, its ETag, its size and the minimum', async () => {
    const small = Buffer.alloc(100, 1);
    const { etags, complete } = await uploadWith('too-small', { 1: small, 2: 'last' });
    const failed = await failureFields(
      complete([
        { ETag: etags[1] as string, PartNumber: 1 },
        { ETag: etags[2] as string, PartNumber: 2 },
      ]),
    );
    // apache/arrow-rs-object-store#211 and mumrah/s3-multipart#8 quote S3's error document.
    expect(failed).toMatchObject({
      name: 'EntityTooSmall',
      message: 'Your proposed upload is smaller than the minimum allowed size',
      ProposedSize: '100',
      MinSizeAllowed: '5242880',
      PartNumber: '1',
      ETag: md5Hex(small),
    });
  });

  it('parts out of order are InvalidPartOrder in the words S3 answers today', async () => {
    const { etags, complete } = await uploadWith('out-of-order', { 1: Buffer.alloc(5 * MiB), 2: 'b' });
    const failed = await failureFields(
      complete([
        { ETag: etags[2] as string, PartNumber: 2 },
        { ETag: etags[1] as string, PartNumber: 1 },
      ]),
    );
    expect(failed).toMatchObject({
      name: 'InvalidPartOrder',
      message: 'The list of parts was not in ascending order. Parts must be ordered by part number.',
    });
  });

  it('a part number below 1 is InvalidArgument; one above 10000 is a part never uploaded', async () => {
    const { UploadId, etags, complete } = await uploadWith('part-zero', { 1: 'a' });
    const zero = await failureFields(complete([{ ETag: etags[1] as string, PartNumber: 0 }]));
    expect(zero).toMatchObject({
      name: 'InvalidArgument',
      message: 'PartNumber must be >= 1',
      $metadata: { httpStatusCode: 400 },
    });
    const over = await failureFields(complete([{ ETag: etags[1] as string, PartNumber: 10_001 }]));
    expect(over).toMatchObject({ name: 'InvalidPart', UploadId, PartNumber: '10001' });
  });
});

describe('UploadPart and UploadPartCopy refusals', () => {
  it('a part number out of range names the value sent', async () => {
    const { UploadId } = await uploadWith('part-range', {});
    for (const PartNumber of [0, 10_001]) {
      const failed = await failureFields(
        s3.send(
          new UploadPartCommand({ Bucket: BUCKET, Key: 'part-range', UploadId, PartNumber, Body: 'x' }),
        ),
      );
      // basho/riak_cs#945 and curtis0x/fake-s3#238 quote S3's error document.
      expect(failed).toMatchObject({
        name: 'InvalidArgument',
        message: 'Part number must be an integer between 1 and 10000, inclusive',
        ArgumentName: 'partNumber',
        ArgumentValue: String(PartNumber),
      });
    }
  });

  it('a copy-source-range past the source is InvalidArgument naming the source size', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'source', Body: '0123456789' }));
    const { UploadId } = await uploadWith('copied', {});
    const copy = (CopySourceRange: string) =>
      failureFields(
        s3.send(
          new UploadPartCopyCommand({
            Bucket: BUCKET,
            Key: 'copied',
            UploadId,
            PartNumber: 1,
            CopySource: `${BUCKET}/source`,
            CopySourceRange,
          }),
        ),
      );
    for (const range of ['bytes=0-10', 'bytes=20-30'])
      expect(await copy(range)).toMatchObject({
        name: 'InvalidArgument',
        message: 'Range specified is not valid for source object of size: 10',
        ArgumentName: 'x-amz-copy-source-range',
        ArgumentValue: range,
        $metadata: { httpStatusCode: 400 },
      });
  });
});

describe('GET response overrides', () => {
  it('are refused on an anonymous request, and honoured on a signed one', async () => {
    const bucket = 'mp-fidelity-public';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await allowPublic(s3, bucket);
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
          ],
        }),
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'open', Body: 'hello' }));
    const signed = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'open', ResponseContentType: 'text/plain' }),
    );
    await signed.Body?.transformToString();
    expect(signed.ContentType).toBe('text/plain');
    const plain = await fetch(`${t.url}/${bucket}/open`);
    expect(plain.status).toBe(200);
    expect(await plain.text()).toBe('hello');
    for (const method of ['GET', 'HEAD']) {
      const overridden = await fetch(`${t.url}/${bucket}/open?response-content-type=text/html`, { method });
      expect(overridden.status, method).toBe(400);
      const body = await overridden.text();
      if (method === 'GET') {
        expect(body).toContain('<Code>InvalidRequest</Code>');
        expect(body).toContain(
          '<Message>Request specific response headers cannot be used for anonymous GET requests.</Message>',
        );
      }
    }
  });
});
