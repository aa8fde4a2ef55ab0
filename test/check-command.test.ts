import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  cpSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CloudTrailClient,
  CreateTrailCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  CreateKeyCommand,
  KMSClient,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from './helpers/check.js';
import { BIN } from './helpers/child-server.js';
import { postgresAdmin, postgresUrl } from './helpers/postgres.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { documentedTrailPolicy } from './helpers/trails.js';
import { until } from './helpers/until.js';

// `seawall check` on a stopped installation that real clients filled: clean, it exits 0; each kind of damage
// made to a copy of it is named on its own line, with exit 1.
const TRAIL = 'checked';
const TRAIL_BUCKET = 'check-trail';
const TRAIL_PREFIX = 'audit';

let pristine: string;
const made: string[] = [];
let kmsKeyId = '';
/** A key scheduled for deletion, with an object under it. */
let doomedKeyId = '';

/** The finding lines a run printed, with what it said on stderr (nothing, when it could run). */
function expectFindings(result: ReturnType<typeof runCheck>, lines: string[]): void {
  expect({ stderr: result.stderr, problems: result.problems }).toEqual({ stderr: '', problems: lines });
}

/**
 * A fresh copy of the installation to damage. Its metadata.db seal (db/sqlite-seal.ts) is dropped, as a crash
 * leaves none: each test here changes rows as a program other than Seawall would, and sees what check says of
 * that change itself (the seal's own finding is tested in startup-damage.test.ts).
 */
function copy(options: { keepSeal?: boolean } = {}): string {
  const dir = tempDir('seawall-check-');
  made.push(dir);
  cpSync(pristine, dir, { recursive: true });
  if (!options.keepSeal) rmSync(join(dir, 'metadata.db.seal'), { force: true });
  return dir;
}

function query<T>(dir: string, sql: string, ...params: unknown[]): T {
  const db = new BetterSqlite3(join(dir, 'metadata.db'), { readonly: true });
  try {
    return db.prepare(sql).get(...params) as T;
  } finally {
    db.close();
  }
}

function blobOf(dir: string, bucket: string, key: string): { id: string; path: string; display: string } {
  const { blob_id: id } = query<{ blob_id: string }>(
    dir,
    'SELECT blob_id FROM object_versions WHERE bucket = ? AND key = ? AND is_latest = 1',
    bucket,
    key,
  );
  const display = `objects/blobs/${id.slice(0, 2)}/${id}`;
  return { id, path: join(dir, display), display };
}

