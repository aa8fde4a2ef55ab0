import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs, mkdtempSync } from 'node:fs';
import { type Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { durableFiles } from './durable-files.js';
import { countFromEnv, median, runConcurrent, serveSeawall } from './harness.js';
import { peerPackage } from './peer-package.js';
import { signS3 } from './sign.js';

const CONCURRENCY = 16;
const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * A size measured: how many objects of it, whether its figures are MiB/s (else objects/s), and how many requests
 * are in flight (16, or fewer when there are fewer objects, unless it says).
 */
export interface ObjectSize {
  label: string;
  bytes: number;
  count: number;
  large: boolean;
  concurrency?: number;
}

/** The sizes measured, how many objects of each (env BENCH_OBJECTS_<label> overrides), and whether in MiB/s. */
const SIZES: ObjectSize[] = [
  { label: '4KiB', bytes: 4 * KiB, count: 3000, large: false },
  { label: '64KiB', bytes: 64 * KiB, count: 3000, large: false },
  { label: '1MiB', bytes: MiB, count: 600, large: false },
  { label: '256MiB', bytes: 256 * MiB, count: 8, large: true },
].map((s) => ({ ...s, count: countFromEnv(`BENCH_OBJECTS_${s.label}`, s.count) }));

/** The issue's targets: Seawall against the file system, by size class and direction, and against s3rver. */
const TARGETS = { smallPut: 0.35, smallGet: 0.5, largePut: 0.6, largeGet: 0.7, peer: 3 };

/** What a store does with one object: write it durably, read it whole (both stream), remove it. */
export interface Store {
  name: string;
  put(key: string, bytes: number): Promise<void>;
  get(key: string, bytes: number): Promise<void>;
  remove(key: string): Promise<void>;
  close(): Promise<void>;
}

/** The pattern every object is made of, in pieces of at most 1 MiB. */
const PATTERN = Buffer.alloc(MiB, 0x5a);

/**
 * `bytes` bytes of the pattern: up to 1 MiB one buffer, as an SDK sends a small body, and beyond that a stream of
 * 1 MiB pieces, so nothing large is held whole. The file-system baseline writes the same, so the client's cost
 * of producing a body (on a small machine, taken from the server's CPU) is the same for every store.
 */
function body(bytes: number): Buffer | Readable {
  if (bytes <= MiB) return PATTERN.subarray(0, bytes);
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < bytes; sent += MiB)
        yield sent + MiB <= bytes ? PATTERN : PATTERN.subarray(0, bytes - sent);
    })(),
  );
}

/** One HTTP request whose body is `upload` (streamed when a stream); answers how many bytes came back, unkept. */
export function send(
  url: URL,
  agent: Agent,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  upload?: Readable | Buffer,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
      let received = 0;
      const error: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        received += c.length;
        if ((res.statusCode ?? 0) >= 300 && error.length < 16) error.push(c);
      });
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300)
          reject(new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(error)}`));
        else resolve(received);
      });
    });
    req.on('error', reject);
    if (upload instanceof Readable) upload.pipe(req);
    else req.end(upload);
  });
}

/**
 * An S3 endpoint driven by the same minimal signed requests, whichever server answers. The client is undici's
 * connection pool: on a two-core machine the client shares the CPU with the server it measures, and node:http's
 * client spent more CPU receiving a 1 MiB GET than the server spent sending it.
 */
export function s3Store(
  name: string,
  endpoint: string,
  keys: { accessKeyId: string; secret: string; region: string },
  close: () => Promise<void>,
  bucket = 'bench',
): Store & { createBucket(): Promise<void> } {
  const url = new URL(endpoint);
  const pool = new Pool(url.origin, { connections: CONCURRENCY });
  const sign = (method: string, path: string) => signS3({ method, host: url.host, path, ...keys });
  /** One request; answers how many body bytes came back, unkept. */
  const call = async (
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    headers: Record<string, string>,
    upload?: Buffer | Readable,
  ) => {
    const res = await pool.request({ method, path, headers, body: upload ?? null });
    let received = 0;
    const error: Buffer[] = [];
    for await (const chunk of res.body) {
      received += (chunk as Buffer).length;
      if (res.statusCode >= 300 && error.length < 16) error.push(chunk as Buffer);
    }
    if (res.statusCode >= 300)
      throw new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(error)}`);
    return received;
  };
  return {
    name,
    createBucket: async () => void (await call('PUT', `/${bucket}`, sign('PUT', `/${bucket}`))),
    async put(key, bytes) {
      const path = `/${bucket}/${key}`;
      await call('PUT', path, { ...sign('PUT', path), 'content-length': String(bytes) }, body(bytes));
    },
    async get(key, bytes) {
      const path = `/${bucket}/${key}`;
      const received = await call('GET', path, sign('GET', path));
      if (received !== bytes) throw new Error(`${name}: short read of ${path}`);
    },
    async remove(key) {
      const path = `/${bucket}/${key}`;
      await call('DELETE', path, sign('DELETE', path));
    },
    async close() {
      await pool.close();
      await close();
    },
  };
}

