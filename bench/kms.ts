import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient, UpdateTableCommand } from '@aws-sdk/client-glue';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  S3Client,
  type ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
import { builtAtCommit, replaceOnce, type SourcePatch } from './commit-build.js';
import { countFromEnv, median, type ServedSeawall, serveSeawall } from './harness.js';
import { runOnAthena } from './query-athena.js';
import {
  type ClientConfig,
  registerTickets,
  type TicketsFile,
  ticketsParquet,
  ticketsTable,
} from './query-data.js';
import { figure, measureInTurns, type ObjectSize, type Row, roundRatio, s3Store } from './storage.js';

/** The last commit before objects were encrypted at rest (f77c652): the plaintext baseline. */
const BASELINE = 'e2bf708';
/**
 * The second baseline: this commit with the object cipher taken out of the blob store (blobs written and read as
 * plaintext; everything else, data keys and KMS calls included, as it is). Against it, a ratio is what sealing
 * and opening the bytes cost; against BASELINE, it is also what every change since that commit costs.
 */
const CIPHER_OFF: SourcePatch = {
  name: 'cipher-off',
  async apply(dir) {
    const file = 'src/storage/blob-store.ts';
    await replaceOnce(dir, file, 'encryptStream(key, bindingOf(id), counted())', 'counted()');
    const plan = 'function planOf(blob: BlobRef, start: number, length: number): BlobPlan {';
    await replaceOnce(
      dir,
      file,
      plan,
      `${plan}\n    if (blob.size >= 0) return plaintextPlan(start, length);`,
    );
  },
};
/**
 * Untimed, before each first query after a change: the engine launcher forks a spare worker when it hands one
 * out, and the next cold query on that server would wait for it if it came at once. Every side waits alike.
 */
const SETTLE_MS = countFromEnv('BENCH_SETTLE_MS', 1500);
const KiB = 1024;
const MiB = 1024 * KiB;
/** A handful of large objects at modest concurrency, and many small ones at 16 (env BENCH_OBJECTS_<label>). */
const SIZES: ObjectSize[] = [
  { label: '256MiB', bytes: 256 * MiB, count: 8, large: true, concurrency: 4 },
  { label: '64KiB', bytes: 64 * KiB, count: 2000, large: false },
].map((s) => ({ ...s, count: countFromEnv(`BENCH_OBJECTS_${s.label}`, s.count) }));
/** Five rounds: the runs are short, and one round's figure on this two-core machine can be off by half. */
const ROUNDS = countFromEnv('BENCH_ROUNDS', 5);
/** The large table's rows: some 260 MB of Parquet, so what decrypting it costs a query shows. */
const ROWS = countFromEnv('BENCH_ROWS', 50_000_000);
const QUERY_RUNS = countFromEnv('BENCH_QUERY_RUNS', 7);
/** As the query bench polls: every 10 ms unless told. */
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 10);
const QUERY = 'SELECT year, count(*) AS tickets FROM parking_tickets GROUP BY year ORDER BY year';
/** The issue's targets: SSE-KMS throughput at least 0.7 of plaintext's, a query at most 1.2 times as long. */
const TARGETS = { throughput: 0.7, query: 1.2 };
const KEY_ALIAS = 'alias/bench-lake';

type Variant = 'plaintext' | 'cipher off' | 'SSE-KMS' | 'SSE-S3';

/** One way of storing objects: which server, its bucket's default encryption, what HeadObject must answer. */
interface Side {
  variant: Variant;
  server: ServedSeawall;
  /** The bucket's default encryption; none leaves the server's default (plaintext before f77c652, SSE-S3 after). */
  rule?: ServerSideEncryptionRule;
  /** x-amz-server-side-encryption as HeadObject answers it for an object written there. */
  expected: string | undefined;
}

const clientConfig = (server: ServedSeawall): ClientConfig => ({
  endpoint: server.url,
  region: server.region,
  credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secret },
});

/** A customer managed key with an alias, through KMS's API, for the SSE-KMS buckets' default. */
async function lakeKeyRule(server: ServedSeawall): Promise<ServerSideEncryptionRule> {
  const kms = new KMSClient(clientConfig(server));
  try {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'kms bench: the lake key' }));
    await kms.send(new CreateAliasCommand({ AliasName: KEY_ALIAS, TargetKeyId: KeyMetadata?.KeyId }));
  } finally {
    kms.destroy();
  }
  return {
    ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ALIAS },
    BucketKeyEnabled: true,
  };
}

