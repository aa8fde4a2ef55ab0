import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { assertObjectKey } from '../../src/storage/bucket-names.js';
import { parseRange } from '../../src/storage/s3-wire.js';
import { rawRequest, signedHeaders } from '../helpers/raw.js';
import { startTestSeawall, type TestSeawall } from '../helpers/seawall.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';

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

const md5 = (text: string) => createHash('md5').update(text).digest('base64');
const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const code = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

/** Keys of any characters up to S3's 1024 bytes, with the ones that trouble paths and XML weighted up. */
const keyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  fc.constantFrom(
    '/',
    '//',
    '.',
    '..',
    '%',
    '%2F',
    '+',
    ' ',
    '?',
    '#',
    '&',
    '<',
    ']]>',
    '\\',
    '~',
    "'",
    '"',
    '\r',
    '\n',
  ),
);
const key = fc
  .string({ unit: keyChar, minLength: 1, maxLength: 120 })
  .filter((k) => !k.includes('\0') && utf8Bytes(k) <= 1024);
/** Keys around and past the limit: a piece repeated to a target size in UTF-8 bytes. */
const longKey = fc
  .tuple(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }).filter((p) => !p.includes('\0')),
    fc.integer({ min: 900, max: 3000 }),
  )
  .map(([piece, target]) => piece.repeat(Math.ceil(target / utf8Bytes(piece))));
/** Characters XML 1.0 can carry as they are, which an unencoded listing needs. */
const xmlSafe = (text: string) => /^[\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u.test(text);

describe('object keys under fuzzing', () => {
  it('assertObjectKey accepts exactly the non-empty, NUL-free keys of at most 1024 UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), longKey, wireText(50)), (k) => {
        const valid = k !== '' && !k.includes('\0') && utf8Bytes(k) <= 1024;
        let refused: unknown;
        try {
          assertObjectKey(k);
        } catch (error) {
          refused = error;
        }
        if (valid) expect(refused).toBeUndefined();
        else expect(isAppError(refused) && refused.status === 400, String(refused)).toBe(true);
      }),
      fuzzParameters(2000),
    );
  });

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
  const rangeHeader = fc.oneof(
    fc
      .tuple(fc.option(fc.nat({ max: 80 })), fc.option(fc.nat({ max: 80 })))
      .map(([a, b]) => `bytes=${a ?? ''}-${b ?? ''}`),
    fc.stringMatching(/^bytes=\d{0,25}-\d{0,25}$/),
    mutated('bytes=10-20', fc.constantFrom('-', ',', ' ', '=', '0', '9', 'bytes', '\t')),
    wireText(30).filter((text) => /^[\t\x20-\x7e]*$/.test(text)),
  );

  it('parseRange gives a range inside the object, nothing, or InvalidRange', () => {
    fc.assert(
      fc.property(rangeHeader, fc.nat({ max: 100 }), (header, size) => {
        let range: ReturnType<typeof parseRange>;
        try {
          range = parseRange(header, size);
        } catch (error) {
          expect(isAppError(error) && error.code === 'InvalidRange' && error.status === 416).toBe(true);
          return;
        }
        if (range === undefined) return;
        expect(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end)).toBe(true);
        expect(0 <= range.start && range.start <= range.end && range.end < size).toBe(true);
      }),
      fuzzParameters(3000),
    );
  });

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
