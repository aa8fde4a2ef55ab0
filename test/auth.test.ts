import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChecksum } from '../src/lib/checksums.js';
import { rawRequest, signedChunkedBody, signedHeaders } from './helpers/raw.js';
import { runTool, s3cmdConfig } from './helpers/s3-tools.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'auth-bucket' }));
  await s3.send(new PutObjectCommand({ Bucket: 'auth-bucket', Key: 'secret.txt', Body: 'classified' }));
});
afterAll(async () => {
  await t.close();
});

async function failure(client: S3Client): Promise<{ name: string; status?: number }> {
  try {
    await client.send(new ListBucketsCommand({}));
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to be refused');
}

const code = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

describe('header signatures', () => {
  it('refuses a wrong secret, an unknown key, a skewed clock and another region', async () => {
    const { accessKeyId } = t.credentials;
    expect(await failure(t.s3({ credentials: { accessKeyId, secretAccessKey: 'not-the-secret' } }))).toEqual({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect(
      await failure(t.s3({ credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' } })),
    ).toEqual({
      name: 'InvalidAccessKeyId',
      status: 403,
    });
    expect(await failure(t.s3({ systemClockOffset: -20 * 60 * 1000, maxAttempts: 1 }))).toEqual({
      name: 'RequestTimeTooSkewed',
      status: 403,
    });
    expect(await failure(t.s3({ region: 'us-west-2' }))).toMatchObject({
      name: 'AuthorizationHeaderMalformed',
      status: 400,
    });
  });

  it('refuses unsigned requests and a body that does not match its signed hash', async () => {
    const anonymous = await rawRequest(t.url, { method: 'GET', path: '/auth-bucket/secret.txt' });
    expect(anonymous.status).toBe(403);
    expect(code(anonymous.body)).toBe('AccessDenied');

    const signedFor = 'the body that was signed';
    const headers = await signedHeaders(t, {
      method: 'PUT',
      path: '/auth-bucket/swapped.txt',
      headers: {
        'x-amz-content-sha256': createHash('sha256').update(signedFor).digest('hex'),
        'content-length': '24',
      },
    });
    const swapped = await rawRequest(t.url, {
      method: 'PUT',
      path: '/auth-bucket/swapped.txt',
      headers,
      body: 'a different body, 24 ch.',
    });
    expect(swapped.status).toBe(400);
    expect(code(swapped.body)).toBe('XAmzContentSHA256Mismatch');
    const head = await rawRequest(t.url, {
      method: 'GET',
      path: '/auth-bucket/swapped.txt',
      headers: await signedHeaders(t, {
        method: 'GET',
        path: '/auth-bucket/swapped.txt',
        headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      }),
    });
    expect(code(head.body)).toBe('NoSuchKey');
  });
});

describe('presigned URLs', () => {
  it('serves a valid URL and refuses expired, tampered and wrong-region ones', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'auth-bucket', Key: 'secret.txt' }), {
      expiresIn: 60,
    });
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('classified');

    const old = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'auth-bucket', Key: 'secret.txt' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 10 * 60 * 1000),
    });
    const expired = await fetch(old);
    expect(expired.status).toBe(403);
    const expiredBody = await expired.text();
    expect(code(expiredBody)).toBe('AccessDenied');
    expect(expiredBody).toContain('Request has expired');

    const tampered = await fetch(url.replace('secret.txt', 'secret.txT'));
    expect(tampered.status).toBe(403);
    expect(code(await tampered.text())).toBe('SignatureDoesNotMatch');

    const elsewhere = await getSignedUrl(
      t.s3({ region: 'eu-west-1' }),
      new GetObjectCommand({ Bucket: 'auth-bucket', Key: 'secret.txt' }),
    );
    const wrongRegion = await fetch(elsewhere);
    expect(wrongRegion.status).toBe(400);
    expect(code(await wrongRegion.text())).toBe('AuthorizationQueryParametersError');
  });

  it('refuses Signature Version 2, in the query (s3cmd signurl) as in the header, as SigV4-only regions do', async () => {
    // s3cmd's `signurl` presigns with SigV2: AWSAccessKeyId, Expires and Signature in the query string.
    const config = s3cmdConfig(t);
    const signed = await runTool('s3cmd', ['-c', config, 'signurl', 's3://auth-bucket/secret.txt', '+600']);
    expect(signed.code, signed.stderr).toBe(0);
    const url = signed.stdout.trim();
    expect(url).toContain('AWSAccessKeyId=');
    const refused = await fetch(url);
    const body = await refused.text();
    // Not taken as an anonymous request (a 403 that names no signature): the signature's form is refused.
    expect([refused.status, code(body)]).toEqual([400, 'InvalidRequest']);
    expect(body).toContain('Please use AWS4-HMAC-SHA256.');
    const header = await rawRequest(t.url, {
      method: 'GET',
      path: '/auth-bucket/secret.txt',
      headers: {
        authorization: `AWS ${t.credentials.accessKeyId}:c2lnbmF0dXJl`,
        date: new Date().toUTCString(),
      },
    });
    expect([header.status, code(header.body)]).toEqual([400, 'InvalidRequest']);
  });

  it('accepts a presigned PUT, ignoring the checksum the URL carries as S3 does', async () => {
    // SDKs hoist x-amz-checksum-crc32 of the (empty) body they saw into the URL; S3 signs it and ignores it
    // (LocalStack's test_presigned_url_v4_x_amz_in_qs, recorded on AWS).
    const hoisted = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: 'auth-bucket', Key: 'hoisted.txt' }),
      { expiresIn: 60 },
    );
    expect(hoisted).toContain('x-amz-checksum-crc32=');
    const accepted = await fetch(hoisted, { method: 'PUT', body: 'via presigned url' });
    expect(accepted.status).toBe(200);

    const plain = t.s3({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    const url = await getSignedUrl(
      plain,
      new PutObjectCommand({ Bucket: 'auth-bucket', Key: 'uploaded.txt' }),
      { expiresIn: 60 },
    );
    const put = await fetch(url, { method: 'PUT', body: 'via presigned url' });
    expect(put.status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'auth-bucket', Key: 'uploaded.txt' }));
    expect(await got.Body?.transformToString()).toBe('via presigned url');
  });
});

