import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { GetTablesCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  createTicketsTable,
  s3Flags,
  s3Proxy,
  scratchDirs,
  seawallCli as seawall,
  versionsOf,
} from './helpers/backup.js';
import { clientConfig } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

async function tablesOf(t: TestSeawall): Promise<string[]> {
  const glue = new GlueClient(clientConfig(t));
  try {
    const { TableList = [] } = await glue.send(new GetTablesCommand({ DatabaseName: 'city' }));
    return TableList.map((table) => `${table.Name} ${table.StorageDescriptor?.Location}`);
  } finally {
    glue.destroy();
  }
}

/** The objects under `prefix` of the target's `backups` bucket, with their sizes. */
async function objectsUnder(s3: S3Client, prefix: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: 'backups', Prefix: prefix, ContinuationToken }),
    );
    for (const object of page.Contents ?? []) found.set(object.Key ?? '', object.Size ?? 0);
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return found;
}

const scratch = scratchDirs();

const copiedOf = (out: string) => {
  const [, total, copied] = /: (\d+) blob\(s\), .*; copied (\d+) new/.exec(out) ?? [];
  return { total: Number(total), copied: Number(copied) };
};

describe('seawall backup to S3', () => {
  it('fails rather than store bytes damaged on the way: every upload carries its Content-MD5', async () => {
    const target = await startTestSeawall({ dataDir: scratch('seawall-backup-damage-target-') });
    const t = await startTestSeawall({ dataDir: scratch('seawall-backup-damage-data-') });
    // A faulty link to the target, which flips a byte of every blob uploaded through it.
    const faulty = await s3Proxy(target.url, {
      damage: (req) => req.method === 'PUT' && (req.url ?? '').includes('/blobs/'),
    });
    try {
      const backups = target.s3();
      await backups.send(new CreateBucketCommand({ Bucket: 'backups' }));
      const s3 = t.s3();
      await s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
      await s3.send(
        new PutObjectCommand({ Bucket: 'lake', Key: 'tickets.csv', Body: 'plate,fine\nP1,10\n' }),
      );
      const flags = ['--data-dir', t.dataDir, '--to', 's3://backups/city'];
      const damaged = await seawall('backup', ...flags, ...s3Flags(target, faulty.url));
      expect(damaged.code).not.toBe(0);
      expect(damaged.err).toMatch(/BadDigest|Content-MD5/);
      expect((await objectsUnder(backups, 'city/blobs/')).size).toBe(0);
      // The same backup over a sound link stores them.
      expect((await seawall('backup', ...flags, ...s3Flags(target))).code).toBe(0);
      expect((await objectsUnder(backups, 'city/blobs/')).size).toBeGreaterThan(0);
    } finally {
      faulty.close();
      await t.close();
      await target.close();
    }
  });

  it("keeps its local files on the data directory's disk, not in the system's temporary directory", async () => {
    const target = await startTestSeawall({ dataDir: scratch('seawall-backup-scratch-target-') });
    const t = await startTestSeawall({ dataDir: scratch('seawall-backup-scratch-data-') });
    const tmp = process.env.TMPDIR;
    try {
      await target.s3().send(new CreateBucketCommand({ Bucket: 'backups' }));
      await t.s3().send(new CreateBucketCommand({ Bucket: 'lake' }));
      await t.s3().send(new PutObjectCommand({ Bucket: 'lake', Key: 'a.csv', Body: 'plate\nP1\n' }));
      // What a backup killed in the middle leaves: its scratch directory, named by a process that is gone.
      const pins = join(t.dataDir, 'objects', 'backup-pins');
      const left = join(pins, '.scratch-killed');
      mkdirSync(left, { recursive: true });
      writeFileSync(join(left, 'owner.json'), JSON.stringify({ hostname: hostname(), pid: 2 ** 22 + 7 }));
      writeFileSync(join(left, 'seawall-backup-s3-1'), 'a metadata copy');
      // A system temporary directory that cannot be used (full, or gone) does not matter to the backup.
      process.env.TMPDIR = join(t.dataDir, 'no-such-directory');
      const done = await seawall(
        'backup',
        '--data-dir',
        t.dataDir,
        '--to',
        's3://backups/city',
        ...s3Flags(target),
      );
      expect(done.err).toBe('');
      expect(done.code).toBe(0);
      expect(existsSync(left)).toBe(false);
      expect(readdirSync(pins).filter((name) => name.startsWith('.scratch-'))).toEqual([]);
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
      await t.close();
      await target.close();
    }
  });

  it('backs up into another Seawall incrementally, verifies, and restores a destroyed installation', async () => {
    const target = await startTestSeawall({ dataDir: scratch('seawall-backup-target-') });
    const dataDir = scratch('seawall-backup-s3-data-');
    let t = await startTestSeawall({ dataDir });
    try {
      const backups = target.s3();
      await backups.send(new CreateBucketCommand({ Bucket: 'backups' }));
      const flags = s3Flags(target);
      const location = 's3://backups/city';

      const s3 = t.s3();
      await s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
      await s3.send(
        new PutBucketVersioningCommand({ Bucket: 'lake', VersioningConfiguration: { Status: 'Enabled' } }),
      );
      for (const fine of [10, 20, 30])
        await s3.send(
          new PutObjectCommand({
            Bucket: 'lake',
            Key: 'tickets/part-0.csv',
            Body: `plate,fine\nP1,${fine}\n`,
          }),
        );
      // Larger than a part: uploaded to the backup in parts.
      const big = Buffer.alloc(65 * 1024 * 1024 + 123, 0);
      for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
      await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'big.bin', Body: big }));
      await createTicketsTable(t);

      const first = await seawall('backup', '--data-dir', dataDir, '--to', location, ...flags);
      expect(first.err).toBe('');
      expect(first.code).toBe(0);
      const one = copiedOf(first.out);
      expect(one.total).toBe(4);
      expect(one.copied).toBe(4);

      // One backup at a time: a lock another run holds is named, not broken.
      await backups.send(new PutObjectCommand({ Bucket: 'backups', Key: 'city/backup.lock', Body: '{}' }));
      const busy = await seawall('backup', '--data-dir', dataDir, '--to', location, ...flags);
      expect(busy.code).toBe(1);
      expect(busy.err).toMatch(/another backup .* is writing to s3:\/\/backups\/city|has been writing to/);
      await backups.send(new DeleteObjectCommand({ Bucket: 'backups', Key: 'city/backup.lock' }));

      await s3.send(
        new PutObjectCommand({ Bucket: 'lake', Key: 'tickets/part-1.csv', Body: 'plate,fine\nQ1,7\n' }),
      );
      const second = await seawall('backup', '--data-dir', dataDir, '--to', location, ...flags);
      expect(second.code).toBe(0);
      const two = copiedOf(second.out);
      expect(two).toEqual({ total: 5, copied: 1 });

      const objects = await objectsUnder(backups, 'city/');
      const blobKeys = [...objects.keys()].filter((key) =>
        /^city\/blobs\/[0-9a-f]{2}\/[0-9a-f]{32}$/.test(key),
      );
      expect(blobKeys).toHaveLength(5);
      expect([...objects.keys()].filter((key) => key.endsWith('/manifest.json'))).toHaveLength(2);
      expect(objects.has('city/catalog.db')).toBe(true);
      expect(objects.has('city/backup.lock')).toBe(false);
      // Nothing but the layout: no root key, no leftovers.
      const rest = [...objects.keys()].filter((key) => !blobKeys.includes(key) && key !== 'city/catalog.db');
      for (const key of rest)
        expect(key).toMatch(/^city\/snapshots\/\d{8}T\d{6}Z-[0-9a-f]{6}\/[a-z]+\.(db|json)$/);

      const verified = await seawall('backup', '--verify', '--from', location, ...flags);
      expect(verified.err).toBe('');
      expect(verified.out).toMatch(/: whole; checked 4 database\(s\), 5 blob\(s\)/);
      expect(verified.code).toBe(0);

      // A blob object overwritten in the bucket is named by verify.
      const small = blobKeys.find((key) => (objects.get(key) ?? 0) < 1024 * 1024) as string;
      const original = Buffer.from(
        (await (
          await backups.send(new GetObjectCommand({ Bucket: 'backups', Key: small }))
        ).Body?.transformToByteArray()) ?? [],
      );
      const damaged = Buffer.from(original);
      damaged[10] = (damaged[10] as number) ^ 1;
      await backups.send(new PutObjectCommand({ Bucket: 'backups', Key: small, Body: damaged }));
      const broken = await seawall('backup', '--verify', '--from', location, ...flags);
      expect(broken.code).toBe(1);
      const id = small.slice(-32);
      expect(broken.err).toContain(`blob ${id} (blobs/${id.slice(0, 2)}/${id}): does not match the SHA-256`);
      expect(broken.out).toMatch(/1 problem\(s\)/);
      await backups.send(new PutObjectCommand({ Bucket: 'backups', Key: small, Body: original }));

      const before = { lake: await versionsOf(s3, 'lake'), tables: await tablesOf(t) };
      expect(before.lake).toHaveLength(5);
      const keyFile = join(scratch('seawall-backup-s3-key-'), 'root.key');
      copyFileSync(join(dataDir, 'root.key'), keyFile);
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });

      const restoredDir = join(scratch('seawall-backup-s3-new-'), 'data');
      const restored = await seawall(
        'restore',
        '--from',
        location,
        '--data-dir',
        restoredDir,
        '--root-key',
        keyFile,
        ...flags,
      );
      expect(restored.err).toBe('');
      expect(restored.code).toBe(0);
      expect(restored.out).toMatch(/5 blob\(s\)/);
      t = await startTestSeawall({ dataDir: restoredDir });
      expect({ lake: await versionsOf(t.s3(), 'lake'), tables: await tablesOf(t) }).toEqual(before);
    } finally {
      await t.close();
      await target.close();
    }
  }, 240_000);
});
