import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { BackupError } from './backup-target.js';
import { type S3Place, statusOf } from './s3-transfer.js';

/** A lock this old belongs to a backup that was killed (a running one rewrites its lock far more often). */
export const STALE_LOCK_MS = 60 * 60 * 1000;
/** How often a running backup rewrites its lock, so that a long run's is never taken for a stale one. */
const REFRESH_MS = 5 * 60 * 1000;

/**
 * Takes `key` for one backup run with a conditional PUT (`If-None-Match: *`), which only one writer wins; a
 * lock older than STALE_LOCK_MS is taken over. The lock names its holder, for the message of a run refused.
 */
export async function takeS3Lock(
  place: S3Place,
  key: string,
  where: string,
  holder: { host: string; pid: number },
): Promise<{ release(): Promise<void> }> {
  const { client, bucket } = place;
  const body = JSON.stringify({ ...holder, startedAt: new Date().toISOString() });
  const put = (conditional: boolean) =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ...(conditional ? { IfNoneMatch: '*' } : {}),
      }),
    );
  const take = async () => {
    try {
      await put(true);
      return true;
    } catch (error) {
      // 409: another conditional write to the key at the same moment.
      if (statusOf(error) === 412 || statusOf(error) === 409) return false;
      throw error;
    }
  };
  if (!(await take())) {
    const held = await heldBy(place, key);
    if (held && Date.now() - held.since.getTime() < STALE_LOCK_MS)
      throw new BackupError(
        `another backup (${held.holder}) has been writing to ${where} since ${held.since.toISOString()}; wait for it to finish (its lock, ${key}, is taken over once an hour old)`,
      );
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    if (!(await take()))
      throw new BackupError(`another backup took over the stale lock ${key} of ${where} just now`);
  }
  const refresh = setInterval(() => void put(false).catch(() => undefined), REFRESH_MS);
  refresh.unref();
  return {
    async release() {
      clearInterval(refresh);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

/** Who holds a lock and since when it was last written; undefined when it is gone meanwhile. */
async function heldBy(place: S3Place, key: string): Promise<{ holder: string; since: Date } | undefined> {
  try {
    const got = await place.client.send(new GetObjectCommand({ Bucket: place.bucket, Key: key }));
    let holder = 'unknown holder';
    try {
      const named = JSON.parse((await got.Body?.transformToString()) ?? '') as {
        host?: string;
        pid?: number;
      };
      holder = `pid ${named.pid} on ${named.host}`;
    } catch {
      // a lock written by something else: its age still tells
    }
    return { holder, since: got.LastModified ?? new Date() };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}
