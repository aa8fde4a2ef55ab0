import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, awsCli } from './helpers/aws-cli.js';
import { type Algorithm, checksumOf, compositeChecksum } from './helpers/checksums.js';
import { failure } from './helpers/failure.js';
import { writtenBytes } from './helpers/process-io.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const MiB = 1024 * 1024;
const BUCKET = 'edges';

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await t.close();
});

const field = (algorithm: Algorithm) => `Checksum${algorithm}` as const;

/** Uploads `parts` (with checksums of `algorithm` when given) and completes the upload. */
async function multipartObject(
  key: string,
  parts: Buffer[],
  algorithm?: Algorithm,
  type?: 'COMPOSITE' | 'FULL_OBJECT',
) {
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: BUCKET,
      Key: key,
      ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}),
      ...(type ? { ChecksumType: type } : {}),
    }),
  );
  const listed: CompletedPart[] = [];
  for (const [i, body] of parts.entries()) {
    const out = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        PartNumber: i + 1,
        Body: body,
        ...(algorithm ? { ChecksumAlgorithm: algorithm } : {}),
      }),
    );
    listed.push({
      ETag: out.ETag,
      PartNumber: i + 1,
      ...(algorithm && type !== 'FULL_OBJECT' ? { [field(algorithm)]: out[field(algorithm)] } : {}),
    });
  }
  const complete = () =>
    s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: listed },
      }),
    );
  return { uploadId: UploadId as string, complete, done: await complete() };
}

describe('a repeated CompleteMultipartUpload', () => {
  it('answers what the first completion answered while its object is kept, then NoSuchUpload', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(100)];
    const { uploadId, complete, done } = await multipartObject('again/sha.bin', parts, 'SHA256');
    expect(done.ChecksumSHA256).toBe(compositeChecksum('SHA256', parts));
    const again = await complete();
    expect([again.ETag, again.ChecksumSHA256, again.ChecksumType, again.ServerSideEncryption]).toEqual([
      done.ETag,
      done.ChecksumSHA256,
      'COMPOSITE',
      'AES256',
    ]);
    // An unversioned bucket's completion names no version, the second time either.
    expect([done.VersionId, again.VersionId]).toEqual([undefined, undefined]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'again/sha.bin' }));
    expect([head.ETag, head.ContentLength]).toEqual([done.ETag, 5 * MiB + 100]);
    // Not for another key, nor for an upload that never was; still no parts to list or upload.
    const elsewhere = s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'again/other.bin',
        UploadId: uploadId,
        MultipartUpload: { Parts: [{ ETag: done.ETag, PartNumber: 1 }] },
      }),
    );
    expect(await failure(elsewhere)).toEqual({ code: 'NoSuchUpload', status: 404 });
    expect(
      await failure(
        s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'again/sha.bin', UploadId: uploadId })),
      ),
    ).toEqual({ code: 'NoSuchUpload', status: 404 });
    expect(
      await failure(
        s3.send(
          new UploadPartCommand({
            Bucket: BUCKET,
            Key: 'again/sha.bin',
            UploadId: uploadId,
            PartNumber: 3,
            Body: 'late',
          }),
        ),
      ),
    ).toEqual({ code: 'NoSuchUpload', status: 404 });
    // Once the object is deleted, the upload is simply gone.
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'again/sha.bin' }));
    expect(await failure(complete())).toEqual({ code: 'NoSuchUpload', status: 404 });
  });

  it('made at once by several completions (an impatient client retrying), is one version, answered alike', async () => {
    const Bucket = 'edges-raced';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const Key = 'raced.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const Parts: CompletedPart[] = [];
    for (const [i, body] of [randomBytes(6 * MiB), randomBytes(6 * MiB), randomBytes(10)].entries()) {
      const { ETag } = await s3.send(
        new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: body }),
      );
      Parts.push({ ETag, PartNumber: i + 1 });
    }
    const written = writtenBytes();
    const completions = await Promise.allSettled(
      Array.from({ length: 4 }, () =>
        s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } })),
      ),
    );
    // The same answer, headers too: the version made and its encryption.
    const answered = completions.map((c) =>
      c.status === 'fulfilled'
        ? [c.value.ETag, c.value.VersionId, c.value.ServerSideEncryption].join(' ')
        : String(c.reason),
    );
    expect(new Set(answered).size).toBe(1);
    const [etag, versionId, encryption] = (answered[0] as string).split(' ');
    expect(versionId).toMatch(/^[A-Za-z0-9._-]{8,}$/);
    expect(encryption).toBe('AES256');
    // The parts were joined once (the server is in this process): the other completions waited for that one,
    // rather than each writing its own copy of the object's 12 MiB.
    const wrote = writtenBytes() - written;
    expect(wrote).toBeGreaterThanOrEqual(12 * MiB);
    expect(wrote).toBeLessThan(2 * 12 * MiB);
    const { Versions = [] } = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: Key }));
    expect(Versions.map((v) => [v.ETag, v.VersionId])).toEqual([[etag, versionId]]);
  });

  it('answers the same after the object was overwritten by a plain PUT only while the blob lives', async () => {
    const { complete, done } = await multipartObject('again/plain.bin', [randomBytes(10)]);
    // Made without a checksum: S3's default full-object one.
    expect(done.ChecksumType).toBe('FULL_OBJECT');
    expect((await complete()).ETag).toBe(done.ETag);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'again/plain.bin', Body: 'replaced' }));
    expect(await failure(complete())).toEqual({ code: 'NoSuchUpload', status: 404 });
  });
});

