import { promises as fs } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketAclCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { allowPublic, startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'quirks';

function failure(error: unknown): { name: string; status: number | undefined; message: string } {
  const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
}

async function refusal(promise: Promise<unknown>) {
  return promise.then(
    () => ({ name: 'succeeded', status: 200, message: '' }),
    (error: unknown) => failure(error),
  );
}

const code = (body: string) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await t.close();
});

async function putKeys(bucket: string, keys: readonly string[]): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
}

describe('listing quirks', () => {
  it('V1 pages by delimiter: NextMarker is the last entry, a prefix marker resumes past the prefix, the last page is not truncated', async () => {
    await putKeys('delims', ['asdf', 'boo/bar', 'boo/baz/xyzzy', 'cquux/thud', 'cquux/bla']);
    const page = async (Marker: string, MaxKeys: number, Prefix = '') => {
      const out = await s3.send(
        new ListObjectsCommand({ Bucket: 'delims', Delimiter: '/', Marker, MaxKeys, Prefix }),
      );
      return {
        keys: (out.Contents ?? []).map((o) => o.Key),
        prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix),
        truncated: out.IsTruncated,
        next: out.NextMarker,
      };
    };
    expect(await page('', 1)).toEqual({ keys: ['asdf'], prefixes: [], truncated: true, next: 'asdf' });
    expect(await page('asdf', 1)).toEqual({ keys: [], prefixes: ['boo/'], truncated: true, next: 'boo/' });
    expect(await page('boo/', 1)).toEqual({
      keys: [],
      prefixes: ['cquux/'],
      truncated: false,
      next: undefined,
    });
    expect(await page('', 2)).toEqual({ keys: ['asdf'], prefixes: ['boo/'], truncated: true, next: 'boo/' });
    expect(await page('boo/', 2)).toEqual({
      keys: [],
      prefixes: ['cquux/'],
      truncated: false,
      next: undefined,
    });
    // A marker inside a common prefix: that prefix lies at or before it, so it is not listed again.
    expect((await page('boo/bar', 5)).prefixes).toEqual(['cquux/']);
    expect(await page('boo/bar', 1, 'boo/')).toEqual({
      keys: [],
      prefixes: ['boo/baz/'],
      truncated: false,
      next: undefined,
    });
    const v2 = await s3.send(
      new ListObjectsV2Command({ Bucket: 'delims', Delimiter: '/', StartAfter: 'boo/', MaxKeys: 1 }),
    );
    expect(v2.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['cquux/']);
    expect(v2.IsTruncated).toBe(false);
  });

  it('EncodingType=url encodes keys, prefixes, delimiter and markers as S3 does (a space is +)', async () => {
    await putKeys('encoded', ['foo+1/bar', 'foo/bar/xyzzy', 'quux ab/thud', 'asdf+b', 'été/x']);
    // The SDK decodes what it asked to be encoded; raw requests show the wire.
    const headers = await signedHeaders(t, {
      method: 'GET',
      path: '/encoded',
      query: { 'list-type': '2', delimiter: '/', 'encoding-type': 'url', 'start-after': 'a b' },
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const v2 = await rawRequest(t.url, {
      method: 'GET',
      path: '/encoded?list-type=2&delimiter=%2F&encoding-type=url&start-after=a%20b',
      headers,
    });
    expect(v2.status).toBe(200);
    expect(v2.body).toContain('<Key>asdf%2Bb</Key>');
    expect(v2.body).toContain('<Prefix>foo%2B1/</Prefix>');
    expect(v2.body).toContain('<Prefix>quux+ab/</Prefix>');
    expect(v2.body).toContain('<Prefix>%C3%A9t%C3%A9/</Prefix>');
    expect(v2.body).toContain('<StartAfter>a+b</StartAfter>');
    expect(v2.body).toContain('<EncodingType>url</EncodingType>');

    const sdk = await s3.send(new ListObjectsCommand({ Bucket: 'encoded', Delimiter: '/' }));
    expect(sdk.Contents?.map((o) => o.Key)).toEqual(['asdf+b']);
    expect(sdk.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['foo+1/', 'foo/', 'quux ab/', 'été/']);

    const cli = await awsCli(t.dataDir, t.url, [
      's3api',
      'list-objects',
      '--bucket',
      'encoded',
      '--delimiter',
      '/',
      '--encoding-type',
      'url',
      '--marker',
      'foo+1/',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const listed = JSON.parse(cli.stdout) as { Marker: string; CommonPrefixes: { Prefix: string }[] };
    expect(listed.Marker).toBe('foo%2B1/');
    expect(listed.CommonPrefixes.map((p) => p.Prefix)).toEqual(['foo/', 'quux+ab/', '%C3%A9t%C3%A9/']);
  });

  it('an empty continuation token is no token: the listing starts at the beginning and echoes it', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'listed', Body: 'x' }));
    const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: '' }));
    expect(out.ContinuationToken).toBe('');
    expect(out.IsTruncated).toBe(false);
    expect(out.KeyCount).toBeGreaterThan(0);
    const bad = await refusal(
      s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: 'not a token' })),
    );
    expect(bad).toMatchObject({
      name: 'InvalidArgument',
      message: 'The continuation token provided is incorrect',
    });
  });

  it('ListBuckets pages with MaxBuckets and ContinuationToken, filters by Prefix and echoes it', async () => {
    for (const name of ['pager-1', 'pager-2', 'pager-3'])
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    const names: string[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < 5; pages++) {
      const out = await s3.send(
        new ListBucketsCommand({ Prefix: 'pager-', MaxBuckets: 1, ContinuationToken: token }),
      );
      expect(out.Prefix).toBe('pager-');
      expect(out.Buckets).toHaveLength(1);
      names.push(out.Buckets?.[0]?.Name ?? '');
      token = out.ContinuationToken;
      if (token === undefined) break;
    }
    expect(names).toEqual(['pager-1', 'pager-2', 'pager-3']);
    const all = await s3.send(new ListBucketsCommand({ MaxBuckets: 5000 }));
    expect(all.Buckets?.map((b) => b.Name)).toEqual(expect.arrayContaining(names));
    expect(all.ContinuationToken).toBeUndefined();
    for (const MaxBuckets of [0, 10_001]) {
      expect(await refusal(s3.send(new ListBucketsCommand({ MaxBuckets })))).toMatchObject({
        name: 'InvalidArgument',
        status: 400,
        message: 'Argument max-buckets must be an integer between 1 and 10000.',
      });
    }
  });
});

