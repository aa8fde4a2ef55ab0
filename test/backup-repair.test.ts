import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3Flags, s3Proxy, scratchDirs, seawallCli as seawall } from './helpers/backup.js';
import { BIN } from './helpers/child-server.js';
import { startTestSeawall } from './helpers/seawall.js';

const scratch = scratchDirs();

/** The blob files of a backup directory, by their path under `blobs/`. */
const blobFiles = (backup: string) =>
  readdirSync(join(backup, 'blobs'), { recursive: true })
    .map(String)
    .filter((name) => /[0-9a-f]{32}$/.test(name))
    .sort();

/** The snapshot a backup run's summary names. */
const snapshotOf = (out: string) => /^snapshot (\S+):/.exec(out)?.[1] ?? '';

/** The keys under `prefix` of the `backups` bucket. */
async function keysUnder(s3: S3Client, prefix: string): Promise<string[]> {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: 'backups', Prefix: prefix }));
  return Contents.map((object) => object.Key ?? '');
}

/** Waits until `key` is in the `backups` bucket. */
async function appears(s3: S3Client, key: string): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    const found = await s3
      .send(new GetObjectCommand({ Bucket: 'backups', Key: key }))
      .then(() => true)
      .catch(() => false);
    if (found) return;
    await delay(50);
  }
  throw new Error(`${key} never appeared`);
}

