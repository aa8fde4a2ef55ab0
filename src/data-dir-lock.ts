import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { z } from 'zod';
import { DataDirError, errnoOf } from './data-dir-errors.js';
import { currentProcess, processState } from './data-dir-process.js';

/**
 * The lock a server holds on its data directory, so that a second server cannot sweep the first one's
 * in-flight uploads or write the same metadata. It is a JSON file naming the holder and, once it listens,
 * its endpoint, which `seawall query --data-dir` reads to find the server on any port.
 *
 * Creation is exclusive: the record is written to a private file (O_EXCL) and published with link(2), which
 * fails if the lock exists, so a reader never sees a half-written lock. A lock whose process is certainly
 * gone is stale and is taken over; two starts after a crash may both find it stale, so taking over is
 * guarded by a claim file keyed by the stale lock's nonce (O_EXCL again): one start wins the claim, checks
 * that the lock still holds that nonce, and removes it; the others wait and then find the winner's lock.
 * A nonce never comes back, so a late claim cannot remove a newer lock. What remains: a start that dies
 * holding a claim leaves that claim file behind, and the next starts say so instead of guessing.
 */
const lockRecordSchema = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  bootId: z.string().optional(),
  startTicks: z.string().optional(),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
  startedAt: z.string(),
  port: z.number().int().min(0).max(65_535).nullable(),
  endpoint: z.string().nullable(),
});

export type LockRecord = z.infer<typeof lockRecordSchema>;
export type HolderState = 'alive' | 'unknown';

const ATTEMPTS = 50;
const WAIT_MS = 20;

/** The lock is held by a process that runs, or may run (on another host). */
export class DataDirBusyError extends DataDirError {
  override readonly name = 'DataDirBusyError';

  constructor(
    readonly dataDir: string,
    readonly holder: LockRecord,
    readonly state: HolderState,
    lockPath: string,
  ) {
    super(
      state === 'alive'
        ? `Seawall is already running on ${dataDir} (${describeHolder(holder)}); use it, or stop it first (kill ${holder.pid})`
        : `Seawall may be running on ${dataDir} from host ${holder.hostname} (${describeHolder(holder)}); if it is not, remove ${lockPath}`,
    );
  }
}

/** `pid 123, http://127.0.0.1:9000`, or the port asked for while the server is still starting. */
export function describeHolder(holder: LockRecord): string {
  const where = holder.endpoint ?? `starting${holder.port ? ` on port ${holder.port}` : ''}`;
  return `pid ${holder.pid}, ${where}`;
}

export interface LockFile {
  raw: string;
  record: LockRecord | undefined;
}

export async function readLockFile(path: string): Promise<LockFile | undefined> {
  let raw: string;
  try {
    raw = await fs.readFile(path, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
  let record: LockRecord | undefined;
  try {
    const parsed = lockRecordSchema.safeParse(JSON.parse(raw));
    record = parsed.success ? parsed.data : undefined;
  } catch {
    record = undefined;
  }
  return { raw, record };
}

/** Writes `content` to a new private file next to the lock (O_EXCL: never someone else's file). */
async function writePrivate(path: string, content: string): Promise<void> {
  const handle = await fs.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Publishes the record as the lock if there is none; answers whether it did. */
async function publish(lockPath: string, record: LockRecord): Promise<boolean> {
  const pending = `${lockPath}.${record.nonce}.new`;
  await writePrivate(pending, `${JSON.stringify(record)}\n`);
  try {
    await fs.link(pending, lockPath);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.rm(pending, { force: true });
  }
}

/**
 * Removes the lock if it is still the stale one read earlier, unless another start is doing so; answers
 * whether this one did the work.
 */
export async function breakStaleLock(lockPath: string, stale: LockFile): Promise<boolean> {
  const key = stale.record?.nonce ?? createHash('sha256').update(stale.raw).digest('hex').slice(0, 32);
  const claim = `${lockPath}.takeover-${key}`;
  try {
    await writePrivate(claim, `${process.pid}\n`);
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    if ((await readLockFile(lockPath))?.raw === stale.raw) await fs.rm(lockPath, { force: true });
  } finally {
    await fs.rm(claim, { force: true });
  }
  return true;
}

/** The live holder of the lock, or undefined when nobody holds it (or only a process that is gone). */
export async function readLockHolder(
  lockPath: string,
): Promise<{ holder: LockRecord; state: HolderState } | undefined> {
  const found = await readLockFile(lockPath);
  if (!found?.record) return undefined;
  const state = processState(found.record);
  return state === 'dead' ? undefined : { holder: found.record, state };
}

export interface DataDirLock {
  readonly record: LockRecord;
  /** Records where the server answers, once it listens (port 0 picks a free port). */
  recordEndpoint(endpoint: string, port: number): Promise<void>;
  /** Removes the lock if it is still this process's; safe to call twice. */
  release(): Promise<void>;
}

function heldLock(lockPath: string, initial: LockRecord): DataDirLock {
  let record = initial;
  const stillMine = async () => (await readLockFile(lockPath))?.record?.nonce === record.nonce;
  return {
    get record() {
      return record;
    },
    async recordEndpoint(endpoint, port) {
      record = { ...record, endpoint, port };
      if (!(await stillMine())) return;
      const pending = `${lockPath}.${record.nonce}.new`;
      await writePrivate(pending, `${JSON.stringify(record)}\n`);
      await fs.rename(pending, lockPath);
    },
    async release() {
      if (await stillMine()) await fs.rm(lockPath, { force: true });
    },
  };
}

/** Takes the data directory's lock, or throws {@link DataDirBusyError} naming the server that holds it. */
export async function acquireDataDirLock(
  dataDir: string,
  lockPath: string,
  port: number,
): Promise<DataDirLock> {
  const mine: LockRecord = {
    ...currentProcess(),
    nonce: randomBytes(16).toString('hex'),
    startedAt: new Date().toISOString(),
    port,
    endpoint: null,
  };
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await publish(lockPath, mine)) return heldLock(lockPath, mine);
      const found = await readLockFile(lockPath);
      if (!found) continue;
      const state = found.record ? processState(found.record) : 'dead';
      if (found.record && state !== 'dead')
        throw new DataDirBusyError(dataDir, found.record, state, lockPath);
      if (!(await breakStaleLock(lockPath, found))) await new Promise((r) => setTimeout(r, WAIT_MS));
    }
  } catch (error) {
    if (error instanceof DataDirError) throw error;
    throw new DataDirError(
      `cannot write the lock file ${lockPath} (${errnoOf(error) ?? (error as Error).message}); run seawall as the owner of ${dataDir}, or choose another --data-dir`,
    );
  }
  throw new DataDirError(
    `cannot take over the stale lock ${lockPath}: another start keeps claiming it; if no Seawall runs on ${dataDir}, remove ${lockPath} and ${lockPath}.takeover-*`,
  );
}
