import { connect } from 'node:net';
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, signedHeaders, xmlElement } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'protocol';

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await t.close();
});

/** A request signed over its path exactly as sent, as a client that percent-encodes raw key bytes signs it. */
async function signed(method: string, path: string, body?: string) {
  const headers = await signedHeaders(t, {
    method,
    path,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  return rawRequest(t.url, {
    method,
    path,
    headers: { ...headers, ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
}

/** Writes bytes that are not (all) HTTP to a fresh connection and reads what comes back before it closes. */
function exchange(bytes: string): Promise<string> {
  const target = new URL(t.url);
  return new Promise((resolve) => {
    const socket = connect(Number(target.port), target.hostname, () => socket.write(bytes));
    let data = '';
    socket.on('data', (d: Buffer) => {
      data += d.toString();
    });
    socket.on('close', () => resolve(data));
    socket.on('error', () => resolve(data));
  });
}

function headerOf(reply: string, name: string): string | undefined {
  const head = reply.split('\r\n\r\n')[0] ?? '';
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

describe('a path that is not UTF-8 once percent-decoded', () => {
  it('is InvalidURI, whatever the method, and nothing is stored', async () => {
    // The bytes of s3-tests' test_object_read_unreadable key ('\xae\x8a-'), and a lone 0xFF.
    for (const [method, path] of [
      ['GET', `/${BUCKET}/%AE%8A-`],
      ['HEAD', `/${BUCKET}/%AE%8A-`],
      ['PUT', `/${BUCKET}/a%FFb`],
      ['DELETE', `/${BUCKET}/dir/%C0%AF`],
    ] as const) {
      const res = await signed(method, path, method === 'PUT' ? 'x' : undefined);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.headers['x-amz-request-id'], path).toBeDefined();
      if (method === 'HEAD') continue;
      expect(xmlElement(res.body, 'Code'), path).toBe('InvalidURI');
      expect(xmlElement(res.body, 'Message')?.replace('&apos;', "'"), path).toBe(
        "Couldn't parse the specified URI.",
      );
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.KeyCount).toBe(0);
  });

  it('is InvalidURI on an anonymous request too', async () => {
    const res = await rawRequest(t.url, { method: 'GET', path: `/${BUCKET}/%FE` });
    expect(res.status).toBe(400);
    expect(xmlElement(res.body, 'Code')).toBe('InvalidURI');
  });

  it('keeps taking keys whose characters are valid UTF-8, C1 controls included', async () => {
    const put = await signed('PUT', `/${BUCKET}/%C2%AE%C2%8A-`, 'x');
    expect(put.status).toBe(200);
    const got = await signed('GET', `/${BUCKET}/%C2%AE%C2%8A-`);
    expect(got.status).toBe(200);
    expect(got.body).toBe('x');
  });
});

describe('answers to requests that are not HTTP', () => {
  it('carry both request ids, the same ones the error document names', async () => {
    const reply = await exchange('\u0016\u0003\u0001 this is not http\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    const body = reply.slice(reply.indexOf('<?xml'));
    expect(headerOf(reply, 'x-amz-request-id')).toBe(xmlElement(body, 'RequestId'));
    expect(headerOf(reply, 'x-amz-id-2')).toBe(xmlElement(body, 'HostId'));
  });

  it('RequestHeaderSectionTooLarge names the size allowed, as S3 does', async () => {
    const reply = await exchange(
      `GET /${BUCKET} HTTP/1.1\r\nHost: x\r\nX-Filler: ${'f'.repeat(20_000)}\r\n\r\n`,
    );
    const body = reply.slice(reply.indexOf('<?xml'));
    expect(xmlElement(body, 'Code')).toBe('RequestHeaderSectionTooLarge');
    expect(xmlElement(body, 'MaxSizeAllowed')).toBe(String(16 * 1024));
    expect(headerOf(reply, 'x-amz-request-id')).toBe(xmlElement(body, 'RequestId'));
  });
});
