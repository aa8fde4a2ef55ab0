import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, signedHeaders } from '../helpers/raw.js';
import { startTestSeawall, type TestSeawall } from '../helpers/seawall.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';
import { key, longKey, rangeHeader, utf8Bytes } from './s3-arbitraries.js';

let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'fuzz';
beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await t.close();
});

/** The path and query of a URL exactly as written: fetch and URL would resolve '.' and '..' in keys. */
const pathOf = (url: string) => url.slice(url.indexOf('/', url.indexOf('//') + 2));
const md5 = (text: string) => createHash('md5').update(text).digest('base64');
const code = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

/** Characters XML 1.0 can carry as they are, which an unencoded listing needs. */
const xmlSafe = (text: string) => /^[\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u.test(text);

describe('object keys under fuzzing', () => {
  it('any UTF-8 key round-trips through PutObject, GetObject and ListObjectsV2', async () => {
    const metadataName = fc.oneof(
      fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,16}$/),
      // Not __proto__: the SDK's own Metadata maps drop it (the raw property below covers it).
      fc.constantFrom('my_key', 'constructor', 'toString'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          key,
          longKey.filter((k) => utf8Bytes(k) <= 1024),
        ),
        fc.uint8Array({ maxLength: 64 }),
        fc.dictionary(metadataName, fc.stringMatching(/^[!-~]{0,20}$/), {
          maxKeys: 2,
          noNullPrototype: true,
        }),
        async (k, bytes, metadata) => {
          const body = Buffer.from(bytes);
          await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: body, Metadata: metadata }));
          const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: k }));
          expect(Buffer.from(await (got.Body?.transformToByteArray() ?? new Uint8Array())).equals(body)).toBe(
            true,
          );
          // HTTP header names are case-insensitive, so S3 keeps metadata names in lower case.
          const sent = Object.fromEntries(Object.entries(metadata).map(([n, v]) => [n.toLowerCase(), v]));
          expect(got.Metadata ?? {}).toEqual(sent);
          const listed = await s3.send(
            new ListObjectsV2Command({ Bucket: BUCKET, Prefix: k, EncodingType: 'url', MaxKeys: 1 }),
          );
          const first = listed.Contents?.[0]?.Key ?? '';
          expect(decodeURIComponent(first.replace(/\+/g, ' '))).toBe(k);
          // Unencoded listings carry keys as XML text, which cannot hold every character and which XML
          // readers normalise (CR) or trim (the SDK trims surrounding whitespace): that is what url is for.
          if (xmlSafe(k) && !k.includes('\r') && k.trim() === k) {
            const plain = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: k, MaxKeys: 1 }));
            expect(plain.Contents?.[0]?.Key).toBe(k);
          }
        },
      ),
      fuzzParameters(40, { caseTimeoutMs: 20_000 }),
    );
  });

  it('user metadata of any header-token name round-trips through raw signed PUT and GET', async () => {
    const metadataName = fc.oneof(
      fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,16}$/),
      fc.constantFrom('__proto__', 'constructor', 'hasownproperty'),
    );
    const metadata = fc.uniqueArray(fc.tuple(metadataName, fc.stringMatching(/^[!-~]{0,20}$/)), {
      selector: ([n]) => n,
      maxLength: 3,
    });
    await fc.assert(
      fc.asyncProperty(metadata, async (pairs) => {
        const path = `/${BUCKET}/with-metadata`;
        const meta = Object.fromEntries(pairs.map(([n, v]) => [`x-amz-meta-${n}`, v]));
        const put = await signedHeaders(t, {
          method: 'PUT',
          path,
          headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...meta },
        });
        const stored = await rawRequest(t.url, {
          method: 'PUT',
          path,
          headers: { ...put, 'content-length': 1 },
          body: 'x',
        });
        expect(stored.status, stored.body).toBe(200);
        const get = await signedHeaders(t, {
          method: 'GET',
          path,
          headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        });
        const got = await rawRequest(t.url, { method: 'GET', path, headers: get });
        const returned = Object.entries(got.headers).filter(([n]) => n.startsWith('x-amz-meta-'));
        expect(Object.fromEntries(returned)).toEqual(meta);
      }),
      fuzzParameters(30, { caseTimeoutMs: 20_000 }),
    );
  });

  it('presigned GET and PUT URLs for any key and response overrides are accepted', async () => {
    const override = fc.option(fc.stringMatching(/^[ -~]{1,24}$/), { nil: undefined });
    // URLs as SDKs before 3.729 made them, with no checksum of the empty body signed into the query.
    const presigner = t.s3({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    await fc.assert(
      fc.asyncProperty(key, override, fc.uint8Array({ maxLength: 32 }), async (k, disposition, bytes) => {
        const body = Buffer.from(bytes);
        const put = await getSignedUrl(presigner, new PutObjectCommand({ Bucket: BUCKET, Key: k }), {
          expiresIn: 60,
        });
        const stored = await rawRequest(t.url, {
          method: 'PUT',
          path: pathOf(put),
          headers: { 'content-length': body.length },
          body,
        });
        expect(stored.status, stored.body).toBe(200);
        const get = await getSignedUrl(
          presigner,
          new GetObjectCommand({ Bucket: BUCKET, Key: k, ResponseContentDisposition: disposition }),
          { expiresIn: 60 },
        );
        const got = await rawRequest(t.url, { method: 'GET', path: pathOf(get) });
        expect(got.status, got.body).toBe(200);
        expect(got.body).toBe(body.toString('utf8'));
        if (disposition !== undefined)
          expect(String(got.headers['content-disposition']).trim()).toBe(disposition.trim());
      }),
      fuzzParameters(30, { caseTimeoutMs: 20_000 }),
    );
  });

  it('keys S3 refuses get S3 errors, and the server keeps answering', async () => {
    const invalid = fc.oneof(
      longKey.filter((k) => utf8Bytes(k) > 1024),
      fc.tuple(key, key).map(([a, b]) => `${a}\0${b}`),
    );
    await fc.assert(
      fc.asyncProperty(invalid, async (k) => {
        const error = await s3
          .send(new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: 'x' }))
          .then(() => undefined)
          .catch((e: { name: string; $metadata?: { httpStatusCode?: number } }) => e);
        expect(error?.$metadata?.httpStatusCode).toBe(400);
        // A key long enough in percent-encoded form overflows the request line first.
        expect(['KeyTooLongError', 'InvalidArgument', 'RequestHeaderSectionTooLarge']).toContain(error?.name);
      }),
      fuzzParameters(20, { caseTimeoutMs: 20_000 }),
    );
    expect((await fetch(`${t.url}/_seawall/health`)).status).toBe(200);
  });
});

