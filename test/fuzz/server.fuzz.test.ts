import { connect } from 'node:net';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, signedChunkedBody, signedHeaders } from '../helpers/raw.js';
import { startTestSeawall, type TestSeawall } from '../helpers/seawall.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutatedBytes, wireText } from './mutations.js';

// The server's clock stands still at the signing time, so requests signed once stay valid for a long fuzz run.
const SIGNED_AT = new Date('2026-03-01T12:00:00Z');
let t: TestSeawall;
let templates: Buffer[];

function http(
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body: Buffer | string = '',
) {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return Buffer.concat([
    Buffer.from(`${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n`),
    Buffer.from(body),
  ]);
}

async function signed(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
  service = 's3',
) {
  const query = path.includes('?')
    ? Object.fromEntries(new URLSearchParams(path.slice(path.indexOf('?') + 1)))
    : {};
  const h = await signedHeaders(t, {
    method,
    path: path.split('?')[0] ?? path,
    query,
    headers,
    service,
    signingDate: SIGNED_AT,
    ...(service === 's3' ? {} : { body }),
  });
  return {
    headers: h,
    request: http(method, path, { ...h, 'content-length': Buffer.byteLength(body) }, body),
  };
}

/** Valid requests of every kind the server takes, to mutate. */
async function buildTemplates(): Promise<Buffer[]> {
  const unsigned = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  const chunkedHeaders = {
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '11',
  };
  const chunked = await signedHeaders(t, {
    method: 'PUT',
    path: '/raw/chunked',
    headers: chunkedHeaders,
    signingDate: SIGNED_AT,
  });
  const chunkedBody = signedChunkedBody({
    chunks: [Buffer.from('hello '), Buffer.from('world')],
    secret: t.credentials.secretAccessKey,
    authorization: chunked.authorization as string,
    amzDate: chunked['x-amz-date'] as string,
  });
  const json = { 'content-type': 'application/x-amz-json-1.1' };
  return [
    (await signed('GET', '/raw?list-type=2', unsigned)).request,
    (await signed('PUT', '/raw/key.txt', unsigned, 'hello')).request,
    http('PUT', '/raw/chunked', { ...chunked, 'content-length': chunkedBody.length }, chunkedBody),
    (await signed('POST', '/', { ...json, 'x-amz-target': 'AmazonAthena.ListWorkGroups' }, '{}', 'athena'))
      .request,
    (await signed('POST', '/', { ...json, 'x-amz-target': 'AWSGlue.GetDatabases' }, '{}', 'glue')).request,
    (await signed('GET', '/recipes', {}, '', 'databrew')).request,
    http('GET', '/_seawall/health', { host: 'localhost' }),
  ];
}

beforeAll(async () => {
  t = await startTestSeawall({ clock: { now: () => SIGNED_AT } });
  await t.s3().send(new CreateBucketCommand({ Bucket: 'raw' }));
  templates = await buildTemplates();
});
afterAll(async () => {
  await t.close();
});

/** Whether `reply` ends with a complete response (headers and Content-Length bytes of body). */
function completeReply(reply: Buffer): boolean {
  let at = 0;
  while (at < reply.length) {
    const end = reply.indexOf('\r\n\r\n', at);
    if (end < 0) return false;
    const head = reply.subarray(at, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    at = end + 4 + length;
  }
  return at === reply.length;
}

/**
 * Writes the bytes and collects what comes back until the server closes, a complete reply is followed by a
 * quiet moment, or nothing comes at all (the server waiting for the rest of an incomplete request). The
 * socket is not half-closed: Node's server would abort the request on seeing the end of its input.
 */
function exchange(bytes: Buffer): Promise<string> {
  const target = new URL(t.url);
  return new Promise((resolve) => {
    let reply = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply.toString('latin1'));
    };
    const wait = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(finish, ms);
    };
    const socket = connect(Number(target.port), target.hostname, () => {
      socket.write(bytes);
      wait(400);
    });
    socket.on('data', (d: Buffer) => {
      reply = Buffer.concat([reply, d]);
      wait(completeReply(reply) ? 30 : 400);
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
  });
}

