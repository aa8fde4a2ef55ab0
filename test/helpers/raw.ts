import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { TestSeawall } from './seawall.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends bytes exactly as given (no client library in the way), for hostile-input tests. */
export function rawRequest(
  url: string,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string | number>;
    body?: Buffer | string;
    endEarly?: boolean;
  },
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method,
        path: options.path,
        headers: options.headers ?? {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.endEarly) {
      req.write(options.body ?? '');
      setTimeout(() => req.destroy(), 50);
      return;
    }
    req.end(options.body);
  });
}

/** Signs a request with the SDK's own SigV4 signer, so a test controls every header and byte of the body. */
export async function signedHeaders(
  t: Pick<TestSeawall, 'url' | 'credentials'>,
  options: {
    method: string;
    path: string;
    query?: Record<string, string>;
    headers: Record<string, string>;
    service?: string;
    body?: string;
    signingDate?: Date;
  },
): Promise<Record<string, string>> {
  const target = new URL(t.url);
  const signer = new SignatureV4({
    service: options.service ?? 's3',
    region: t.credentials.region,
    credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: t.credentials.secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: (options.service ?? 's3') !== 's3',
    applyChecksum: false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: options.method,
      protocol: 'http:',
      hostname: target.hostname,
      port: Number(target.port),
      path: options.path,
      query: options.query ?? {},
      headers: { host: target.host, ...options.headers },
      ...(options.body !== undefined ? { body: options.body } : {}),
    }),
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  return signed.headers as Record<string, string>;
}

/** An aws-chunked body with chunk signatures (and optionally a signed trailer), as SigV4 streaming defines it. */
export function signedChunkedBody(args: {
  chunks: Buffer[];
  secret: string;
  authorization: string;
  amzDate: string;
  trailer?: Record<string, string>;
}): Buffer {
  const scope = /Credential=[^/]+\/([^,]+),/.exec(args.authorization)?.[1] as string;
  let previous = /Signature=([0-9a-f]{64})/.exec(args.authorization)?.[1] as string;
  const [date, region, service] = scope.split('/') as [string, string, string];
  const kDate = createHmac('sha256', `AWS4${args.secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  const key = createHmac('sha256', kService).update('aws4_request').digest();
  const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
  const parts: Buffer[] = [];
  for (const chunk of [...args.chunks, Buffer.alloc(0)]) {
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${args.amzDate}\n${scope}\n${previous}\n${sha('')}\n${sha(chunk)}`;
    previous = createHmac('sha256', key).update(toSign).digest('hex');
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), chunk);
    if (chunk.length > 0) parts.push(Buffer.from('\r\n'));
  }
  if (args.trailer) {
    const canonical = Object.entries(args.trailer)
      .map(([name, value]) => `${name}:${value}\n`)
      .join('');
    const toSign = `AWS4-HMAC-SHA256-TRAILER\n${args.amzDate}\n${scope}\n${previous}\n${sha(canonical)}`;
    const signature = createHmac('sha256', key).update(toSign).digest('hex');
    parts.push(
      Buffer.from(`${canonical.replace(/\n/g, '\r\n')}x-amz-trailer-signature:${signature}\r\n\r\n`),
    );
  } else parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** The text of an XML document's first `<name>` element (an error document's Code, Message, fields…). */
export function xmlElement(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}
