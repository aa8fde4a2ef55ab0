import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3EventRecord } from '../src/storage/index.js';
import { awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { until } from './helpers/until.js';

/** The blob files under a tier's directory. */
function blobsUnder(root: string): string[] {
  const dir = join(root, 'blobs');
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => /[0-9a-f]{32}$/.test(name));
}

const classOf = async (s3: S3Client, Bucket: string, Key: string) =>
  (await s3.send(new HeadObjectCommand({ Bucket, Key }))).StorageClass ?? 'STANDARD';

describe('lifecycle transitions to the cold tier', () => {
  let t: TestSeawall;
  let s3: S3Client;
  const coldDir = tempDir('seawall-cold-');
  beforeAll(async () => {
    t = await startTestSeawall({
      env: {
        SEAWALL_LIFECYCLE_DAY_SECONDS: '1',
        SEAWALL_COLD_STORAGE_DIR: coldDir,
        SEAWALL_COLD_STORAGE_CLASS: 'GLACIER_IR',
      },
    });
    s3 = t.s3();
  });
  afterAll(async () => {
    await t?.close();
    rmSync(coldDir, { recursive: true, force: true });
  });

  it('refuses transitions to a class the cold tier is not', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'cold-refusals' }));
    const put = (StorageClass: string, Days: number) =>
      failureOf(
        s3.send(
          new PutBucketLifecycleConfigurationCommand({
            Bucket: 'cold-refusals',
            LifecycleConfiguration: {
              Rules: [
                {
                  ID: 'r',
                  Status: 'Enabled',
                  Filter: { Prefix: '' },
                  Transitions: [{ Days, StorageClass: StorageClass as 'GLACIER_IR' }],
                },
              ],
            },
          }),
        ),
      );
    expect(await put('DEEP_ARCHIVE', 1)).toMatchObject({ code: 'InvalidStorageClass', status: 400 });
    expect(await put('STANDARD_IA', 30)).toMatchObject({ code: 'InvalidStorageClass' });
  });

  it('moves due objects of 128 KiB and more into the cold tier, where they read as before', async () => {
    const Bucket = 'cold-current';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );
    const events: S3EventRecord[] = [];
    const stop = t.seawall.storage.notifications.subscribe((record) => {
      if (record.s3.bucket.name === Bucket) events.push(record);
    });
    const big = Buffer.alloc(200 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'data/big.bin', Body: big }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'data/small.bin', Body: 'tiny' }));
    const hotBefore = blobsUnder(join(t.dataDir, 'objects')).length;
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'to-cold',
              Status: 'Enabled',
              Filter: { Prefix: 'data/' },
              Transitions: [{ Days: 1, StorageClass: 'GLACIER_IR' }],
            },
          ],
        },
      }),
    );
    const cli = await awsCli(t.dataDir, t.url, [
      's3api',
      'get-bucket-lifecycle-configuration',
      '--bucket',
      Bucket,
    ]);
    expect(JSON.parse(cli.stdout).Rules[0].Transitions).toEqual([{ Days: 1, StorageClass: 'GLACIER_IR' }]);
    await until(
      async () => (await classOf(s3, Bucket, 'data/big.bin')) === 'GLACIER_IR',
      'the transition',
      10_000,
    );
    stop();
    // Under 128 KiB, nothing moves (x-amz-transition-default-minimum-object-size all_storage_classes_128K).
    expect(await classOf(s3, Bucket, 'data/small.bin')).toBe('STANDARD');
    // The bytes left the hot tier for the cold one.
    expect(blobsUnder(coldDir)).toHaveLength(1);
    expect(blobsUnder(join(t.dataDir, 'objects'))).toHaveLength(hotBefore - 1);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'data/big.bin' }));
    expect(got.StorageClass).toBe('GLACIER_IR');
    expect(Buffer.from(await (got.Body?.transformToByteArray() ?? new Uint8Array())).equals(big)).toBe(true);
    const range = await s3.send(
      new GetObjectCommand({ Bucket, Key: 'data/big.bin', Range: 'bytes=1000-1009' }),
    );
    expect(Buffer.from(await (range.Body?.transformToByteArray() ?? new Uint8Array()))).toEqual(
      big.subarray(1000, 1010),
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(listed.Contents?.map((o) => [o.Key, o.StorageClass])).toEqual([
      ['data/big.bin', 'GLACIER_IR'],
      ['data/small.bin', 'STANDARD'],
    ]);
    // A copy of a cold object is a new STANDARD one with the same bytes.
    await s3.send(new CopyObjectCommand({ Bucket, Key: 'copy.bin', CopySource: `${Bucket}/data/big.bin` }));
    expect(await classOf(s3, Bucket, 'copy.bin')).toBe('STANDARD');
    const copy = await s3.send(new GetObjectCommand({ Bucket, Key: 'copy.bin' }));
    expect(Buffer.from(await (copy.Body?.transformToByteArray() ?? new Uint8Array())).equals(big)).toBe(true);
    // The query engine reads cold files too.
    const files = await t.seawall.storage.filesForEngine([
      { bucket: Bucket, key: 'data/big.bin', name: 'big.bin' },
    ]);
    try {
      expect(readFileSync(files.paths[0] as string).equals(big)).toBe(true);
    } finally {
      await files.release();
    }
    expect(events.map((e) => [e.eventName, e.s3.object.key])).toContainEqual([
      'LifecycleTransition',
      'data/big.bin',
    ]);
  });

  it('writes straight to the cold tier what PutObject, multipart uploads and copies ask to store in its class', async () => {
    const Bucket = 'cold-writes';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const body = Buffer.from('cold from the start\n');
    const hotBefore = blobsUnder(join(t.dataDir, 'objects')).length;
    const coldBefore = blobsUnder(coldDir).length;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'put.txt', Body: body, StorageClass: 'GLACIER_IR' }));
    expect(await classOf(s3, Bucket, 'put.txt')).toBe('GLACIER_IR');
    expect(blobsUnder(coldDir)).toHaveLength(coldBefore + 1);
    expect(blobsUnder(join(t.dataDir, 'objects'))).toHaveLength(hotBefore);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'put.txt' }));
    expect(got.StorageClass).toBe('GLACIER_IR');
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? [])).toEqual(body);

    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key: 'multi.bin', StorageClass: 'GLACIER_IR' }),
    );
    const part = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'multi.bin', UploadId, PartNumber: 1, Body: body }),
    );
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
    expect(uploads.Uploads?.map((u) => u.StorageClass)).toEqual(['GLACIER_IR']);
    expect((await s3.send(new ListPartsCommand({ Bucket, Key: 'multi.bin', UploadId }))).StorageClass).toBe(
      'GLACIER_IR',
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'multi.bin',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(await classOf(s3, Bucket, 'multi.bin')).toBe('GLACIER_IR');

    // A copy onto itself changes the class either way; a copy not naming one is STANDARD, as in S3.
    await s3.send(new PutObjectCommand({ Bucket, Key: 'hot.txt', Body: body }));
    const copy = (Key: string, CopySource: string, StorageClass?: 'GLACIER_IR' | 'STANDARD') =>
      s3.send(new CopyObjectCommand({ Bucket, Key, CopySource, ...(StorageClass ? { StorageClass } : {}) }));
    await copy('hot.txt', `${Bucket}/hot.txt`, 'GLACIER_IR');
    expect(await classOf(s3, Bucket, 'hot.txt')).toBe('GLACIER_IR');
    await copy('warm.txt', `${Bucket}/hot.txt`);
    expect(await classOf(s3, Bucket, 'warm.txt')).toBe('STANDARD');
    await copy('hot.txt', `${Bucket}/hot.txt`, 'STANDARD');
    expect(await classOf(s3, Bucket, 'hot.txt')).toBe('STANDARD');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(Object.fromEntries((listed.Contents ?? []).map((o) => [o.Key, o.StorageClass]))).toEqual({
      'hot.txt': 'STANDARD',
      'multi.bin': 'GLACIER_IR',
      'put.txt': 'GLACIER_IR',
      'warm.txt': 'STANDARD',
    });

    // Another class is still refused, and nothing is written.
    const refused = await failureOf(
      s3.send(new PutObjectCommand({ Bucket, Key: 'ia.txt', Body: body, StorageClass: 'STANDARD_IA' })),
    );
    expect(refused).toMatchObject({ code: 'NotImplemented', status: 501 });
    expect(await failureOf(s3.send(new HeadObjectCommand({ Bucket, Key: 'ia.txt' })))).toMatchObject({
      status: 404,
    });
  });

  it('moves noncurrent versions once they have been noncurrent long enough', async () => {
    const Bucket = 'cold-versions';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const body = Buffer.alloc(130 * 1024, 7);
    const old = await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: body }));
    const current = await s3.send(new PutObjectCommand({ Bucket, Key: 'doc', Body: body }));
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'old-to-cold',
              Status: 'Enabled',
              Filter: {},
              NoncurrentVersionTransitions: [{ NoncurrentDays: 1, StorageClass: 'GLACIER_IR' }],
            },
          ],
        },
      }),
    );
    const classes = async () =>
      Object.fromEntries(
        ((await s3.send(new ListObjectVersionsCommand({ Bucket }))).Versions ?? []).map((v) => [
          v.VersionId,
          v.StorageClass,
        ]),
      );
    await until(
      async () => (await classes())[old.VersionId as string] === 'GLACIER_IR',
      'the transition',
      10_000,
    );
    expect((await classes())[current.VersionId as string]).toBe('STANDARD');
    const read = await s3.send(new GetObjectCommand({ Bucket, Key: 'doc', VersionId: old.VersionId }));
    expect(read.StorageClass).toBe('GLACIER_IR');
    expect((await read.Body?.transformToByteArray())?.length).toBe(body.length);
  });
});

