import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { failure } from './helpers/failure.js';
import { rawRequest, signedHeaders, xmlElement } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'refusals';

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await t.close();
});

async function exists(key: string, bucket = BUCKET): Promise<boolean> {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    (error: { $metadata?: { httpStatusCode?: number } }) => {
      if (error.$metadata?.httpStatusCode === 404) return false;
      throw error;
    },
  );
}

/** A PutObject that must be refused with `code` and `status`, leaving nothing stored under its key. */
async function refusedPut(input: Partial<PutObjectCommandInput>, code: string, status: number) {
  const Key = `refused/${randomBytes(6).toString('hex')}`;
  const answer = await failure(
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'secret', ...input })),
  );
  expect(answer, JSON.stringify(input)).toEqual({ code, status });
  expect(await exists(Key)).toBe(false);
}

async function signed(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; query?: Record<string, string>; body?: string } = {},
) {
  const headers = await signedHeaders(t, {
    method,
    path,
    ...(options.query ? { query: options.query } : {}),
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...(options.headers ?? {}) },
  });
  const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
  return rawRequest(t.url, {
    method,
    path: path + query,
    headers: {
      ...headers,
      ...(options.body !== undefined ? { 'content-length': Buffer.byteLength(options.body) } : {}),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
}

describe('PutObject refuses what it would otherwise ignore, and stores nothing', () => {
  it('server-side encryption: DSSE-KMS is not implemented, a KMS key must exist, SSE-C is blocked', async () => {
    await refusedPut({ ServerSideEncryption: 'aws:kms:dsse' }, 'NotImplemented', 501);
    await refusedPut(
      { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'no-such-key' },
      'KMS.NotFoundException',
      400,
    );
    await refusedPut({ ServerSideEncryption: 'AES512' as 'AES256' }, 'InvalidArgument', 400);
    await refusedPut(
      { ServerSideEncryption: 'AES256', SSEKMSKeyId: 'alias/anything' },
      'InvalidArgument',
      400,
    );
    await refusedPut(
      { SSECustomerAlgorithm: 'AES256', SSECustomerKey: randomBytes(32).toString('base64') },
      'AccessDenied',
      403,
    );
  });

  it('ACLs: only bucket-owner-full-control, as a bucket with ACLs disabled (the default) takes', async () => {
    await refusedPut({ ACL: 'public-read' }, 'AccessControlListNotSupported', 400);
    await refusedPut({ ACL: 'private' }, 'AccessControlListNotSupported', 400);
    await refusedPut(
      { GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' },
      'AccessControlListNotSupported',
      400,
    );
    await refusedPut({ GrantFullControl: 'id="123456789012"' }, 'AccessControlListNotSupported', 400);
    await refusedPut({ ACL: 'bucket-owner-full-control', GrantFullControl: 'id="x"' }, 'InvalidRequest', 400);
    await refusedPut({ ACL: 'no-such-acl' as 'private' }, 'InvalidArgument', 400);
    await refusedPut(
      { GrantRead: 'emailAddress="someone@example.com"' },
      'UnresolvableGrantByEmailAddress',
      400,
    );
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'acl/owner', Body: 'x', ACL: 'bucket-owner-full-control' }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'acl/grant',
        Body: 'x',
        GrantFullControl: `id="${t.credentials.accountId}"`,
      }),
    );
    expect(await exists('acl/owner')).toBe(true);
    expect(await exists('acl/grant')).toBe(true);
  });

  it('invalid tags, object lock without a lock bucket, storage classes, redirects, appends and unknown checksums', async () => {
    await refusedPut({ Tagging: 'aws:team=parks' }, 'InvalidTag', 400);
    // As S3 answers where the bucket was not made with Object Lock (see s3-object-lock.test.ts for one that was).
    await refusedPut({ ObjectLockLegalHoldStatus: 'ON' }, 'InvalidRequest', 400);
    await refusedPut(
      { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000) },
      'InvalidRequest',
      400,
    );
    await refusedPut({ StorageClass: 'GLACIER' }, 'NotImplemented', 501);
    await refusedPut({ StorageClass: 'CHEAPEST' as never }, 'InvalidStorageClass', 400);
    await refusedPut({ WebsiteRedirectLocation: '/elsewhere' }, 'NotImplemented', 501);
    await refusedPut({ WriteOffsetBytes: 0 }, 'NotImplemented', 501);
    await refusedPut({ IfNoneMatch: '"0123"' }, 'NotImplemented', 501);
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'standard', Body: 'x', StorageClass: 'STANDARD' }),
    );
    expect(await exists('standard')).toBe(true);
    const sha512 = await signed('PUT', `/${BUCKET}/sha512`, {
      headers: { 'x-amz-checksum-sha512': randomBytes(64).toString('base64') },
      body: 'x',
    });
    expect([sha512.status, xmlElement(sha512.body, 'Code'), xmlElement(sha512.body, 'Header')]).toEqual([
      501,
      'NotImplemented',
      'x-amz-checksum-sha512',
    ]);
    expect(xmlElement(sha512.body, 'Message')).toBe(
      'A header you provided implies functionality that is not implemented.',
    );
    expect(await exists('sha512')).toBe(false);
    expect(
      await failure(
        s3.send(
          new CopyObjectCommand({
            Bucket: BUCKET,
            Key: 'copy',
            CopySource: `${BUCKET}/standard`,
            ServerSideEncryption: 'aws:kms:dsse',
          }),
        ),
      ),
    ).toEqual({
      code: 'NotImplemented',
      status: 501,
    });
  });

  it('ignores headers and parameters S3 does not define', async () => {
    const put = await signed('PUT', `/${BUCKET}/ignored`, {
      headers: { 'x-amz-foo': 'bar', 'x-custom': '1' },
      query: { foo: 'bar' },
      body: 'kept',
    });
    expect(put.status).toBe(200);
    expect(await exists('ignored')).toBe(true);
  });
});