/** A PUT that waits for `100 Continue` before sending its body; answers whether it came and the final answer. */
function putExpectingContinue(
  headers: Record<string, string>,
  path: string,
  body: string,
  beforeBody: () => Promise<void> = async () => {},
): Promise<{ continued: boolean; status: number; body: string }> {
  const target = new URL(t.url);
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: 'PUT',
        path,
        headers: { ...headers, expect: '100-continue', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ continued, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.on('continue', () => {
      continued = true;
      beforeBody().then(
        () => req.end(body),
        (error: unknown) => reject(error),
      );
    });
  });
}

/** The first status line the server writes for a request that never sends its body. */
function firstStatusLine(head: string): Promise<string> {
  const target = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname, () => socket.write(head));
    socket.once('data', (data: Buffer) => {
      resolve(data.toString().split('\r\n')[0] ?? '');
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

describe('HTTP details', () => {
  it('Expect: 100-continue is answered only once the request is authenticated', async () => {
    const anonymous = await firstStatusLine(
      `PUT /${BUCKET}/anon HTTP/1.1\r\nHost: ${new URL(t.url).host}\r\nContent-Length: 123\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect(anonymous).toBe('HTTP/1.1 403 Forbidden');

    const bad = await signedHeaders(
      { url: t.url, credentials: { ...t.credentials, secretAccessKey: 'not-the-secret' } },
      {
        method: 'PUT',
        path: `/${BUCKET}/forged`,
        headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
    );
    const forged = await putExpectingContinue(bad, `/${BUCKET}/forged`, 'never sent');
    expect(forged).toMatchObject({ continued: false, status: 403 });
    expect(code(forged.body)).toBe('SignatureDoesNotMatch');

    const good = await signedHeaders(t, {
      method: 'PUT',
      path: `/${BUCKET}/continued`,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const put = await putExpectingContinue(good, `/${BUCKET}/continued`, 'after continue');
    expect(put).toMatchObject({ continued: true, status: 200 });
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'continued' }));
    expect(await got.Body?.transformToString()).toBe('after continue');
  });

  it('an expectation other than 100-continue is refused with 417, and an empty Expect is ignored', async () => {
    for (const [key, expect100, status] of [
      ['expect-200', '200', 417],
      ['expect-empty', '', 200],
      ['expect-other', 'something-else', 417],
    ] as const) {
      const headers = await signedHeaders(t, {
        method: 'PUT',
        path: `/${BUCKET}/${key}`,
        headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      });
      const res = await rawRequest(t.url, {
        method: 'PUT',
        path: `/${BUCKET}/${key}`,
        headers: { ...headers, expect: expect100, 'content-length': 3 },
        body: 'bar',
      });
      expect(res.status, expect100).toBe(status);
    }
    const bucketHeaders = await signedHeaders(t, {
      method: 'PUT',
      path: '/expect-bucket',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const created = await rawRequest(t.url, {
      method: 'PUT',
      path: '/expect-bucket',
      headers: { ...bucketHeaders, expect: '' },
    });
    expect(created.status).toBe(200);
  });

  it('aws-chunked is dropped from the stored Content-Encoding, the rest kept as sent', async () => {
    const cases: [string, string | undefined][] = [
      ['gzip', 'gzip'],
      ['deflate, gzip', 'deflate, gzip'],
      ['gzip, aws-chunked', 'gzip'],
      ['aws-chunked, gzip', 'gzip'],
      ['aws-chunked', undefined],
      ['aws-chunked, aws-chunked', undefined],
    ];
    for (const [sent, stored] of cases) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'encoding', ContentEncoding: sent }));
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'encoding' }));
      expect(head.ContentEncoding, sent).toBe(stored);
    }
  });

  it('presigned URLs: X-Amz-Expires out of range and expired URLs get S3 errors', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'signed', Body: 'x' }));
    const url = new URL(
      await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'signed' }), { expiresIn: 60 }),
    );
    const get = (expires: string) => {
      const changed = new URL(url);
      changed.searchParams.set('X-Amz-Expires', expires);
      return fetch(changed).then(async (res) => ({ status: res.status, body: await res.text() }));
    };
    expect((await get('60')).status).toBe(200);
    // The range is judged before the signature (which these changed URLs no longer match).
    const week = await get('604801');
    expect(week.status).toBe(400);
    expect(code(week.body)).toBe('AuthorizationQueryParametersError');
    expect(week.body).toContain(
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    );
    const negative = await get('-1');
    expect(negative.status).toBe(400);
    expect(negative.body).toContain('X-Amz-Expires must be non-negative');
    const zero = await get('0');
    expect(zero.status).toBe(403);
    expect(zero.body).toContain('Request has expired');
    const old = new URL(
      await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'signed' }), {
        expiresIn: 1,
        signingDate: new Date(Date.now() - 60_000),
      }),
    );
    const expired = await fetch(old);
    expect(expired.status).toBe(403);
    const body = await expired.text();
    expect(body).toContain('Request has expired');
    // S3 writes both times to the second.
    expect(body).toMatch(/<Expires>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/Expires>/);
    expect(body).toMatch(/<ServerTime>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/ServerTime>/);
  });

  it('every answer carries both request ids, and an error’s HostId is its x-amz-id-2', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ids', Body: 'x' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'ids' }));
    expect(head.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(head.$metadata.extendedRequestId).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const missing = await s3
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'no-such-key' }))
      .catch((error: { $metadata: { extendedRequestId?: string }; HostId?: string }) => error);
    expect('HostId' in missing && missing.HostId).toBe(missing.$metadata.extendedRequestId);
    expect(missing.$metadata.extendedRequestId).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(missing.$metadata.extendedRequestId).not.toBe(head.$metadata.extendedRequestId);
  });

  it('an anonymous caller is told Access Denied, without the account’s policy details', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'private', Body: 'x' }));
    const answer = await fetch(`${t.url}/${BUCKET}/private`);
    expect(answer.status).toBe(403);
    const body = await answer.text();
    expect(code(body)).toBe('AccessDenied');
    expect(body).toContain('<Message>Access Denied</Message>');
    expect(body).not.toContain('policy');
  });

  it('an access key id of any length that is not Seawall’s is InvalidAccessKeyId (403)', async () => {
    const stranger = t.s3({
      credentials: { accessKeyId: 'badauth', secretAccessKey: 'roflmao' },
    });
    expect(await refusal(stranger.send(new ListBucketsCommand({})))).toMatchObject({
      name: 'InvalidAccessKeyId',
      status: 403,
    });
  });

  it('x-amz-expected-bucket-owner that is not the owner is AccessDenied', async () => {
    const other = t.credentials.accountId === '111122223333' ? '444455556666' : '111122223333';
    expect(
      await refusal(s3.send(new ListObjectsCommand({ Bucket: BUCKET, ExpectedBucketOwner: other }))),
    ).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(
      await refusal(
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bar', Body: 'x', ExpectedBucketOwner: other })),
      ),
    ).toMatchObject({ name: 'AccessDenied', status: 403 });
    const own = await s3.send(
      new ListObjectsCommand({ Bucket: BUCKET, ExpectedBucketOwner: t.credentials.accountId }),
    );
    expect(own.$metadata.httpStatusCode).toBe(200);
  });
});

describe('bucket creation edge cases', () => {
  it('re-creating an own bucket outside us-east-1 is BucketAlreadyOwnedByYou and keeps its objects', async () => {
    await putKeys('recreate', ['mykey1', 'mykey2']);
    expect(await refusal(s3.send(new CreateBucketCommand({ Bucket: 'recreate' })))).toMatchObject({
      name: 'BucketAlreadyOwnedByYou',
      status: 409,
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'recreate' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['mykey1', 'mykey2']);
  });

  it('in us-east-1, re-creating an own bucket succeeds (S3’s legacy) and changes nothing', async () => {
    const east = await startTestSeawall({ env: { SEAWALL_REGION: 'us-east-1' } });
    try {
      const client = east.s3();
      await client.send(new CreateBucketCommand({ Bucket: 'legacy' }));
      await client.send(new PutObjectCommand({ Bucket: 'legacy', Key: 'kept', Body: 'x' }));
      const again = await client.send(new CreateBucketCommand({ Bucket: 'legacy' }));
      expect(again.$metadata.httpStatusCode).toBe(200);
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'legacy' }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual(['kept']);
      // Nor do its settings change: a bucket made with ACLs in force keeps them through a re-creation.
      await client.send(new CreateBucketCommand({ Bucket: 'writers', ObjectOwnership: 'ObjectWriter' }));
      await allowPublic(client, 'writers');
      await client.send(new PutBucketAclCommand({ Bucket: 'writers', ACL: 'public-read' }));
      await client.send(new CreateBucketCommand({ Bucket: 'writers' }));
      // Nor is the Block Public Access a new bucket has put back.
      expect(
        await refusal(client.send(new GetPublicAccessBlockCommand({ Bucket: 'writers' }))),
      ).toMatchObject({ name: 'NoSuchPublicAccessBlockConfiguration', status: 404 });
      const ownership = await client.send(new GetBucketOwnershipControlsCommand({ Bucket: 'writers' }));
      expect(ownership.OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('ObjectWriter');
      const acl = await client.send(new GetBucketAclCommand({ Bucket: 'writers' }));
      expect(acl.Grants?.map((g) => g.Permission).sort()).toEqual(['FULL_CONTROL', 'READ']);
    } finally {
      await east.close();
    }
  });

  it('special key names round-trip through put, list and get', async () => {
    const keys = [' ', '"', '$', '%', '&', "'", '<', '>', '_', '_ ', '_ _', '__'];
    await putKeys('special-keys', keys);
    const listed = await s3.send(new ListObjectsCommand({ Bucket: 'special-keys' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(keys);
    for (const key of keys) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'special-keys', Key: key }));
      expect(await got.Body?.transformToString()).toBe(key);
    }
  });
});

describe('conditional GET and HEAD', () => {
  it('a failed If-Match or If-Unmodified-Since names its condition; an If-Modified-Since in the future is ignored', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'read-conditions', Body: 'data' }));
    const get = async (headers: Record<string, string>) => {
      const path = `/${BUCKET}/read-conditions`;
      const all = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers };
      const signed = await signedHeaders(t, { method: 'GET', path, headers: all });
      return rawRequest(t.url, { method: 'GET', path, headers: signed });
    };
    const past = new Date(Date.now() - 86_400_000).toUTCString();
    const future = new Date(Date.now() + 86_400_000).toUTCString();
    for (const [headers, condition] of [
      [{ 'if-match': '"nope"' }, 'If-Match'],
      [{ 'if-unmodified-since': past }, 'If-Unmodified-Since'],
    ] as const) {
      const answer = await get(headers);
      expect([answer.status, code(answer.body)]).toEqual([412, 'PreconditionFailed']);
      expect(answer.body).toContain(`<Condition>${condition}</Condition>`);
    }
    expect((await get({ 'if-modified-since': past })).status).toBe(200);
    // A date later than the server's clock is not a valid If-Modified-Since (RFC 2616, 14.25): the object.
    const later = await get({ 'if-modified-since': future });
    expect([later.status, later.body]).toEqual([200, 'data']);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'read-conditions', IfModifiedSince: new Date(future) }),
    );
    expect(head.ContentLength).toBe(4);
    // One that is not later, and the object not modified since: 304.
    const unchanged = await refusal(
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'read-conditions', IfModifiedSince: new Date() })),
    );
    expect(unchanged.status).toBe(304);
  });
});

describe('conditional PutObject', () => {
  it('If-None-Match: * and If-Match, on present and missing objects', async () => {
    const Bucket = BUCKET;
    const Key = 'conditional';
    const first = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'one', IfNoneMatch: '*' }));
    expect(
      await refusal(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x', IfNoneMatch: '*' }))),
    ).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    // S3 implements If-None-Match on writes for `*` alone.
    expect(
      await refusal(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x', IfNoneMatch: first.ETag }))),
    ).toMatchObject({ name: 'NotImplemented', status: 501 });
    expect(
      await refusal(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x', IfMatch: '"badetag"' }))),
    ).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    const second = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'two', IfMatch: first.ETag }));
    expect(
      await refusal(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x', IfMatch: first.ETag }))),
    ).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'three', IfMatch: '*' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    for (const IfMatch of ['*', second.ETag as string]) {
      expect(await refusal(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x', IfMatch })))).toMatchObject(
        {
          name: 'NoSuchKey',
          status: 404,
        },
      );
    }
    const got = await refusal(s3.send(new HeadObjectCommand({ Bucket, Key })));
    expect(got.status).toBe(404);
  });

  it('DeleteObject with If-Match deletes only the object (or version) with that ETag; a missing one is 204', async () => {
    const Bucket = BUCKET;
    const Key = 'conditional-delete';
    const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'one' }));
    expect(
      await refusal(s3.send(new DeleteObjectCommand({ Bucket, Key, IfMatch: '"badetag"' }))),
    ).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body?.transformToString()).toBe(
      'one',
    );
    await s3.send(new DeleteObjectCommand({ Bucket, Key, IfMatch: put.ETag }));
    expect((await refusal(s3.send(new HeadObjectCommand({ Bucket, Key })))).status).toBe(404);
    await s3.send(new DeleteObjectCommand({ Bucket, Key, IfMatch: put.ETag }));
    // In a versioned bucket: the delete marker is made only over the object with that ETag.
    const Versioned = 'conditional-delete-versions';
    await s3.send(new CreateBucketCommand({ Bucket: Versioned }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: Versioned, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const v1 = await s3.send(new PutObjectCommand({ Bucket: Versioned, Key, Body: 'v1' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: Versioned, Key, Body: 'v2' }));
    expect(
      await refusal(s3.send(new DeleteObjectCommand({ Bucket: Versioned, Key, IfMatch: v1.ETag }))),
    ).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(
      await refusal(
        s3.send(
          new DeleteObjectCommand({ Bucket: Versioned, Key, VersionId: v1.VersionId, IfMatch: v2.ETag }),
        ),
      ),
    ).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    const marked = await s3.send(new DeleteObjectCommand({ Bucket: Versioned, Key, IfMatch: v2.ETag }));
    expect(marked.DeleteMarker).toBe(true);
    await s3.send(
      new DeleteObjectCommand({ Bucket: Versioned, Key, VersionId: v1.VersionId, IfMatch: v1.ETag }),
    );
    const { Versions = [] } = await s3.send(
      new ListObjectVersionsCommand({ Bucket: Versioned, Prefix: Key }),
    );
    expect(Versions.map((v) => v.VersionId)).toEqual([v2.VersionId]);
  });

  it('a condition that held when the upload began and fails at its end is ConditionalRequestConflict (409)', async () => {
    const Key = 'raced';
    const headers = await signedHeaders(t, {
      method: 'PUT',
      path: `/${BUCKET}/${Key}`,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'if-none-match': '*' },
    });
    // 100 Continue comes once the condition was judged against no object; another writer then wins.
    const raced = await putExpectingContinue(headers, `/${BUCKET}/${Key}`, 'late', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'winner' }));
    });
    expect(raced.status).toBe(409);
    expect(code(raced.body)).toBe('ConditionalRequestConflict');
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
    expect(await got.Body?.transformToString()).toBe('winner');
  });
});

describe('abandoned downloads', () => {
  /** This process's open descriptors on files of the data directory that were removed: held after their delete. */
  async function removedFilesHeld(): Promise<string[]> {
    const fds = await fs.readdir('/proc/self/fd');
    const targets = await Promise.all(fds.map((fd) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => '')));
    return targets.filter((target) => target.startsWith(t.dataDir) && target.endsWith(' (deleted)'));
  }

  it('a GET the client leaves half read gives its file back: deleting the object then holds nothing open', async () => {
    const Key = 'abandoned';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Buffer.alloc(32 * 1024 * 1024, 7) }));
    for (let round = 0; round < 3; round++) {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
      const body = got.Body as Readable;
      await new Promise((resolve) => body.once('data', resolve));
      body.destroy();
    }
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key }));
    // The server sees each connection close soon after; the last reader's going closes the handle.
    let held = await removedFilesHeld();
    for (let waited = 0; held.length > 0 && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      held = await removedFilesHeld();
    }
    expect(held).toEqual([]);
    // And the server answers as before.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'again' }));
    expect(
      await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body?.transformToString(),
    ).toBe('again');
  });
});