async function keysUnder(s3: S3Client, prefix: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: TRAIL_BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

async function bodyOf(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

/** Log files, once every one is listed by a digest. */
async function allDigested(t: TestSeawall, s3: S3Client): Promise<string[] | undefined> {
  const root = `${TRAIL_PREFIX}/AWSLogs/${t.seawall.accountId}`;
  const logs = await keysUnder(s3, `${root}/CloudTrail/`);
  const listed = new Set<string>();
  for (const key of await keysUnder(s3, `${root}/CloudTrail-Digest/`)) {
    const digest = JSON.parse(gunzipSync(await bodyOf(s3, TRAIL_BUCKET, key)).toString('utf8')) as {
      logFiles: { s3Object: string }[];
    };
    for (const file of digest.logFiles) listed.add(file.s3Object);
  }
  return logs.length > 0 && logs.every((key) => listed.has(key)) ? logs : undefined;
}

/** Objects of every kind the check reads: SSE-S3, SSE-KMS under a rotated key, multipart, versions, a trail. */
async function fill(t: TestSeawall): Promise<void> {
  const s3 = t.s3();
  const kms = new KMSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  const trail = new CloudTrailClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: t.credentials,
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: TRAIL_BUCKET }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: TRAIL_BUCKET,
        Policy: documentedTrailPolicy(t, TRAIL_BUCKET, TRAIL_PREFIX, TRAIL),
      }),
    );
    await trail.send(
      new CreateTrailCommand({
        Name: TRAIL,
        S3BucketName: TRAIL_BUCKET,
        S3KeyPrefix: TRAIL_PREFIX,
        EnableLogFileValidation: true,
      }),
    );
    await trail.send(new StartLoggingCommand({ Name: TRAIL }));

    await s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
    const put = (key: string, body: Buffer | string, extra: Partial<PutObjectCommandInput> = {}) =>
      s3.send(new PutObjectCommand({ Bucket: 'lake', Key: key, Body: body, ...extra }));
    await put('raw/tickets.csv', randomBytes(200 * 1024));
    await put('raw/same-a.bin', randomBytes(70_000));
    await put('raw/same-b.bin', randomBytes(70_000));
    await put('raw/summed.bin', randomBytes(10_000), { ChecksumAlgorithm: 'SHA256' });
    await put('raw/empty.txt', '');

    const key = await kms.send(new CreateKeyCommand({ Description: 'lake' }));
    kmsKeyId = key.KeyMetadata?.KeyId ?? '';
    const sealed = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId } as const;
    await put('kms/before.json', JSON.stringify({ rotated: false }), sealed);
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: kmsKeyId }));
    await put('kms/after.json', JSON.stringify({ rotated: true }), sealed);
    const doomed = await kms.send(new CreateKeyCommand({ Description: 'doomed' }));
    doomedKeyId = doomed.KeyMetadata?.KeyId ?? '';
    await put('kms/doomed.json', '{}', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: doomedKeyId });
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomedKeyId, PendingWindowInDays: 7 }));

    // SSE-C, once the bucket allows it: Seawall keeps no customer key, so only its blob's size is checkable.
    await s3.send(new CreateBucketCommand({ Bucket: 'customer' }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'customer',
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
              BlockedEncryptionTypes: { EncryptionType: ['NONE'] },
            },
          ],
        },
      }),
    );
    const customerKey = randomBytes(32);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'customer',
        Key: 'c.bin',
        Body: randomBytes(1000),
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: customerKey.toString('base64'),
        SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64'),
      }),
    );

    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(300_000)];
    const upload = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'lake', Key: 'big/multi.bin', ChecksumAlgorithm: 'CRC32' }),
    );
    const uploaded: { ETag?: string; PartNumber: number; ChecksumCRC32?: string }[] = [];
    for (const [i, body] of parts.entries()) {
      const out = await s3.send(
        new UploadPartCommand({
          Bucket: 'lake',
          Key: 'big/multi.bin',
          UploadId: upload.UploadId,
          PartNumber: i + 1,
          Body: body,
          ChecksumAlgorithm: 'CRC32',
        }),
      );
      uploaded.push({ ETag: out.ETag, PartNumber: i + 1, ChecksumCRC32: out.ChecksumCRC32 });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'lake',
        Key: 'big/multi.bin',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: uploaded },
      }),
    );
    // An upload left in progress: its part is checked too.
    const pending = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'lake', Key: 'big/pending.bin' }),
    );
    await s3.send(
      new UploadPartCommand({
        Bucket: 'lake',
        Key: 'big/pending.bin',
        UploadId: pending.UploadId,
        PartNumber: 1,
        Body: randomBytes(1000),
      }),
    );

    await s3.send(new CreateBucketCommand({ Bucket: 'history' }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'history', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    for (const text of ['one', 'two', 'three'])
      await s3.send(new PutObjectCommand({ Bucket: 'history', Key: 'doc.txt', Body: text }));

    // Stopped: what it logged is delivered and digested, then nothing more is written.
    await trail.send(new StopLoggingCommand({ Name: TRAIL }));
    await until(() => allDigested(t, s3), 'every log file in a digest', { ms: 60_000, everyMs: 250 });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await until(() => allDigested(t, s3), 'every log file in a digest', { ms: 60_000, everyMs: 250 });
  } finally {
    kms.destroy();
    trail.destroy();
  }
}

const trailEnv = { SEAWALL_TRAIL_DELIVERY_SECONDS: '1', SEAWALL_TRAIL_DIGEST_SECONDS: '2' };

