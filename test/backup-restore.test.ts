import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GetTablesCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { athenaClient, athenaQuery } from './helpers/athena.js';
import { createTicketsTable, scratchDirs, seawallCli as seawall, versionsOf } from './helpers/backup.js';
import { clientConfig } from './helpers/glue.js';
import { sealByDefault, startTestSeawall, type TestSeawall } from './helpers/seawall.js';

async function createBucketEvents(t: TestSeawall): Promise<string[]> {
  const trail = new CloudTrailClient(clientConfig(t));
  try {
    const { Events = [] } = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateBucket' }],
      }),
    );
    return Events.map((e) => `${e.EventId} ${e.EventName} ${e.Resources?.[0]?.ResourceName ?? ''}`).sort();
  } finally {
    trail.destroy();
  }
}

/** What an installation holds, as its clients see it: versions and bytes, keys, tables, a query, the trail. */
async function observe(t: TestSeawall, keyId: string) {
  const s3 = t.s3();
  const kms = new KMSClient(clientConfig(t));
  const glue = new GlueClient(clientConfig(t));
  try {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    const { TableList = [] } = await glue.send(new GetTablesCommand({ DatabaseName: 'city' }));
    return {
      lake: await versionsOf(s3, 'lake'),
      plain: await versionsOf(s3, 'plain'),
      key: `${KeyMetadata?.Arn} ${KeyMetadata?.KeyState}`,
      tables: TableList.map((table) => `${table.Name} ${table.StorageDescriptor?.Location}`).sort(),
      query: await athenaQuery(
        athenaClient(t),
        'SELECT count(*), sum(fine) FROM city.tickets WHERE fine > 0',
      ),
      trail: await createBucketEvents(t),
    };
  } finally {
    kms.destroy();
    glue.destroy();
  }
}

const scratch = scratchDirs();

