import { connect } from 'node:net';
import { CreateBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'hostile' }));
});
afterAll(async () => {
  await t.close();
});

const code = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

async function signed(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; query?: Record<string, string> } = {},
) {
  const headers = await signedHeaders(t, {
    method,
    path,
    ...(options.query ? { query: options.query } : {}),
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...(options.headers ?? {}) },
  });
  const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
  return rawRequest(t.url, {
    method,
    path: path + query,
    headers: {
      ...headers,
      ...(options.body !== undefined && !options.headers?.['transfer-encoding']
        ? { 'content-length': Buffer.byteLength(options.body) }
        : {}),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
}

async function stillServing(): Promise<void> {
  const health = await fetch(`${t.url}/_seawall/health`);
  expect(health.status).toBe(200);
  const listed = await signed('GET', '/hostile', { query: { 'list-type': '2' } });
  expect(listed.status).toBe(200);
}

describe('hostile input gets S3 errors and the server keeps serving', () => {
  it('malformed and hostile XML bodies', async () => {
    const bodies = [
      '<CreateBucketConfiguration><LocationConstraint>ca-west-1</Location></CreateBucketConfiguration>',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><CreateBucketConfiguration><LocationConstraint>&xxe;</LocationConstraint></CreateBucketConfiguration>',
      '<NotTheRightRoot/>',
      '\u0000\u0001binary',
    ];
    for (const body of bodies) {
      const res = await signed('PUT', '/xml-bucket', { body });
      expect(res.status, body).toBe(400);
      expect(code(res.body), body).toBe('MalformedXML');
    }
    const deleteBody = '<Delete><Object><Key>a</Key></Object>'.repeat(3);
    const del = await signed('POST', '/hostile', {
      query: { delete: '' },
      body: deleteBody,
      headers: { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' },
    });
    expect(code(del.body)).toBe('MalformedXML');
    await stillServing();
  });

  it('missing or wrong Content-Length', async () => {
    const chunked = await signed('PUT', '/hostile/no-length', {
      body: 'data',
      headers: { 'transfer-encoding': 'chunked' },
    });
    // S3 takes no chunked transfer coding on uploads: 501 naming the header, not 411.
    expect(chunked.status).toBe(501);
    expect(code(chunked.body)).toBe('NotImplemented');
    expect(chunked.body).toContain('<Header>Transfer-Encoding</Header>');

    // A body shorter than its Content-Length, then the client gives up: nothing may become visible.
    const headers = await signedHeaders(t, {
      method: 'PUT',
      path: '/hostile/short',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    await rawRequest(t.url, {
      method: 'PUT',
      path: '/hostile/short',
      headers: { ...headers, 'content-length': 1_000_000 },
      body: 'only a little',
      endEarly: true,
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const head = await s3
      .send(new HeadObjectCommand({ Bucket: 'hostile', Key: 'short' }))
      .catch((e: { name: string }) => e.name);
    expect(head).toBe('NotFound');
    const bad = await rawRequest(t.url, {
      method: 'PUT',
      path: '/hostile/x',
      headers: { ...headers, 'content-length': 'banana' },
    }).catch(() => ({ status: 400, body: '' }));
    expect(bad.status).toBe(400);
    await stillServing();
  });

  it('invalid bucket names, unknown subresources, bad parameters and oversized metadata', async () => {
    for (const name of ['Bad_Bucket', 'ab', 'a'.repeat(70), 'bucket..name', '127.0.0.1']) {
      const res = await signed('PUT', `/${name}`);
      expect(res.status, name).toBe(400);
      expect(code(res.body), name).toBe('InvalidBucketName');
    }
    const analytics = await signed('GET', '/hostile', { query: { analytics: '' } });
    expect(analytics.status).toBe(501);
    expect(code(analytics.body)).toBe('NotImplemented');
    const maxKeys = await signed('GET', '/hostile', { query: { 'list-type': '2', 'max-keys': '-5' } });
    expect(code(maxKeys.body)).toBe('InvalidArgument');
    const sha = await signed('PUT', '/hostile/sha', {
      body: 'x',
      headers: { 'x-amz-content-sha256': 'not-a-hash' },
    });
    expect(code(sha.body)).toBe('InvalidArgument');
    const meta = await signed('PUT', '/hostile/meta', {
      body: 'x',
      headers: { 'x-amz-meta-big': 'm'.repeat(3000) },
    });
    expect(code(meta.body)).toBe('MetadataTooLarge');
    const method = await signed('PATCH', '/hostile/k');
    expect(code(method.body)).toBe('MethodNotAllowed');
    await stillServing();
  });

  it('oversized headers and garbage that is not HTTP', async () => {
    const big = await rawRequest(t.url, {
      method: 'GET',
      path: '/hostile',
      headers: { 'x-filler': 'f'.repeat(20_000) },
    });
    expect(big.status).toBe(400);
    expect(code(big.body)).toBe('RequestHeaderSectionTooLarge');
    const target = new URL(t.url);
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(target.port), target.hostname, () =>
        socket.write('\u0016\u0003\u0001 this is not http\r\n\r\n'),
      );
      let data = '';
      socket.on('data', (d) => {
        data += d.toString();
      });
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    await stillServing();
  });
});
