import { randomBytes } from 'node:crypto';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumOf, compositeChecksum } from './helpers/checksums.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';
import { until } from './helpers/until.js';

/**
 * The AWS SDK for JavaScript's higher-level S3 pieces (lib-storage's Upload, the request presigner), with the
 * client's default settings, as a web or Node developer uses them against S3.
 */

let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'sdk-libraries';
const MiB = 1024 * 1024;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await t.close();
});

const code = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

async function head(Key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key, ChecksumMode: 'ENABLED' }));
}

async function read(Key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
  return (await got.Body?.transformToString()) ?? '';
}

describe('presigned uploads from the default client', () => {
  it('PutObject: the checksum the SDK signs into the query is not held against the body, as S3 does', async () => {
    // Since 3.729.0 the SDK signs x-amz-checksum-crc32 of the empty body it has (AAAAAA==) and
    // x-amz-sdk-checksum-algorithm into every presigned PutObject URL. S3 signs them and ignores them: the
    // upload succeeds and the object gets S3's default CRC64NVME (LocalStack's
    // test_presigned_url_v4_x_amz_in_qs, recorded on AWS).
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: 'presigned/put.txt' }), {
      expiresIn: 60,
    });
    const query = new URL(url).searchParams;
    expect([query.get('x-amz-checksum-crc32'), query.get('x-amz-sdk-checksum-algorithm')]).toEqual([
      'AAAAAA==',
      'CRC32',
    ]);
    const body = Buffer.from('uploaded through a presigned URL');
    const put = await fetch(url, { method: 'PUT', body });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await read('presigned/put.txt')).toBe(body.toString());
    const stored = await head('presigned/put.txt');
    expect([stored.ChecksumCRC32, stored.ChecksumCRC64NVME, stored.ChecksumType]).toEqual([
      undefined,
      checksumOf('CRC64NVME', body),
      'FULL_OBJECT',
    ]);
    // The parameter is still part of what was signed.
    const tampered = url.replace('x-amz-checksum-crc32=AAAAAA%3D%3D', 'x-amz-checksum-crc32=BBBBBB%3D%3D');
    expect(tampered).not.toBe(url);
    const refused = await fetch(tampered, { method: 'PUT', body });
    expect([refused.status, code(await refused.text())]).toEqual([403, 'SignatureDoesNotMatch']);
  });

  it('PutObject: metadata, tags and SSE-KMS the URL carries are kept', async () => {
    const kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'presigned uploads' }));
    kms.destroy();
    const url = await getSignedUrl(
      s3,
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'presigned/sealed.txt',
        Metadata: { owner: 'parks' },
        Tagging: 'team=parks',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: KeyMetadata?.Arn,
      }),
      { expiresIn: 60 },
    );
    // The SDK signs the SSE headers as headers, so the upload must send them.
    const put = await fetch(url, {
      method: 'PUT',
      body: 'sealed',
      headers: {
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': KeyMetadata?.Arn ?? '',
      },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    const stored = await head('presigned/sealed.txt');
    expect([stored.Metadata, stored.TagCount, stored.ServerSideEncryption, stored.SSEKMSKeyId]).toEqual([
      { owner: 'parks' },
      1,
      'aws:kms',
      KeyMetadata?.Arn,
    ]);
  });

  it('PutObject: a checksum signed as a header is verified against the body', async () => {
    const body = Buffer.from('checked');
    const url = await getSignedUrl(
      s3,
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'presigned/checked.txt',
        ChecksumCRC32: checksumOf('CRC32', body),
      }),
      { expiresIn: 60, unhoistableHeaders: new Set(['x-amz-checksum-crc32']) },
    );
    const headers = { 'x-amz-checksum-crc32': checksumOf('CRC32', body) };
    const wrong = await fetch(url, { method: 'PUT', body: 'tampered', headers });
    expect([wrong.status, code(await wrong.text())]).toEqual([400, 'BadDigest']);
    const put = await fetch(url, { method: 'PUT', body, headers });
    expect(put.status, await put.clone().text()).toBe(200);
    expect((await head('presigned/checked.txt')).ChecksumCRC32).toBe(checksumOf('CRC32', body));
  });

  it('UploadPart: parts uploaded through presigned URLs complete the upload', async () => {
    const key = 'presigned/parts.bin';
    const parts = [randomBytes(5 * MiB), randomBytes(100)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const uploaded = [];
    for (const [index, part] of parts.entries()) {
      const PartNumber = index + 1;
      const url = await getSignedUrl(
        s3,
        new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber }),
        { expiresIn: 60 },
      );
      expect(new URL(url).searchParams.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
      const put = await fetch(url, { method: 'PUT', body: part });
      expect(put.status, await put.clone().text()).toBe(200);
      uploaded.push({ PartNumber, ETag: put.headers.get('etag') ?? '' });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: uploaded },
      }),
    );
    const stored = await head(key);
    expect([stored.ContentLength, stored.ChecksumCRC64NVME, stored.ChecksumType]).toEqual([
      5 * MiB + 100,
      checksumOf('CRC64NVME', Buffer.concat(parts)),
      'FULL_OBJECT',
    ]);
  });
});