beforeAll(async () => {
  pristine = tempDir('seawall-check-');
  made.push(pristine);
  const t = await startTestSeawall({ dataDir: pristine, env: trailEnv });
  try {
    await fill(t);
  } finally {
    await t.close();
  }
}, 180_000);

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('seawall check', () => {
  it('passes a clean installation, changing nothing in it', () => {
    // As its server left it at a clean stop, sealed.
    const dir = copy({ keepSeal: true });
    expect(statSync(join(dir, 'metadata.db.seal')).size).toBeGreaterThan(0);
    const before = readFileSync(join(dir, 'metadata.db'));
    const result = runCheck(dir, '--verbose');
    expectFindings(result, []);
    expect(result.code).toBe(0);
    expect(result.summary).toMatch(
      /^checked .*: 4 databases, 1 access key secret, 4 KMS key materials, \d+ object versions, 1 uploaded part, \d+ blob files, \d+ audit records, 1 trail signing key, \d+ trail digests?, \d+ trail log files? verified; no problems, 2 notes$/,
    );
    expect(result.stdout).toContain('ok: object lake/big/multi.bin version null');
    expect(result.stdout).toContain(`ok: KMS key ${kmsKeyId} material version 2`);
    // Reported as what they are, not as damage: a key pending deletion (what it sealed still verified), SSE-C.
    expect(result.stdout).toMatch(
      new RegExp(
        `^note: KMS key ${doomedKeyId}: pending deletion \\(destroyed on \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\\); not damage$`,
        'm',
      ),
    );
    expect(result.stdout).toContain('ok: object lake/kms/doomed.json version null');
    expect(result.stdout).toMatch(
      /^note: object customer\/c\.bin version null: not checkable: SSE-C \(Seawall keeps no customer key\); its blob objects\/blobs\/[0-9a-f]{2}\/[0-9a-f]{32} is the right size$/m,
    );
    expect(readFileSync(join(dir, 'metadata.db')).equals(before)).toBe(true);
  });

  it('names a blob with one byte flipped, and the segment that fails', () => {
    const dir = copy();
    const blob = blobOf(dir, 'lake', 'raw/tickets.csv');
    const fd = openSync(blob.path, 'r+');
    const at = 64 * 1024 + 16 + 100;
    const byte = Buffer.alloc(1);
    const read = readFileSync(blob.path)[at] as number;
    byte[0] = read ^ 0xff;
    writeSync(fd, byte, 0, 1, at);
    closeSync(fd);
    const result = runCheck(dir);
    expectFindings(result, [
      `object lake/raw/tickets.csv version null: authentication failed at segment 1 of blob ${blob.display} (its bytes were altered, or are another blob's)`,
    ]);
    expect(result.summary).toMatch(/; 1 problem, 2 notes$/);
    expect(result.code).toBe(1);
  });

  it('names a truncated blob', () => {
    const dir = copy();
    const blob = blobOf(dir, 'lake', 'raw/tickets.csv');
    const size = statSync(blob.path).size;
    truncateSync(blob.path, size - 10);
    const sealed = blobOf(dir, 'customer', 'c.bin');
    truncateSync(sealed.path, 1000);
    const result = runCheck(dir);
    expectFindings(result, [
      `object customer/c.bin version null: blob ${sealed.display} is 1000 bytes, not the 1016 its 1000 bytes of content are stored in (truncated)`,
      `object lake/raw/tickets.csv version null: blob ${blob.display} is ${size - 10} bytes, not the ${size} its ${200 * 1024} bytes of content are stored in (truncated)`,
    ]);
    expect(result.code).toBe(1);
  });

  it('names a missing blob', () => {
    const dir = copy();
    const blob = blobOf(dir, 'history', 'doc.txt');
    const { version_id: version } = query<{ version_id: string }>(
      dir,
      "SELECT version_id FROM object_versions WHERE bucket = 'history' AND is_latest = 1",
    );
    unlinkSync(blob.path);
    const result = runCheck(dir);
    expectFindings(result, [`object history/doc.txt version ${version}: blob ${blob.display} is missing`]);
    expect(result.code).toBe(1);
  });

  it('names two blobs whose files were swapped: neither is its own', () => {
    const dir = copy();
    const a = blobOf(dir, 'lake', 'raw/same-a.bin');
    const b = blobOf(dir, 'lake', 'raw/same-b.bin');
    renameSync(a.path, `${a.path}.swap`);
    renameSync(b.path, a.path);
    renameSync(`${a.path}.swap`, b.path);
    const result = runCheck(dir);
    expectFindings(result, [
      `object lake/raw/same-a.bin version null: authentication failed at segment 0 of blob ${a.display} (its bytes were altered, or are another blob's)`,
      `object lake/raw/same-b.bin version null: authentication failed at segment 0 of blob ${b.display} (its bytes were altered, or are another blob's)`,
    ]);
    expect(result.code).toBe(1);
  });

  it('names an orphan blob file no row names', () => {
    const dir = copy();
    const source = blobOf(dir, 'lake', 'raw/tickets.csv');
    const id = `${source.id.slice(0, 2)}${randomBytes(15).toString('hex')}`;
    copyFileSync(source.path, join(dir, 'objects', 'blobs', id.slice(0, 2), id));
    const result = runCheck(dir);
    expectFindings(result, [
      `blob file objects/blobs/${id.slice(0, 2)}/${id}: no object version or uploaded part names it (an orphan: a write cut short, or bytes whose row is gone; the next start removes it)`,
    ]);
    expect(result.code).toBe(1);
  });

  it("names a KMS key's material that no longer unwraps, and the objects it sealed", () => {
    const dir = copy();
    const db = new BetterSqlite3(join(dir, 'metadata.db'));
    const first = db
      .prepare('SELECT id, wrapped FROM kms_key_materials WHERE key_id = ? ORDER BY created_at, id LIMIT 1')
      .get(kmsKeyId) as { id: string; wrapped: string };
    const bytes = Buffer.from(first.wrapped, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    db.prepare('UPDATE kms_key_materials SET wrapped = ? WHERE id = ?').run(
      bytes.toString('base64'),
      first.id,
    );
    db.close();
    const result = runCheck(dir);
    expect(result.problems[0]).toBe(
      `KMS key ${kmsKeyId}: material version 1 (${first.id}) does not unwrap with the root key`,
    );
    expect(result.problems).toHaveLength(2);
    expect(result.problems[1]).toMatch(
      new RegExp(
        `^object lake/kms/before\\.json version null: its data key \\(SSE-KMS under arn:aws:kms:[^)]*:key/${kmsKeyId}\\) does not open: KMS key .*: material ${first.id} does not unwrap with the root key`,
      ),
    );
    expect(result.code).toBe(1);
  });

  it('names a damaged page of metadata.db', () => {
    const dir = copy();
    const path = join(dir, 'metadata.db');
    const db = new BetterSqlite3(path, { readonly: true });
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db
      .prepare("SELECT pageno FROM dbstat WHERE name = 'object_versions' ORDER BY pageno")
      .all() as { pageno: number }[];
    db.close();
    const page = pages[Math.floor(pages.length / 2)]?.pageno as number;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (page - 1) * pageSize);
    closeSync(fd);
    const result = runCheck(dir);
    expect(result.problems.some((line) => line.startsWith('metadata.db: integrity_check: '))).toBe(true);
    expect(result.code).toBe(1);
  });

  it('names an audit record altered in audit.db', () => {
    const dir = copy();
    const db = new BetterSqlite3(join(dir, 'audit.db'));
    const { seq } = db
      .prepare("SELECT seq FROM audit_events WHERE event_name = 'CreateKey' ORDER BY seq LIMIT 1")
      .get() as { seq: number };
    db.prepare(
      "UPDATE audit_events SET record = json_set(record, '$.eventName', 'DescribeKey') WHERE seq = ?",
    ).run(seq);
    db.close();
    const result = runCheck(dir);
    expectFindings(result, [
      `audit record ${seq}: its eventName differs from what it is filed under (it was altered)`,
    ]);
    expect(result.code).toBe(1);
  });

  it("names a trail's log file modified after its digest was signed", async () => {
    const dir = copy();
    const t = await startTestSeawall({ dataDir: dir, env: trailEnv });
    let logKey: string;
    try {
      const s3 = t.s3();
      const logs = await keysUnder(s3, `${TRAIL_PREFIX}/AWSLogs/${t.seawall.accountId}/CloudTrail/`);
      logKey = logs[0] as string;
      await s3.send(
        new PutObjectCommand({ Bucket: TRAIL_BUCKET, Key: logKey, Body: Buffer.from('not the log') }),
      );
    } finally {
      await t.close();
    }
    const result = runCheck(dir);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(
      new RegExp(
        `^trail ${TRAIL}: log file s3://${TRAIL_BUCKET}/${logKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: hash value doesn't match \\(modified since s3://${TRAIL_BUCKET}/.*CloudTrail-Digest.* was signed\\)$`,
      ),
    );
    expect(result.code).toBe(1);
  });

  it('refuses while a server runs on the directory, and leaves its lock alone', async () => {
    const dir = copy();
    const t = await startTestSeawall({ dataDir: dir });
    try {
      const lock = readFileSync(join(dir, 'seawall.lock'), 'utf8');
      const result = runCheck(dir);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim()).toBe(
        `seawall check: Seawall is running on ${dir} (pid ${process.pid}, ${t.url}); stop it first (kill ${process.pid}), then check the stopped installation`,
      );
      expect(readFileSync(join(dir, 'seawall.lock'), 'utf8')).toBe(lock);
    } finally {
      await t.close();
    }
  });

  it('says how it is used, and exits 2 when it cannot run', () => {
    const help = spawnSync(process.execPath, [BIN, 'check', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: seawall check --data-dir DIR');
    const none = spawnSync(process.execPath, [BIN, 'check'], { encoding: 'utf8', env: { PATH: '' } });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--data-dir is required');
    expect(runCheck(pristine, '--no-such-flag').code).toBe(2);
    const empty = tempDir('seawall-check-');
    made.push(empty);
    const result = runCheck(empty);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `seawall check: ${empty} is not a Seawall data directory; choose one with --data-dir`,
    );
  });
});