describe('conditional writes and the expected bucket owner', () => {
  it('If-Match overwrites only the object with that ETag', async () => {
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v1' }));
    expect(
      await failure(
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v2', IfMatch: '"0000"' })),
      ),
    ).toEqual({ code: 'PreconditionFailed', status: 412 });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v3', IfMatch: ETag }));
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cas' }));
    expect(await got.Body?.transformToString()).toBe('v3');
    expect(
      await failure(
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas-none', Body: 'x', IfMatch: ETag })),
      ),
    ).toEqual({ code: 'NoSuchKey', status: 404 });
    expect(await exists('cas-none')).toBe(false);
  });

  it('x-amz-expected-bucket-owner: the right account passes, another is AccessDenied', async () => {
    const owner = t.credentials.accountId;
    const other = owner === '111122223333' ? '444455556666' : '111122223333';
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'owned', Body: 'x', ExpectedBucketOwner: owner }),
    );
    await s3.send(new HeadBucketCommand({ Bucket: BUCKET, ExpectedBucketOwner: owner }));
    await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, ExpectedBucketOwner: owner, RequestPayer: 'requester' }),
    );
    await refusedPut({ ExpectedBucketOwner: other }, 'AccessDenied', 403);
    expect(
      await failure(
        s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'owned', ExpectedBucketOwner: other })),
      ),
    ).toEqual({ code: 'AccessDenied', status: 403 });
    expect(
      await failure(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ExpectedBucketOwner: other }))),
    ).toEqual({
      code: 'AccessDenied',
      status: 403,
    });
  });
});

describe('reads refuse what they cannot honour', () => {
  it('SSE parameters, version ids and part numbers', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain', Body: 'plain' }));
    const key = randomBytes(32).toString('base64');
    expect(
      await failure(
        s3.send(
          new GetObjectCommand({
            Bucket: BUCKET,
            Key: 'plain',
            SSECustomerAlgorithm: 'AES256',
            SSECustomerKey: key,
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidRequest', status: 400 });
    expect(
      await failure(
        s3.send(
          new GetObjectCommand({
            Bucket: BUCKET,
            Key: 'absent',
            SSECustomerAlgorithm: 'AES256',
            SSECustomerKey: key,
          }),
        ),
      ),
    ).toEqual({ code: 'NoSuchKey', status: 404 });
    const sse = await signed('GET', `/${BUCKET}/plain`, {
      headers: { 'x-amz-server-side-encryption': 'AES256' },
    });
    expect([sse.status, xmlElement(sse.body, 'Code')]).toEqual([400, 'InvalidArgument']);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'plain', VersionId: 'null' }));
    expect(await got.Body?.transformToString()).toBe('plain');
    expect(
      await failure(
        s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'plain', VersionId: '3HL4kqtJlcpXroDTDmJ' })),
      ),
    ).toEqual({
      code: 'InvalidArgument',
      status: 400,
    });
    // A part number is honoured: an object of one PUT is its own part 1, and has no other.
    const part = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'plain', PartNumber: 1 }));
    expect(await part.Body?.transformToString()).toBe('plain');
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'plain', PartNumber: 2 }))),
    ).toEqual({
      code: 'InvalidPartNumber',
      status: 416,
    });
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'plain', ResponseContentType: 'text/csv' }),
    );
    expect(head.ContentType).toBe('text/csv');
  });

  it('ListBuckets honours its prefix and page size', async () => {
    for (const name of ['page-a', 'page-b', 'page-c'])
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    const first = await s3.send(new ListBucketsCommand({ Prefix: 'page-', MaxBuckets: 2 }));
    expect(first.Buckets?.map((b) => b.Name)).toEqual(['page-a', 'page-b']);
    const rest = await s3.send(
      new ListBucketsCommand({ Prefix: 'page-', MaxBuckets: 2, ContinuationToken: first.ContinuationToken }),
    );
    expect(rest.Buckets?.map((b) => b.Name)).toEqual(['page-c']);
    expect(rest.ContinuationToken).toBeUndefined();
  });

  it('DeleteObjects refuses version ids per key instead of deleting the current object', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'versioned', Body: 'x' }));
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: {
          Objects: [
            { Key: 'versioned', VersionId: 'v-123' },
            { Key: 'plain', VersionId: 'null' },
          ],
        },
      }),
    );
    expect(out.Errors?.map((e) => [e.Key, e.Code])).toEqual([['versioned', 'InvalidArgument']]);
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['plain']);
    expect(await exists('versioned')).toBe(true);
  });
});