/** Throws unless the object is stored as the side says (so a baseline that encrypts, or a side that does not, shows). */
async function checkEncryption(side: Side, Bucket: string, Key: string): Promise<void> {
  const s3 = new S3Client({ ...clientConfig(side.server), forcePathStyle: true });
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    if (head.ServerSideEncryption !== side.expected)
      throw new Error(
        `${side.variant}: s3://${Bucket}/${Key} is stored with ${head.ServerSideEncryption ?? 'no encryption'}`,
      );
  } finally {
    s3.destroy();
  }
}

/**
 * Throws unless some blob file of the server holds `text` as it is: how the cipher-off build shows that its patch
 * took (an encrypting build never stores a blob's plaintext).
 */
async function expectPlainBlob(server: ServedSeawall, text: string): Promise<void> {
  const blobs = join(server.dataDir, 'objects', 'blobs');
  for (const shard of await fs.readdir(blobs))
    for (const name of await fs.readdir(join(blobs, shard))) {
      const path = join(blobs, shard, name);
      if ((await fs.stat(path)).size === text.length && (await fs.readFile(path, 'utf8')) === text) return;
    }
  throw new Error(
    `no blob of ${server.url} holds ${JSON.stringify(text)} in plaintext: the cipher is still on`,
  );
}

/** The side's bucket for the PUT/GET workloads, with its default encryption, checked with one object. */
async function storageBucket(side: Side, Bucket: string): Promise<void> {
  const s3 = new S3Client({ ...clientConfig(side.server), forcePathStyle: true });
  try {
    await s3.send(new CreateBucketCommand({ Bucket }));
    if (side.rule)
      await s3.send(
        new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [side.rule] } }),
      );
    await s3.send(new PutObjectCommand({ Bucket, Key: 'probe', Body: `probe of ${side.variant}` }));
  } finally {
    s3.destroy();
  }
  await checkEncryption(side, Bucket, 'probe');
  if (side.variant === 'cipher off') await expectPlainBlob(side.server, `probe of ${side.variant}`);
}

/** PUT and GET throughput of each size, the sides taking turns; each side in a bucket of its own. */
async function objectThroughput(sides: readonly Side[]): Promise<Map<string, Row>> {
  const stores = [];
  for (const side of sides) {
    const bucket = `bench-${side.variant.toLowerCase().replace(' ', '-')}`;
    await storageBucket(side, bucket);
    const { server } = side;
    const keys = { accessKeyId: server.accessKeyId, secret: server.secret, region: server.region };
    stores.push(s3Store(side.variant, server.url, keys, async () => undefined, bucket));
  }
  const results = new Map<string, Row>();
  try {
    for (const size of SIZES) results.set(size.label, await measureInTurns(stores, size, ROUNDS));
  } finally {
    await Promise.allSettled(stores.map((store) => store.close()));
  }
  return results;
}

/** One side's query times (ms) by round: the client's, and Athena's EngineExecutionTimeInMillis. */
interface Runs {
  /** The first query over the table's files as loaded (once): every file decrypted, none shared yet. */
  first: number[];
  cold: number[];
  warm: number[];
  coldEngine: number[];
  warmEngine: number[];
}

interface QueryTimes {
  table: string;
  runs: Map<Variant, Runs>;
}

/**
 * The table loaded alike into each side (its own bucket with the side's default encryption, its own database),
 * then the GROUP BY once on each (first: over files no engine has read, so every file is decrypted; the answers
 * must be the same), then QUERY_RUNS rounds, the sides taking turns in a different order each round. In a round
 * a side's table is first given a new version (Glue UpdateTable, same definition, untimed), as a change to the
 * table would: the next query starts an engine and links the table's files for it (cold; the decrypted copies
 * the previous engine still holds are shared); the query after it reuses that engine and its files (warm).
 */
