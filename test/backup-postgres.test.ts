import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetTablesCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenaClient, athenaQuery } from './helpers/athena.js';
import {
  createTicketsTable,
  s3Flags,
  s3Proxy,
  scratchDirs,
  seawallCli as seawall,
  versionsOf,
} from './helpers/backup.js';
import { clientConfig } from './helpers/glue.js';
import { postgresAdmin, postgresUrl } from './helpers/postgres.js';
import { sealByDefault, startTestSeawall, type TestSeawall } from './helpers/seawall.js';

const names = ['source', 'restored', 'slow'].map(
  (role) => `seawall_backup_${role}_${randomBytes(5).toString('hex')}`,
);
const urlOf = postgresUrl;
const [sourceUrl, restoredUrl, slowUrl] = names.map(urlOf) as [string, string, string];
/** The source as node-pg users write it (`ssl=0`, which libpq's tools do not take as it is). */
const sourceNodeUrl = `${sourceUrl}?ssl=0`;

const admin = postgresAdmin;

/** How many tables a database holds. */
async function tableCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'",
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

const scratch = scratchDirs();
beforeAll(async () => {
  for (const name of names) await admin(`CREATE DATABASE ${name}`);
});
afterAll(async () => {
  for (const name of names) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

/** What the installation holds, as its clients see it. */
async function observe(t: TestSeawall, keyId: string) {
  const kms = new KMSClient(clientConfig(t));
  const glue = new GlueClient(clientConfig(t));
  try {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    const { TableList = [] } = await glue.send(new GetTablesCommand({ DatabaseName: 'city' }));
    return {
      lake: await versionsOf(t.s3(), 'lake'),
      key: `${KeyMetadata?.Arn} ${KeyMetadata?.KeyState}`,
      tables: TableList.map((table) => `${table.Name} ${table.StorageDescriptor?.Location}`).sort(),
      query: await athenaQuery(athenaClient(t), 'SELECT count(*), sum(fine) FROM city.tickets'),
    };
  } finally {
    kms.destroy();
    glue.destroy();
  }
}

describe('seawall backup and restore with the metadata in PostgreSQL', () => {
  it('backs up a running installation with pg_dump, verifies it, and restores it into an empty database', async () => {
    const dataDir = scratch('seawall-backup-pg-data-');
    const backup = join(scratch('seawall-backup-pg-to-'), 'backup');
    let t = await startTestSeawall({ dataDir, env: { SEAWALL_METADATA_URL: sourceNodeUrl } });
    let keyId = '';
    let before: Awaited<ReturnType<typeof observe>>;
    try {
      const s3 = t.s3();
      const kms = new KMSClient(clientConfig(t));
      keyId = (await kms.send(new CreateKeyCommand({ Description: 'lake' }))).KeyMetadata?.KeyId as string;
      kms.destroy();
      await s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
      await sealByDefault(s3, 'lake', keyId);
      await s3.send(
        new PutBucketVersioningCommand({ Bucket: 'lake', VersioningConfiguration: { Status: 'Enabled' } }),
      );
      for (const fine of [10, 20])
        await s3.send(
          new PutObjectCommand({
            Bucket: 'lake',
            Key: 'tickets/part-0.csv',
            Body: `plate,fine\nP1,${fine}\nP2,${fine + 5}\n`,
          }),
        );
      await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'gone.txt', Body: 'deleted' }));
      await s3.send(new DeleteObjectCommand({ Bucket: 'lake', Key: 'gone.txt' }));
      await createTicketsTable(t);
      before = await observe(t, keyId);
      expect(before.query[1]).toEqual(['2', '45']);

      // Without the URL, the data directory alone is not the installation.
      const withoutUrl = await seawall('backup', '--data-dir', dataDir, '--to', backup);
      expect(withoutUrl.code).toBe(1);
      expect(withoutUrl.err).toMatch(/keeps its metadata in PostgreSQL: give its --metadata-url/);

      // Objects overwritten (their old bytes deleted) all through the backup: the snapshot's are kept whole.
      await s3.send(new CreateBucketCommand({ Bucket: 'churn' }));
      let writing = true;
      let writes = 0;
      const writer = (async () => {
        while (writing)
          await s3.send(
            new PutObjectCommand({ Bucket: 'churn', Key: `k${writes % 3}`, Body: `write ${++writes}` }),
          );
      })();
      const taken = await seawall(
        'backup',
        '--data-dir',
        dataDir,
        '--to',
        backup,
        '--metadata-url',
        sourceNodeUrl,
      );
      writing = false;
      await writer;
      expect(taken.err).toBe('');
      expect(taken.code).toBe(0);
      expect(writes).toBeGreaterThan(3);
      const [, count] = /: (\d+) blob\(s\)/.exec(taken.out) ?? [];
      const verified = await seawall('backup', '--verify', '--from', backup);
      expect(verified.err).toBe('');
      // Every blob the backup holds is checked: those the snapshot names, and any an earlier run copied.
      const [, checkedBlobs] = /: whole; checked 4 database\(s\), (\d+) blob\(s\)/.exec(verified.out) ?? [];
      expect(Number(checkedBlobs)).toBeGreaterThanOrEqual(Number(count));
      expect(verified.code).toBe(0);
      // A damaged archive is named by verify.
      const [snapshot] = readdirSync(join(backup, 'snapshots'));
      const archive = join(backup, 'snapshots', snapshot as string, 'metadata.pgdump');
      const good = readFileSync(archive);
      const bad = Buffer.from(good);
      bad[bad.length >> 1] = (bad[bad.length >> 1] as number) ^ 0xff;
      writeFileSync(archive, bad);
      const damaged = await seawall('backup', '--verify', '--from', backup);
      expect(damaged.code).toBe(1);
      expect(damaged.err).toMatch(/metadata\.pgdump does not match the SHA-256 recorded/);
      writeFileSync(archive, good);
    } finally {
      await t.close();
    }

    const rootKey = join(scratch('seawall-backup-pg-key-'), 'root.key');
    copyFileSync(join(dataDir, 'root.key'), rootKey);
    rmSync(dataDir, { recursive: true, force: true });
    const restore = (...flags: string[]) =>
      seawall('restore', '--from', backup, '--data-dir', dataDir, '--root-key', rootKey, ...flags);
    const noUrl = await restore();
    expect(noUrl.err).toMatch(/keeps its metadata in PostgreSQL: give --metadata-url/);
    // A database that holds tables (here, the installation's own) is refused, and nothing is left behind.
    const busy = await restore('--metadata-url', sourceUrl);
    expect(busy.err).toMatch(/holds tables; give an empty database/);
    expect(existsSync(dataDir)).toBe(false);
    // A wrong root key fails once the archive is loaded: what it loaded is dropped again.
    const wrongKey = join(scratch('seawall-backup-pg-wrong-'), 'root.key');
    writeFileSync(wrongKey, Buffer.alloc(32, 7), { mode: 0o600 });
    const wrong = await seawall(
      'restore',
      '--from',
      backup,
      '--data-dir',
      dataDir,
      '--root-key',
      wrongKey,
      '--metadata-url',
      restoredUrl,
    );
    expect(wrong.err).toMatch(/the root key does not open the secrets/);
    expect(await tableCount(restoredUrl)).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
    const restored = await restore('--metadata-url', restoredUrl);
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(await tableCount(restoredUrl)).toBeGreaterThan(10);

    t = await startTestSeawall({ dataDir, env: { SEAWALL_METADATA_URL: restoredUrl } });
    try {
      expect(await observe(t, keyId)).toEqual(before);
      // Every object of the snapshot reads back (versionsOf reads each one's bytes).
      expect((await versionsOf(t.s3(), 'churn')).length).toBe(3);
    } finally {
      await t.close();
    }
  }, 180_000);

  it("lets the snapshot's transaction go before the blobs are copied, however long that takes", async () => {
    // The database ends any session idle in a transaction for 2 s, as managed PostgreSQL often does.
    await admin(`ALTER DATABASE ${names[2]} SET idle_in_transaction_session_timeout = '2s'`);
    const target = await startTestSeawall({ dataDir: scratch('seawall-backup-pg-target-') });
    const dataDir = scratch('seawall-backup-pg-slow-');
    const t = await startTestSeawall({ dataDir, env: { SEAWALL_METADATA_URL: slowUrl } });
    // A slow link to the backup's S3: each blob takes 3 s to go through.
    const slow = await s3Proxy(target.url, {
      delayMs: (req) => (req.method === 'PUT' && req.url?.includes('/blobs/') ? 3000 : 0),
    });
    try {
      await target.s3().send(new CreateBucketCommand({ Bucket: 'backups' }));
      const s3 = t.s3();
      await s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
      await s3.send(
        new PutObjectCommand({ Bucket: 'lake', Key: 'tickets.csv', Body: 'plate,fine\nP1,10\n' }),
      );
      const location = 's3://backups/slow';
      const taken = await seawall(
        'backup',
        '--data-dir',
        dataDir,
        '--to',
        location,
        '--metadata-url',
        slowUrl,
        ...s3Flags(target, slow.url),
      );
      expect(taken.err).toBe('');
      expect(taken.code).toBe(0);
      const verified = await seawall('backup', '--verify', '--from', location, ...s3Flags(target));
      expect(verified.err).toBe('');
      expect(verified.code).toBe(0);
    } finally {
      slow.close();
      await t.close();
      await target.close();
    }
  }, 120_000);
});