/** The baseline: the same bytes written durably (temporary file, fsync, rename) and read back, directly. */
async function fileSystemStore(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'seawall-bench-fs-'));
  const files = await durableFiles(dir);
  return {
    name: 'file system',
    async put(key, bytes) {
      if ((await files.write(key, body(bytes))) !== bytes)
        throw new Error(`file system: short write of ${key}`);
    },
    async get(key, bytes) {
      const { body } = await files.read(key);
      let received = 0;
      if (Buffer.isBuffer(body)) received = body.length;
      else for await (const chunk of body) received += (chunk as Buffer).length;
      if (received !== bytes) throw new Error(`file system: short read of ${key}`);
    },
    remove: files.remove,
    close: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A server in a process of its own, started by `args`, that prints `PORT n` when it listens; `stop` ends it and
 * waits for it to exit. It must listen within a minute.
 */
async function childServer(name: string, args: string[]): Promise<{ port: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: join(import.meta.dirname, '..'),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within a minute`));
    }, 60_000);
    let text = '';
    child.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
      const match = /PORT (\d+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code})`));
    });
  });
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * An S3 store served by a child server on a temporary directory of its own (`args` names it to the server),
 * removed once the server has exited.
 */
async function childS3Store(
  name: string,
  keys: { accessKeyId: string; secret: string },
  args: (dir: string) => string[],
): Promise<Store & { createBucket(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `seawall-bench-${name.replaceAll(' ', '-')}-`));
  const server = await childServer(name, args(dir)).catch(async (error: unknown) => {
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  });
  return s3Store(name, `http://127.0.0.1:${server.port}`, { ...keys, region: 'us-east-1' }, async () => {
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });
}

/**
 * The ceiling: the baseline's file work behind a bare node:http server in a process of its own, driven by the
 * same client as the S3 stores, with no authentication, no metadata and no checksums. What it loses to the
 * file system is what HTTP between two processes costs on this machine, before any of an S3 server's own work.
 */
const httpCeilingStore = () =>
  childS3Store('http ceiling', { accessKeyId: 'CEILING', secret: 'CEILING' }, (dir) => [
    '--import',
    'tsx',
    join(import.meta.dirname, 'fs-http-server.ts'),
    dir,
  ]);

/** s3rver (npm), the peer, in a process of its own as Seawall is; installed outside the project (peer-package.ts). */
const s3rverStore = () =>
  childS3Store('s3rver', { accessKeyId: 'S3RVER', secret: 'S3RVER' }, (dir) => [
    '-e',
    `const S3rver = require(${JSON.stringify(peerPackage('s3rver', '3.7.1'))});
new S3rver({ port: 0, address: '127.0.0.1', directory: ${JSON.stringify(dir)}, silent: true })
  .run().then((a) => console.log('PORT ' + a.port));`,
  ]);

export interface Figures {
  put: number;
  get: number;
}

/** PUT then GET of the size's objects at its concurrency under `prefix`: objects/s, or MiB/s for large ones. */
async function measure(store: Store, size: ObjectSize, prefix: string): Promise<Figures> {
  const key = (i: number) => `${prefix}/${size.label}/${i}.bin`;
  const concurrency = Math.min(size.concurrency ?? CONCURRENCY, size.count);
  const putSeconds = await runConcurrent(size.count, concurrency, (i) => store.put(key(i), size.bytes));
  const getSeconds = await runConcurrent(size.count, concurrency, (i) => store.get(key(i), size.bytes));
  // Large objects are removed once measured (untimed, one at a time: s3rver fails concurrent deletes), so the
  // rounds' disk use stays that of one round.
  if (size.large) await runConcurrent(size.count, 1, (i) => store.remove(key(i)));
  const per = (seconds: number) =>
    size.large ? (size.count * size.bytes) / MiB / seconds : size.count / seconds;
  return { put: per(putSeconds), get: per(getSeconds) };
}

/**
 * Each size is measured in ROUNDS rounds, the stores taking turns in a different order each round, so a drift
 * of the machine (this one's disk and CPU vary by 2× over minutes) falls on every store alike. A store's figure
 * is its median over the rounds, and a ratio is the median of the rounds' ratios.
 */