describe('GET and HEAD ?partNumber=N', () => {
  const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB + 3), randomBytes(1000)];
  const starts = [0, 5 * MiB, 10 * MiB + 3];
  const total = 10 * MiB + 1003;

  it.each([
    ['CRC32C', 'COMPOSITE'],
    ['CRC64NVME', 'FULL_OBJECT'],
  ] as const)(
    'answers each part of a %s %s object with its range, parts count and checksum',
    async (algorithm, type) => {
      const key = `parts/${algorithm}.bin`;
      const { done } = await multipartObject(key, parts, algorithm, type);
      for (const [i, part] of parts.entries()) {
        const start = starts[i] as number;
        const range = `bytes ${start}-${start + part.length - 1}/${total}`;
        const got = await s3.send(
          new GetObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: i + 1, ChecksumMode: 'ENABLED' }),
        );
        expect(got).toMatchObject({
          ETag: done.ETag,
          PartsCount: 3,
          ContentLength: part.length,
          ContentRange: range,
          [field(algorithm)]: checksumOf(algorithm, part),
          ChecksumType: type,
        });
        expect(got.$metadata.httpStatusCode).toBe(206);
        expect(Buffer.from(await (got.Body?.transformToByteArray() ?? [])).equals(part)).toBe(true);
        const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: i + 1 }));
        expect(head).toMatchObject({
          ETag: done.ETag,
          PartsCount: 3,
          ContentLength: part.length,
          ContentRange: range,
        });
        expect(head[field(algorithm)]).toBeUndefined();
      }
      const beyond = await failure(
        s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: 4 })),
      );
      expect(beyond).toEqual({ code: 'InvalidPartNumber', status: 416 });
      expect(
        (await failure(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: 4 })))).status,
      ).toBe(416);
    },
  );

  it('refuses part numbers out of S3’s range, a Range beside one, and answers S3’s error document', async () => {
    const key = 'parts/plain.bin';
    await multipartObject(key, [randomBytes(5 * MiB), randomBytes(10)]);
    for (const partNumber of ['0', '10001', 'one', '-1']) {
      const headers = await signedHeaders(t, {
        method: 'GET',
        path: `/${BUCKET}/${key}`,
        query: { partNumber },
        headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      });
      const answer = await rawRequest(t.url, {
        method: 'GET',
        path: `/${BUCKET}/${key}?partNumber=${encodeURIComponent(partNumber)}`,
        headers,
      });
      expect([answer.status, /<Code>(\w+)<\/Code>/.exec(answer.body)?.[1]]).toEqual([400, 'InvalidArgument']);
      expect(answer.body).toContain('Part number must be an integer between 1 and 10000, inclusive');
    }
    expect(
      await failure(
        s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: 1, Range: 'bytes=0-1' })),
      ),
    ).toEqual({ code: 'InvalidRequest', status: 400 });
    const headers = await signedHeaders(t, {
      method: 'GET',
      path: `/${BUCKET}/${key}`,
      query: { partNumber: '7' },
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const answer = await rawRequest(t.url, {
      method: 'GET',
      path: `/${BUCKET}/${key}?partNumber=7`,
      headers,
    });
    expect(answer.status).toBe(416);
    expect(answer.body).toContain('<Code>InvalidPartNumber</Code>');
    expect(answer.body).toContain('<PartNumberRequested>7</PartNumberRequested>');
    expect(answer.body).toContain('<ActualPartCount>2</ActualPartCount>');
  });

  it('treats an object made by one PUT as its own part 1, and a missing key as NoSuchKey', async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'parts/single.txt', Body: 'body' }),
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'parts/single.txt', PartNumber: 1 }),
    );
    expect([got.ETag, got.PartsCount, got.ContentRange]).toEqual([put.ETag, undefined, 'bytes 0-3/4']);
    expect(await got.Body?.transformToString()).toBe('body');
    expect(
      await failure(
        s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'parts/single.txt', PartNumber: 2 })),
      ),
    ).toEqual({ code: 'InvalidPartNumber', status: 416 });
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'parts/none.txt', PartNumber: 1 }))),
    ).toEqual({ code: 'NoSuchKey', status: 404 });
  });
});