describe('seawall check on PostgreSQL metadata', () => {
  const database = `seawall_check_${randomBytes(6).toString('hex')}`;
  const url = postgresUrl(database);
  const admin = postgresAdmin;

  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('checks the objects a PostgreSQL metadata store names, and names a missing blob', async () => {
    await admin(`CREATE DATABASE ${database}`);
    const dir = tempDir('seawall-check-');
    made.push(dir);
    const t = await startTestSeawall({ dataDir: dir, env: { SEAWALL_METADATA_URL: url } });
    try {
      const s3 = t.s3();
      await s3.send(new CreateBucketCommand({ Bucket: 'pg-lake' }));
      await s3.send(new PutObjectCommand({ Bucket: 'pg-lake', Key: 'a.txt', Body: 'kept in PostgreSQL' }));
    } finally {
      await t.close();
    }
    const clean = runCheck(dir, '--metadata-url', url);
    expectFindings(clean, []);
    expect(clean.summary).toMatch(/1 object version, .*no problems/);
    expect(clean.code).toBe(0);

    expect(runCheck(dir).code).toBe(2);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query("SELECT blob_id FROM object_versions WHERE bucket = 'pg-lake'");
    await client.end();
    const id = (rows[0] as { blob_id: string }).blob_id;
    unlinkSync(join(dir, 'objects', 'blobs', id.slice(0, 2), id));
    const damaged = runCheck(dir, '--metadata-url', url);
    expectFindings(damaged, [
      `object pg-lake/a.txt version null: blob objects/blobs/${id.slice(0, 2)}/${id} is missing`,
    ]);
    expect(damaged.code).toBe(1);
  });
});
