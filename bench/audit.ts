import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { Agent } from 'node:http';
import {
  CloudTrailClient,
  CreateTrailCommand,
  GetTrailStatusCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import BetterSqlite3 from 'better-sqlite3';
import { recordOf } from '../src/audit/audit-record.js';
import { openAuditStore } from '../src/audit/audit-store.js';
import { cloudTrailBucketStatements } from '../src/audit/trail-policy.js';
import { dataDirLayout } from '../src/data-dir.js';
import type { OperationEvent } from '../src/lib/operation.js';
import {
  BIN,
  countFromEnv,
  percentile,
  ratio,
  runConcurrent,
  type ServedSeawall,
  serveSeawall,
} from './harness.js';
import { signS3 } from './sign.js';
import { send } from './storage.js';

const OBJECT_BYTES = 4 * 1024;
const COUNT = countFromEnv('BENCH_OBJECTS', 2000);
const PAIRS = countFromEnv('BENCH_PAIRS', 6);
const CONCURRENCY = 16;
const VERIFY_RECORDS = countFromEnv('BENCH_AUDIT_RECORDS', 1_000_000);

/** The bucket policy CloudTrail's documentation gives a trail's bucket. */
function trailBucketPolicy(bucket: string, accountId: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: cloudTrailBucketStatements(bucket, accountId) });
}

function clients(seawall: ServedSeawall) {
  const config = {
    endpoint: seawall.url,
    region: seawall.region,
    credentials: { accessKeyId: seawall.accessKeyId, secretAccessKey: seawall.secret },
  };
  return { s3: new S3Client({ ...config, forcePathStyle: true }), trail: new CloudTrailClient(config) };
}

/** A bucket the trail may write to, and a logging trail with log file validation. */
async function makeTrail(seawall: ServedSeawall, accountId: string): Promise<string> {
  const { s3, trail } = clients(seawall);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-audit' }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'bench-audit',
        Policy: trailBucketPolicy('bench-audit', accountId),
      }),
    );
    const { TrailARN } = await trail.send(
      new CreateTrailCommand({ Name: 'bench', S3BucketName: 'bench-audit', EnableLogFileValidation: true }),
    );
    await trail.send(
      new PutEventSelectorsCommand({
        TrailName: 'bench',
        EventSelectors: [
          {
            ReadWriteType: 'All',
            IncludeManagementEvents: true,
            DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::bench-logged/'] }],
          },
        ],
      }),
    );
    await trail.send(new StartLoggingCommand({ Name: 'bench' }));
    return TrailARN ?? '';
  } finally {
    s3.destroy();
    trail.destroy();
  }
}

/**
 * Small-object PUT with data events recorded (bucket `bench-logged`, selected by the trail) against the same
 * with data events off (`bench-quiet`, not selected), in pairs of runs back to back on one server.
 */