describe('seawall backup, verify and restore after the backup was damaged behind their back', () => {
  /** A stopped installation with three objects: each test backs it up into a backup of its own. */
  let dataDir: string;
  beforeAll(async () => {
    dataDir = scratch('seawall-backup-repair-data-');
    const t = await startTestSeawall({ dataDir });
    try {
      const s3 = t.s3();
      await s3.send(new CreateBucketCommand({ Bucket: 'bkt' }));
      for (const key of ['one', 'two', 'three'])
        await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: key, Body: `${key} `.repeat(1000) }));
    } finally {
      await t.close();
    }
  });
  const backUp = (to: string, ...flags: string[]) =>
    seawall('backup', '--data-dir', dataDir, '--to', to, ...flags);

  it('an incremental backup copies again a blob removed from the backup directory, or cut short', async () => {
    const backup = scratch('seawall-backup-repair-to-');
    expect((await backUp(backup)).code).toBe(0);
    const [gone, cut] = blobFiles(backup) as [string, string];
    rmSync(join(backup, 'blobs', gone));
    writeFileSync(join(backup, 'blobs', cut), readFileSync(join(backup, 'blobs', cut)).subarray(0, 10));

    const again = await backUp(backup);
    expect(again.err).toBe('');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/: 3 blob\(s\), .*; copied 0 new \(0\.0 MiB\), re-copied 2 missing \(/);
    expect(blobFiles(backup)).toHaveLength(3);
    const verified = await seawall('backup', '--verify', '--from', backup);
    expect(verified.err).toBe('');
    expect(verified.out).toMatch(/: whole; checked \d+ database\(s\), 3 blob\(s\)/);
    // Nothing lacking, nothing said.
    const third = await backUp(backup);
    expect(third.code).toBe(0);
    expect(third.out).not.toMatch(/re-copied/);
  });

  it('warns of blobs gone from the backup that only an older snapshot names', async () => {
    // An installation of its own, whose object `three` is deleted after the first backup.
    const own = scratch('seawall-backup-repair-own-');
    cpSync(dataDir, own, { recursive: true });
    const backup = scratch('seawall-backup-repair-to-');
    expect((await seawall('backup', '--data-dir', own, '--to', backup)).code).toBe(0);
    const t = await startTestSeawall({ dataDir: own });
    try {
      await t.s3().send(new DeleteObjectCommand({ Bucket: 'bkt', Key: 'three' }));
    } finally {
      await t.close();
    }
    for (const file of blobFiles(backup)) rmSync(join(backup, 'blobs', file));
    const again = await seawall('backup', '--data-dir', own, '--to', backup);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/: 2 blob\(s\), .*re-copied 2 missing \(/);
    expect(again.err).toMatch(
      /^warning: 1 blob\(s\) the backup recorded are gone from it, and the new snapshot does not name them: an older snapshot that does cannot be restored whole/,
    );
  });

  it('an incremental backup to S3 copies again a blob deleted from the bucket; verify names a lost manifest', async () => {
    const target = await startTestSeawall({ dataDir: scratch('seawall-backup-repair-target-') });
    try {
      const backups = target.s3();
      await backups.send(new CreateBucketCommand({ Bucket: 'backups' }));
      const flags = s3Flags(target);
      expect((await backUp('s3://backups/city', ...flags)).code).toBe(0);
      const [gone] = (await keysUnder(backups, 'city/blobs/')) as [string];
      await backups.send(new DeleteObjectCommand({ Bucket: 'backups', Key: gone }));

      const again = await backUp('s3://backups/city', ...flags);
      expect(again.err).toBe('');
      expect(again.code).toBe(0);
      expect(again.out).toMatch(/; copied 0 new \(0\.0 MiB\), re-copied 1 missing \(/);
      expect(await keysUnder(backups, gone)).toEqual([gone]);
      const verify = () => seawall('backup', '--verify', '--from', 's3://backups/city', ...flags);
      expect((await verify()).out).toMatch(/: whole; checked \d+ database\(s\), 3 blob\(s\)/);

      // The newest snapshot's manifest deleted: verify checks the one before, and says what became of it.
      const newest = snapshotOf(again.out);
      await backups.send(
        new DeleteObjectCommand({ Bucket: 'backups', Key: `city/snapshots/${newest}/manifest.json` }),
      );
      const lost = await verify();
      expect(lost.code).toBe(1);
      expect(lost.err).toContain(
        `snapshot ${newest}: manifest.json is missing, though its run finished (the catalog records it)`,
      );
      expect(lost.out).not.toContain(newest);
    } finally {
      await target.close();
    }
  }, 120_000);

  it('verify tells a newer snapshot a stopped run left from one that lost its manifest', async () => {
    const backup = scratch('seawall-backup-repair-to-');
    // Runs in the same second sort by their random digits: the newer is the one that sorts last.
    const [first, second] = [
      snapshotOf((await backUp(backup)).out),
      snapshotOf((await backUp(backup)).out),
    ].sort() as [string, string];
    // What a run killed after copying its databases leaves: a snapshot without a manifest, not recorded done.
    const killed = '29991231T235959Z-0a0b0c';
    cpSync(join(backup, 'snapshots', second), join(backup, 'snapshots', killed), { recursive: true });
    rmSync(join(backup, 'snapshots', killed, 'manifest.json'));
    const stopped = await seawall('backup', '--verify', '--from', backup);
    expect(stopped.code).toBe(0);
    expect(stopped.out).toMatch(new RegExp(`^snapshot ${second}: whole`));
    expect(stopped.err).toContain(
      `snapshot ${killed}: unfinished (no manifest.json): a backup is writing it, or was stopped before it finished`,
    );
    expect(stopped.err).toContain(`checked ${second}, an older one, instead`);

    rmSync(join(backup, 'snapshots', killed), { recursive: true });
    rmSync(join(backup, 'snapshots', second, 'manifest.json'));
    const lost = await seawall('backup', '--verify', '--from', backup);
    expect(lost.code).toBe(1);
    expect(lost.err).toContain(
      `snapshot ${second}: manifest.json is missing, though its run finished (the catalog records it): deleted or lost, the snapshot cannot be restored; checked ${first}, an older one, instead`,
    );
    expect(lost.out).toMatch(new RegExp(`^snapshot ${first}: 1 problem\\(s\\)`));

    // The only snapshot left, or the one asked for, lost: verify says so, not only that none is finished.
    rmSync(join(backup, 'snapshots', first, 'manifest.json'));
    for (const asked of [[], ['--snapshot', second]]) {
      const none = await seawall('backup', '--verify', '--from', backup, ...asked);
      expect(none.code).toBe(1);
      expect(none.err).toContain(
        `snapshot ${second} lost its manifest.json after its run finished (the catalog records it): deleted or lost, it cannot be restored`,
      );
    }
  });

  it('verify, backup and restore name a damaged catalog.db by its path', async () => {
    const backup = scratch('seawall-backup-repair-to-');
    expect((await backUp(backup)).code).toBe(0);
    const catalog = join(backup, 'catalog.db');
    writeFileSync(catalog, 'not a database '.repeat(512));
    const damaged = `${catalog}: the catalog of the blobs the backup holds is damaged (file is not a database)`;

    const verified = await seawall('backup', '--verify', '--from', backup);
    expect(verified.code).toBe(1);
    expect(verified.err).toContain(damaged);
    expect(verified.out).toMatch(/: 1 problem\(s\); checked 4 database\(s\)/);
    const again = await backUp(backup);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`seawall backup: ${damaged}\n`);
    const keyFile = join(scratch('seawall-backup-repair-key-'), 'root.key');
    cpSync(join(dataDir, 'root.key'), keyFile);
    const target = join(scratch('seawall-backup-repair-new-'), 'new');
    const restored = await seawall('restore', '--from', backup, '--data-dir', target, '--root-key', keyFile);
    expect(restored.code).toBe(1);
    expect(restored.err).toBe(`seawall restore: ${damaged}\n`);
  });

  it('restore says plainly that the root key file is missing, naming it', async () => {
    const backup = scratch('seawall-backup-repair-to-');
    expect((await backUp(backup)).code).toBe(0);
    const noKey = join(scratch('seawall-backup-repair-key-'), 'nokey');
    const target = join(scratch('seawall-backup-repair-new-'), 'new');
    const restored = await seawall('restore', '--from', backup, '--data-dir', target, '--root-key', noKey);
    expect(restored.code).toBe(1);
    expect(restored.err).toBe(
      `seawall restore: the root key file ${noKey} is missing: give the installation's root key file with --root-key\n`,
    );
  });

  it('a backup to S3 killed on this host leaves a lock the next run takes over at once', async () => {
    const target = await startTestSeawall({ dataDir: scratch('seawall-backup-repair-target-') });
    // Every request goes through but blob uploads, which hang: the backup stops at its first, holding its lock.
    const held = await s3Proxy(target.url, {
      hang: (req) => req.method === 'PUT' && (req.url ?? '').includes('/blobs/'),
    });
    let run: ChildProcess | undefined;
    try {
      const backups = target.s3();
      await backups.send(new CreateBucketCommand({ Bucket: 'backups' }));
      run = spawn(
        process.execPath,
        [BIN, 'backup', '--data-dir', dataDir, '--to', 's3://backups/city', ...s3Flags(target, held.url)],
        { stdio: 'ignore' },
      );
      const exited = once(run, 'exit');
      await appears(backups, 'city/backup.lock');
      run.kill('SIGKILL');
      await exited;

      const next = await backUp('s3://backups/city', ...s3Flags(target));
      expect(next.err).toBe('');
      expect(next.code).toBe(0);
      expect(await keysUnder(backups, 'city/backup.lock')).toEqual([]);
    } finally {
      run?.kill('SIGKILL');
      held.close();
      await target.close();
    }
  }, 120_000);
});
