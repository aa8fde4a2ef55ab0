import { Agent } from 'node:http';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { countFromEnv, runConcurrent, serveSeawall } from './harness.js';
import { signS3 } from './sign.js';
import { send } from './storage.js';

/** Objects in the bucket (the run is 1,000,000); BENCH_SCALE_OBJECTS makes it smaller for a quick look. */
const OBJECTS = countFromEnv('BENCH_SCALE_OBJECTS', 1_000_000);
/** PUT rate is measured per window of this many objects. */
const WINDOW = 10_000;
const CONCURRENCY = 16;
const BODY = Buffer.alloc(1024, 0x5a);

const key = (i: number) =>
  `tickets/${String(Math.floor(i / 1000)).padStart(4, '0')}/${String(i).padStart(7, '0')}.csv`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/**
 * `npm run bench -- scale`: a bucket filled to a million 1 KiB objects. PUT rate per window of 10,000 (the first
 * against the last: it must not fall as the bucket grows), then every ListObjectsV2 page of 1,000 from the first
 * to the last (the last must cost what the first does).
 */
export async function scaleBench(): Promise<void> {
  const server = await serveSeawall();
  const url = new URL(server.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const keys = { accessKeyId: server.accessKeyId, secret: server.secret, region: server.region };
  const sign = (method: string, path: string) => signS3({ method, host: url.host, path, ...keys });
  const s3 = new S3Client({
    endpoint: server.url,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secret },
  });
  try {
    await send(url, agent, 'PUT', '/scale', sign('PUT', '/scale'));
    console.log(`scale: ${OBJECTS.toLocaleString('en')} objects of 1 KiB, PUT at concurrency ${CONCURRENCY}`);
    const rates: number[] = [];
    for (let start = 0; start < OBJECTS; start += WINDOW) {
      const count = Math.min(WINDOW, OBJECTS - start);
      const seconds = await runConcurrent(count, CONCURRENCY, async (i) => {
        const path = `/scale/${key(start + i)}`;
        await send(url, agent, 'PUT', path, { ...sign('PUT', path), 'content-length': BODY.length }, BODY);
      });
      rates.push(count / seconds);
      if (start === 0 || start + count >= OBJECTS || (start + count) % 100_000 === 0)
        console.log(
          `  PUT objects ${(start + 1).toLocaleString('en').padStart(9)}–${(start + count).toLocaleString('en').padEnd(9)} ${(count / seconds).toFixed(0).padStart(6)} obj/s`,
        );
    }
    const pageMs: number[] = [];
    let token: string | undefined;
    let listed = 0;
    do {
      const begun = performance.now();
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: 'scale', MaxKeys: 1000, ContinuationToken: token }),
      );
      pageMs.push(performance.now() - begun);
      listed += page.KeyCount ?? 0;
      token = page.NextContinuationToken;
    } while (token);
    if (listed !== OBJECTS) throw new Error(`listed ${listed} objects of ${OBJECTS}`);
    const first = rates[0] ?? Number.NaN;
    const last = rates.at(-1) ?? Number.NaN;
    console.log(
      `  PUT rate: first window ${first.toFixed(0)} obj/s, last ${last.toFixed(0)} obj/s (last/first ${(last / first).toFixed(2)})`,
    );
    console.log(
      `  ListObjectsV2 of 1,000 over ${pageMs.length} pages: first ${pageMs[0]?.toFixed(1)} ms, p50 ${percentile(pageMs, 0.5).toFixed(1)} ms, p99 ${percentile(pageMs, 0.99).toFixed(1)} ms, last ${pageMs.at(-1)?.toFixed(1)} ms`,
    );
  } finally {
    s3.destroy();
    agent.destroy();
    await server.stop();
  }
}
