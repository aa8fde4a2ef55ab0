import { constants, promises as fs, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ratio, runConcurrent, serveSeawall } from './harness.js';
import { signS3 } from './sign.js';

const OBJECT_BYTES = 64 * 1024;
const COUNT = Number(process.env.BENCH_OBJECTS ?? 3000);
const CONCURRENCY = 16;

export function send(
  url: URL,
  agent: Agent,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  body?: Buffer,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300)
          reject(new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(chunks)}`));
        else resolve(Buffer.concat(chunks));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** PUT and GET of 64 KiB objects at concurrency 16, against the same work done on the file system. */
export async function storageBench(): Promise<void> {
  const payload = Buffer.alloc(OBJECT_BYTES, 0x5a);
  const seawall = await serveSeawall();
  const url = new URL(seawall.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const sign = (method: string, path: string, headers?: Record<string, string>) =>
    signS3({
      method,
      host: url.host,
      path,
      accessKeyId: seawall.accessKeyId,
      secret: seawall.secret,
      region: seawall.region,
      ...(headers ? { headers } : {}),
    });
  try {
    await send(url, agent, 'PUT', '/bench', sign('PUT', '/bench'));
    const putSeconds = await runConcurrent(COUNT, CONCURRENCY, async (i) => {
      const path = `/bench/objects/${i}.bin`;
      await send(url, agent, 'PUT', path, { ...sign('PUT', path), 'content-length': OBJECT_BYTES }, payload);
    });
    const getSeconds = await runConcurrent(COUNT, CONCURRENCY, async (i) => {
      const path = `/bench/objects/${i}.bin`;
      const body = await send(url, agent, 'GET', path, sign('GET', path));
      if (body.length !== OBJECT_BYTES) throw new Error('short read');
    });

    // The baseline: the same bytes written durably (temporary file, fsync, rename) and read back, directly.
    const dir = mkdtempSync(join(tmpdir(), 'seawall-bench-fs-'));
    await fs.mkdir(join(dir, 'tmp'));
    await fs.mkdir(join(dir, 'final'));
    const fsPutSeconds = await runConcurrent(COUNT, CONCURRENCY, async (i) => {
      const tmp = join(dir, 'tmp', `${i}`);
      const handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      await handle.write(payload);
      await handle.sync();
      await handle.close();
      await fs.rename(tmp, join(dir, 'final', `${i}`));
    });
    const fsGetSeconds = await runConcurrent(COUNT, CONCURRENCY, async (i) => {
      const body = await fs.readFile(join(dir, 'final', `${i}`));
      if (body.length !== OBJECT_BYTES) throw new Error('short read');
    });
    await fs.rm(dir, { recursive: true, force: true });

    const rate = (seconds: number) => COUNT / seconds;
    console.log(`storage: ${COUNT} objects of 64 KiB, concurrency ${CONCURRENCY}, loopback`);
    console.log(
      `  PUT  seawall ${rate(putSeconds).toFixed(0).padStart(6)} obj/s   file system ${rate(fsPutSeconds).toFixed(0).padStart(6)} obj/s   seawall/fs ${ratio(rate(putSeconds), rate(fsPutSeconds))}`,
    );
    console.log(
      `  GET  seawall ${rate(getSeconds).toFixed(0).padStart(6)} obj/s   file system ${rate(fsGetSeconds).toFixed(0).padStart(6)} obj/s   seawall/fs ${ratio(rate(getSeconds), rate(fsGetSeconds))}`,
    );
  } finally {
    agent.destroy();
    await seawall.stop();
    await fs.rm(seawall.dataDir, { recursive: true, force: true });
  }
}
