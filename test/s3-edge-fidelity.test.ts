import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { failureFields } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'edge-fidelity';

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await t.close();
});

/** A presigned PutObject of an empty body with this metadata, sent as a browser or curl would send it. */
async function presignedPut(key: string, metadata: Record<string, string>): Promise<number> {
  const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: key, Metadata: metadata }), {
    expiresIn: 300,
  });
  const answer = await fetch(url, { method: 'PUT', body: '' });
  return answer.status;
}

describe('user metadata outside US-ASCII, as RFC 2047 encoded-words', () => {
  it('a value a presigned URL stored in UTF-8 is answered as an encoded-word, not a failure', async () => {
    expect(await presignedPut('presigned-cjk', { title: '中文' })).toBe(200);
    expect(await presignedPut('presigned-accent', { title: 'é' })).toBe(200);
    const cjk = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'presigned-cjk' }));
    expect(cjk.Metadata).toEqual({ title: '=?UTF-8?B?5Lit5paH?=' });
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'presigned-cjk' }));
    await got.Body?.transformToString();
    expect(got.Metadata).toEqual({ title: '=?UTF-8?B?5Lit5paH?=' });
    const accent = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'presigned-accent' }));
    expect(accent.Metadata).toEqual({ title: '=?UTF-8?B?w6k=?=' });
  });

  it('encoded-words are decoded when stored: what they spell is answered, and is what the 2 KB counts', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'word-ascii',
        Body: 'x',
        Metadata: { k: '=?UTF-8?B?aGVsbG8=?=' },
      }),
    );
    const ascii = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'word-ascii' }));
    expect(ascii.Metadata).toEqual({ k: 'hello' });

    // 1,800 bytes stored, though the header that carries them is over 2 KB.
    const long = `=?UTF-8?B?${Buffer.from('a'.repeat(1800)).toString('base64')}?=`;
    expect(long.length).toBeGreaterThan(2048);
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'word-long', Body: 'x', Metadata: { k: long } }),
    );
    const stored = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'word-long' }));
    expect(stored.Metadata).toEqual({ k: 'a'.repeat(1800) });
  });

  it('the aws cli round trip of a non-ASCII value, and a copy that replaces metadata', async () => {
    // The cli refuses non-ASCII metadata itself; RFC 2047 is how a script sends é.
    const put = await awsCli(t.dataDir, t.url, [
      's3api',
      'put-object',
      '--bucket',
      BUCKET,
      '--key',
      'cli-accent',
      '--metadata',
      JSON.stringify({ k: '=?UTF-8?B?w6k=?=' }),
    ]);
    expect(put.code, put.stderr).toBe(0);
    const head = await awsCli(t.dataDir, t.url, [
      's3api',
      'head-object',
      '--bucket',
      BUCKET,
      '--key',
      'cli-accent',
    ]);
    expect(head.code, head.stderr).toBe(0);
    expect(JSON.parse(head.stdout).Metadata).toEqual({ k: '=?UTF-8?B?w6k=?=' });

    await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'copied-accent',
        CopySource: `${BUCKET}/cli-accent`,
        MetadataDirective: 'REPLACE',
        Metadata: { k: '=?UTF-8?Q?caf=C3=A9_cr=C3=A8me?=', plain: 'as is' },
      }),
    );
    const copied = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copied-accent' }));
    // Mostly printable ASCII: S3 answers the Q form (`=?UTF-8?Q?=04mymeta?=` in ceph/s3-tests).
    expect(copied.Metadata).toEqual({ k: '=?UTF-8?Q?caf=C3=A9_cr=C3=A8me?=', plain: 'as is' });
  });

  it('MetadataTooLarge names the size and the limit on PutObject, CopyObject and CreateMultipartUpload', async () => {
    const big = { k: 'v'.repeat(2048) };
    const expected = {
      name: 'MetadataTooLarge',
      message: 'Your metadata headers exceed the maximum allowed metadata size.',
      Size: '2049',
      MaxSizeAllowed: '2048',
    };
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'meta-2048',
        Body: 'x',
        Metadata: { k: 'v'.repeat(2047) },
      }),
    );
    expect(
      await failureFields(
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'meta-big', Body: 'x', Metadata: big })),
      ),
    ).toMatchObject(expected);
    expect(
      await failureFields(
        s3.send(
          new CopyObjectCommand({
            Bucket: BUCKET,
            Key: 'meta-big',
            CopySource: `${BUCKET}/meta-2048`,
            MetadataDirective: 'REPLACE',
            Metadata: big,
          }),
        ),
      ),
    ).toMatchObject(expected);
    expect(
      await failureFields(
        s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'meta-big', Metadata: big })),
      ),
    ).toMatchObject(expected);
  });
});

