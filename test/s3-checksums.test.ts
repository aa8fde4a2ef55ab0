import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  type ChecksumAlgorithm,
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Algorithm, checksumOf } from './helpers/checksums.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'checksums';
const ALGORITHMS: Algorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];
const field = (algorithm: Algorithm) => `Checksum${algorithm}` as const;
const header = (algorithm: Algorithm) => `x-amz-checksum-${algorithm.toLowerCase()}`;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await t.close();
});

async function stored(key: string): Promise<boolean> {
  const answer = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).catch((e: Error) => e);
  return !(answer instanceof Error);
}

/** A checksum of the right length for `algorithm` that is not the checksum of anything sent here. */
function wrongChecksum(algorithm: Algorithm, data: Buffer): string {
  const right = Buffer.from(checksumOf(algorithm, data), 'base64');
  right[0] = (right[0] as number) ^ 0xff;
  return right.toString('base64');
}

describe('PutObject checksums through the SDK', () => {
  it.each(ALGORITHMS)(
    '%s: in a header and in an aws-chunked trailer, verified, stored and answered',
    async (algorithm) => {
      const data = randomBytes(70_000);
      const expected = checksumOf(algorithm, data);
      // A Buffer body goes with its checksum in a header; a stream with it in an aws-chunked trailer.
      const bodies = { header: data, trailer: Readable.from([data.subarray(0, 1000), data.subarray(1000)]) };
      for (const [how, Body] of Object.entries(bodies)) {
        const key = `${algorithm}/${how}`;
        const put = await s3.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: key,
            Body,
            ContentLength: data.length,
            ChecksumAlgorithm: algorithm as ChecksumAlgorithm,
          }),
        );
        expect([put[field(algorithm)], put.ChecksumType]).toEqual([expected, 'FULL_OBJECT']);
        const head = await s3.send(
          new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }),
        );
        expect([head[field(algorithm)], head.ChecksumType]).toEqual([expected, 'FULL_OBJECT']);
        const got = await s3.send(
          new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }),
        );
        expect(got[field(algorithm)]).toBe(expected);
        expect(Buffer.from(await (got.Body?.transformToByteArray() ?? [])).equals(data)).toBe(true);
        const plain = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        expect(plain[field(algorithm)]).toBeUndefined();
      }
    },
  );

  it.each(ALGORITHMS)(
    '%s: a value that does not match is BadDigest and nothing is stored',
    async (algorithm) => {
      const data = Buffer.from('the payload');
      const key = `${algorithm}/mismatch`;
      const answer = await s3
        .send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: key,
            Body: data,
            [field(algorithm)]: wrongChecksum(algorithm, data),
          }),
        )
        .catch((e: { name: string; $metadata: { httpStatusCode: number } }) => e);
      expect(answer).toMatchObject({ name: 'BadDigest', $metadata: { httpStatusCode: 400 } });
      expect(await stored(key)).toBe(false);
    },
  );
});

/** Sends a PUT whose headers (signed with UNSIGNED-PAYLOAD or the streaming trailer form) and body are given. */
async function rawPut(key: string, headers: Record<string, string>, body: Buffer | string) {
  const signed = await signedHeaders(t, { method: 'PUT', path: `/${BUCKET}/${key}`, headers });
  return rawRequest(t.url, { method: 'PUT', path: `/${BUCKET}/${key}`, headers: signed, body });
}

const codeOf = (body: string) => /<Code>([^<]+)<\/Code>/.exec(body)?.[1];