describe('seawall backup and restore', () => {
  it('restores a destroyed installation from backups taken while it ran', async () => {
    const dataDir = scratch('seawall-backup-data-');
    const backup = join(scratch('seawall-backup-to-'), 'lake-backup');
    const keyFile = join(scratch('seawall-backup-key-'), 'root.key');
    let t = await startTestSeawall({ dataDir });
    const s3 = t.s3();
    const kms = new KMSClient(clientConfig(t));
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'lake' }));
    const keyId = KeyMetadata?.KeyId as string;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/lake', TargetKeyId: keyId }));
    kms.destroy();
    for (const bucket of ['lake', 'plain']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await sealByDefault(s3, 'lake', 'alias/lake');
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'lake', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    for (const fine of [10, 20, 30]) {
      const rows = ['plate,fine', ...Array.from({ length: 50 }, (_, i) => `P${i},${fine + i}`)];
      await s3.send(
        new PutObjectCommand({ Bucket: 'lake', Key: 'tickets/part-0.csv', Body: rows.join('\n') }),
      );
    }
    await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'gone.txt', Body: 'soon deleted' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'lake', Key: 'gone.txt' }));
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'plain', Key: 'big.bin' }));
    const parts = [];
    for (const [i, size] of [5 * 1024 * 1024, 1024 * 1024].entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: 'plain',
          Key: 'big.bin',
          UploadId: upload.UploadId,
          PartNumber: i + 1,
          Body: Buffer.alloc(size, i + 1),
        }),
      );
      parts.push({ PartNumber: i + 1, ETag: part.ETag });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'plain',
        Key: 'big.bin',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    await createTicketsTable(t);

    const first = await seawall('backup', '--data-dir', dataDir, '--to', backup);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const [, firstCount] = /: (\d+) blob\(s\)/.exec(first.out) ?? [];
    expect(Number(firstCount)).toBeGreaterThanOrEqual(5);
    expect(first.out).toMatch(new RegExp(`copied ${firstCount} new`));

    // A second backup copies only what changed since the first (and what observing wrote: query results).
    await s3.send(
      new PutObjectCommand({ Bucket: 'lake', Key: 'tickets/part-1.csv', Body: 'plate,fine\nQ1,7\n' }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'late.txt', Body: 'after the first backup' }));
    const before = await observe(t, keyId);
    expect(before.query[1]).toEqual(['51', String(50 * 30 + (49 * 50) / 2 + 7)]);
    const second = await seawall('backup', '--data-dir', dataDir, '--to', backup);
    expect(second.code).toBe(0);
    const [, total, copied] = /: (\d+) blob\(s\), .*; copied (\d+) new/.exec(second.out) ?? [];
    expect(Number(copied)).toBeGreaterThanOrEqual(2);
    expect(Number(total) - Number(copied)).toBe(Number(firstCount));
    expect(readdirSync(join(backup, 'snapshots'))).toHaveLength(2);

    const verified = await seawall('backup', '--verify', '--from', backup);
    expect(verified.err).toBe('');
    expect(verified.out).toMatch(/: whole; checked 4 database\(s\)/);
    expect(verified.code).toBe(0);

    const rootKey = readFileSync(join(dataDir, 'root.key'));
    // The backup holds no copy of the root key, under any name.
    for (const entry of readdirSync(backup, { recursive: true, withFileTypes: true }))
      if (entry.isFile())
        expect(readFileSync(join(entry.parentPath, entry.name)).includes(rootKey)).toBe(false);
    const accessKeyId = t.credentials.accessKeyId;
    await t.close();
    writeFileSync(keyFile, rootKey, { mode: 0o600 });
    rmSync(dataDir, { recursive: true, force: true });

    // The wrong root key is refused before anything is restored, and leaves nothing behind.
    const wrongKey = join(scratch('seawall-backup-wrong-'), 'root.key');
    writeFileSync(wrongKey, Buffer.alloc(32, 7), { mode: 0o600 });
    const wrong = await seawall('restore', '--from', backup, '--data-dir', dataDir, '--root-key', wrongKey);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/the root key does not open the secrets/);
    expect(existsSync(dataDir)).toBe(false);

    const restored = await seawall('restore', '--from', backup, '--data-dir', dataDir, '--root-key', keyFile);
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.out).toMatch(/restored snapshot \S+ into .*: account \d{12}, region ca-west-1/);

    t = await startTestSeawall({ dataDir });
    try {
      expect(t.credentials.accessKeyId).toBe(accessKeyId);
      expect(await observe(t, keyId)).toEqual(before);
    } finally {
      await t.close();
    }
  }, 180_000);

  it('a backup taken while every object is overwritten again and again restores a whole, readable lake', async () => {
    const dataDir = scratch('seawall-backup-data-');
    const backup = scratch('seawall-backup-to-');
    const t = await startTestSeawall({ dataDir });
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'busy' }));
    const keys = Array.from({ length: 120 }, (_, i) => `k${i}`);
    const put = (key: string, round: number) =>
      s3.send(new PutObjectCommand({ Bucket: 'busy', Key: key, Body: Buffer.alloc(64 * 1024, round % 251) }));
    for (const key of keys) await put(key, 0);
    // Each overwrite deletes the blob of the version before it: what a snapshot names may be gone before it is copied.
    let done = false;
    let round = 0;
    const churn = (async () => {
      while (!done) {
        round++;
        await Promise.all(keys.map((key) => put(key, round)));
      }
    })();
    const taken = await seawall('backup', '--data-dir', dataDir, '--to', backup);
    done = true;
    await churn;
    expect(taken.err).toBe('');
    expect(taken.code).toBe(0);
    expect(round).toBeGreaterThan(0);
    await t.close();
    expect((await seawall('backup', '--verify', '--from', backup)).code).toBe(0);
    const keyFile = join(scratch('seawall-backup-key-'), 'root.key');
    copyFileSync(join(dataDir, 'root.key'), keyFile);
    const target = join(scratch('seawall-backup-new-'), 'new');
    expect(
      (await seawall('restore', '--from', backup, '--data-dir', target, '--root-key', keyFile)).code,
    ).toBe(0);
    const back = await startTestSeawall({ dataDir: target });
    try {
      const restored = back.s3();
      for (const key of keys) {
        const got = await restored.send(new GetObjectCommand({ Bucket: 'busy', Key: key }));
        const body = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
        expect(body.length).toBe(64 * 1024);
        expect(`"${createHash('md5').update(body).digest('hex')}"`).toBe(got.ETag);
      }
    } finally {
      await back.close();
    }
  }, 180_000);

  it('verify names a damaged blob, a missing blob and a damaged database; restore refuses them', async () => {
    const dataDir = scratch('seawall-backup-data-');
    const backup = scratch('seawall-backup-to-');
    const t = await startTestSeawall({ dataDir });
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'bkt' }));
    for (const key of ['one', 'two', 'three'])
      await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: key, Body: `${key} `.repeat(1000) }));
    await t.close();
    expect((await seawall('backup', '--data-dir', dataDir, '--to', backup)).code).toBe(0);
    const blobs = readdirSync(join(backup, 'blobs'), { recursive: true })
      .map(String)
      .filter((name) => /[0-9a-f]{32}$/.test(name))
      .sort();
    expect(blobs).toHaveLength(3);
    const [damaged, missing] = blobs as [string, string];
    const bytes = readFileSync(join(backup, 'blobs', damaged));
    bytes[100] = (bytes[100] as number) ^ 1;
    writeFileSync(join(backup, 'blobs', damaged), bytes);
    rmSync(join(backup, 'blobs', missing));

    const verified = await seawall('backup', '--verify', '--from', backup);
    expect(verified.code).toBe(1);
    const id = (path: string) => path.slice(-32);
    expect(verified.err).toContain(`blob ${id(damaged)} (blobs/${damaged}): does not match the SHA-256`);
    expect(verified.err).toContain(`blob ${id(missing)} (blobs/${missing}): is missing`);
    expect(verified.out).toMatch(/2 problem\(s\)/);

    const keyFile = join(scratch('seawall-backup-key-'), 'root.key');
    copyFileSync(join(dataDir, 'root.key'), keyFile);
    const target = join(scratch('seawall-backup-new-'), 'new');
    const refused = await seawall('restore', '--from', backup, '--data-dir', target, '--root-key', keyFile);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/blob [0-9a-f]{32}: (does not match|missing)/);
    expect(existsSync(target)).toBe(false);

    // A database page overwritten with garbage.
    const [snapshot] = readdirSync(join(backup, 'snapshots'));
    const db = join(backup, 'snapshots', snapshot as string, 'metadata.db');
    const page = readFileSync(db);
    page.fill(0x5a, 8192, 12288);
    writeFileSync(db, page);
    const damagedDb = await seawall('backup', '--verify', '--from', backup);
    expect(damagedDb.code).toBe(1);
    expect(damagedDb.err).toContain(`snapshot ${snapshot}: metadata.db does not match the SHA-256`);
  }, 120_000);

  it('restores a cold tier into the new cold tier, and reads every object back', async () => {
    const dataDir = scratch('seawall-backup-data-');
    const coldDir = scratch('seawall-backup-cold-');
    const t = await startTestSeawall({ dataDir, env: { SEAWALL_COLD_STORAGE_DIR: coldDir } });
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'tiers' }));
    await s3.send(new PutObjectCommand({ Bucket: 'tiers', Key: 'hot', Body: 'hot bytes' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'tiers', Key: 'cold', Body: 'cold bytes', StorageClass: 'STANDARD_IA' }),
    );
    await t.close();
    const backup = scratch('seawall-backup-to-');
    expect(
      (await seawall('backup', '--data-dir', dataDir, '--to', backup, '--cold-storage-dir', coldDir)).code,
    ).toBe(0);
    const keyFile = join(scratch('seawall-backup-key-'), 'root.key');
    copyFileSync(join(dataDir, 'root.key'), keyFile);
    const restoredDir = join(scratch('seawall-restore-parent-'), 'data');
    const restoredCold = scratch('seawall-restore-cold-');
    const restoreInto = (cold: string) =>
      seawall(
        'restore',
        '--from',
        backup,
        '--data-dir',
        restoredDir,
        '--root-key',
        keyFile,
        '--cold-storage-dir',
        cold,
      );
    // Never into a cold tier that holds anything (the live one's blobs would be swept as the new one's orphans).
    const intoLive = await restoreInto(coldDir);
    expect(intoLive.code).toBe(1);
    expect(intoLive.err).toMatch(/is not empty/);
    expect(existsSync(restoredDir)).toBe(false);
    const restored = await restoreInto(restoredCold);
    expect(restored.err).toBe('');
    const blobs = (dir: string) =>
      readdirSync(join(dir, 'blobs'), { recursive: true })
        .map(String)
        .filter((name) => /[0-9a-f]{32}$/.test(name));
    expect(blobs(restoredCold)).toHaveLength(1);
    expect(blobs(join(restoredDir, 'objects'))).toHaveLength(1);
    const again = await startTestSeawall({
      dataDir: restoredDir,
      env: { SEAWALL_COLD_STORAGE_DIR: restoredCold },
    });
    try {
      const read = async (Key: string) =>
        (await again.s3().send(new GetObjectCommand({ Bucket: 'tiers', Key }))).Body?.transformToString();
      expect(await read('hot')).toBe('hot bytes');
      expect(await read('cold')).toBe('cold bytes');
    } finally {
      await again.close();
    }
  });

  it('refuses what it cannot do, each with its reason', async () => {
    const dataDir = scratch('seawall-backup-data-');
    const t = await startTestSeawall({ dataDir });
    await t.close();
    // An S3 backup nobody answers for is one line naming it; S3's flags with a directory are refused.
    const s3Target = await seawall(
      'backup',
      '--data-dir',
      dataDir,
      '--to',
      's3://bucket/prefix',
      '--endpoint',
      'http://127.0.0.1:1',
    );
    expect(s3Target.code).toBe(1);
    expect(s3Target.err).toMatch(/s3:\/\/bucket\/prefix: \S+/);
    // A location whose bucket S3 could not name, or whose prefix has dot segments, is no S3 location.
    for (const to of ['s3://../escape', 's3://bucket/a/../b'])
      expect((await seawall('backup', '--data-dir', dataDir, '--to', to)).err).toMatch(
        /is not an S3 location/,
      );
    const s3Flag = await seawall('backup', '--data-dir', dataDir, '--to', scratch('x-'), '--profile', 'p');
    expect(s3Flag.code).toBe(1);
    expect(s3Flag.err).toMatch(/--profile is only for a backup in S3/);
    const notData = await seawall(
      'backup',
      '--data-dir',
      scratch('seawall-backup-empty-'),
      '--to',
      scratch('x-'),
    );
    expect(notData.code).toBe(1);
    expect(notData.err).toMatch(/is not a Seawall data directory/);
    const nothing = await seawall('backup', '--verify', '--from', scratch('seawall-backup-none-'));
    expect(nothing.code).toBe(1);
    expect(nothing.err).toMatch(/holds no finished backup/);
    const backup = scratch('seawall-backup-to-');
    expect((await seawall('backup', '--data-dir', dataDir, '--to', backup)).code).toBe(0);
    const keyFile = join(scratch('seawall-backup-key-'), 'root.key');
    copyFileSync(join(dataDir, 'root.key'), keyFile);
    const occupied = await seawall('restore', '--from', backup, '--data-dir', dataDir, '--root-key', keyFile);
    expect(occupied.code).toBe(1);
    expect(occupied.err).toMatch(/is not empty; restore into a new data directory/);
    expect(existsSync(join(dataDir, 'metadata.db'))).toBe(true);
    const inside = await seawall('backup', '--data-dir', dataDir, '--to', join(dataDir, 'objects', 'b'));
    expect(inside.code).toBe(1);
    expect(inside.err).toMatch(/is inside .* or holds it: back up to a directory of its own/);
    // Through a symbolic link too.
    const link = join(scratch('seawall-backup-link-'), 'to-data');
    symlinkSync(dataDir, link);
    const linked = await seawall('backup', '--data-dir', dataDir, '--to', join(link, 'b'));
    expect(linked.code).toBe(1);
    expect(linked.err).toMatch(/or holds it: back up to a directory of its own/);
    // A flag of the other mode is refused, not ignored.
    const stray = await seawall('backup', '--data-dir', dataDir, '--to', backup, '--snapshot', 'x');
    expect(stray.code).toBe(1);
    expect(stray.err).toMatch(/--snapshot is only for seawall backup --verify/);
    const strayVerify = await seawall('backup', '--verify', '--from', backup, '--to', backup);
    expect(strayVerify.code).toBe(1);
    expect(strayVerify.err).toMatch(/--to is not for seawall backup --verify/);

    // What a backup writes is private, whatever the umask; the restored directory's marker is gone.
    for (const entry of readdirSync(backup, { recursive: true, withFileTypes: true }))
      if (entry.isFile() && !entry.name.endsWith('.lock'))
        expect(statSync(join(entry.parentPath, entry.name)).mode & 0o077).toBe(0);
    const restoredDir = join(scratch('seawall-backup-new-'), 'new');
    const restored = await seawall(
      'restore',
      '--from',
      backup,
      '--data-dir',
      restoredDir,
      '--root-key',
      keyFile,
    );
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(existsSync(join(restoredDir, 'restore.incomplete'))).toBe(false);
    // A restore killed part-way leaves its marker, and no server starts there.
    writeFileSync(join(restoredDir, 'restore.incomplete'), 'x');
    await expect(startTestSeawall({ dataDir: restoredDir })).rejects.toThrow(/a restore that did not finish/);

    // A blob the data directory lacks is named, not retried as if deleted meanwhile.
    const s3Dir = scratch('seawall-backup-lost-');
    const lost = await startTestSeawall({ dataDir: s3Dir });
    await lost.s3().send(new CreateBucketCommand({ Bucket: 'lost' }));
    await lost.s3().send(new PutObjectCommand({ Bucket: 'lost', Key: 'k', Body: 'bytes' }));
    await lost.close();
    const [file] = readdirSync(join(s3Dir, 'objects', 'blobs'), { recursive: true })
      .map(String)
      .filter((name) => /[0-9a-f]{32}$/.test(name));
    rmSync(join(s3Dir, 'objects', 'blobs', file as string));
    const missing = await seawall('backup', '--data-dir', s3Dir, '--to', scratch('seawall-backup-to-'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(
      `blob ${(file as string).slice(-32)}, named by the metadata, is not in the data directory`,
    );
  }, 120_000);
});