describe('listing uploads and parts', () => {
  it('ListMultipartUploads: key and upload-id markers, max-uploads, truncation, delimiter, S3’s order', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const create = async (Key: string) =>
      (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'listing', Key }))).UploadId as string;
    // Two uploads of one key are listed in the order they were initiated.
    const first = await create('b');
    const second = await create('b');
    const others = [await create('a'), await create('c/1'), await create('c/2'), await create('d')];
    const page = (input: Record<string, string | number>) =>
      s3.send(new ListMultipartUploadsCommand({ Bucket: 'listing', ...input }));

    const all = await page({});
    expect(all.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([
      ['a', others[0]],
      ['b', first],
      ['b', second],
      ['c/1', others[1]],
      ['c/2', others[2]],
      ['d', others[3]],
    ]);
    expect(all.IsTruncated).toBe(false);

    const one = await page({ MaxUploads: 2 });
    expect([one.IsTruncated, one.NextKeyMarker, one.NextUploadIdMarker]).toEqual([true, 'b', first]);
    const two = await page({ MaxUploads: 2, KeyMarker: 'b', UploadIdMarker: first });
    expect(two.Uploads?.map((u) => u.UploadId)).toEqual([second, others[1]]);
    // A key-marker alone starts after every upload of that key.
    const after = await page({ KeyMarker: 'b' });
    expect(after.Uploads?.map((u) => u.Key)).toEqual(['c/1', 'c/2', 'd']);

    const rolled = await page({ Delimiter: '/' });
    expect(rolled.Uploads?.map((u) => u.Key)).toEqual(['a', 'b', 'b', 'd']);
    expect(rolled.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['c/']);
    const upToPrefix = await page({ Delimiter: '/', MaxUploads: 4 });
    expect([upToPrefix.IsTruncated, upToPrefix.NextKeyMarker, upToPrefix.CommonPrefixes?.length]).toEqual([
      true,
      'c/',
      1,
    ]);
    const rest = await page({ Delimiter: '/', KeyMarker: 'c/' });
    expect([rest.Uploads?.map((u) => u.Key), rest.CommonPrefixes]).toEqual([['d'], undefined]);
    const under = await page({ Prefix: 'c/', Delimiter: '/' });
    expect(under.Uploads?.map((u) => u.Key)).toEqual(['c/1', 'c/2']);

    expect(await failure(page({ MaxUploads: -1 }))).toMatchObject({ status: 400 });
    for (const [Key, UploadId] of [
      ['b', first],
      ['b', second],
      ['a', others[0]],
      ['c/1', others[1]],
      ['c/2', others[2]],
      ['d', others[3]],
    ] as const)
      await s3.send(new AbortMultipartUploadCommand({ Bucket: 'listing', Key, UploadId }));
    expect((await page({})).Uploads).toBeUndefined();
  });

  it('ListParts: part-number-marker, max-parts, NextPartNumberMarker and truncation', async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'list/parts' }),
    );
    for (const PartNumber of [1, 2, 5, 9])
      await s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: 'list/parts',
          UploadId,
          PartNumber,
          Body: `p${PartNumber}`,
        }),
      );
    const list = (input: { MaxParts?: number; PartNumberMarker?: string }) =>
      s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'list/parts', UploadId, ...input }));
    const first = await list({ MaxParts: 2 });
    expect([
      first.Parts?.map((p) => p.PartNumber),
      first.IsTruncated,
      first.NextPartNumberMarker,
      first.MaxParts,
    ]).toEqual([[1, 2], true, '2', 2]);
    const second = await list({ MaxParts: 2, PartNumberMarker: '2' });
    expect([second.Parts?.map((p) => p.PartNumber), second.IsTruncated, second.NextPartNumberMarker]).toEqual(
      [[5, 9], false, '9'],
    );
    // The bucket owner owns the object to be (ACLs are disabled); the caller, here the account, initiated it.
    const owner = (await s3.send(new ListBucketsCommand({}))).Owner?.ID;
    expect(owner).toMatch(/^\d{12}$/);
    expect([first.Owner?.ID, first.Initiator?.ID]).toEqual([owner, owner]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'list/parts' }));
    expect(uploads.Uploads?.map((u) => [u.Owner?.ID, u.Initiator?.ID, u.Initiator?.DisplayName])).toEqual([
      [owner, owner, owner],
    ]);
    const third = await list({ PartNumberMarker: '9' });
    expect([third.Parts, third.IsTruncated]).toEqual([undefined, false]);
    expect((await list({ MaxParts: 5000 })).MaxParts).toBe(1000);
    expect(await failure(list({ PartNumberMarker: 'x' }))).toEqual({ code: 'InvalidArgument', status: 400 });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'list/parts', UploadId }));
  });
});

