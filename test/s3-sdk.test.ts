import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketWebsiteCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketRequestPaymentCommand,
  GetBucketWebsiteCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutBucketAccelerateConfigurationCommand,
  PutBucketLoggingCommand,
  PutBucketRequestPaymentCommand,
  PutObjectCommand,
  RestoreObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultResultsBucket } from '../src/query/index.js';
import { awsCli } from './helpers/aws-cli.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

async function text(key: string, bucket = 'sdk-bucket', range?: string): Promise<string> {
  const out = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }),
  );
  return (await out.Body?.transformToString()) ?? '';
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('buckets', () => {
  it('creates, lists, heads and deletes buckets', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-bucket' }));
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'sdk-other',
        CreateBucketConfiguration: { LocationConstraint: 'ca-west-1' },
      }),
    );
    const listed = await s3.send(new ListBucketsCommand({}));
    // The primary Athena workgroup's results bucket is made at start-up, as its configuration names it.
    expect(listed.Buckets?.map((b) => b.Name)).toEqual([
      defaultResultsBucket(t.credentials.accountId, t.credentials.region),
      'sdk-bucket',
      'sdk-other',
    ]);
    expect(listed.Owner?.ID).toBe(t.credentials.accountId);
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'sdk-other' }));
    expect(head.BucketRegion).toBe('ca-west-1');
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: 'sdk-other' }));
    expect(location.LocationConstraint).toBe('ca-west-1');
    await s3.send(new DeleteBucketCommand({ Bucket: 'sdk-other' }));
    expect((await errorOf(s3.send(new HeadBucketCommand({ Bucket: 'sdk-other' })))).status).toBe(404);
  });

  it('answers S3 errors for existing, missing, non-empty and badly named buckets', async () => {
    expect((await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'sdk-bucket' })))).name).toBe(
      'BucketAlreadyOwnedByYou',
    );
    expect((await errorOf(s3.send(new DeleteBucketCommand({ Bucket: 'no-such-bucket' })))).name).toBe(
      'NoSuchBucket',
    );
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'keep', Body: 'x' }));
    expect((await errorOf(s3.send(new DeleteBucketCommand({ Bucket: 'sdk-bucket' })))).name).toBe(
      'BucketNotEmpty',
    );
    for (const name of ['UPPER', 'a', 'bad_underscore', '192.168.1.1', '-dash', 'x'.repeat(64), 'a..b']) {
      expect((await errorOf(s3.send(new CreateBucketCommand({ Bucket: name })))).name).toBe(
        'InvalidBucketName',
      );
    }
    const wrongRegion = await errorOf(
      s3.send(
        new CreateBucketCommand({
          Bucket: 'sdk-elsewhere',
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      ),
    );
    expect(wrongRegion.name).toBe('IllegalLocationConstraintException');
  });
});