/** Every response in the reply is an HTTP error or success, never a server failure (5xx but 501). */
function expectNoServerFailure(reply: string) {
  const statuses = [...reply.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
  if (reply !== '') expect(statuses.length, reply.slice(0, 300)).toBeGreaterThan(0);
  for (const status of statuses) expect(status === 501 || status < 500, reply.slice(0, 600)).toBe(true);
}

async function expectHealthy() {
  expect((await fetch(`${t.url}/_seawall/health`)).status).toBe(200);
}

const HTTP_PIECES = fc.constantFrom(
  '\r\n',
  '\r\n\r\n',
  '\n',
  ':',
  ' ',
  'Transfer-Encoding: chunked\r\n',
  'Content-Length: 0\r\n',
  'Content-Length: 99999999999999999999\r\n',
  'Expect: 100-continue\r\n',
  'Connection: close\r\n',
  'x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER\r\n',
  'x-amz-decoded-content-length: 5\r\n',
  'SignedHeaders=host;constructor',
  ';__proto__',
  'Credential=AAAAAAAAAAAAAAAA/20260301/ca-west-1/s3/aws4_request',
  '0\r\n\r\n',
  'ffffffffffffffff\r\n',
  '%00',
  '/..',
  '?acl',
  '\u0000',
  '\u00ff',
);

describe('the server under raw-socket fuzzing', () => {
  it('arbitrary bytes get an HTTP error or a closed connection, and the server keeps answering', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      wireText(300).map((text) => Buffer.from(text, 'latin1')),
      fc
        .tuple(
          fc.constantFrom('GET', 'PUT', 'POST', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'G\u00c9T'),
          wireText(40),
          fc.array(HTTP_PIECES, { maxLength: 8 }),
        )
        .map(([method, path, pieces]) =>
          Buffer.from(`${method} /${path} HTTP/1.1\r\nHost: x\r\n${pieces.join('')}\r\n`, 'latin1'),
        ),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (data) => {
        expectNoServerFailure(await exchange(data));
        await expectHealthy();
      }),
      fuzzParameters(50, { caseTimeoutMs: 15_000 }),
    );
  });

  it('mutated valid requests of every kind get an answer or a closed connection, never a failure or a hang', async () => {
    const cases = fc
      .nat({ max: templates.length - 1 })
      .chain((i) => mutatedBytes(templates[i] as Buffer, fc.oneof(HTTP_PIECES, wireText(6))));
    await fc.assert(
      fc.asyncProperty(cases, async (data) => {
        expectNoServerFailure(await exchange(data));
        await expectHealthy();
      }),
      fuzzParameters(100, { caseTimeoutMs: 15_000 }),
    );
  });

  it('the unmutated templates are answered with success', async () => {
    for (const template of templates) {
      const reply = await exchange(template);
      expect(reply, reply.slice(0, 400)).toMatch(/^HTTP\/1\.1 200 /);
    }
  });

  it('any list of SignedHeaders, even names of Object.prototype members, is authenticated or refused', async () => {
    const name = fc.oneof(
      fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,12}$/),
      fc.constantFrom(
        'host',
        'x-amz-date',
        'constructor',
        '__proto__',
        'tostring',
        'hasownproperty',
        'valueof',
        'toString',
      ),
    );
    await fc.assert(
      // Half the lists name host, as they must to get as far as the canonical request.
      fc.asyncProperty(
        fc.array(name, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (list, withHost) => {
          const names = withHost ? ['host', ...list] : list;
          const { headers } = await signed('GET', '/raw?list-type=2', {
            'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          });
          const authorization = String(headers.authorization).replace(
            /SignedHeaders=[^,]+/,
            `SignedHeaders=${names.join(';')}`,
          );
          const res = await rawRequest(t.url, {
            method: 'GET',
            path: '/raw?list-type=2',
            headers: { ...headers, authorization },
          });
          expect([200, 400, 403], res.body).toContain(res.status);
        },
      ),
      fuzzParameters(100, { caseTimeoutMs: 15_000 }),
    );
  });
});