describe('byte ranges under fuzzing', () => {
  it('GetObject with any Range answers the bytes asked for, the whole object, or 416', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 60 }), rangeHeader, async (bytes, header) => {
        const body = Buffer.from(bytes);
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ranged', Body: body }));
        const path = `/${BUCKET}/ranged`;
        const headers = await signedHeaders(t, {
          method: 'GET',
          path,
          headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', range: header },
        });
        const res = await rawRequest(t.url, { method: 'GET', path, headers });
        if (res.status === 416) {
          expect(code(res.body)).toBe('InvalidRange');
          expect(res.headers['content-range']).toBe(`bytes */${body.length}`);
          return;
        }
        if (res.status === 200) {
          expect(res.body).toBe(body.toString('utf8'));
          return;
        }
        expect(res.status).toBe(206);
        const [, start, end, total] =
          /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range'])) ?? [];
        expect(Number(total)).toBe(body.length);
        expect(res.body).toBe(body.subarray(Number(start), Number(end) + 1).toString('utf8'));
      }),
      fuzzParameters(60, { caseTimeoutMs: 20_000 }),
    );
  });
});

describe('S3 XML request bodies through the server', () => {
  it('a mutated DeleteObjects or CreateBucket body gets 200 or MalformedXML, never an internal error', async () => {
    const doc = fc.oneof(
      mutated(
        '<Delete><Object><Key>a</Key></Object><Object><Key>b</Key><VersionId>null</VersionId></Object><Quiet>true</Quiet></Delete>',
        fc.oneof(
          wireText(6),
          fc.constantFrom('<__proto__>', '<constructor>', '<!DOCTYPE x>', '&amp;', '<a>', '</a>'),
        ),
      ),
      fc
        .integer({ min: 90, max: 3000 })
        .map((depth) => `<Delete>${'<Object>'.repeat(depth)}${'</Object>'.repeat(depth)}</Delete>`),
    );
    await fc.assert(
      fc.asyncProperty(doc, async (body) => {
        const headers = await signedHeaders(t, {
          method: 'POST',
          path: `/${BUCKET}`,
          query: { delete: '' },
          headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-md5': md5(body) },
        });
        const res = await rawRequest(t.url, {
          method: 'POST',
          path: `/${BUCKET}?delete=`,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          body,
        });
        expect(res.status === 200 || res.status === 400, `${res.status} ${res.body}`).toBe(true);
        if (res.status === 400)
          expect(['MalformedXML', 'InvalidArgument', 'InvalidDigest', 'BadDigest']).toContain(code(res.body));
      }),
      fuzzParameters(60, { caseTimeoutMs: 20_000 }),
    );
  });
});
