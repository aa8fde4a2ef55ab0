import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeS3Lock } from '../src/backup/s3-lock.js';
import { failure } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/** The lock of a backup in S3, against a real S3 (a Seawall) whose clock the test can turn back. */
describe('the lock of a backup in S3', () => {
  let t: TestSeawall;
  let s3: S3Client;
  let offset = 0;
  const KEY = 'city/backup.lock';
  const take = (pid: number) =>
    takeS3Lock({ client: s3, bucket: 'backups' }, KEY, 's3://backups/city', { host: 'test', pid });
  const lockBody = async () =>
    (await s3.send(new GetObjectCommand({ Bucket: 'backups', Key: KEY }))).Body?.transformToString();

  beforeAll(async () => {
    t = await startTestSeawall({ clock: { now: () => new Date(Date.now() + offset) } });
    s3 = t.s3({ maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'backups' }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('goes to one of two runs that start at once; the other is told who holds it', async () => {
    const runs = await Promise.allSettled([take(1), take(2)]);
    const won = runs.filter((run) => run.status === 'fulfilled');
    const refused = runs.filter((run) => run.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(
      /another backup \(pid [12] on test\) has been writing to s3:\/\/backups\/city/,
    );
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof take>>>).value.release();
    expect(await failure(lockBody())).toMatchObject({ status: 404 });
  });

  it('is taken over from a killed run once an hour old, by one taker only', async () => {
    // Written two hours ago, as the server and its client then told the time.
    offset = -2 * 3600_000;
    const then = t.s3({ maxAttempts: 1, systemClockOffset: offset });
    await then.send(
      new PutObjectCommand({ Bucket: 'backups', Key: KEY, Body: JSON.stringify({ host: 'gone', pid: 9 }) }),
    );
    offset = 0;
    const runs = await Promise.allSettled([take(3), take(4)]);
    const won = runs.filter((run) => run.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(String((runs.find((run) => run.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(
      /took over the stale lock|has been writing to/,
    );
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof take>>>).value;
    await winner.check();
    expect(JSON.parse((await lockBody()) ?? '')).toMatchObject({ host: 'test' });
    await winner.release();
  });

  it('is taken over at once from a run of this host that is gone, never from one that runs', async () => {
    // A process that ran here and has ended, as a backup killed with kill -9 has.
    const { pid: gone } = spawnSync(process.execPath, ['-e', '']);
    const lockedBy = (pid: number) =>
      s3.send(
        new PutObjectCommand({
          Bucket: 'backups',
          Key: KEY,
          Body: JSON.stringify({ host: hostname(), pid }),
        }),
      );
    try {
      await lockedBy(gone as number);
      const run = await take(7);
      expect(JSON.parse((await lockBody()) ?? '')).toMatchObject({ host: 'test', pid: 7 });
      await run.release();

      await lockedBy(process.pid);
      await expect(take(8)).rejects.toThrow(
        `another backup (pid ${process.pid} on ${hostname()}) has been writing`,
      );
    } finally {
      // The next test starts with no lock, whatever this one found.
      await s3.send(new DeleteObjectCommand({ Bucket: 'backups', Key: KEY }));
    }
  });

  it('tells a run that lost its lock, which then leaves the new holder its lock', async () => {
    const run = await take(5);
    await s3.send(
      new PutObjectCommand({ Bucket: 'backups', Key: KEY, Body: JSON.stringify({ host: 'other', pid: 6 }) }),
    );
    await expect(run.check()).rejects.toThrow(
      /this backup stopped, as pid 6 on other holds its lock now; nothing of it was kept/,
    );
    await run.release();
    expect(JSON.parse((await lockBody()) ?? '')).toEqual({ host: 'other', pid: 6 });
  });
});