describe('without a cold tier', () => {
  it('refuses every transition as a storage class it does not have', async () => {
    const t = await startTestSeawall();
    try {
      const s3 = t.s3();
      await s3.send(new CreateBucketCommand({ Bucket: 'no-cold' }));
      const refused = await failureOf(
        s3.send(
          new PutBucketLifecycleConfigurationCommand({
            Bucket: 'no-cold',
            LifecycleConfiguration: {
              Rules: [
                {
                  ID: 'r',
                  Status: 'Enabled',
                  Filter: {},
                  Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }],
                },
              ],
            },
          }),
        ),
      );
      expect(refused).toMatchObject({ code: 'InvalidStorageClass', status: 400 });
      expect(
        await failureOf(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'no-cold' }))),
      ).toMatchObject({ code: 'NoSuchLifecycleConfiguration' });
      const write = await failureOf(
        s3.send(
          new PutObjectCommand({ Bucket: 'no-cold', Key: 'k', Body: 'x', StorageClass: 'STANDARD_IA' }),
        ),
      );
      expect(write).toMatchObject({ code: 'NotImplemented', status: 501 });
    } finally {
      await t.close();
    }
  });
});

describe('a transition cut short', () => {
  it('leaves a copy in each tier, and the next start keeps only the one the metadata names', async () => {
    const dataDir = tempDir();
    const coldDir = tempDir('seawall-cold-');
    const env = { SEAWALL_COLD_STORAGE_DIR: coldDir, SEAWALL_COLD_STORAGE_CLASS: 'GLACIER_IR' };
    const first = await startTestSeawall({ dataDir, env });
    const s3 = first.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'cut-short' }));
    await s3.send(new PutObjectCommand({ Bucket: 'cut-short', Key: 'hot', Body: 'still hot' }));
    const [blob] = blobsUnder(join(dataDir, 'objects'));
    await first.close();
    // A crash after the copy into the cold tier, before the metadata said so: a copy in each tier.
    const { mkdirSync, copyFileSync, existsSync } = await import('node:fs');
    const name = (blob as string).split('/').pop() as string;
    mkdirSync(join(coldDir, 'blobs', name.slice(0, 2)), { recursive: true });
    copyFileSync(
      join(dataDir, 'objects', 'blobs', blob as string),
      join(coldDir, 'blobs', name.slice(0, 2), name),
    );
    const second = await startTestSeawall({ dataDir, env });
    try {
      expect(blobsUnder(coldDir)).toEqual([]);
      expect(existsSync(join(dataDir, 'objects', 'blobs', blob as string))).toBe(true);
      const got = await second.s3().send(new GetObjectCommand({ Bucket: 'cut-short', Key: 'hot' }));
      expect(await got.Body?.transformToString()).toBe('still hot');
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(coldDir, { recursive: true, force: true });
    }
  });
});
