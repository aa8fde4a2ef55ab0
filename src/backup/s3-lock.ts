import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { currentProcess, processState } from '../data-dir-process.js';
import { statusOf } from '../lib/sdk-errors.js';
import { BackupError } from './backup-target.js';
import { md5Of, type S3Place } from './s3-transfer.js';

/** A lock this old belongs to a backup that was killed (a running one rewrites its lock every few minutes). */
export const STALE_LOCK_MS = 60 * 60 * 1000;
/** How often a running backup rewrites its lock, so that a long run's is never taken for a stale one. */
const REFRESH_MS = 5 * 60 * 1000;

/**
 * Who writes a lock: host and pid for the message of a run refused; the boot and the process's start time
 * (Linux) so that a pid reused since is not taken for the killed run's.
 */
export interface LockHolder {
  host: string;
  pid: number;
  bootId?: string;
  startTicks?: string;
  machineId?: string;
  pidNamespace?: string;
}

/** This process, as its lock names it. */
export function currentHolder(): LockHolder {
  const { hostname, ...identity } = currentProcess();
  return { host: hostname, ...identity };
}

export interface S3Lock {
  /** Throws unless this run still holds the lock: before it writes what another run would overwrite. */
  check(): Promise<void>;
  /** Gives the lock up, if it is still this run's. */
  release(): Promise<void>;
}

/**
 * Takes `key` for one backup run with a conditional PUT (`If-None-Match: *`), which only one writer wins; a
 * lock older than STALE_LOCK_MS, or written by a process of this host that is gone (a run killed here, as a
 * directory's lock is judged), is taken over with `If-Match` its ETag, which only one taker wins. Every later
 * write of the lock (its refresh) is conditional on the ETag this run wrote, and its release looks first, so a
 * run that lost its lock learns it (`check`) and does not remove another's. The lock names its holder, for the
 * message of a run refused and to tell whether it still runs.
 */
export async function takeS3Lock(
  place: S3Place,
  key: string,
  where: string,
  holder: LockHolder,
): Promise<S3Lock> {
  const { client, bucket } = place;
  const write = async (condition: { IfNoneMatch: '*' } | { IfMatch: string }) => {
    const body = JSON.stringify({ ...holder, writtenAt: new Date().toISOString() });
    const { ETag } = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentMD5: md5Of(body), ...condition }),
    );
    if (!ETag) throw new BackupError(`${where}: the lock ${key} was written without an ETag`);
    return ETag;
  };
  /** The write, or undefined when another writer won (412; 409: a conditional write at the same moment). */
  const attempt = async (condition: { IfNoneMatch: '*' } | { IfMatch: string }) => {
    try {
      return await write(condition);
    } catch (error) {
      if (statusOf(error) === 412 || statusOf(error) === 409) return undefined;
      throw error;
    }
  };
  let own = await attempt({ IfNoneMatch: '*' });
  if (own === undefined) {
    const held = await heldBy(place, key);
    if (held && !held.gone && Date.now() - held.since.getTime() < STALE_LOCK_MS)
      throw new BackupError(
        `another backup (${held.holder}) has been writing to ${where} since ${held.since.toISOString()}; wait for it to finish (its lock, ${key}, is taken over once an hour old)`,
      );
    own = await attempt(held?.etag ? { IfMatch: held.etag } : { IfNoneMatch: '*' });
    if (own === undefined)
      throw new BackupError(`another backup took over the stale lock ${key} of ${where} just now`);
  }
  let lost: string | undefined;
  const refresh = setInterval(() => {
    if (lost !== undefined || own === undefined) return;
    attempt({ IfMatch: own }).then(
      (etag) => {
        if (etag === undefined) lost = 'another backup took its lock over';
        else own = etag;
      },
      // A refresh that could not be written is tried again at the next; check() asks the lock itself.
      () => undefined,
    );
  }, REFRESH_MS);
  refresh.unref();
  return {
    async check() {
      if (lost === undefined) {
        const held = await heldBy(place, key);
        if (held?.etag !== own) lost = held ? `${held.holder} holds its lock now` : 'its lock is gone';
      }
      if (lost !== undefined)
        throw new BackupError(`${where}: this backup stopped, as ${lost}; nothing of it was kept`);
    },
    async release() {
      clearInterval(refresh);
      if (lost !== undefined || own === undefined) return;
      // Another run's lock by now is not this run's to remove. (A conditional DELETE would close the moment
      // between the look and the delete, but not every S3 takes one; no run takes over a lock this recent from
      // a writer that runs: only an hour-old one, or one whose process, on this machine, is gone.)
      if ((await heldBy(place, key))?.etag !== own) return;
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

/**
 * Who holds a lock, since when it was last written, its ETag, and whether its writer is certainly gone (a
 * process of this host that no longer runs; another host's cannot be told); undefined when it is gone meanwhile.
 */
async function heldBy(
  place: S3Place,
  key: string,
): Promise<{ holder: string; since: Date; etag: string | undefined; gone: boolean } | undefined> {
  try {
    const got = await place.client.send(new GetObjectCommand({ Bucket: place.bucket, Key: key }));
    const named = parseHolder((await got.Body?.transformToString()) ?? '');
    return {
      holder: named ? `pid ${named.pid} on ${named.host}` : 'unknown holder',
      since: got.LastModified ?? new Date(),
      etag: got.ETag,
      gone: named !== undefined && processState({ ...named, hostname: named.host }) === 'dead',
    };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** The holder a lock names; undefined for a lock written by something else (its age still tells). */
function parseHolder(body: string): LockHolder | undefined {
  try {
    const named = JSON.parse(body) as Partial<Record<keyof LockHolder, unknown>>;
    if (
      typeof named.host !== 'string' ||
      typeof named.pid !== 'number' ||
      !Number.isInteger(named.pid) ||
      named.pid < 1
    )
      return undefined;
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const identity = Object.fromEntries(
      (['bootId', 'startTicks', 'machineId', 'pidNamespace'] as const).flatMap((field) => {
        const value = text(named[field]);
        return value ? [[field, value]] : [];
      }),
    );
    return { host: named.host, pid: named.pid, ...identity };
  } catch {
    return undefined;
  }
}