const ROUNDS = countFromEnv('BENCH_ROUNDS', 3);

/** One size's figures: per store, its figures in each round. */
export type Row = Map<string, Figures[]>;

/**
 * One size measured in `rounds` rounds, the stores taking turns: round r starts with store r, so the store that
 * runs first (or last) changes from round to round.
 */
export async function measureInTurns(
  stores: readonly Store[],
  size: ObjectSize,
  rounds: number,
): Promise<Row> {
  const row: Row = new Map(stores.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < stores.length; turn++) {
      const store = stores[(round + turn) % stores.length] as Store;
      row.get(store.name)?.push(await measure(store, size, `r${round}`));
    }
  }
  return row;
}

/** A store's figure for one direction: its median over the rounds. */
export function figure(row: Row, store: string, op: keyof Figures): number {
  const rounds = row.get(store);
  return rounds ? median(rounds.map((f) => f[op])) : Number.NaN;
}

/** Store a against store b in one direction: the median of the rounds' ratios. */
export function roundRatio(row: Row, a: string, b: string, op: keyof Figures): number {
  const [x, y] = [row.get(a), row.get(b)];
  if (!x || !y) return Number.NaN;
  return median(x.map((f, i) => f[op] / (y[i] as Figures)[op]));
}

function report(results: Map<string, Row>): void {
  const unit = (large: boolean) => (large ? 'MiB/s' : 'obj/s');
  const stores = ['seawall', 'file system', 's3rver', 'http ceiling'];
  console.log(
    `  ${'size'.padEnd(7)} ${'op'.padEnd(4)} ${'seawall'.padStart(9)} ${'fs'.padStart(9)} ${'s3rver'.padStart(9)} ${'ceiling'.padStart(9)}   seawall/fs (target)  seawall/s3rver (≥ ${TARGETS.peer})  ceiling/fs  seawall/ceiling`,
  );
  for (const size of SIZES) {
    const row = results.get(size.label);
    if (!row) continue;
    for (const op of ['put', 'get'] as const) {
      const figures = stores.map((n) => figure(row, n, op).toFixed(0).padStart(9)).join(' ');
      const target = size.large
        ? op === 'put'
          ? TARGETS.largePut
          : TARGETS.largeGet
        : op === 'put'
          ? TARGETS.smallPut
          : TARGETS.smallGet;
      const ratio = (a: string, b: string) => roundRatio(row, a, b, op).toFixed(2).padStart(5);
      console.log(
        `  ${size.label.padEnd(7)} ${op.toUpperCase().padEnd(4)} ${figures}   ${ratio('seawall', 'file system')} (≥ ${target})         ${ratio('seawall', 's3rver')}          ${ratio('http ceiling', 'file system')}       ${ratio('seawall', 'http ceiling')}   ${unit(size.large)}`,
      );
    }
  }
}

/**
 * PUT and GET at concurrency 16 for 4 KiB, 64 KiB, 1 MiB and 256 MiB objects: Seawall, the same work on the
 * file system (write, fsync, rename; read), s3rver as a peer, and the file work behind bare HTTP (the ceiling),
 * in one run, with the ratios.
 */
export async function storageBench(): Promise<void> {
  const seawall = await serveSeawall();
  const stores: Store[] = [];
  try {
    const own = s3Store(
      'seawall',
      seawall.url,
      { accessKeyId: seawall.accessKeyId, secret: seawall.secret, region: seawall.region },
      async () => undefined,
    );
    stores.push(own);
    await own.createBucket();
    stores.push(await fileSystemStore());
    const peer = await s3rverStore();
    stores.push(peer);
    await peer.createBucket();
    stores.push(await httpCeilingStore());
    console.log(
      `storage: PUT then GET at concurrency ${CONCURRENCY} on loopback; ${SIZES.map((s) => `${s.count} × ${s.label}`).join(', ')}; medians of ${ROUNDS} rounds, stores taking turns`,
    );
    const results = new Map<string, Row>();
    for (const size of SIZES) results.set(size.label, await measureInTurns(stores, size, ROUNDS));
    report(results);
  } finally {
    // Every store is closed and the server stopped even when one of them fails to close.
    const closed = await Promise.allSettled(stores.map((store) => store.close()));
    await seawall.stop();
    await fs.rm(seawall.dataDir, { recursive: true, force: true });
    for (const outcome of closed) if (outcome.status === 'rejected') console.error(outcome.reason);
  }
}
