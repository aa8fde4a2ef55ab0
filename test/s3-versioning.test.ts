import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const aws = (...args: string[]) => awsCli(t.dataDir, t.url, args);

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    const e = error as {
      name: string;
      message: string;
      $metadata?: { httpStatusCode?: number };
      $response?: { headers?: Record<string, string> };
    };
    return { name: e.name, status: e.$metadata?.httpStatusCode, headers: e.$response?.headers ?? {} };
  }
  throw new Error('expected the call to fail');
}

async function text(bucket: string, key: string, versionId?: string): Promise<string> {
  const out = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
  );
  return (await out.Body?.transformToString()) ?? '';
}

async function bucket(name: string, status?: 'Enabled' | 'Suspended'): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  if (status)
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: status } }),
    );
  return name;
}

async function put(b: string, key: string, body: string) {
  return s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body }));
}

describe('bucket versioning state', () => {
  it('is unset until configured, then Enabled or Suspended, never unset again', async () => {
    const b = await bucket('v-state');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBeUndefined();
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Enabled');
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Suspended');
  });

  it('refuses a malformed configuration, MFA delete, and an unknown bucket as S3 does', async () => {
    const b = await bucket('v-bad');
    expect(
      await errorOf(
        s3.send(
          new PutBucketVersioningCommand({
            Bucket: b,
            VersioningConfiguration: { Status: 'Sometimes' as 'Enabled' },
          }),
        ),
      ),
    ).toMatchObject({ name: 'MalformedXML', status: 400 });
    expect(
      await errorOf(
        s3.send(
          new PutBucketVersioningCommand({
            Bucket: b,
            VersioningConfiguration: { Status: 'Enabled', MFADelete: 'Enabled' },
          }),
        ),
      ),
    ).toMatchObject({ name: 'NotImplemented', status: 501 });
    expect(await errorOf(s3.send(new GetBucketVersioningCommand({ Bucket: 'v-none' })))).toMatchObject({
      name: 'NoSuchBucket',
      status: 404,
    });
  });
});