describe('who initiated an upload', () => {
  it('names an IAM user by ARN and name as Initiator, and the bucket owner as Owner', async () => {
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'uploader' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'uploader',
        PolicyName: 'uploads',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'uploader' }));
    const user = t.s3({
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    });
    const { UploadId } = await user.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'by/user' }),
    );
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'by/' }));
    const account = t.credentials.accountId;
    expect(listed.Uploads?.map((u) => [u.Initiator, u.Owner])).toEqual([
      [
        { ID: `arn:aws:iam::${account}:user/uploader`, DisplayName: 'uploader' },
        { ID: account, DisplayName: account },
      ],
    ]);
    const parts = await user.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'by/user', UploadId }));
    expect(parts.Initiator?.DisplayName).toBe('uploader');
    await user.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'by/user', UploadId }));
    user.destroy();
    iam.destroy();
  });
});

describe('the aws cli', () => {
  it('uploads parts with --checksum-algorithm, completes with their checksums and reads a part back', async () => {
    const dir = tempDir('seawall-edges-cli-');
    const parts = [randomBytes(5 * MiB), randomBytes(2 * MiB)];
    const cli = (args: string[]) =>
      awsCli(t.dataDir, t.url, ['s3api', ...args, '--bucket', BUCKET], undefined, AWS_CLI);
    for (const algorithm of ['SHA256'] as const) {
      const key = `cli/${algorithm}.bin`;
      const created = await cli(['create-multipart-upload', '--key', key, '--checksum-algorithm', algorithm]);
      expect(created.code, created.stderr).toBe(0);
      const { UploadId } = JSON.parse(created.stdout) as { UploadId: string };
      const listed: Record<string, string | number | undefined>[] = [];
      for (const [i, part] of parts.entries()) {
        const file = join(dir, `${algorithm}-${i}`);
        writeFileSync(file, part);
        const up = await cli([
          'upload-part',
          '--key',
          key,
          '--upload-id',
          UploadId,
          '--part-number',
          String(i + 1),
          '--body',
          file,
          '--checksum-algorithm',
          algorithm,
        ]);
        expect(up.code, up.stderr).toBe(0);
        const answer = JSON.parse(up.stdout) as Record<string, string>;
        expect(answer[field(algorithm)]).toBe(checksumOf(algorithm, part));
        listed.push({ ETag: answer.ETag, PartNumber: i + 1, [field(algorithm)]: answer[field(algorithm)] });
      }
      const doc = join(dir, `${algorithm}.json`);
      writeFileSync(doc, JSON.stringify({ Parts: listed }));
      const done = await cli([
        'complete-multipart-upload',
        '--key',
        key,
        '--upload-id',
        UploadId,
        '--multipart-upload',
        `file://${doc}`,
      ]);
      expect(done.code, done.stderr).toBe(0);
      expect(JSON.parse(done.stdout)).toMatchObject({
        [field(algorithm)]: compositeChecksum(algorithm, parts),
      });
      const again = await cli([
        'complete-multipart-upload',
        '--key',
        key,
        '--upload-id',
        UploadId,
        '--multipart-upload',
        `file://${doc}`,
      ]);
      expect(again.code, again.stderr).toBe(0);
      const head = await cli([
        'head-object',
        '--key',
        key,
        '--part-number',
        '2',
        '--checksum-mode',
        'ENABLED',
      ]);
      expect(head.code, head.stderr).toBe(0);
      expect(JSON.parse(head.stdout)).toMatchObject({
        PartsCount: 2,
        ContentLength: 2 * MiB,
        [field(algorithm)]: checksumOf(algorithm, parts[1] as Buffer),
      });
      const back = join(dir, `${algorithm}.back`);
      const got = await cli(['get-object', '--key', key, '--part-number', '1', back]);
      expect(got.code, got.stderr).toBe(0);
      expect(readFileSync(back).equals(parts[0] as Buffer)).toBe(true);
    }
  }, 300_000);
});

