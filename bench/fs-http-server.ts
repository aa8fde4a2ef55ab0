import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { durableFiles } from './durable-files.js';

/**
 * The storage bench's HTTP ceiling: the file-system baseline's work behind a bare node:http server, run in a
 * process of its own as Seawall is, on the directory its first argument names (the bench makes and removes it).
 * PUT /bench/KEY writes the body durably, GET /bench/KEY sends it back with its length, DELETE removes it; PUT
 * /bench (the bucket) is accepted. Nothing is authenticated: it listens on loopback only and prints `PORT n`.
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: fs-http-server.ts DIR');
const files = await durableFiles(dir);
const MiB = 1024 * 1024;

/** A small body in one buffer, as a server that writes it in one call would hold it; else the stream itself. */
async function content(req: IncomingMessage): Promise<Buffer | IncomingMessage> {
  if (Number(req.headers['content-length'] ?? Number.POSITIVE_INFINITY) > MiB) return req;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const key = decodeURIComponent((req.url ?? '/').replace(/^\/bench\/?/, '').split('?')[0] ?? '');
  if (key === '') {
    req.resume();
    res.end();
  } else if (req.method === 'PUT') {
    const written = await files.write(key, await content(req));
    const length = req.headers['content-length'];
    if (length !== undefined && written !== Number(length)) throw new Error(`short write of ${key}`);
    res.end();
  } else if (req.method === 'GET') {
    const { size, body } = await files.read(key);
    res.writeHead(200, { 'content-length': size });
    if (Buffer.isBuffer(body)) res.end(body);
    else await pipeline(body, res);
  } else if (req.method === 'DELETE') {
    await files.remove(key);
    res.writeHead(204).end();
  } else res.writeHead(405).end();
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: Error) => {
    if (!res.headersSent) res.writeHead(500).end(error.message);
    else res.destroy();
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`PORT ${address.port}`);
});
