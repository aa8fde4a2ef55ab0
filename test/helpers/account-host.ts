import { lookup as dnsLookup } from 'node:dns';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import type { TestSeawall } from './seawall.js';

/**
 * S3 Control clients send every request to `{AccountId}.` before the endpoint's host, even a custom one (the
 * SDK's and the aws cli's endpoint rules do so whatever disableHostPrefix says), so an endpoint on an IP
 * address cannot be reached at all and `http://localhost:PORT` becomes `123456789012.localhost:PORT`. RFC 6761
 * puts every `*.localhost` name on loopback, as systemd's resolver and browsers do, but this machine's resolver
 * does not: these helpers resolve them for the clients, as such a resolver would.
 */

/** The endpoint to give S3 Control clients: the server's port on `localhost`. */
export function accountEndpoint(t: Pick<TestSeawall, 'url'>): string {
  return `http://localhost:${new URL(t.url).port}`;
}

/** Resolves `localhost` and every name under it to the IPv4 loopback address the test server listens on. */
const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  const local = hostname === 'localhost' || hostname.endsWith('.localhost');
  dnsLookup(local ? '127.0.0.1' : hostname, options, callback);
};

/** An S3 Control client of the test server, signed with `credentials` (the root's by default). */
export function s3Control(
  t: Pick<TestSeawall, 'url' | 'credentials'>,
  credentials: { accessKeyId: string; secretAccessKey: string } = t.credentials,
): S3ControlClient {
  return new S3ControlClient({
    endpoint: accountEndpoint(t),
    region: t.credentials.region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ lookup: loopbackLookup }) },
  });
}

/**
 * An HTTP proxy for the aws cli (HTTP_PROXY) that forwards every request, Host header and all, to the test
 * server: the cli then reaches `123456789012.localhost:PORT` without resolving it.
 */
export async function startLoopbackProxy(
  t: Pick<TestSeawall, 'url'>,
): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(t.url);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://unused');
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: url.pathname + url.search,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
