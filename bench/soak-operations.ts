import { DescribeDatasetCommand, ListDatasetsCommand } from '@aws-sdk/client-databrew';
import { GetDatabasesCommand, GetTableCommand, GetTablesCommand } from '@aws-sdk/client-glue';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { runToEnd } from '../test/helpers/databrew.js';
import { isThrottle, type Service } from './soak-stats.js';
import { BUCKET, type Client, checkedQuery, DATABASE, JOB, type Workload } from './soak-workload.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Every upload is a slice of this: the largest body sent is a multipart upload's 5 MiB first part. */
const PATTERN = Buffer.alloc(5 * MiB, 0x61);
/** Each client's keys: a capped key space, overwritten and deleted, so the store stays the same size. */
const KEYS_PER_CLIENT = 8;

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
const someKey = (c: Client) => `c${c.id}/k${Math.floor(Math.random() * KEYS_PER_CLIENT)}`;
/** One of the client's stored keys, or undefined when it has none. */
const storedKey = (c: Client) => (c.objects.size === 0 ? undefined : pick([...c.objects.keys()]));

async function putObject(c: Client, bytes: number): Promise<void> {
  const Key = someKey(c);
  await c.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: PATTERN.subarray(0, bytes) }));
  c.objects.set(Key, bytes);
}

async function getObject(c: Client): Promise<void> {
  const Key = storedKey(c);
  if (Key === undefined) return putObject(c, 4 * KiB);
  const { Body } = await c.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
  let received = 0;
  for await (const chunk of Body as AsyncIterable<Uint8Array>) received += chunk.length;
  if (received !== c.objects.get(Key))
    throw new Error(`GetObject ${Key}: ${received} bytes, not ${c.objects.get(Key)}`);
}

async function headObject(c: Client): Promise<void> {
  const Key = storedKey(c);
  if (Key === undefined) return putObject(c, 4 * KiB);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
  if (head.ContentLength !== c.objects.get(Key))
    throw new Error(`HeadObject ${Key}: ContentLength ${head.ContentLength}, not ${c.objects.get(Key)}`);
}

async function listObjects(c: Client): Promise<void> {
  const listed = await c.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `c${c.id}/` }));
  if ((listed.KeyCount ?? 0) !== c.objects.size)
    throw new Error(`ListObjectsV2 c${c.id}/: ${listed.KeyCount} keys, not ${c.objects.size}`);
}

async function deleteObject(c: Client): Promise<void> {
  const Key = storedKey(c);
  if (Key === undefined) return;
  await c.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key }));
  c.objects.delete(Key);
}

/** A 6 MiB object in two parts (5 MiB and 1 MiB); aborted if a part fails, so no upload is left open. */
async function multipartUpload(c: Client): Promise<void> {
  const Key = someKey(c);
  const { UploadId } = await c.s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
  try {
    const Parts = [];
    for (const [i, bytes] of [5 * MiB, MiB].entries()) {
      const PartNumber = i + 1;
      const part = { Bucket: BUCKET, Key, UploadId, PartNumber, Body: PATTERN.subarray(0, bytes) };
      const { ETag } = await c.s3.send(new UploadPartCommand(part));
      Parts.push({ ETag, PartNumber });
    }
    await c.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId, MultipartUpload: { Parts } }),
    );
    c.objects.set(Key, 6 * MiB);
  } catch (error) {
    await c.s3
      .send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId }))
      .catch(() => undefined);
    throw error;
  }
}

async function glueRead(c: Client): Promise<void> {
  const read = pick([
    () => c.glue.send(new GetTableCommand({ DatabaseName: DATABASE, Name: 'permits' })),
    () => c.glue.send(new GetTablesCommand({ DatabaseName: DATABASE })),
    () => c.glue.send(new GetDatabasesCommand({})),
  ]);
  await read();
}

async function databrewRead(c: Client): Promise<void> {
  if (Math.random() < 0.5) await c.databrew.send(new ListDatasetsCommand({}));
  else await c.databrew.send(new DescribeDatasetCommand({ Name: `${JOB}-input` }));
}

/** An Athena query, started only while fewer than the cap are in flight. */
async function athenaQuery(c: Client, w: Workload): Promise<void> {
  w.queries++;
  try {
    await checkedQuery(c.athena);
    w.completed.queries++;
  } finally {
    w.queries--;
  }
}

/** A run of the recipe job to its end, started only when none is running and none started lately. */
async function jobRun(c: Client, w: Workload): Promise<void> {
  w.jobRunning = true;
  w.lastJobAt = performance.now();
  try {
    const run = await runToEnd(c.databrew, JOB);
    if (run.State !== 'SUCCEEDED') throw new Error(`job run ${run.RunId}: ${run.State}: ${run.ErrorMessage}`);
    w.completed.jobRuns++;
  } finally {
    w.jobRunning = false;
  }
}

interface Operation {
  name: string;
  service: Service;
  weight: number;
  run(c: Client, w: Workload): Promise<void>;
  /** Whether it may start now; when not, the client draws again. */
  ready?(w: Workload): boolean;
}

/** The mix, by weight: S3 most of the time, the catalog and DataBrew's reads some, queries and jobs a little. */
const MIX: readonly Operation[] = [
  {
    name: 'PutObject (1-64 KiB)',
    service: 's3',
    weight: 20,
    run: (c) => putObject(c, KiB * (1 + Math.floor(Math.random() * 64))),
  },
  { name: 'PutObject (1 MiB)', service: 's3', weight: 4, run: (c) => putObject(c, MiB) },
  { name: 'GetObject', service: 's3', weight: 24, run: getObject },
  { name: 'HeadObject', service: 's3', weight: 10, run: headObject },
  { name: 'ListObjectsV2', service: 's3', weight: 8, run: listObjects },
  { name: 'DeleteObject', service: 's3', weight: 10, run: deleteObject },
  { name: 'multipart upload', service: 's3', weight: 0.5, run: multipartUpload },
  { name: 'Glue reads', service: 'glue', weight: 8, run: glueRead },
  { name: 'DataBrew reads', service: 'databrew', weight: 5, run: databrewRead },
  {
    name: 'Athena query',
    service: 'athena',
    weight: 3,
    run: athenaQuery,
    ready: (w) => w.queries < w.maxQueries,
  },
  {
    name: 'DataBrew job run',
    service: 'databrew',
    weight: 0.5,
    run: jobRun,
    ready: (w) => !w.jobRunning && performance.now() - w.lastJobAt >= w.jobEveryMs,
  },
];
const TOTAL_WEIGHT = MIX.reduce((sum, op) => sum + op.weight, 0);

function pickOperation(): Operation {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const op of MIX) {
    roll -= op.weight;
    if (roll < 0) return op;
  }
  return MIX[0] as Operation;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One client's loop until the workload stops: an operation from the mix at a time. A failure is recorded
 * (the request's own, by the timing middleware) and the loop goes on; a throttled client backs off briefly,
 * as an SDK would.
 */
export async function runClient(c: Client, w: Workload): Promise<void> {
  while (!w.stopping) {
    const op = pickOperation();
    if (op.ready && !op.ready(w)) continue;
    try {
      await op.run(c, w);
    } catch (error) {
      w.recorder.failure(op.service, op.name, error);
      if (isThrottle(error)) await sleep(200);
    }
  }
}
