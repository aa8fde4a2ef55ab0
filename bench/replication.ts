import { rmSync } from 'node:fs';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  ListObjectVersionsCommand,
  type ObjectVersion,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { registerRemote, replicationRole } from '../test/helpers/replication.js';
import { countFromEnv, cpuMs, percentile, type ServedSeawall, serveSeawall } from './harness.js';

function client<C>(make: new (config: object) => C, served: ServedSeawall): C {
  return new make({
    endpoint: served.url,
    region: served.region,
    forcePathStyle: true,
    credentials: { accessKeyId: served.accessKeyId, secretAccessKey: served.secret },
  });
}

/** Every version under a prefix, by key (one version per key here). */
async function versions(s3: S3Client, Bucket: string): Promise<Map<string, ObjectVersion>> {
  const found = new Map<string, ObjectVersion>();
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker, VersionIdMarker }));
    for (const version of page.Versions ?? []) if (version.Key) found.set(version.Key, version);
    if (!page.IsTruncated) return found;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

const ms = (value: number) => `${value.toFixed(0)} ms`;

/**
 * `npm run bench -- replication`: replication lag between two Seawall processes under a steady stream of small
 * PUTs (200/s by default, REPLICATION_RATE; for REPLICATION_SECONDS, 30). The lag of each object is the time from
 * its version's commit at the source to its replica's commit at the destination (both servers on this host's
 * clock, read from each side's Last-Modified). The baseline, in the same run, is the latency of the same PUT sent
 * straight to the destination: the least a replica can take.
 */
export async function replicationBench(): Promise<void> {
  const rate = countFromEnv('REPLICATION_RATE', 200);
  const seconds = countFromEnv('REPLICATION_SECONDS', 30);
  const destination = await serveSeawall();
  const source = await serveSeawall();
  try {
    const replica = client(S3Client, destination);
    const s3 = client(S3Client, source);
    const sts = client(STSClient, destination);
    const account = (await sts.send(new GetCallerIdentityCommand({}))).Account as string;
    for (const [target, Bucket] of [
      [replica, 'replica'],
      [s3, 'source'],
    ] as const) {
      await target.send(new CreateBucketCommand({ Bucket }));
      await target.send(
        new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
      );
    }
    const added = registerRemote(source.dataDir, account, destination.url, destination.dataDir);
    if (added.status !== 0) throw new Error(added.stderr);
    // The role replication reads as, trusted by S3.
    const iam = client(IAMClient, source);
    const role = await replicationRole(iam, 'source');
    iam.destroy();
    await s3.send(
      new PutBucketReplicationCommand({
        Bucket: 'source',
        ReplicationConfiguration: {
          Role: role,
          Rules: [
            {
              ID: 'all',
              Priority: 1,
              Filter: {},
              Status: 'Enabled',
              DeleteMarkerReplication: { Status: 'Disabled' },
              Destination: { Bucket: 'arn:aws:s3:::replica', Account: account },
            },
          ],
        },
      }),
    );

    const body = Buffer.alloc(1024, 7);
    const total = rate * seconds;
    console.log(`replication: ${total} PUTs of 1 KiB at ${rate}/s for ${seconds} s, source → destination`);
    // The baseline: the same PUTs straight to the destination, at the same pace.
    const direct: number[] = [];
    const paced = async (count: number, put: (i: number) => Promise<void>) => {
      const started = performance.now();
      const inFlight = new Set<Promise<void>>();
      for (let i = 0; i < count; i++) {
        const due = started + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const running = put(i).finally(() => inFlight.delete(running));
        inFlight.add(running);
      }
      await Promise.all(inFlight);
      return (performance.now() - started) / 1000;
    };
    const baselineCount = Math.min(total, rate * 10);
    const directBefore = cpuMs(destination);
    await paced(baselineCount, async (i) => {
      const begun = performance.now();
      await replica.send(new PutObjectCommand({ Bucket: 'replica', Key: `direct/${i}`, Body: body }));
      direct.push(performance.now() - begun);
    });
    const directCpu = (cpuMs(destination) - directBefore) / baselineCount;
    const cpuBefore = [cpuMs(source), cpuMs(destination)];
    const elapsed = await paced(total, async (i) => {
      await s3.send(new PutObjectCommand({ Bucket: 'source', Key: `stream/${i}`, Body: body }));
    });
    const drainStarted = performance.now();
    let replicated = new Map<string, ObjectVersion>();
    let listings = 0;
    for (;;) {
      replicated = await versions(replica, 'replica');
      listings++;
      const count = [...replicated.keys()].filter((key) => key.startsWith('stream/')).length;
      if (count >= total) break;
      if (performance.now() - drainStarted > 600_000) throw new Error(`only ${count} of ${total} replicated`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // What the destination spent answering the listings that watched the drain is not replication's: each is
    // taken as costing what one more listing costs now that every replica is there, the most any of them cost.
    const drained = [cpuMs(source), cpuMs(destination)];
    await versions(replica, 'replica');
    const listingCpu = listings * (cpuMs(destination) - (drained[1] as number));
    const [sourceCpu, destinationCpu] = [drained[0] as number, (drained[1] as number) - listingCpu].map(
      (after, i) => (after - (cpuBefore[i] as number)) / total,
    );
    const written = await versions(s3, 'source');
    const lags: number[] = [];
    for (const [key, version] of written) {
      const copy = replicated.get(key);
      if (!copy?.LastModified || !version.LastModified) continue;
      if (copy.VersionId !== version.VersionId) throw new Error(`${key}: the replica has another version id`);
      lags.push(copy.LastModified.getTime() - version.LastModified.getTime());
    }
    // Lag along the run: a backlog that grows shows as lag rising from one tenth to the next.
    const byOrder = (key: string) => Number(key.slice('stream/'.length));
    const tenths = Array.from({ length: 10 }, (_, tenth) => {
      const inTenth = [...written]
        .filter(([key]) => Math.floor((byOrder(key) * 10) / total) === tenth)
        .map(
          ([key, v]) =>
            (replicated.get(key)?.LastModified?.getTime() ?? 0) - (v.LastModified?.getTime() ?? 0),
        );
      return inTenth.length > 0 ? ms(percentile(inTenth, 50)) : '-';
    });
    console.log(`  source PUT rate achieved: ${(total / elapsed).toFixed(0)}/s`);
    console.log(
      `  replication lag: p50 ${ms(percentile(lags, 50))}, p99 ${ms(percentile(lags, 99))}, max ${ms(Math.max(...lags))} (${lags.length} objects)`,
    );
    console.log(`  median lag by tenth of the run: ${tenths.join(', ')}`);
    console.log(
      `  baseline, a PUT straight to the destination: p50 ${ms(percentile(direct, 50))}, p99 ${ms(percentile(direct, 99))}`,
    );
    console.log(
      `  CPU per object, user + system: source ${sourceCpu?.toFixed(2)} ms (its PUT and the replica's delivery), destination ${destinationCpu?.toFixed(2)} ms; a PUT straight to the destination ${directCpu.toFixed(2)} ms`,
    );
    console.log(
      `  lag / direct PUT: p50 ${(percentile(lags, 50) / percentile(direct, 50)).toFixed(1)}×, p99 ${(percentile(lags, 99) / percentile(direct, 99)).toFixed(1)}×`,
    );
    for (const c of [replica, s3, sts]) c.destroy();
  } finally {
    await source.stop();
    await destination.stop();
    rmSync(source.dataDir, { recursive: true, force: true });
    rmSync(destination.dataDir, { recursive: true, force: true });
  }
}
