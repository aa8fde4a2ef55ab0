import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { RootCredentials, SigningIdentity } from '../../src/iam/index.js';
import { systemClock } from '../../src/lib/clock.js';
import type { ApiRequest, ApiResponse } from '../../src/lib/http.js';
import { createLogger } from '../../src/lib/logger.js';
import type { Authorizer, Operation } from '../../src/lib/operation.js';
import { createHttpServer, type HttpLimits } from '../../src/server/http-server.js';
import { createInternalRoutes } from '../../src/server/internal-routes.js';
import { tempDir } from './seawall.js';

const IDENTITY: SigningIdentity = {
  accountId: '123456789012',
  arn: 'arn:aws:iam::123456789012:root',
  accessKeyId: 'AKIABARESERVERTEST00',
  secretAccessKey: 'bare-server-secret-key',
  type: 'Root',
  userId: '123456789012',
};

/** Reads the whole body, as a real upload handler does, and answers how many bytes arrived. */
async function countBytes(_input: unknown, req: ApiRequest): Promise<ApiResponse> {
  let bytes = 0;
  for await (const chunk of req.body) bytes += (chunk as Buffer).length;
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: String(bytes) };
}

/** One S3-shaped operation for every request: counting what it is sent. */
const COUNT_BYTES: Operation = {
  service: 's3',
  name: 'PutObject',
  action: 's3:PutObject',
  decode: () => undefined,
  resources: () => ['*'],
  handle: countBytes,
};

const ALLOW_ALL: Authorizer = { authorize: async () => {} };

export interface BareServer {
  url: string;
  port: number;
  server: Server;
  credentials: RootCredentials;
  close(): Promise<void>;
}

/**
 * The real listener, authentication and error rendering in front of one S3-shaped service whose one operation
 * answers every request (unless given, it counts the bytes it is sent): connection handling can be tested with
 * small limits, without the storage behind it.
 */
export async function startBareServer(
  limits: Partial<HttpLimits>,
  operation: Operation = COUNT_BYTES,
): Promise<BareServer> {
  const server = createHttpServer({
    services: {
      s3: {
        protocol: 'restXml',
        operations: [operation],
        resolve: async () => ({ operation, raw: undefined }),
      },
    },
    authorizer: ALLOW_ALL,
    internal: createInternalRoutes({ region: 'us-east-1', consoleDir: join(tempDir(), 'no-console') }),
    iam: { signingIdentity: async (id) => (id === IDENTITY.accessKeyId ? IDENTITY : undefined) },
    clock: systemClock,
    region: 'us-east-1',
    logger: createLogger(process.env.SEAWALL_TEST_LOG ?? 'silent'),
    limits,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    credentials: {
      accountId: IDENTITY.accountId,
      region: 'us-east-1',
      accessKeyId: IDENTITY.accessKeyId,
      secretAccessKey: IDENTITY.secretAccessKey,
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A plain TCP connection: what arrives, and a promise of everything received once the server closes it. */
export interface RawConnection {
  socket: Socket;
  received(): string;
  closed: Promise<string>;
}

export function openConnection(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
    });
    const closed = new Promise<string>((done) => socket.on('close', () => done(data)));
    // A reset is one way for the server to close; the test reads what arrived before it.
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

/** Waits for `promise`, failing the test if it takes longer than `ms`: a liveness bound, not a timing claim. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Resolves once `text` has arrived on the connection. */
export async function waitFor(connection: RawConnection, text: string): Promise<void> {
  while (!connection.received().includes(text)) {
    if (connection.socket.destroyed) throw new Error(`closed before '${text}' arrived`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