async function queryTimes(sides: readonly Side[], file: TicketsFile, table: string): Promise<QueryTimes> {
  const name = (side: Side) => `${table}-${side.variant.toLowerCase().replace(' ', '-')}`;
  const database = (side: Side) => name(side).replaceAll('-', '_');
  const bucket = (side: Side) => `bench-lake-${name(side)}`;
  const athena = new Map(sides.map((side) => [side.variant, new AthenaClient(clientConfig(side.server))]));
  const glue = new Map(sides.map((side) => [side.variant, new GlueClient(clientConfig(side.server))]));
  const run = (side: Side) =>
    runOnAthena(athena.get(side.variant) as AthenaClient, QUERY, {
      database: database(side),
      pollMs: POLL_MS,
    });
  const touch = (side: Side) =>
    (glue.get(side.variant) as GlueClient).send(
      new UpdateTableCommand({ DatabaseName: database(side), TableInput: ticketsTable(bucket(side)) }),
    );
  const times: QueryTimes = { table, runs: new Map() };
  try {
    let answer: string | undefined;
    for (const side of sides) {
      const lake = { bucket: bucket(side), ...(side.rule ? { encryption: side.rule } : {}) };
      await registerTickets(clientConfig(side.server), file, database(side), lake);
      await checkEncryption(side, bucket(side), 'parking_tickets/part-0.parquet');
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const first = await run(side);
      const got = JSON.stringify(first.table);
      answer ??= got;
      if (got !== answer)
        throw new Error(`${side.variant} answers the ${table} query differently from ${sides[0]?.variant}`);
      times.runs.set(side.variant, {
        first: [first.totalMs],
        cold: [],
        warm: [],
        coldEngine: [],
        warmEngine: [],
      });
    }
    for (let round = 0; round < QUERY_RUNS; round++) {
      for (let turn = 0; turn < sides.length; turn++) {
        const side = sides[(round + turn) % sides.length] as Side;
        const runs = times.runs.get(side.variant) as Runs;
        await touch(side);
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        for (const kind of ['cold', 'warm'] as const) {
          const done = await run(side);
          runs[kind].push(done.totalMs);
          runs[`${kind}Engine`].push(done.statistics.EngineExecutionTimeInMillis ?? 0);
        }
      }
    }
  } finally {
    for (const client of [...athena.values(), ...glue.values()]) client.destroy();
  }
  return times;
}

const pass = (ok: boolean) => (ok ? 'pass' : 'FAIL');

/** Median of the rounds' ratios of `a` to `b` (the rounds ran side by side). */
function pairedRatio(a: number[] | undefined, b: number[] | undefined): number {
  if (!a || !b) return Number.NaN;
  return median(a.map((x, i) => x / (b[i] as number)));
}

/** The ratios printed beside the target's: SSE-KMS against the cipher-off build, SSE-S3 against plaintext. */
interface Others {
  kmsOff: number;
  s3: number;
}

function line(metric: string, figures: number[], kms: number, target: string, ok: boolean, others: Others) {
  const cells = figures.map((f) => f.toFixed(f < 100 ? 1 : 0).padStart(10)).join(' ');
  const [off, s3] = [others.kmsOff, others.s3].map((r) => r.toFixed(2).padStart(8));
  return `  ${metric.padEnd(34)} ${cells}   ${kms.toFixed(2).padStart(7)}  ${target.padEnd(6)} ${pass(ok)}  ${off} ${s3}`;
}

function report(throughput: Map<string, Row>, queries: QueryTimes[]): void {
  const variants: Variant[] = ['plaintext', 'cipher off', 'SSE-KMS', 'SSE-S3'];
  console.log(
    `  ${'metric'.padEnd(34)} ${variants.map((v) => v.padStart(10)).join(' ')}   kms/plain target       kms/off s3/plain`,
  );
  for (const size of SIZES) {
    const row = throughput.get(size.label);
    if (!row) continue;
    for (const op of ['put', 'get'] as const) {
      const kms = roundRatio(row, 'SSE-KMS', 'plaintext', op);
      const metric = `${size.label} ${op.toUpperCase()} (${size.large ? 'MiB/s' : 'obj/s'})`;
      const figures = variants.map((v) => figure(row, v, op));
      const others = {
        kmsOff: roundRatio(row, 'SSE-KMS', 'cipher off', op),
        s3: roundRatio(row, 'SSE-S3', 'plaintext', op),
      };
      console.log(line(metric, figures, kms, `≥ ${TARGETS.throughput}`, kms >= TARGETS.throughput, others));
    }
  }
  for (const q of queries) {
    for (const kind of ['first', 'cold', 'warm'] as const) {
      const of = (v: Variant) => q.runs.get(v)?.[kind];
      const kms = pairedRatio(of('SSE-KMS'), of('plaintext'));
      const others = {
        kmsOff: pairedRatio(of('SSE-KMS'), of('cipher off')),
        s3: pairedRatio(of('SSE-S3'), of('plaintext')),
      };
      const figures = variants.map((v) => median(of(v) ?? []));
      const metric = `GROUP BY year, ${q.table}, ${kind} (ms)`;
      console.log(line(metric, figures, kms, `≤ ${TARGETS.query}`, kms <= TARGETS.query, others));
    }
  }
  for (const q of queries) {
    const engine = (kind: 'coldEngine' | 'warmEngine') =>
      variants.map((v) => median(q.runs.get(v)?.[kind] ?? [])).join(' / ');
    console.log(
      `  ${q.table}: Athena's EngineExecutionTimeInMillis (${variants.join(' / ')}), cold ${engine('coldEngine')}, warm ${engine('warmEngine')}`,
    );
  }
  console.log(
    `  ratios are medians of the rounds' ratios (the sides take turns in each round); kms/off is SSE-KMS against this\n  commit with the cipher taken out (what sealing the bytes costs); a query's time is the client's,\n  StartQueryExecution to its results; first: the first query over the table's files as loaded (one run: a new\n  engine, every file linked for it, or decrypted into /dev/shm), cold: the first query after the table changed\n  (a new engine, the files linked for it, or linked to the copies an engine still holds; each side waits\n  ${SETTLE_MS} ms first, untimed), warm: the next, on that engine and its files`,
  );
}