describe('a conditional CompleteMultipartUpload', () => {
  /** An upload of one small part, ready to complete. */
  async function ready(key: string) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: `body of ${key}` }),
    );
    return {
      Bucket: BUCKET,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    };
  }

  it('judges If-None-Match and If-Match against the object it would replace, and keeps the upload when they fail', async () => {
    const missing = await ready('conditional/missing');
    expect(
      await failure(s3.send(new CompleteMultipartUploadCommand({ ...missing, IfMatch: '"abc"' }))),
    ).toEqual({
      code: 'NoSuchKey',
      status: 404,
    });
    await s3.send(new CompleteMultipartUploadCommand({ ...missing, IfNoneMatch: '*' }));

    const existing = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'conditional/existing', Body: 'already here' }),
    );
    const upload = await ready('conditional/existing');
    expect(
      await failure(s3.send(new CompleteMultipartUploadCommand({ ...upload, IfNoneMatch: '*' }))),
    ).toEqual({
      code: 'PreconditionFailed',
      status: 412,
    });
    expect(
      await failure(
        s3.send(new CompleteMultipartUploadCommand({ ...upload, IfMatch: '"0123456789abcdef"' })),
      ),
    ).toEqual({ code: 'PreconditionFailed', status: 412 });
    // Nothing was replaced, and the upload is still there to complete.
    const kept = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'conditional/existing' }));
    expect(await kept.Body?.transformToString()).toBe('already here');
    await s3.send(new CompleteMultipartUploadCommand({ ...upload, IfMatch: existing.ETag }));
    const replaced = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'conditional/existing' }));
    expect(await replaced.Body?.transformToString()).toBe('body of conditional/existing');
  });
});

describe('x-amz-mp-object-size', () => {
  it('completes when it is the size the listed parts make, and refuses another or a malformed one, keeping the upload', async () => {
    const Key = 'sized';
    const first = randomBytes(5 * MiB);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
    const parts: CompletedPart[] = [];
    for (const [i, Body] of [first, Buffer.from('tail')].entries()) {
      const out = await s3.send(
        new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: i + 1, Body }),
      );
      parts.push({ PartNumber: i + 1, ETag: out.ETag });
    }
    const complete = { Bucket: BUCKET, Key, UploadId, MultipartUpload: { Parts: parts } };
    const size = first.length + 4;
    const wrong = await s3
      .send(new CompleteMultipartUploadCommand({ ...complete, MpuObjectSize: size - 1 }))
      .catch((error: Error) => error);
    expect(wrong).toMatchObject({ name: 'InvalidRequest' });
    expect((wrong as Error).message).toBe(
      `The provided 'x-amz-mp-object-size' header value ${size - 1} does not match what was computed: ${size}`,
    );
    // What the SDK cannot send, on the wire: a value that is no number, and a negative one.
    const path = `/${BUCKET}/${Key}`;
    const query = { uploadId: UploadId as string };
    const document = `<CompleteMultipartUpload>${parts.map((p) => `<Part><PartNumber>${p.PartNumber}</PartNumber><ETag>${p.ETag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    for (const [value, message] of [
      ['size', "Value for x-amz-mp-object-size header is invalid: 'size'"],
      ['-5', "Value for x-amz-mp-object-size header is less than zero: '-5'"],
    ] as const) {
      const headers = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-mp-object-size': value };
      const signed = await signedHeaders(t, { method: 'POST', path, query, headers });
      const answer = await rawRequest(t.url, {
        method: 'POST',
        path: `${path}?${new URLSearchParams(query)}`,
        headers: signed,
        body: document,
      });
      expect(answer.status, answer.body).toBe(400);
      expect(answer.body).toContain('<Code>InvalidRequest</Code>');
      expect(answer.body).toContain(`<Message>${message.replaceAll("'", '&apos;')}</Message>`);
    }
    await s3.send(new CompleteMultipartUploadCommand({ ...complete, MpuObjectSize: size }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
    expect(head.ContentLength).toBe(size);
  });
});