describe('versions', () => {
  it('keeps every version, reads each by id, and lists them newest first', async () => {
    const b = await bucket('v-keep', 'Enabled');
    const v1 = (await put(b, 'doc', 'one')).VersionId as string;
    const v2 = (await put(b, 'doc', 'two')).VersionId as string;
    expect(v1).toMatch(/^[A-Za-z0-9_.]{32}$/);
    expect(v2).not.toBe(v1);
    expect(await text(b, 'doc')).toBe('two');
    expect(await text(b, 'doc', v1)).toBe('one');
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'doc', VersionId: v1 }));
    expect(head.VersionId).toBe(v1);
    expect(head.ContentLength).toBe(3);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(listed.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual([
      ['doc', v2, true, 3],
      ['doc', v1, false, 3],
    ]);
    expect(listed.DeleteMarkers).toBeUndefined();
  });

  it('hides a deleted object behind a delete marker, and deleting the marker restores it', async () => {
    const b = await bucket('v-marker', 'Enabled');
    const v1 = (await put(b, 'k', 'kept')).VersionId as string;
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    expect(deleted.DeleteMarker).toBe(true);
    const marker = deleted.VersionId as string;
    expect(marker).toMatch(/^[A-Za-z0-9_.]{32}$/);

    const missing = await errorOf(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })));
    expect(missing).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(missing.headers['x-amz-delete-marker']).toBe('true');
    expect(missing.headers['x-amz-version-id']).toBe(marker);
    const named = await errorOf(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: marker })));
    expect(named.status).toBe(405);
    expect(named.headers['x-amz-delete-marker']).toBe('true');
    expect((await s3.send(new ListObjectsV2Command({ Bucket: b }))).KeyCount).toBe(0);
    expect(await text(b, 'k', v1)).toBe('kept');

    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(listed.DeleteMarkers?.map((m) => [m.Key, m.VersionId, m.IsLatest])).toEqual([['k', marker, true]]);
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([[v1, false]]);

    const undone = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: marker }));
    expect(undone).toMatchObject({ DeleteMarker: true, VersionId: marker });
    expect(await text(b, 'k')).toBe('kept');
  });

  it('answers a missing key with x-amz-delete-marker false, also where the bucket has no versioning', async () => {
    const b = await bucket('v-plain');
    await put(b, 'gone', 'x');
    const plain = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone' }));
    expect(plain.DeleteMarker).toBeUndefined();
    expect(plain.VersionId).toBeUndefined();
    const missing = await errorOf(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'gone' })));
    expect(missing.status).toBe(404);
    expect(missing.headers['x-amz-delete-marker']).toBe('false');
    // An unversioned bucket's object is its "null" version, and S3 names no version for it.
    const out = await put(b, 'here', 'x');
    expect(out.VersionId).toBeUndefined();
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'here' }))).VersionId).toBeUndefined();
    expect(await text(b, 'here', 'null')).toBe('x');
  });

  it('writes the "null" version while suspended, replacing the previous one and keeping the others', async () => {
    const b = await bucket('v-suspend');
    await put(b, 'k', 'before');
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const kept = (await put(b, 'k', 'versioned')).VersionId as string;
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    const out = await put(b, 'k', 'suspended');
    expect(out.VersionId).toBeUndefined();
    const versions = async () =>
      (await s3.send(new ListObjectVersionsCommand({ Bucket: b }))).Versions?.map((v) => [
        v.VersionId,
        v.IsLatest,
        v.Size,
      ]);
    // The object written before versioning was the "null" version; the suspended write replaced it.
    expect(await versions()).toEqual([
      ['null', true, 9],
      [kept, false, 9],
    ]);
    expect(await text(b, 'k', 'null')).toBe('suspended');
    // Over a current "null" version, the next one replaces it and the older versions stay as they were.
    await put(b, 'k', 'suspended again');
    expect(await versions()).toEqual([
      ['null', true, 15],
      [kept, false, 9],
    ]);
    expect(await text(b, 'k')).toBe('suspended again');
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }))).VersionId).toBe('null');
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    expect(marker).toMatchObject({ DeleteMarker: true, VersionId: 'null' });
    expect(await versions()).toEqual([[kept, false, 9]]);
    expect(await text(b, 'k', kept)).toBe('versioned');
  });

  it('deletes versions and markers in bulk, quietly or not', async () => {
    const b = await bucket('v-bulk', 'Enabled');
    const a1 = (await put(b, 'a', '1')).VersionId as string;
    const a2 = (await put(b, 'a', '22')).VersionId as string;
    await put(b, 'b', '3');
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket: b,
        Delete: {
          Objects: [{ Key: 'a', VersionId: a1 }, { Key: 'b' }, { Key: 'c', VersionId: 'not-a-version' }],
        },
      }),
    );
    expect(out.Deleted?.find((d) => d.Key === 'a')).toMatchObject({ VersionId: a1 });
    const b1 = out.Deleted?.find((d) => d.Key === 'b');
    expect(b1?.DeleteMarker).toBe(true);
    expect(b1?.DeleteMarkerVersionId).toMatch(/^[A-Za-z0-9_.]{32}$/);
    expect(out.Errors?.map((e) => [e.Key, e.Code])).toEqual([['c', 'InvalidArgument']]);
    // Removing that marker by its id: named as the marker removed (S3's DeletedObject: the version deleted).
    const unmarked = await s3.send(
      new DeleteObjectsCommand({
        Bucket: b,
        Delete: { Objects: [{ Key: 'b', VersionId: b1?.DeleteMarkerVersionId }] },
      }),
    );
    expect(unmarked.Deleted).toEqual([
      {
        Key: 'b',
        VersionId: b1?.DeleteMarkerVersionId,
        DeleteMarker: true,
        DeleteMarkerVersionId: b1?.DeleteMarkerVersionId,
      },
    ]);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    const all = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key as string,
      VersionId: v.VersionId as string,
    }));
    expect(all.map((v) => v.VersionId)).toContain(a2);
    const quiet = await s3.send(
      new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: all, Quiet: true } }),
    );
    expect(quiet.Deleted).toBeUndefined();
    expect(quiet.Errors).toBeUndefined();
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
  });

  it('refuses malformed and unknown version ids as S3 does', async () => {
    const b = await bucket('v-ids', 'Enabled');
    await put(b, 'k', 'x');
    expect(
      await errorOf(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'nope' }))),
    ).toMatchObject({ name: 'InvalidArgument', status: 400 });
    expect(
      await errorOf(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'A'.repeat(32) }))),
    ).toMatchObject({ name: 'NoSuchVersion', status: 404 });
    // Deleting a version that is not there is not an error.
    const none = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: 'B'.repeat(32) }));
    expect(none.VersionId).toBe('B'.repeat(32));
    expect(await text(b, 'k')).toBe('x');
  });

  it('names the version a multipart upload made', async () => {
    const b = await bucket('v-mpu', 'Enabled');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'm' }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket: b, Key: 'm', UploadId, PartNumber: 1, Body: 'multipart' }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: 'm',
        UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    expect(done.VersionId).toMatch(/^[A-Za-z0-9_.]{32}$/);
    expect(await text(b, 'm', done.VersionId)).toBe('multipart');
  });
});