/**
 * `npm run bench -- kms`: what encryption at rest costs. PUT and GET throughput of 256 MiB and 64 KiB objects,
 * and a GROUP BY through Athena on the parking tickets table at the curated table's size and at a size where
 * decryption shows, in buckets whose default is SSE-KMS (a customer managed key, S3 Bucket Key) and SSE-S3,
 * against the same on Seawall as it was before objects were encrypted, and on this commit with the cipher taken
 * out (both built from git in this run).
 */
export async function kmsBench(): Promise<void> {
  let started = performance.now();
  const baseline = await builtAtCommit(BASELINE);
  const built = (what: string, build: typeof baseline) =>
    `${what} is Seawall at ${build.commit.slice(0, 7)} (${build.built ? `built in ${((performance.now() - started) / 1000).toFixed(1)} s` : 'build reused'} from git archive, in ${build.bin.replace(/\/bin\/seawall\.js$/, '')})`;
  console.log(`kms: ${built('the plaintext baseline', baseline)}`);
  started = performance.now();
  const cipherOff = await builtAtCommit('HEAD', CIPHER_OFF);
  console.log(
    `  ${built('"cipher off" (HEAD with its blob store writing and reading plaintext)', cipherOff)}`,
  );
  started = performance.now();
  const large = await ticketsParquet(ROWS);
  const sample = await ticketsParquet(large.sampleRows);
  console.log(
    `  tables: ${sample.rows.toLocaleString('en-CA')} rows (${(sample.bytes / 1e6).toFixed(1)} MB, the sample's size) and ${large.rows.toLocaleString('en-CA')} rows (${(large.bytes / 1e6).toFixed(0)} MB) of zstd Parquet (${((performance.now() - started) / 1000).toFixed(1)} s, cached in .bench/query)`,
  );
  const servers: ServedSeawall[] = [];
  try {
    const plain = await serveSeawall([], undefined, baseline.bin);
    servers.push(plain);
    const off = await serveSeawall([], undefined, cipherOff.bin);
    servers.push(off);
    const sealed = await serveSeawall();
    servers.push(sealed);
    const sides: Side[] = [
      { variant: 'plaintext', server: plain, expected: undefined },
      { variant: 'cipher off', server: off, rule: await lakeKeyRule(off), expected: 'aws:kms' },
      { variant: 'SSE-KMS', server: sealed, rule: await lakeKeyRule(sealed), expected: 'aws:kms' },
      { variant: 'SSE-S3', server: sealed, expected: 'AES256' },
    ];
    console.log(
      `  PUT then GET on loopback, ${SIZES.map((s) => `${s.count} × ${s.label} at concurrency ${Math.min(s.concurrency ?? 16, s.count)}`).join(', ')}, medians of ${ROUNDS} rounds; queries medians of ${QUERY_RUNS}, polling every ${POLL_MS} ms; SSE-KMS under ${KEY_ALIAS} with an S3 Bucket Key\n`,
    );
    const throughput = await objectThroughput(sides);
    const queries = [await queryTimes(sides, sample, 'sample'), await queryTimes(sides, large, 'large')];
    report(throughput, queries);
  } finally {
    for (const server of servers) {
      await server.stop();
      await fs.rm(server.dataDir, { recursive: true, force: true });
    }
  }
}