describe('lib-storage Upload with its defaults', () => {
  it('a multipart upload gets the CRC32 composite checksum the client asks for, validated on GET', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(MiB)];
    const done = await new Upload({
      client: s3,
      params: { Bucket: BUCKET, Key: 'upload/big.bin', Body: Buffer.concat(parts) },
      partSize: 5 * MiB,
      queueSize: 2,
    }).done();
    expect([done.ChecksumCRC32, done.ChecksumType]).toEqual([compositeChecksum('CRC32', parts), 'COMPOSITE']);
    // The client validates the whole body, and a part's body, against the checksum S3 answers.
    const whole = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'upload/big.bin' }));
    expect((await whole.Body?.transformToByteArray())?.length).toBe(11 * MiB);
    const second = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'upload/big.bin', PartNumber: 2, ChecksumMode: 'ENABLED' }),
    );
    expect(Buffer.from((await second.Body?.transformToByteArray()) ?? []).equals(parts[1] as Buffer)).toBe(
      true,
    );
    expect(second.ChecksumCRC32).toBe(checksumOf('CRC32', parts[1] as Buffer));
    const attributes = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: BUCKET,
        Key: 'upload/big.bin',
        ObjectAttributes: ['Checksum', 'ObjectParts'],
      }),
    );
    expect(attributes.ObjectParts?.Parts?.map((p) => p.ChecksumCRC32)).toEqual(
      parts.map((p) => checksumOf('CRC32', p)),
    );
  });

  it('an aborted upload leaves no upload behind', async () => {
    const abortController = new AbortController();
    const upload = new Upload({
      client: s3,
      params: { Bucket: BUCKET, Key: 'upload/aborted.bin', Body: randomBytes(20 * MiB) },
      partSize: 5 * MiB,
      queueSize: 1,
      abortController,
    });
    upload.on('httpUploadProgress', (progress) => {
      if (progress.part === 1) abortController.abort();
    });
    await expect(upload.done()).rejects.toMatchObject({ name: 'AbortError' });
    // done() rejects at once; the Upload sends AbortMultipartUpload when its part in flight has ended.
    await until(async () => {
      const listed = await s3.send(
        new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'upload/aborted' }),
      );
      return (listed.Uploads ?? []).length === 0;
    }, 'the aborted upload to be gone');
    const left = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'upload/' }));
    expect(left.Uploads ?? []).toEqual([]);
  });
});

describe('s3-presigned-post', () => {
  it('a form posted with fetch meets its conditions, and one that does not is refused', async () => {
    const { url, fields } = await createPresignedPost(s3, {
      Bucket: BUCKET,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's placeholder, not a template.
      Key: 'posted/${filename}',
      Conditions: [
        ['content-length-range', 1, 100],
        ['starts-with', '$Content-Type', 'text/'],
      ],
      Fields: { 'Content-Type': 'text/csv', success_action_status: '201' },
      Expires: 60,
    });
    const post = (file: string, extra: Record<string, string> = {}) => {
      const form = new FormData();
      for (const [name, value] of Object.entries({ ...fields, ...extra })) form.append(name, value);
      form.append('file', new Blob([file]), 'rows.csv');
      return fetch(url, { method: 'POST', body: form });
    };
    const tooBig = await post('x'.repeat(101));
    expect([tooBig.status, code(await tooBig.text())]).toEqual([400, 'EntityTooLarge']);
    const wrongType = await post('a,b', { 'Content-Type': 'image/png' });
    expect([wrongType.status, code(await wrongType.text())]).toEqual([403, 'AccessDenied']);
    const posted = await post('a,b');
    expect(posted.status).toBe(201);
    expect(await posted.text()).toContain('<Key>posted/rows.csv</Key>');
    const stored = await head('posted/rows.csv');
    expect([stored.ContentType, stored.ChecksumCRC64NVME]).toEqual([
      'text/csv',
      checksumOf('CRC64NVME', Buffer.from('a,b')),
    ]);
  });
});