describe('objects', () => {
  it('round-trips bytes, content type and user metadata', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'sdk-bucket',
        Key: 'docs/readme.txt',
        Body: 'hello seawall',
        ContentType: 'text/plain',
        Metadata: { owner: 'parks', 'data-year': '2024' },
        CacheControl: 'max-age=60',
      }),
    );
    expect(put.ETag).toBe(`"${createHash('md5').update('hello seawall').digest('hex')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'docs/readme.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello seawall');
    expect(got.ContentType).toBe('text/plain');
    expect(got.Metadata).toEqual({ owner: 'parks', 'data-year': '2024' });
    expect(got.CacheControl).toBe('max-age=60');
    expect(got.ContentLength).toBe(13);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'docs/readme.txt', ChecksumMode: 'ENABLED' }),
    );
    expect(head.ETag).toBe(put.ETag);
    expect(head.ChecksumCRC32).toBe(put.ChecksumCRC32);
    expect(head.ContentLength).toBe(13);
  });

  it('gives an object put without a Content-Type binary/octet-stream, as S3 does', async () => {
    const path = '/sdk-bucket/untyped';
    const body = 'no type';
    const headers = await signedHeaders(t, {
      method: 'PUT',
      path,
      body,
      headers: { 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
    });
    const put = await rawRequest(t.url, { method: 'PUT', path, headers, body });
    expect(put.status).toBe(200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'untyped' }));
    expect(head.ContentType).toBe('binary/octet-stream');
  });

  it('reads the settings Seawall has no feature for as never set, and refuses setting them', async () => {
    const Bucket = 'sdk-bucket';
    const logging = await s3.send(new GetBucketLoggingCommand({ Bucket }));
    expect(logging.LoggingEnabled).toBeUndefined();
    expect((await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket }))).Status).toBeUndefined();
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket }))).Payer).toBe('BucketOwner');
    const website = await s3.send(new GetBucketWebsiteCommand({ Bucket })).catch((error: Error) => error);
    expect(website).toMatchObject({ name: 'NoSuchWebsiteConfiguration', $metadata: { httpStatusCode: 404 } });
    // Removing a website never made removes nothing, as S3 answers it (204), for tools that clean every setting.
    const removed = await s3.send(new DeleteBucketWebsiteCommand({ Bucket }));
    expect(removed.$metadata.httpStatusCode).toBe(204);
    expect(
      await s3
        .send(new DeleteBucketWebsiteCommand({ Bucket: 'no-such-bucket-here' }))
        .catch((error: Error) => error),
    ).toMatchObject({ name: 'NoSuchBucket' });
    const missing = await s3
      .send(new GetBucketLoggingCommand({ Bucket: 'no-such-bucket-here' }))
      .catch((error: Error) => error);
    expect(missing).toMatchObject({ name: 'NoSuchBucket' });
    // Setting one as it always is here is done (tools write every setting as configured); changing one is not.
    const unchanged = [
      s3.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: {} })),
      s3.send(
        new PutBucketRequestPaymentCommand({ Bucket, RequestPaymentConfiguration: { Payer: 'BucketOwner' } }),
      ),
      s3.send(
        new PutBucketAccelerateConfigurationCommand({
          Bucket,
          AccelerateConfiguration: { Status: 'Suspended' },
        }),
      ),
    ];
    for (const done of await Promise.all(unchanged)) expect(done.$metadata.httpStatusCode).toBe(200);
    const changes = [
      () =>
        s3.send(
          new PutBucketLoggingCommand({
            Bucket,
            BucketLoggingStatus: { LoggingEnabled: { TargetBucket: Bucket, TargetPrefix: 'logs/' } },
          }),
        ),
      () =>
        s3.send(
          new PutBucketRequestPaymentCommand({ Bucket, RequestPaymentConfiguration: { Payer: 'Requester' } }),
        ),
      () =>
        s3.send(
          new PutBucketAccelerateConfigurationCommand({
            Bucket,
            AccelerateConfiguration: { Status: 'Enabled' },
          }),
        ),
    ];
    for (const change of changes)
      expect(await change().catch((error: Error) => error)).toMatchObject({
        name: 'NotImplemented',
        $metadata: { httpStatusCode: 501 },
      });
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket }))).Payer).toBe('BucketOwner');
    // A document of another root is not the setting at all.
    const other = '<AccelerateConfiguration><Status>Suspended</Status></AccelerateConfiguration>';
    const path = `/${Bucket}`;
    const query = { requestPayment: '' };
    const digests = {
      'x-amz-content-sha256': createHash('sha256').update(other).digest('hex'),
      'content-md5': createHash('md5').update(other).digest('base64'),
    };
    const signed = await signedHeaders(t, { method: 'PUT', path, query, headers: digests, body: other });
    const wrong = await rawRequest(t.url, {
      method: 'PUT',
      path: `${path}?requestPayment`,
      headers: signed,
      body: other,
    });
    expect([wrong.status, /<Code>([^<]+)<\/Code>/.exec(wrong.body)?.[1]]).toEqual([400, 'MalformedXML']);
    const cli = await awsCli(t.dataDir, t.url, ['s3api', 'get-bucket-request-payment', '--bucket', Bucket]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual({ Payer: 'BucketOwner' });
  });

  it('refuses to restore an object that is not archived, as S3 does, and names a missing one', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'warm.csv', Body: 'a,b\n' }));
    const refused = await s3
      .send(new RestoreObjectCommand({ Bucket: 'sdk-bucket', Key: 'warm.csv', RestoreRequest: { Days: 1 } }))
      .catch((error: Error) => error);
    expect(refused).toMatchObject({
      name: 'InvalidObjectState',
      message: "Restore is not allowed for the object's current storage class",
      $metadata: { httpStatusCode: 403 },
    });
    const missing = await s3
      .send(
        new RestoreObjectCommand({ Bucket: 'sdk-bucket', Key: 'no-such.csv', RestoreRequest: { Days: 1 } }),
      )
      .catch((error: Error) => error);
    expect(missing).toMatchObject({ name: 'NoSuchKey' });
    const cli = await awsCli(t.dataDir, t.url, [
      's3api',
      'restore-object',
      '--bucket',
      'sdk-bucket',
      '--key',
      'warm.csv',
      '--restore-request',
      'Days=1',
    ]);
    expect(cli.stderr).toContain('(InvalidObjectState) when calling the RestoreObject operation');
  });

  it('serves byte ranges and refuses unsatisfiable ones', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'range.txt', Body: '0123456789' }));
    expect(await text('range.txt', 'sdk-bucket', 'bytes=2-5')).toBe('2345');
    expect(await text('range.txt', 'sdk-bucket', 'bytes=7-')).toBe('789');
    expect(await text('range.txt', 'sdk-bucket', 'bytes=-3')).toBe('789');
    expect(await text('range.txt', 'sdk-bucket', 'bytes=8-100')).toBe('89');
    const ranged = await s3.send(
      new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'range.txt', Range: 'bytes=0-0' }),
    );
    expect(ranged.ContentRange).toBe('bytes 0-0/10');
    await ranged.Body?.transformToString();
    const bad = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'range.txt', Range: 'bytes=10-20' })),
    );
    expect(bad).toMatchObject({ name: 'InvalidRange', status: 416 });
  });

  it('streams a body of unknown length through aws-chunked with a trailing checksum', async () => {
    const size = 5 * 1024 * 1024 + 17;
    const chunk = Buffer.alloc(64 * 1024, 7);
    async function* generate() {
      let left = size;
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        yield chunk.subarray(0, n);
        left -= n;
      }
    }
    const md5 = createHash('md5');
    for await (const piece of generate()) md5.update(piece);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'sdk-bucket',
        Key: 'big/stream.bin',
        Body: Readable.from(generate()),
        ContentLength: size,
      }),
    );
    expect(put.ETag).toBe(`"${md5.digest('hex')}"`);
    expect(put.ChecksumCRC32).toBeDefined();
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'big/stream.bin' }));
    expect(head.ContentLength).toBe(size);
  });

  it('checks Content-MD5 and x-amz-checksum values and keeps nothing that fails', async () => {
    const wrongMd5 = createHash('md5').update('other').digest('base64');
    const bad = await errorOf(
      s3.send(
        new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'md5.txt', Body: 'payload', ContentMD5: wrongMd5 }),
      ),
    );
    expect(bad.name).toBe('BadDigest');
    expect(
      (await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'md5.txt' })))).status,
    ).toBe(404);
    const badCrc = await errorOf(
      s3.send(
        new PutObjectCommand({
          Bucket: 'sdk-bucket',
          Key: 'crc.txt',
          Body: 'payload',
          ChecksumCRC32C: 'AAAAAA==',
        }),
      ),
    );
    expect(badCrc.name).toBe('BadDigest');
    const good = createHash('md5').update('payload').digest('base64');
    await s3.send(
      new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'md5.txt', Body: 'payload', ContentMD5: good }),
    );
    expect(await text('md5.txt')).toBe('payload');
  });

  it('answers NoSuchKey and NoSuchBucket, and deletes idempotently', async () => {
    expect(
      (await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'missing' })))).name,
    ).toBe('NoSuchKey');
    expect((await errorOf(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })))).name).toBe(
      'NoSuchBucket',
    );
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'gone.txt', Body: 'bye' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-bucket', Key: 'gone.txt' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-bucket', Key: 'gone.txt' }));
    expect(
      (await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'gone.txt' })))).status,
    ).toBe(404);
  });

  it('keeps hostile keys as opaque strings inside the store', async () => {
    const keys = [
      '../../escape.txt',
      'a//b',
      '/leading',
      'dots/./and/../x',
      `long/${'é'.repeat(500)}`,
      'sp ace+plus?q=1#h%25&',
    ];
    for (const key of keys)
      await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: `keys/${key}`, Body: key }));
    for (const key of keys) expect(await text(`keys/${key}`)).toBe(key);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-bucket', Prefix: 'keys/' }));
    expect(listed.Contents?.map((c) => c.Key).sort()).toEqual(keys.map((k) => `keys/${k}`).sort());
    // Bytes live under random ids only: nothing named after a key exists anywhere in or next to the data dir.
    const names = readdirSync(t.dataDir, { recursive: true }).map(String);
    expect(names.some((n) => n.includes('escape') || n.includes('leading'))).toBe(false);
    expect(readdirSync(join(t.dataDir, '..')).includes('escape.txt')).toBe(false);
    const tooLong = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'k'.repeat(1025), Body: 'x' })),
    );
    expect(tooLong.name).toBe('KeyTooLongError');
  });

  it('replaces an object atomically under concurrent writers', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => `version-${i}-${'x'.repeat(1000 * i)}`);
    await Promise.all(
      bodies.map((Body) => s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'race.txt', Body }))),
    );
    expect(bodies).toContain(await text('race.txt'));
  });
});

describe('listing', () => {
  const keys = [
    'list/2023/01.csv',
    'list/2023/02.csv',
    'list/2024/01.csv',
    'list/2024/02.csv',
    'list/2024/03.csv',
    'list/readme.md',
    'list/z.txt',
  ];

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-list' }));
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'sdk-list', Key: key, Body: key }));
    for (let i = 0; i < 23; i++) {
      await s3.send(
        new PutObjectCommand({ Bucket: 'sdk-list', Key: `many/${String(i).padStart(3, '0')}`, Body: 'm' }),
      );
    }
  });

  it('lists with prefix and delimiter', async () => {
    const out = await s3.send(
      new ListObjectsV2Command({ Bucket: 'sdk-list', Prefix: 'list/', Delimiter: '/' }),
    );
    expect(out.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/2023/', 'list/2024/']);
    expect(out.Contents?.map((c) => c.Key)).toEqual(['list/readme.md', 'list/z.txt']);
    expect(out.KeyCount).toBe(4);
    expect(out.IsTruncated).toBe(false);
    const nested = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', Prefix: 'list/2024/' }));
    expect(nested.Contents?.map((c) => c.Key)).toEqual([
      'list/2024/01.csv',
      'list/2024/02.csv',
      'list/2024/03.csv',
    ]);
    expect(nested.Contents?.[0]?.Size).toBe('list/2024/01.csv'.length);
  });

  it('pages with continuation tokens and max-keys, counting common prefixes', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await s3.send(
        new ListObjectsV2Command({
          Bucket: 'sdk-list',
          Prefix: 'many/',
          MaxKeys: 7,
          ContinuationToken: token,
        }),
      );
      seen.push(...(out.Contents ?? []).map((c) => c.Key as string));
      token = out.NextContinuationToken;
      expect(out.IsTruncated).toBe(token !== undefined);
      pages++;
    } while (token);
    expect(pages).toBe(4);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `many/${String(i).padStart(3, '0')}`));

    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', Delimiter: '/', MaxKeys: 1 }));
    expect(first.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/']);
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'sdk-list',
        Delimiter: '/',
        MaxKeys: 1,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['many/']);
    expect(second.IsTruncated).toBe(false);
  });

  it('supports StartAfter, MaxKeys 0, ListObjects v1 markers and batch delete', async () => {
    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: 'sdk-list', Prefix: 'list/', StartAfter: 'list/2024/03.csv' }),
    );
    expect(after.Contents?.map((c) => c.Key)).toEqual(['list/readme.md', 'list/z.txt']);
    const none = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', MaxKeys: 0 }));
    expect(none.KeyCount).toBe(0);
    const v1 = await s3.send(
      new ListObjectsCommand({ Bucket: 'sdk-list', Prefix: 'list/', Delimiter: '/', MaxKeys: 1 }),
    );
    expect(v1.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/2023/']);
    expect(v1.NextMarker).toBe('list/2023/');
    const bad = await errorOf(
      s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', ContinuationToken: '!!not-a-token' })),
    );
    expect(bad.name).toBe('InvalidArgument');
    const deleted = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'sdk-list',
        Delete: { Objects: [{ Key: 'list/z.txt' }, { Key: 'list/none' }] },
      }),
    );
    expect(deleted.Deleted?.map((d) => d.Key).sort()).toEqual(['list/none', 'list/z.txt']);
    const rest = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', Prefix: 'list/z' }));
    expect(rest.KeyCount).toBe(0);
  });
});