describe('PutObject checksums on the wire', () => {
  it('refuses a malformed value as S3 does (InvalidRequest), before storing anything', async () => {
    const data = 'hello';
    for (const algorithm of ALGORITHMS) {
      const right = checksumOf(algorithm, Buffer.from(data));
      // Not base64, the wrong length, not canonical (no padding), the composite form: none is a checksum here.
      for (const value of ['bad', 'AAAA', right.replace(/=+$/, '') || 'x', `${right}-1`, ' ', '%%%%']) {
        if (value === right) continue;
        const answer = await rawPut(
          `${algorithm}/malformed`,
          { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', [header(algorithm)]: value },
          data,
        );
        expect([answer.status, codeOf(answer.body)], `${algorithm} ${value}`).toEqual([
          400,
          'InvalidRequest',
        ]);
        expect(answer.body).toContain(`Value for ${header(algorithm)} header is invalid.`);
      }
      expect(await stored(`${algorithm}/malformed`)).toBe(false);
    }
    const two = await rawPut(
      'two',
      {
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        'x-amz-checksum-crc32': checksumOf('CRC32', Buffer.from(data)),
        'x-amz-checksum-sha1': checksumOf('SHA1', Buffer.from(data)),
      },
      data,
    );
    expect([two.status, codeOf(two.body)]).toEqual([400, 'InvalidRequest']);
  });

  /** An aws-chunked body without chunk signatures, ending with the given trailer lines. */
  function unsignedChunked(data: Buffer, trailer: string): Buffer {
    return Buffer.concat([
      Buffer.from(`${data.length.toString(16)}\r\n`),
      data,
      Buffer.from(`\r\n0\r\n${trailer}\r\n`),
    ]);
  }

  const streaming = (name: string, data: Buffer) => ({
    'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(data.length),
    'x-amz-trailer': name,
  });

  it.each(ALGORITHMS)(
    '%s in an unsigned trailer: verified, and refused when wrong, malformed or missing',
    async (algorithm) => {
      const data = randomBytes(5000);
      const name = header(algorithm);
      const good = await rawPut(
        `${algorithm}/trailer`,
        streaming(name, data),
        unsignedChunked(data, `${name}:${checksumOf(algorithm, data)}\r\n`),
      );
      expect(good.status, good.body).toBe(200);
      expect(good.headers[name]).toBe(checksumOf(algorithm, data));
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: BUCKET, Key: `${algorithm}/trailer`, ChecksumMode: 'ENABLED' }),
      );
      expect(head[field(algorithm)]).toBe(checksumOf(algorithm, data));

      const refusals: [string, string, string][] = [
        ['wrong', `${name}:${wrongChecksum(algorithm, data)}\r\n`, 'BadDigest'],
        ['malformed', `${name}:not-a-checksum\r\n`, 'InvalidRequest'],
        ['missing', '', 'InvalidRequest'],
        ['another', `x-amz-checksum-other:${checksumOf(algorithm, data)}\r\n`, 'InvalidRequest'],
      ];
      for (const [what, trailer, code] of refusals) {
        const key = `${algorithm}/trailer-${what}`;
        const answer = await rawPut(key, streaming(name, data), unsignedChunked(data, trailer));
        expect([answer.status, codeOf(answer.body)], what).toEqual([400, code]);
        expect(await stored(key)).toBe(false);
      }
    },
  );

  it('refuses an x-amz-trailer that names no checksum S3 computes', async () => {
    const data = Buffer.from('abc');
    for (const name of ['x-amz-checksum-md5', 'x-amz-meta-foo', 'content-md5', 'x-amz-checksum-']) {
      const answer = await rawPut(
        'odd-trailer',
        streaming(name, data),
        unsignedChunked(data, `${name}:AAAA\r\n`),
      );
      expect([answer.status, codeOf(answer.body)], name).toEqual([400, 'InvalidRequest']);
    }
    expect(await stored('odd-trailer')).toBe(false);
  });

  it('takes x-amz-sdk-checksum-algorithm only beside the checksum it names, as S3 does', async () => {
    const data = Buffer.from('hello');
    const unsigned = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    // Alone, it names a checksum the request does not carry.
    const alone = await rawPut('sdk-alone', { ...unsigned, 'x-amz-sdk-checksum-algorithm': 'CRC32' }, data);
    expect([alone.status, codeOf(alone.body)]).toEqual([400, 'InvalidRequest']);
    expect(alone.body).toContain(
      'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
    );
    // Naming another algorithm than the header's, or than the trailer's.
    const other = await rawPut(
      'sdk-other',
      { ...unsigned, 'x-amz-sdk-checksum-algorithm': 'SHA256', [header('CRC32')]: checksumOf('CRC32', data) },
      data,
    );
    expect([other.status, codeOf(other.body)]).toEqual([400, 'InvalidRequest']);
    expect(other.body).toContain('Value for x-amz-sdk-checksum-algorithm header is invalid.');
    const trailer = `${header('CRC32')}:${checksumOf('CRC32', data)}\r\n`;
    const otherTrailer = await rawPut(
      'sdk-other-trailer',
      { ...streaming(header('CRC32'), data), 'x-amz-sdk-checksum-algorithm': 'SHA1' },
      unsignedChunked(data, trailer),
    );
    expect([otherTrailer.status, codeOf(otherTrailer.body)]).toEqual([400, 'InvalidRequest']);
    for (const key of ['sdk-alone', 'sdk-other', 'sdk-other-trailer']) expect(await stored(key)).toBe(false);
    // Beside its own checksum, in any case, as the SDKs send it.
    const same = await rawPut(
      'sdk-same',
      { ...unsigned, 'x-amz-sdk-checksum-algorithm': 'crc32', [header('CRC32')]: checksumOf('CRC32', data) },
      data,
    );
    expect(same.status, same.body).toBe(200);
    const sameTrailer = await rawPut(
      'sdk-same-trailer',
      { ...streaming(header('CRC32'), data), 'x-amz-sdk-checksum-algorithm': 'CRC32' },
      unsignedChunked(data, trailer),
    );
    expect(sameTrailer.status, sameTrailer.body).toBe(200);
  });
});