describe('signed streaming uploads', () => {
  const chunks = [Buffer.alloc(65536, 'x'), Buffer.alloc(65536, 'y'), Buffer.from('tail')];
  const decodedLength = chunks.reduce((n, c) => n + c.length, 0);

  async function streamingPut(
    key: string,
    payload: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    mutate?: (body: Buffer) => void,
    trailer?: Record<string, string>,
  ) {
    const base = {
      'x-amz-content-sha256': payload,
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(decodedLength),
    };
    const extra: Record<string, string> = trailer
      ? { 'x-amz-trailer': Object.keys(trailer)[0] as string }
      : {};
    const headers = await signedHeaders(t, {
      method: 'PUT',
      path: `/auth-bucket/${key}`,
      headers: { ...base, ...extra },
    });
    const body = signedChunkedBody({
      chunks,
      secret: t.credentials.secretAccessKey,
      authorization: headers.authorization as string,
      amzDate: headers['x-amz-date'] as string,
      ...(trailer ? { trailer } : {}),
    });
    mutate?.(body);
    return rawRequest(t.url, {
      method: 'PUT',
      path: `/auth-bucket/${key}`,
      headers: { ...headers, 'content-length': body.length },
      body,
    });
  }

  it('verifies chunk signatures and stores the decoded bytes', async () => {
    const ok = await streamingPut('chunked.bin', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe(`"${createHash('md5').update(Buffer.concat(chunks)).digest('hex')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'auth-bucket', Key: 'chunked.bin' }));
    expect(
      Buffer.from(await (got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))).equals(
        Buffer.concat(chunks),
      ),
    ).toBe(true);
  });

  it('refuses a tampered chunk and keeps nothing', async () => {
    const bad = await streamingPut('tampered.bin', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', (body) => {
      body[70_000] = 'z'.charCodeAt(0);
    });
    expect(bad.status).toBe(403);
    expect(code(bad.body)).toBe('SignatureDoesNotMatch');
    const missing = await s3
      .send(new GetObjectCommand({ Bucket: 'auth-bucket', Key: 'tampered.bin' }))
      .catch((e: Error) => e.name);
    expect(missing).toBe('NoSuchKey');
  });

  it('verifies a signed checksum trailer and the checksum it carries', async () => {
    const crc = createChecksum('CRC32C');
    for (const c of chunks) crc.update(c);
    const good = await streamingPut('trailer.bin', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', undefined, {
      'x-amz-checksum-crc32c': crc.digestBase64(),
    });
    expect(good.status).toBe(200);
    expect(good.headers['x-amz-checksum-crc32c']).toBe(crc.digestBase64());
    const wrong = await streamingPut(
      'trailer-bad.bin',
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      undefined,
      { 'x-amz-checksum-crc32c': 'AAAAAA==' },
    );
    expect(wrong.status).toBe(400);
    expect(code(wrong.body)).toBe('BadDigest');
    const forged = await streamingPut(
      'trailer-forged.bin',
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      (body) => {
        const at = body.lastIndexOf('x-amz-checksum-crc32c:') + 'x-amz-checksum-crc32c:'.length;
        body[at] = body[at] === 65 ? 66 : 65;
      },
      { 'x-amz-checksum-crc32c': crc.digestBase64() },
    );
    expect(forged.status).toBe(403);
    expect(code(forged.body)).toBe('SignatureDoesNotMatch');
  });
});