describe('buckets and multipart uploads', () => {
  it('CreateBucket: ACLs with enforced ownership are refused, and no bucket is made', async () => {
    const cases: [Record<string, unknown>, string, number][] = [
      [{ ACL: 'public-read' }, 'InvalidBucketAclWithObjectOwnership', 400],
      [{ GrantRead: 'id="111122223333"' }, 'InvalidBucketAclWithObjectOwnership', 400],
      [{ GrantRead: 'id="someone-else"' }, 'InvalidArgument', 400],
      [{ ObjectOwnership: 'Nobody' }, 'InvalidArgument', 400],
    ];
    for (const [input, code, status] of cases) {
      const answer = await failure(s3.send(new CreateBucketCommand({ Bucket: 'never-made', ...input })));
      expect(answer, JSON.stringify(input)).toEqual({ code, status });
    }
    expect((await failure(s3.send(new HeadBucketCommand({ Bucket: 'never-made' })))).status).toBe(404);
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'made-private',
        ACL: 'private',
        ObjectOwnership: 'BucketOwnerEnforced',
      }),
    );
  });

  it('multipart: DSSE-KMS, invalid tags and checksums Seawall does not compute are refused at creation, an SSE-C key on a part of another upload too', async () => {
    const create = (input: Record<string, unknown>) =>
      failure(s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mpu', ...input })));
    expect(await create({ ServerSideEncryption: 'aws:kms:dsse' })).toEqual({
      code: 'NotImplemented',
      status: 501,
    });
    // S3's newer algorithms (SHA512, MD5, XXHASH*): Seawall computes the five others.
    expect(await create({ ChecksumAlgorithm: 'SHA512' })).toEqual({ code: 'NotImplemented', status: 501 });
    // A tag named twice in x-amz-tagging is InvalidArgument about the header, as S3 answers.
    expect(await create({ Tagging: 'a=b&a=c' })).toEqual({ code: 'InvalidArgument', status: 400 });
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mpu' }));
    const part = await failure(
      s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: 'mpu',
          UploadId,
          PartNumber: 1,
          Body: 'x',
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: randomBytes(32).toString('base64'),
        }),
      ),
    );
    expect(part).toEqual({ code: 'InvalidRequest', status: 400 });
  });
});

describe('aws cli', () => {
  it('gets the same refusals, and nothing is stored', async () => {
    const file = join(tempDir('seawall-refuse-'), 'data.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    const aws = (...args: string[]) => awsCli(t.dataDir, t.url, args);
    const cases: [string[], string][] = [
      [
        [
          's3api',
          'put-object',
          '--bucket',
          BUCKET,
          '--key',
          'cli/sse.csv',
          '--body',
          file,
          '--server-side-encryption',
          'aws:kms:dsse',
        ],
        'NotImplemented',
      ],
      [
        ['s3', 'cp', file, `s3://${BUCKET}/cli/kms.csv`, '--sse', 'aws:kms', '--sse-kms-key-id', 'bogus'],
        'KMS.NotFoundException',
      ],
      [
        ['s3', 'cp', file, `s3://${BUCKET}/cli/acl.csv`, '--acl', 'public-read'],
        'AccessControlListNotSupported',
      ],
      [
        [
          's3api',
          'put-object',
          '--bucket',
          BUCKET,
          '--key',
          'cli/tag.csv',
          '--body',
          file,
          '--tagging',
          'a=%zz',
        ],
        'InvalidArgument',
      ],
      [
        [
          's3api',
          'put-object',
          '--bucket',
          BUCKET,
          '--key',
          'cli/owner.csv',
          '--body',
          file,
          '--expected-bucket-owner',
          '999999999999',
        ],
        'AccessDenied',
      ],
      [['s3', 'cp', file, `s3://${BUCKET}/cli/glacier.csv`, '--storage-class', 'GLACIER'], 'NotImplemented'],
    ];
    for (const [args, code] of cases) {
      const out = await aws(...args);
      expect(out.code, args.join(' ')).not.toBe(0);
      expect(out.stderr, args.join(' ')).toContain(`(${code})`);
    }
    const listed = await aws('s3api', 'list-objects-v2', '--bucket', BUCKET, '--prefix', 'cli/');
    expect(listed.stdout.trim()).toBe('');
    const ok = await aws('s3', 'cp', file, `s3://${BUCKET}/cli/ok.csv`, '--acl', 'bucket-owner-full-control');
    expect(ok.code, ok.stderr).toBe(0);
  });
});