async function putBench(seawall: ServedSeawall): Promise<void> {
  const url = new URL(seawall.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const sign = (method: string, path: string) =>
    signS3({
      method,
      host: url.host,
      path,
      region: seawall.region,
      accessKeyId: seawall.accessKeyId,
      secret: seawall.secret,
    });
  const payload = Buffer.alloc(OBJECT_BYTES, 0x5a);
  try {
    for (const bucket of ['bench-logged', 'bench-quiet'])
      await send(url, agent, 'PUT', `/${bucket}`, sign('PUT', `/${bucket}`));
    const run = (bucket: string, pair: number) =>
      runConcurrent(COUNT, CONCURRENCY, async (i) => {
        const path = `/${bucket}/objects/${pair}-${i}.bin`;
        await send(
          url,
          agent,
          'PUT',
          path,
          { ...sign('PUT', path), 'content-length': OBJECT_BYTES },
          payload,
        );
      });
    const pairs: [number, number][] = [];
    for (let pair = 0; pair < PAIRS; pair++) {
      // ABBA order: neither side always runs first (after the other's garbage, on a warmer cache).
      if (pair % 2 === 0) {
        const quiet = await run('bench-quiet', pair);
        pairs.push([quiet, await run('bench-logged', pair)]);
      } else {
        const logged = await run('bench-logged', pair);
        pairs.push([await run('bench-quiet', pair), logged]);
      }
    }
    // What was recorded: every logged PUT, and none of the others.
    const audit = new BetterSqlite3(dataDirLayout(seawall.dataDir).auditDb, { readonly: true });
    const counted = audit
      .prepare(
        "SELECT count(*) AS n, sum(record LIKE '%bench-logged%') AS logged FROM audit_events WHERE event_name = 'PutObject'",
      )
      .get() as { n: number; logged: number };
    audit.close();
    if (counted.n !== PAIRS * COUNT || counted.logged !== PAIRS * COUNT)
      throw new Error(
        `expected ${PAIRS * COUNT} PutObject records, all of bench-logged: ${JSON.stringify(counted)}`,
      );
    console.log(`  ${counted.n} PutObject data events recorded, all of bench-logged`);
    const rate = (i: 0 | 1) => (PAIRS * COUNT) / pairs.reduce((sum, p) => sum + p[i], 0);
    const ratios = pairs.map(([quiet, logged]) => quiet / logged).sort((a, b) => a - b);
    console.log(
      `  4 KiB PUT, concurrency ${CONCURRENCY}, loopback; ${PAIRS} pairs of runs of ${COUNT} (off, on, on, off…)`,
    );
    console.log(
      `  PUT  data events on ${rate(1).toFixed(0).padStart(6)} obj/s   off ${rate(0).toFixed(0).padStart(6)} obj/s   on/off ${ratio(rate(1), rate(0))} (target ≥ 0.85; pairs: median ${percentile(ratios, 50).toFixed(2)}, ${(ratios[0] ?? 0).toFixed(2)}–${(ratios.at(-1) ?? 0).toFixed(2)})`,
    );
  } finally {
    agent.destroy();
  }
}

/** A management event of the kind a busy account makes, at `time`. */
function syntheticEvent(i: number, accountId: string, time: Date): OperationEvent {
  return {
    requestId: i.toString(16).padStart(16, '0').toUpperCase(),
    time,
    service: 'glue',
    region: 'ca-west-1',
    operation: i % 3 === 0 ? 'GetTable' : 'GetDatabase',
    action: 'glue:GetTable',
    readOnly: true,
    resources: [`arn:aws:glue:ca-west-1:${accountId}:table/vancouver/t${i % 50}`],
    principal: {
      accountId,
      arn: `arn:aws:iam::${accountId}:user/analyst${i % 20}`,
      accessKeyId: 'AKIAAUDITBENCH000000',
      type: 'IAMUser',
      userId: 'AIDAAUDITBENCH000000',
      username: `analyst${i % 20}`,
    },
    sourceIp: '127.0.0.1',
    userAgent: 'seawall-bench',
    outcome: 'success',
    status: 200,
    durationMs: 1,
  };
}

/** Waits until the trail has delivered everything up to now and a digest covers it. */
async function waitForDelivery(seawall: ServedSeawall, after: Date): Promise<void> {
  const { trail, s3 } = clients(seawall);
  try {
    for (let i = 0; i < 1200; i++) {
      const status = await trail.send(new GetTrailStatusCommand({ Name: 'bench' }));
      if (
        (status.LatestDigestDeliveryTime ?? new Date(0)) > after &&
        (status.LatestDeliveryTime ?? new Date(0)) > after
      ) {
        // One more digest period, so the last log files are in a digest.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        await trail.send(new StopLoggingCommand({ Name: 'bench' }));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error('the trail did not deliver within 10 minutes');
  } finally {
    trail.destroy();
    s3.destroy();
  }
}

/**
 * `seawall audit verify` over VERIFY_RECORDS records: they are written into a stopped server's audit store, the
 * server delivers them as log files and digests, and the command's wall time is measured.
 */
async function verifyBench(): Promise<void> {
  const env = { SEAWALL_TRAIL_DELIVERY_SECONDS: '1', SEAWALL_TRAIL_DIGEST_SECONDS: '2' };
  Object.assign(process.env, env);
  let seawall = await serveSeawall();
  const accountId = await clientsAccount(seawall);
  await makeTrail(seawall, accountId);
  await seawall.stop();
  const store = openAuditStore(dataDirLayout(seawall.dataDir).auditDb);
  const start = Date.now() - 60_000;
  const defaults = { accountId, region: seawall.region };
  const exchange = { query: [], host: '', requestHeaders: {} };
  const batch = store.db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      store.append(
        recordOf(
          syntheticEvent(i, accountId, new Date(start + Math.floor((i * 50_000) / VERIFY_RECORDS))),
          exchange,
          defaults,
        ),
      );
    }
  });
  for (let i = 0; i < VERIFY_RECORDS; i += 10_000) batch(i, Math.min(VERIFY_RECORDS, i + 10_000));
  store.close();
  const dataDir = seawall.dataDir;
  const resumed = new Date();
  seawall = await serveSeawall([], dataDir);
  try {
    await waitForDelivery(seawall, resumed);
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      [
        BIN,
        'audit',
        'verify',
        '--data-dir',
        dataDir,
        '--bucket',
        'bench-audit',
        '--start',
        new Date(start - 3_600_000).toISOString(),
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== 0)
      throw new Error(`audit verify failed: ${result.stdout.slice(-2000)} ${result.stderr.slice(-2000)}`);
    console.log(`  audit verify over ${VERIFY_RECORDS} records: ${seconds.toFixed(1)} s (target < 30 s)`);
    console.log(`    ${result.stdout.trim().split('\n').slice(-3).join('\n    ')}`);
  } finally {
    await seawall.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

/** The account id the server's root belongs to (the root's ARN, from STS). */
async function clientsAccount(seawall: ServedSeawall): Promise<string> {
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({
    endpoint: seawall.url,
    region: seawall.region,
    credentials: { accessKeyId: seawall.accessKeyId, secretAccessKey: seawall.secret },
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
  } finally {
    sts.destroy();
  }
}

/** `npm run bench -- audit`: the cost of recording data events, and how fast a trail is verified. */
export async function auditBench(): Promise<void> {
  console.log('audit: data events recorded against not, same run; audit verify over many records');
  const seawall = await serveSeawall();
  try {
    await makeTrail(seawall, await clientsAccount(seawall));
    await putBench(seawall);
  } finally {
    await seawall.stop();
    await fs.rm(seawall.dataDir, { recursive: true, force: true });
  }
  await verifyBench();
}
