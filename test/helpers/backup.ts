import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { promisify } from 'node:util';
import { CreateDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll } from 'vitest';
import { BIN } from './child-server.js';
import { clientConfig, csvTableCommand } from './glue.js';
import { type TestSeawall, tempDir } from './seawall.js';

const run = promisify(execFile);

/**
 * Runs `seawall ARGS` in a child, without blocking this process (whose servers a backup may read from or
 * write to) → exit code and output.
 */
export async function seawallCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Every version of every key of `bucket` (delete markers too), with the size and SHA-256 of each one's bytes. */
export async function versionsOf(s3: S3Client, bucket: string): Promise<string[]> {
  const { Versions = [], DeleteMarkers = [] } = await s3.send(
    new ListObjectVersionsCommand({ Bucket: bucket }),
  );
  const lines: string[] = [];
  for (const v of Versions) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }));
    const body = (await got.Body?.transformToByteArray()) ?? new Uint8Array();
    lines.push(`${v.Key} ${v.VersionId} ${v.IsLatest} ${v.ETag} ${body.length} ${sha256(body)}`);
  }
  for (const m of DeleteMarkers) lines.push(`${m.Key} ${m.VersionId} ${m.IsLatest} marker`);
  return lines.sort();
}

/** Makes temporary directories for a test file, all removed after its tests: `scratch(prefix)` makes one. */
export function scratchDirs(): (prefix: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return (prefix) => {
    const dir = tempDir(prefix);
    made.push(dir);
    return dir;
  };
}

/** The S3 flags of `seawall backup`/`restore` that reach the Seawall `target` (at `endpoint`, its own by default). */
export function s3Flags(target: TestSeawall, endpoint = target.url): string[] {
  const credentials = join(target.dataDir, 'credentials');
  return [
    '--endpoint',
    endpoint,
    '--credentials',
    credentials,
    '--profile',
    'seawall',
    '--region',
    target.credentials.region,
  ];
}

/** The Glue database `city` and its CSV table `tickets` (plate, fine) over s3://lake/tickets/. */
export async function createTicketsTable(t: TestSeawall): Promise<void> {
  const glue = new GlueClient(clientConfig(t));
  try {
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'city' } }));
    await glue.send(
      csvTableCommand('city', 'tickets', 's3://lake/tickets/', [
        { Name: 'plate', Type: 'string' },
        { Name: 'fine', Type: 'int' },
      ]),
    );
  } finally {
    glue.destroy();
  }
}

/**
 * An S3 in front of `target` that passes requests straight on, headers (the signed Host) included, but for
 * what it is told: to hold a request `delayMs` before it goes through (as over a slow link), to flip the first
 * byte of its body (as a faulty link would), or to never answer it (`hang`: a client stops at it).
 */
export async function s3Proxy(
  target: string,
  faults: {
    delayMs?(req: IncomingMessage): number;
    damage?(req: IncomingMessage): boolean;
    hang?(req: IncomingMessage): boolean;
  },
): Promise<{ url: string; close(): void }> {
  const to = new URL(target);
  const proxy = createServer((req, res) => {
    if (faults.hang?.(req)) return;
    const forward = () => {
      const out = request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      if (!faults.damage?.(req)) {
        req.pipe(out);
        return;
      }
      let first = true;
      const flip = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          if (first && chunk.length > 0) {
            chunk[0] = (chunk[0] as number) ^ 0xff;
            first = false;
          }
          done(null, chunk);
        },
      });
      req.pipe(flip).pipe(out);
    };
    const delay = faults.delayMs?.(req) ?? 0;
    if (delay > 0) setTimeout(forward, delay);
    else forward();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: () => {
      // Requests it hangs keep their connections open: closed with it.
      proxy.closeAllConnections();
      proxy.close();
    },
  };
}