describe('ListObjectVersions', () => {
  it('pages with key and version-id markers, rolls up common prefixes, and encodes keys', async () => {
    const b = await bucket('v-list', 'Enabled');
    const ids: Record<string, string[]> = {};
    for (const key of ['a', 'b', 'dir/x', 'dir/y', 'z z']) {
      ids[key] = [];
      for (let i = 0; i < 2; i++) ids[key].push((await put(b, key, `${key}${i}`)).VersionId as string);
    }
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'b' }));
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let page = 0; page < 20; page++) {
      const out = await s3.send(
        new ListObjectVersionsCommand({ Bucket: b, MaxKeys: 3, KeyMarker, VersionIdMarker, Delimiter: '/' }),
      );
      const entries = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]
        .map((v) => `${v.Key}@${v.VersionId}`)
        .concat((out.CommonPrefixes ?? []).map((p) => p.Prefix as string));
      seen.push(...entries);
      expect(entries.length).toBeLessThanOrEqual(3);
      if (!out.IsTruncated) break;
      KeyMarker = out.NextKeyMarker;
      VersionIdMarker = out.NextVersionIdMarker;
    }
    // Two versions each of a and z z, b's two versions and its marker, and dir/ once however many keys it holds.
    expect(seen.filter((e) => e.startsWith('a@'))).toEqual([`a@${ids.a?.[1]}`, `a@${ids.a?.[0]}`]);
    expect(seen.filter((e) => e.startsWith('b@'))).toHaveLength(3);
    expect(seen.filter((e) => e === 'dir/')).toHaveLength(1);
    expect(seen.filter((e) => e.startsWith('z z@'))).toHaveLength(2);
    expect(seen).toHaveLength(8);

    const encoded = await s3.send(
      new ListObjectVersionsCommand({ Bucket: b, Prefix: 'z', EncodingType: 'url' }),
    );
    expect(encoded.Versions?.map((v) => v.Key)).toEqual(['z+z', 'z+z']);
    expect(
      await errorOf(s3.send(new ListObjectVersionsCommand({ Bucket: b, VersionIdMarker: ids.a?.[0] }))),
    ).toMatchObject({ name: 'InvalidArgument', status: 400 });
  });

  it('works with the Debian aws cli, which lists and deletes versions', async () => {
    const b = await bucket('v-cli', 'Enabled');
    await put(b, 'f', 'one');
    await put(b, 'f', 'two');
    const listed = await aws('s3api', 'list-object-versions', '--bucket', b);
    expect(listed.code).toBe(0);
    const versions = (JSON.parse(listed.stdout) as { Versions: { VersionId: string }[] }).Versions;
    expect(versions).toHaveLength(2);
    const get = await aws('s3api', 'get-bucket-versioning', '--bucket', b);
    expect(JSON.parse(get.stdout)).toEqual({ Status: 'Enabled' });
    const removed = await aws(
      's3api',
      'delete-object',
      '--bucket',
      b,
      '--key',
      'f',
      '--version-id',
      versions[0]?.VersionId as string,
    );
    expect(removed.code).toBe(0);
    expect(await text(b, 'f')).toBe('one');
  });
});

describe('DeleteBucket', () => {
  it('refuses while versions or markers remain, and discards uploads in progress as S3 does', async () => {
    const b = await bucket('v-drop', 'Enabled');
    await put(b, 'k', 'x');
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    expect(await errorOf(s3.send(new DeleteBucketCommand({ Bucket: b })))).toMatchObject({
      name: 'BucketNotEmpty',
      status: 409,
    });
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    for (const v of [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])])
      await s3.send(new DeleteObjectCommand({ Bucket: b, Key: v.Key, VersionId: v.VersionId }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'pending' }));
    await s3.send(new UploadPartCommand({ Bucket: b, Key: 'pending', UploadId, PartNumber: 1, Body: 'p' }));
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads).toBeUndefined();
    expect(
      await errorOf(s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'pending', UploadId }))),
    ).toMatchObject({ name: 'NoSuchUpload' });
  });
});