describe('object keys are names, stored as they are', () => {
  it('dot segments and empty segments round-trip through put, get, head, list, copy and delete', async () => {
    const keys = ['a/../b', './x', '..', '.', 'a//b', '/./../', '../../etc/passwd'];
    for (const key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `dots/${key}`, Body: key }));
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `dots/${key}` }));
      expect(await got.Body?.transformToString(), key).toBe(key);
      await s3.send(
        new CopyObjectCommand({
          Bucket: BUCKET,
          Key: `copies/${key}`,
          CopySource: `${BUCKET}/${encodeURIComponent(`dots/${key}`)}`,
        }),
      );
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'dots/' }));
    expect(listed.Contents?.map((c) => c.Key).sort()).toEqual(keys.map((k) => `dots/${k}`).sort());
    const cli = await awsCli(t.dataDir, t.url, [
      's3api',
      'head-object',
      '--bucket',
      BUCKET,
      '--key',
      'dots/a/../b',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    for (const key of keys) await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `dots/${key}` }));
    const after = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'dots/' }));
    expect(after.KeyCount).toBe(0);
    const copies = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'copies/' }));
    expect(copies.KeyCount).toBe(keys.length);
  });

  it('a key over 1024 bytes is KeyTooLongError with its size', async () => {
    expect(
      await failureFields(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'é'.repeat(513), Body: 'x' }))),
    ).toMatchObject({
      name: 'KeyTooLongError',
      message: 'Your key is too long.',
      Size: '1026',
      MaxSizeAllowed: '1024',
    });
  });
});

describe('listing counts', () => {
  it('max-uploads=0 answers an empty page that is not truncated, as max-keys=0 does', async () => {
    await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'in-progress' }));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, MaxUploads: 0 }));
    expect([uploads.Uploads, uploads.IsTruncated, uploads.MaxUploads]).toEqual([undefined, false, 0]);
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 0 }));
    expect([objects.KeyCount, objects.IsTruncated]).toEqual([0, false]);
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, MaxKeys: 0 }));
    expect([v1.Contents, v1.IsTruncated]).toEqual([undefined, false]);
  });

  it('a negative count is refused in each listing’s own words', async () => {
    for (const list of [
      new ListObjectsCommand({ Bucket: BUCKET, MaxKeys: -1 }),
      new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: -1 }),
    ]) {
      expect(await failureFields(s3.send(list))).toMatchObject({
        name: 'InvalidArgument',
        message: 'Argument maxKeys must be an integer between 0 and 2147483647',
        ArgumentName: 'maxKeys',
        ArgumentValue: '-1',
      });
    }
    const versions = await failureFields(
      s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, MaxKeys: -1 })),
    );
    expect(versions).toMatchObject({
      name: 'InvalidArgument',
      message: 'max-keys cannot be negative',
      ArgumentName: 'max-keys',
    });
    expect(versions.ArgumentValue).toBeUndefined();
    expect(
      await failureFields(s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, MaxUploads: -1 }))),
    ).toMatchObject({
      name: 'InvalidArgument',
      message: 'Argument max-uploads must be an integer between 0 and 2147483647',
      ArgumentName: 'max-uploads',
      ArgumentValue: '-1',
    });
  });

  it('a count outside 32 bits is not an integer to S3', async () => {
    expect(
      await failureFields(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 2147483648 }))),
    ).toMatchObject({
      name: 'InvalidArgument',
      message: 'Provided max-keys not an integer or within integer range',
      ArgumentName: 'max-keys',
      ArgumentValue: '2147483648',
    });
    const most = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 2147483647 }));
    expect(most.MaxKeys).toBe(1000);
  });
});
