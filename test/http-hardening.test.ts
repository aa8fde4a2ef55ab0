import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BareServer,
  openConnection,
  type RawConnection,
  startBareServer,
  waitFor,
  within,
} from './helpers/bare-server.js';
import { signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/** Far above the small limits the bare server gets, far below a test's own timeout. */
const BOUND_MS = 5000;
const LIMITS = { headersTimeoutMs: 300, keepAliveTimeoutMs: 300, idleTimeoutMs: 1500, maxConnections: 64 };
/** The trickling upload writes this often: far inside the idle timeout, so only a stall of over a second breaks it. */
const TRICKLE_MS = 100;

let bare: BareServer;
const connections: RawConnection[] = [];

async function connection(port = bare.port): Promise<RawConnection> {
  const opened = await openConnection(port);
  connections.push(opened);
  return opened;
}

/** The head of a signed PUT to the bare server's counting service, sent as raw text. */
async function signedPutHead(path: string, length: number, extra: Record<string, string> = {}) {
  const headers = await signedHeaders(bare, {
    method: 'PUT',
    path,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(length), ...extra },
  });
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `PUT ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

const code = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];

beforeAll(async () => {
  bare = await startBareServer(LIMITS);
});
afterAll(async () => {
  for (const opened of connections) opened.socket.destroy();
  await bare?.close();
});

describe('connections that stop sending are closed', () => {
  it('closes a connection that never sends a byte, without answering it', async () => {
    const idle = await connection();
    expect(await within(idle.closed, BOUND_MS, 'silent connection')).toBe('');
  });

  it('answers half a header section with RequestTimeout and closes', async () => {
    const half = await connection();
    half.socket.write('GET /_seawall/health HTTP/1.1\r\nHost: x\r\nX-Partial: ');
    const reply = await within(half.closed, BOUND_MS, 'half a header');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toMatch(/connection: close/i);
    expect(code(reply)).toBe('RequestTimeout');
  });

  it('answers a body that stops arriving with RequestTimeout and closes', async () => {
    const stalled = await connection();
    stalled.socket.write(`${await signedPutHead('/bucket/stalled', 100)}only ten b`);
    const reply = await within(stalled.closed, BOUND_MS, 'stalled body');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(code(reply)).toBe('RequestTimeout');
    expect(reply).toContain('not read from or written to within the timeout period');
  });

  it('closes a kept-alive connection once it has been idle a while', async () => {
    const kept = await connection();
    kept.socket.write('GET /_seawall/health HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(kept, '{"status":"ok"}');
    const all = await within(kept.closed, BOUND_MS, 'idle keep-alive connection');
    expect(all.match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });
});

describe('slow but live uploads are not cut', () => {
  it('accepts a body that trickles in for longer than every timeout together', async () => {
    // Longer than the header, keep-alive and idle timeouts together.
    const chunks =
      Math.ceil((LIMITS.headersTimeoutMs + LIMITS.keepAliveTimeoutMs + LIMITS.idleTimeoutMs) / TRICKLE_MS) +
      6;
    const headers = await signedHeaders(bare, {
      method: 'PUT',
      path: '/bucket/trickle',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(chunks) },
    });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: bare.port, method: 'PUT', path: '/bucket/trickle', headers, agent: false },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const tick = setInterval(() => {
        req.write('x');
        sent += 1;
        if (sent === chunks) {
          clearInterval(tick);
          req.end();
        }
      }, TRICKLE_MS);
    });
    expect(answer).toEqual({ status: 200, body: String(chunks) });
  });
});

describe('a cap on open connections', () => {
  it('closes connections over the cap while the open ones keep working', async () => {
    const capped = await startBareServer({ ...LIMITS, keepAliveTimeoutMs: 30_000, maxConnections: 3 });
    try {
      const ask = async (opened: RawConnection) => {
        const before = opened.received().length;
        opened.socket.write('GET /_seawall/health HTTP/1.1\r\nHost: x\r\n\r\n');
        while (!opened.received().slice(before).includes('{"status":"ok"}')) {
          if (opened.socket.destroyed) throw new Error('closed while waiting for an answer');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      const open = [
        await connection(capped.port),
        await connection(capped.port),
        await connection(capped.port),
      ];
      for (const opened of open) await ask(opened);
      const extra = await connection(capped.port);
      expect(await within(extra.closed, BOUND_MS, 'connection over the cap')).toBe('');
      for (const opened of open) await ask(opened);

      open[0]?.socket.destroy();
      await open[0]?.closed;
      // The server counts the closed connection out once it sees the close; then a new one fits.
      let admitted: RawConnection | undefined;
      for (let attempt = 0; attempt < 50 && !admitted; attempt += 1) {
        const next = await connection(capped.port);
        try {
          await ask(next);
          admitted = next;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      expect(admitted).toBeDefined();
    } finally {
      await capped.close();
    }
  });
});

describe('HTTP framing against the real server', () => {
  let t: TestSeawall;
  beforeAll(async () => {
    t = await startTestSeawall();
  });
  afterAll(async () => {
    await t?.close();
  });

  const port = () => Number(new URL(t.url).port);

  it('answers a malformed request line with 400 and closes', async () => {
    for (const line of ['GET\r\n\r\n', 'GET / HTTP/9.9.9\r\n\r\n', 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n']) {
      const bad = await connection(port());
      bad.socket.write(line);
      const reply = await within(bad.closed, BOUND_MS, JSON.stringify(line));
      expect(reply, line).toMatch(/^HTTP\/1\.1 400 /);
      expect(code(reply), line).toBe('BadRequest');
    }
  });

  it('bounds the header section at 16 KiB', async () => {
    const header = async (size: number) => {
      const opened = await connection(port());
      opened.socket.write(
        `GET /_seawall/health HTTP/1.1\r\nHost: x\r\nX-Filler: ${'f'.repeat(size)}\r\n\r\n`,
      );
      await waitFor(opened, '\r\n\r\n');
      opened.socket.destroy();
      return opened.received();
    };
    expect(await header(15 * 1024)).toMatch(/^HTTP\/1\.1 200 /);
    const refused = await header(17 * 1024);
    expect(refused).toMatch(/^HTTP\/1\.1 400 /);
    expect(refused).toMatch(/connection: close/i);
  });

  it('answers pipelined requests in order on one connection', async () => {
    const piped = await connection(port());
    const list = await signedHeaders(t, {
      method: 'GET',
      path: '/',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const listHead = Object.entries(list)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n');
    piped.socket.write(
      `GET /_seawall/health HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n${listHead}\r\n\r\nGET /_seawall/info HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    await waitFor(piped, `"region":"${t.credentials.region}"`);
    const text = piped.received();
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '200', '200']);
    const health = text.indexOf('{"status":"ok"}');
    const buckets = text.indexOf('<ListAllMyBucketsResult');
    expect(health).toBeGreaterThan(0);
    expect(buckets).toBeGreaterThan(health);
    expect(text.indexOf('"region"')).toBeGreaterThan(buckets);
  });

  it('sends 100 Continue before reading a body that expects it', async () => {
    const s3 = t.s3();
    const { CreateBucketCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new CreateBucketCommand({ Bucket: 'continue' }));
    const body = 'sent after 100 Continue';
    const headers = await signedHeaders(t, {
      method: 'PUT',
      path: '/continue/object.txt',
      headers: {
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        'content-length': String(body.length),
        expect: '100-continue',
      },
    });
    const opened = await connection(port());
    const head = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n');
    opened.socket.write(`PUT /continue/object.txt HTTP/1.1\r\n${head}\r\n\r\n`);
    await waitFor(opened, 'HTTP/1.1 100 Continue\r\n\r\n');
    opened.socket.write(body);
    await waitFor(opened, 'HTTP/1.1 200 ');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'continue', Key: 'object.txt' }));
    expect(await got.Body?.transformToString()).toBe(body);
  });

  it("redirects Seawall's own root to the console", async () => {
    for (const path of ['/_seawall', '/_seawall/']) {
      const redirect = await fetch(`${t.url}${path}`, { redirect: 'manual' });
      expect(redirect.status, path).toBe(302);
      expect(redirect.headers.get('location'), path).toBe('/_seawall/console/');
    }
    const head = await fetch(`${t.url}/_seawall/`, { method: 'HEAD', redirect: 'manual' });
    expect(head.status).toBe(302);
    const post = await fetch(`${t.url}/_seawall/`, { method: 'POST', redirect: 'manual' });
    expect(post.status).toBe(405);
  });
});
