import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { policyUser } from './helpers/iam-user.js';
import { allowPublic, startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const clients: { destroy(): void }[] = [];
const aws = (...args: string[]) => awsCli(t.dataDir, t.url, args);

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  for (const name of ['src', 'dst']) await s3.send(new CreateBucketCommand({ Bucket: name }));
  await s3.send(new CreateBucketCommand({ Bucket: 'ver' }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Enabled' } }),
  );
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await t.close();
});

async function text(bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

describe('CopyObject', () => {
  it('copies bytes, metadata and content type (COPY), or takes the request’s (REPLACE)', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'src',
        Key: 'a.txt',
        Body: 'hello copy',
        ContentType: 'text/plain',
        Metadata: { team: 'parks' },
        CacheControl: 'max-age=60',
      }),
    );
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: 'dst',
        Key: 'b.txt',
        CopySource: 'src/a.txt',
        ContentType: 'x/ignored',
      }),
    );
    expect(copied.CopyObjectResult?.ETag).toBe(put.ETag);
    expect(copied.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    expect(copied.VersionId).toBeUndefined();
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'b.txt' }));
    expect([head.ContentType, head.Metadata, head.CacheControl, head.ETag]).toEqual([
      'text/plain',
      { team: 'parks' },
      'max-age=60',
      put.ETag,
    ]);
    expect(await text('dst', 'b.txt')).toBe('hello copy');

    await s3.send(
      new CopyObjectCommand({
        Bucket: 'dst',
        Key: 'c.txt',
        CopySource: '/src/a.txt',
        MetadataDirective: 'REPLACE',
        ContentType: 'application/json',
        Metadata: { other: 'yes' },
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'c.txt' }));
    expect([replaced.ContentType, replaced.Metadata, replaced.CacheControl]).toEqual([
      'application/json',
      { other: 'yes' },
      undefined,
    ]);
  });

  it('refuses a copy onto itself that changes nothing, and allows one that replaces the metadata', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'self', Body: 'me' }));
    const refused = await failureOf(
      s3.send(new CopyObjectCommand({ Bucket: 'src', Key: 'self', CopySource: 'src/self' })),
    );
    expect([refused.code, refused.status]).toEqual(['InvalidRequest', 400]);
    expect(refused.message).toBe(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'src',
        Key: 'self',
        CopySource: 'src/self',
        MetadataDirective: 'REPLACE',
        Metadata: { changed: '1' },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'self' }));
    expect(head.Metadata).toEqual({ changed: '1' });
    expect(await text('src', 'self')).toBe('me');
  });

  it('reads URL-encoded keys and a version, naming both versions in its answer', async () => {
    const key = 'dir/ä b+c?d%e.txt';
    const first = await s3.send(new PutObjectCommand({ Bucket: 'ver', Key: key, Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: 'ver', Key: key, Body: 'two' }));
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: 'ver',
        Key: 'restored',
        CopySource: `ver/${encodeURIComponent(key)}?versionId=${first.VersionId}`,
      }),
    );
    expect(copied.CopySourceVersionId).toBe(first.VersionId);
    expect(copied.VersionId).toMatch(/.+/);
    expect(copied.VersionId).not.toBe(first.VersionId);
    expect(await text('ver', 'restored')).toBe('one');
    // Copying an older version onto its own key restores it.
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'ver',
        Key: key,
        CopySource: `ver/${encodeURIComponent(key)}?versionId=${first.VersionId}`,
      }),
    );
    expect(await text('ver', key)).toBe('one');
  });

  it('answers S3’s errors for missing sources, delete markers, directives and malformed sources', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'ver', Key: 'gone', Body: 'x' }));
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'ver', Key: 'gone' }));
    const copy = (CopySource: string, extra: Record<string, unknown> = {}) =>
      failureOf(s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'x', CopySource, ...extra })));
    expect((await copy('ver/gone')).code).toBe('NoSuchKey');
    expect(await copy(`ver/gone?versionId=${marker.VersionId}`)).toMatchObject({
      code: 'InvalidRequest',
      status: 400,
      message: 'The source of a copy request may not specifically refer to a delete marker by version id.',
    });
    // S3 answers a version id of its own form that names nothing NoSuchVersion, and one it cannot read a bare
    // InvalidRequest (see s3-lock-versioning-fidelity.test.ts); Seawall, whose ids differ, answers the latter.
    expect((await copy('ver/gone?versionId=3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY')).code).toMatch(
      /NoSuchVersion|InvalidRequest/,
    );
    expect((await copy('nobucket/k')).code).toBe('NoSuchBucket');
    expect((await copy('justabucket')).code).toBe('InvalidArgument');
    expect((await copy('src/%zz')).code).toBe('InvalidArgument');
    expect((await copy('src/a.txt', { MetadataDirective: 'MERGE' })).code).toBe('InvalidArgument');
    expect((await copy('src/a.txt', { TaggingDirective: 'MERGE' })).code).toBe('InvalidArgument');
    expect(
      (
        await failureOf(
          s3.send(new CopyObjectCommand({ Bucket: 'nobucket', Key: 'x', CopySource: 'src/a.txt' })),
        )
      ).code,
    ).toBe('NoSuchBucket');
  });

  it('checks the copy-source conditions with 412 PreconditionFailed', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'cond', Body: 'c' }));
    const copy = (extra: Record<string, unknown>) =>
      s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'cond', CopySource: 'src/cond', ...extra }));
    await copy({ CopySourceIfMatch: put.ETag });
    await copy({ CopySourceIfNoneMatch: '"0123"' });
    const past = new Date(Date.now() - 86_400_000);
    const future = new Date(Date.now() + 86_400_000);
    await copy({ CopySourceIfModifiedSince: past, CopySourceIfUnmodifiedSince: future });
    const now = new Date();
    for (const [extra, condition] of [
      [{ CopySourceIfMatch: '"0123"' }, 'x-amz-copy-source-If-Match'],
      [{ CopySourceIfNoneMatch: put.ETag }, 'x-amz-copy-source-If-None-Match'],
      [{ CopySourceIfModifiedSince: now }, 'x-amz-copy-source-If-Modified-Since'],
      [{ CopySourceIfUnmodifiedSince: past }, 'x-amz-copy-source-If-Unmodified-Since'],
    ] as const) {
      const refused = await copy(extra).catch((error: { Condition?: string }) => error);
      expect(await failureOf(copy(extra))).toMatchObject({ code: 'PreconditionFailed', status: 412 });
      expect(refused).toMatchObject({ Condition: condition });
    }
    // A date later than the server's clock is no If-Modified-Since at all (RFC 2616, 14.25), as for GET.
    await copy({ CopySourceIfModifiedSince: future });
    // If-Match holding overrides If-Unmodified-Since, as S3 documents.
    await copy({ CopySourceIfMatch: put.ETag, CopySourceIfUnmodifiedSince: past });
  });

  it('takes If-None-Match: * and If-Match on the destination, as PutObject does', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'guarded', Body: 'source' }));
    const copy = (extra: Record<string, unknown>) =>
      s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'guarded', CopySource: 'src/guarded', ...extra }));
    const first = await copy({ IfNoneMatch: '*' });
    expect(await text('dst', 'guarded')).toBe('source');
    expect(await failureOf(copy({ IfNoneMatch: '*' }))).toMatchObject({
      code: 'PreconditionFailed',
      status: 412,
    });
    expect(await failureOf(copy({ IfMatch: '"0123"' }))).toMatchObject({
      code: 'PreconditionFailed',
      status: 412,
    });
    // S3 implements If-None-Match on writes for `*` alone.
    expect(await failureOf(copy({ IfNoneMatch: first.CopyObjectResult?.ETag }))).toMatchObject({
      code: 'NotImplemented',
      status: 501,
    });
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'guarded', Body: 'second' }));
    await copy({ IfMatch: first.CopyObjectResult?.ETag });
    expect(await text('dst', 'guarded')).toBe('second');
    // If-Match on a key with no object: NoSuchKey, as PutObject answers.
    expect(
      await failureOf(
        s3.send(
          new CopyObjectCommand({ Bucket: 'dst', Key: 'unguarded', CopySource: 'src/guarded', IfMatch: '*' }),
        ),
      ),
    ).toMatchObject({ code: 'NoSuchKey', status: 404 });
  });

  it('copies the tags or replaces them (tagging directive), and the checksum', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'src',
        Key: 'tagged',
        Body: 'tt',
        Tagging: 'a=1&b=2',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: 'dst', Key: 'tagged', CopySource: 'src/tagged', Tagging: 'ignored=1' }),
    );
    expect(copied.CopyObjectResult?.ChecksumSHA256).toBe('DgfPgwlXcB1DwYPxUV9j5raAJ+Uo9D71KxUnpSDd7II=');
    const tags = async (key: string) =>
      (await s3.send(new GetObjectTaggingCommand({ Bucket: 'dst', Key: key }))).TagSet;
    expect(await tags('tagged')).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'dst',
        Key: 'retagged',
        CopySource: 'src/tagged',
        TaggingDirective: 'REPLACE',
        Tagging: 'c=3',
      }),
    );
    expect(await tags('retagged')).toEqual([{ Key: 'c', Value: '3' }]);
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'dst',
        Key: 'untagged',
        CopySource: 'src/tagged',
        TaggingDirective: 'REPLACE',
      }),
    );
    expect(await tags('untagged')).toEqual([]);
  });

  it('needs s3:GetObject on the source (s3:GetObjectVersion for a version) and s3:PutObject on the target', async () => {
    const { s3: copier, close } = await policyUser(t, 'copier', [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ver/*' },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::dst/*' },
    ]);
    clients.push({ destroy: close });
    const put = await s3.send(new PutObjectCommand({ Bucket: 'ver', Key: 'auth', Body: 'a' }));
    const copy = (Bucket: string, CopySource: string) =>
      copier.send(new CopyObjectCommand({ Bucket, Key: 'auth', CopySource }));
    await copy('dst', 'ver/auth');
    expect(await text('dst', 'auth')).toBe('a');
    expect(await failureOf(copy('dst', 'src/a.txt'))).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(await failureOf(copy('dst', `ver/auth?versionId=${put.VersionId}`))).toMatchObject({
      code: 'AccessDenied',
    });
    expect(await failureOf(copy('src', 'ver/auth'))).toMatchObject({ code: 'AccessDenied', status: 403 });
  });

  it('gives the copy the retention, legal hold and ACL its request asks for, never the source’s', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
    await s3.send(new CreateBucketCommand({ Bucket: 'writer', ObjectOwnership: 'ObjectWriter' }));
    // Its copy is given a public-read ACL: the bucket's Block Public Access, on from its creation, is off.
    await allowPublic(s3, 'writer');
    // A source written without any checksum: the copy's bytes are the store's own, so none is asked for.
    const plain = t.s3({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    await plain.send(new PutObjectCommand({ Bucket: 'src', Key: 'plain.txt', Body: 'kept' }));
    const until = new Date(Date.now() + 86_400_000);
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: 'locked',
        Key: 'kept.txt',
        CopySource: 'src/plain.txt',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: until,
        ObjectLockLegalHoldStatus: 'ON',
      }),
    );
    const VersionId = copied.VersionId;
    expect(VersionId).toBeDefined();
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'kept.txt' }));
    expect(retention.Retention?.Mode).toBe('GOVERNANCE');
    expect(retention.Retention?.RetainUntilDate?.getTime()).toBe(until.getTime());
    const hold = await s3.send(new GetObjectLegalHoldCommand({ Bucket: 'locked', Key: 'kept.txt' }));
    expect(hold.LegalHold?.Status).toBe('ON');
    expect(
      await failureOf(s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'kept.txt', VersionId }))),
    ).toMatchObject({ code: 'AccessDenied', status: 403 });
    // A copy of a retained version that asks for nothing is not retained, in a lock bucket either.
    const unkept = await s3.send(
      new CopyObjectCommand({ Bucket: 'locked', Key: 'unkept.txt', CopySource: 'locked/kept.txt' }),
    );
    expect(
      await failureOf(s3.send(new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'unkept.txt' }))),
    ).toMatchObject({ code: 'NoSuchObjectLockConfiguration', status: 404 });
    await s3.send(
      new DeleteObjectCommand({ Bucket: 'locked', Key: 'unkept.txt', VersionId: unkept.VersionId }),
    );

    await s3.send(
      new CopyObjectCommand({
        Bucket: 'writer',
        Key: 'public.txt',
        CopySource: 'src/plain.txt',
        ACL: 'public-read',
      }),
    );
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'writer', Key: 'public.txt' }));
    expect(acl.Grants?.map((g) => [g.Grantee?.URI ?? g.Grantee?.Type, g.Permission])).toContainEqual([
      'http://acs.amazonaws.com/groups/global/AllUsers',
      'READ',
    ]);
    // A bucket whose owner enforces ownership refuses an ACL on the copy as on any write.
    expect(
      await failureOf(
        s3.send(
          new CopyObjectCommand({
            Bucket: 'dst',
            Key: 'acl.txt',
            CopySource: 'src/plain.txt',
            ACL: 'public-read',
          }),
        ),
      ),
    ).toMatchObject({ code: 'AccessControlListNotSupported', status: 400 });
  });

  it('works for the aws cli (s3 cp between buckets, s3api copy-object)', async () => {
    const dir = tempDir();
    const file = join(dir, 'f.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    expect((await aws('s3', 'cp', file, 's3://src/cli/f.csv')).code).toBe(0);
    const cp = await aws('s3', 'cp', 's3://src/cli/f.csv', 's3://dst/cli/g.csv');
    expect(cp.code, cp.stderr).toBe(0);
    expect(await text('dst', 'cli/g.csv')).toBe('a,b\n1,2\n');
    const api = await aws(
      's3api',
      'copy-object',
      '--bucket',
      'dst',
      '--key',
      'cli/h.csv',
      '--copy-source',
      'src/cli/f.csv',
    );
    expect(api.code, api.stderr).toBe(0);
    expect(JSON.parse(api.stdout).CopyObjectResult.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });
});

describe('UploadPartCopy', () => {
  it('copies ranges of sources into parts of an upload', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 10, 'x');
    big.write('START', 0);
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'big', Body: big }));
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'small', Body: '0123456789' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'dst', Key: 'joined' }));
    const part1 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'dst',
        Key: 'joined',
        UploadId,
        PartNumber: 1,
        CopySource: 'src/big',
      }),
    );
    const part2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'dst',
        Key: 'joined',
        UploadId,
        PartNumber: 2,
        CopySource: 'src/small',
        CopySourceRange: 'bytes=2-5',
      }),
    );
    expect(part2.CopyPartResult?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(part2.CopyPartResult?.LastModified).toBeInstanceOf(Date);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'dst',
        Key: 'joined',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: part1.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: part2.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'dst', Key: 'joined' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect(bytes.length).toBe(big.length + 4);
    expect(bytes.subarray(0, 5).toString()).toBe('START');
    expect(bytes.subarray(big.length).toString()).toBe('2345');
  });

  it('refuses ranges outside the source or of the wrong form, and failed conditions', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'dst', Key: 'bad' }));
    const part = (extra: Record<string, unknown>) =>
      failureOf(
        s3.send(
          new UploadPartCopyCommand({
            Bucket: 'dst',
            Key: 'bad',
            UploadId,
            PartNumber: 1,
            CopySource: 'src/small',
            ...extra,
          }),
        ),
      );
    expect(await part({ CopySourceRange: 'bytes=0-21' })).toMatchObject({
      code: 'InvalidArgument',
      status: 400,
    });
    for (const range of ['bytes=5-2', 'bytes=-3', 'bytes=1-', 'items=0-1', 'bytes=0-1,2-3'])
      expect(await part({ CopySourceRange: range })).toMatchObject({ code: 'InvalidArgument', status: 400 });
    expect(await part({ CopySourceIfMatch: '"nope"' })).toMatchObject({ code: 'PreconditionFailed' });
    expect(await part({ CopySource: 'src/missing' })).toMatchObject({ code: 'NoSuchKey' });
    expect(
      await failureOf(
        s3.send(
          new UploadPartCopyCommand({
            Bucket: 'dst',
            Key: 'bad',
            UploadId: 'no-such-upload',
            PartNumber: 1,
            CopySource: 'src/small',
          }),
        ),
      ),
    ).toMatchObject({ code: 'NoSuchUpload' });
  });
});
