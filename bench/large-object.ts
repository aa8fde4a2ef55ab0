import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AWS_CLI, awsCli } from '../test/helpers/aws-cli.js';
import { serveSeawall } from './harness.js';

const GiB = 2 ** 30;
/** The object's size in GiB (the check is 5); BENCH_LARGE_GIB makes it smaller for a quick look. */
const SIZE = Math.round(Number(process.env.BENCH_LARGE_GIB ?? 5) * GiB);

/** Bytes that differ from one MiB to the next (a counter in each 8 bytes), so a misplaced piece shows. */
function pattern(bytes: number): Readable {
  const MiB = 2 ** 20;
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) {
        this.push(null);
        return;
      }
      const length = Math.min(MiB, bytes - sent);
      const chunk = Buffer.allocUnsafe(length);
      for (let i = 0; i + 8 <= length; i += 8) chunk.writeBigUInt64LE(BigInt(sent + i), i);
      chunk.fill(0x5a, length - (length % 8));
      sent += length;
      this.push(chunk);
    },
  });
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 4 * 2 ** 20 }), hash);
  return hash.digest('hex');
}

/** The process's resident memory in MiB, from /proc (Linux). */
async function residentMib(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

/** Samples a process's resident memory while `work` runs: the peak, in MiB. */
async function peakWhile(pid: number, work: () => Promise<void>): Promise<number> {
  let peak = await residentMib(pid);
  const timer = setInterval(() => {
    residentMib(pid).then(
      (mib) => {
        peak = Math.max(peak, mib);
      },
      () => undefined,
    );
  }, 100);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, await residentMib(pid));
}

async function cli(dataDir: string, url: string, args: string[]): Promise<void> {
  const run = await awsCli(dataDir, url, args, undefined, AWS_CLI);
  if (run.code !== 0) throw new Error(`aws ${args.join(' ')}: ${run.stderr}`);
}

/**
 * `npm run bench -- large`: an object of several GiB (5 by default) uploaded by `aws s3 cp` (a multipart upload)
 * and downloaded back, byte-identical, with the server's peak resident memory beside the object's size.
 */
export async function largeObjectBench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'seawall-large-'));
  const source = join(work, 'source.bin');
  const copy = join(work, 'copy.bin');
  const server = await serveSeawall();
  try {
    await pipeline(pattern(SIZE), createWriteStream(source));
    const expected = await sha256Of(source);
    await cli(server.dataDir, server.url, ['s3', 'mb', 's3://large']);
    const idle = await residentMib(server.child.pid as number);
    let begun = performance.now();
    const putPeak = await peakWhile(server.child.pid as number, () =>
      cli(server.dataDir, server.url, ['s3', 'cp', source, 's3://large/object.bin']),
    );
    const putSeconds = (performance.now() - begun) / 1000;
    begun = performance.now();
    const getPeak = await peakWhile(server.child.pid as number, () =>
      cli(server.dataDir, server.url, ['s3', 'cp', 's3://large/object.bin', copy]),
    );
    const getSeconds = (performance.now() - begun) / 1000;
    const same = (await fs.stat(copy)).size === SIZE && (await sha256Of(copy)) === expected;
    const mib = SIZE / 2 ** 20;
    console.log(`large object: ${(SIZE / GiB).toFixed(2)} GiB through ${AWS_CLI} s3 cp`);
    console.log(
      `  upload   ${(mib / putSeconds).toFixed(0).padStart(5)} MiB/s   server peak RSS ${putPeak.toFixed(0)} MiB`,
    );
    console.log(
      `  download ${(mib / getSeconds).toFixed(0).padStart(5)} MiB/s   server peak RSS ${getPeak.toFixed(0)} MiB`,
    );
    console.log(
      `  server RSS at rest ${idle.toFixed(0)} MiB; downloaded copy ${same ? 'byte-identical (sha256)' : 'DIFFERS'}`,
    );
    if (!same) process.exitCode = 1;
  } finally {
    await server.stop();
    await fs.rm(work, { recursive: true, force: true });
    await fs.rm(server.dataDir, { recursive: true, force: true });
  }
}
