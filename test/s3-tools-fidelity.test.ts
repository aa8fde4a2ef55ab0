import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout } from '../src/data-dir.js';
import { AWS_CLI } from './helpers/aws-cli.js';
import { failure } from './helpers/failure.js';
import { bucketKeys, fileTree, md5, rcloneEnv, runTool, s3cmdConfig, writeTree } from './helpers/s3-tools.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

/**
 * The everyday tools (Debian's aws cli, rclone and s3cmd, as .ci/run installs them) in the ways a city analyst's
 * scripts drive them beyond a plain copy: syncs both ways with their filters, multipart at small thresholds,
 * SSE-KMS and SSE-C, versions, server-side copies and moves, presigned URLs, and the settings the tools read.
 * Where a tool answers differently than against S3 because of the tool itself (its own limits), the test says so.
 */
let t: TestSeawall;
let s3: S3Client;
/** 12 MB: three parts at the 5 MB part size every test here lowers the tools to. */
const BIG = randomBytes(12_000_000);
const MIB5 = 5 * 2 ** 20;

beforeAll(async () => {
  // Completions answer through S3's whitespace keep-alive, as a large object's would.
  t = await startTestSeawall({ limits: { httpLimits: { slowAnswerIntervalMs: 1 } } });
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

/** Debian's aws cli with a private config file whose s3 settings lower the multipart threshold and part size. */
function awsTool(): (...args: string[]) => ReturnType<typeof runTool> {
  const layout = dataDirLayout(t.dataDir);
  const config = join(tempDir('seawall-aws-config-'), 'config');
  writeFileSync(
    config,
    `${readFileSync(layout.awsConfig, 'utf8')}\ns3 =\n    multipart_threshold = 5MB\n    multipart_chunksize = 5MB\n`,
  );
  const env = {
    AWS_SHARED_CREDENTIALS_FILE: layout.credentials,
    AWS_CONFIG_FILE: config,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  return (...args) => runTool(AWS_CLI, ['--profile', 'seawall', '--endpoint-url', t.url, ...args], env);
}

const keys = (bucket: string, prefix = '') => bucketKeys(s3, bucket, prefix);

function source(): string {
  const dir = writeTree(tempDir('seawall-fidelity-src-'), {
    'big.bin': BIG,
    'readme.txt': 'Vancouver open data\n',
    'parking/tickets 2024.csv': 'block,street\n1000,MAIN ST\n',
    'parking/notes.log': 'log\n',
    'trees/café.json': '{"a":1}\n',
    empty: '',
  });
  // A minute old: S3 dates an upload to the second, so a file written in the second it is uploaded is newer
  // than its copy and the next sync uploads it again, on S3 as here.
  const past = new Date(Date.now() - 60_000);
  for (const path of Object.keys(fileTree(dir))) utimesSync(join(dir, path), past, past);
  return dir;
}

/** The `upload:`/`download:`/`delete:` lines of an `aws s3` transfer, sorted. */
function transfers(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /^(upload|download|delete|copy|move):/.test(line))
    .sort();
}

describe('aws s3 (Debian awscli) at a 5 MB multipart threshold', () => {
  it('syncs up and down with --delete, --size-only and --exclude/--include, then has nothing left to do', async () => {
    const aws = awsTool();
    await s3.send(new CreateBucketCommand({ Bucket: 'fid-sync' }));
    const src = source();
    const up = await aws('s3', 'sync', src, 's3://fid-sync/d/', '--no-progress');
    expect(up.code, up.stderr).toBe(0);
    expect(await keys('fid-sync')).toEqual(
      Object.keys(fileTree(src))
        .map((k) => `d/${k}`)
        .sort(),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'fid-sync', Key: 'd/big.bin' }));
    expect(head.ETag).toMatch(/-3"$/);
    // Unchanged on both sides: a second sync transfers nothing.
    expect(transfers((await aws('s3', 'sync', src, 's3://fid-sync/d/', '--no-progress')).stdout)).toEqual([]);

    rmSync(join(src, 'parking/notes.log'));
    writeFileSync(join(src, 'readme.txt'), 'Vancouver open data, revised\n');
    const deleting = await aws('s3', 'sync', src, 's3://fid-sync/d/', '--delete', '--no-progress');
    expect(transfers(deleting.stdout)).toEqual([
      'delete: s3://fid-sync/d/parking/notes.log',
      expect.stringMatching(/^upload: \S*\/readme\.txt to s3:\/\/fid-sync\/d\/readme\.txt$/),
    ]);

    const back = writeTree(tempDir('seawall-fidelity-back-'), { 'stale.txt': 'stale\n' });
    const down = await aws('s3', 'sync', 's3://fid-sync/d/', back, '--delete', '--no-progress');
    expect(down.code, down.stderr).toBe(0);
    expect(fileTree(back)).toEqual(fileTree(src));
    // The download set each file's time from the listing: nothing is newer in S3, nothing is fetched again.
    expect(transfers((await aws('s3', 'sync', 's3://fid-sync/d/', back, '--no-progress')).stdout)).toEqual(
      [],
    );

    // Same size, other bytes: --size-only leaves it, a plain sync does not (the local file is newer).
    writeFileSync(join(src, 'readme.txt'), 'VANCOUVER OPEN DATA, REVISED\n');
    expect(
      transfers((await aws('s3', 'sync', src, 's3://fid-sync/d/', '--size-only', '--no-progress')).stdout),
    ).toEqual([]);
    const filtered = await aws(
      's3',
      'sync',
      src,
      's3://fid-sync/only-csv/',
      '--exclude',
      '*',
      '--include',
      '*.csv',
      '--no-progress',
    );
    expect(filtered.code, filtered.stderr).toBe(0);
    expect(await keys('fid-sync', 'only-csv/')).toEqual(['only-csv/parking/tickets 2024.csv']);

    const summary = await aws(
      's3',
      'ls',
      's3://fid-sync/d/',
      '--recursive',
      '--human-readable',
      '--summarize',
    );
    expect(summary.stdout).toContain('11.4 MiB d/big.bin');
    expect(summary.stdout).toMatch(/Total Objects: 5\n\s+Total Size: 11\.4 MiB/);
  });

  it('cp --recursive with SSE-KMS under an alias, metadata and a content type, then mv to another bucket', async () => {
    const aws = awsTool();
    const keyId = (
      await aws('kms', 'create-key', '--query', 'KeyMetadata.KeyId', '--output', 'text')
    ).stdout.trim();
    expect(
      (await aws('kms', 'create-alias', '--alias-name', 'alias/fid-city', '--target-key-id', keyId)).code,
    ).toBe(0);
    await s3.send(new CreateBucketCommand({ Bucket: 'fid-kms' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'fid-kms-archive' }));
    const src = source();
    const up = await aws(
      's3',
      'cp',
      src,
      's3://fid-kms/d/',
      '--recursive',
      '--sse',
      'aws:kms',
      '--sse-kms-key-id',
      'alias/fid-city',
      '--metadata',
      'dept=parks,year=2024',
      '--content-type',
      'text/csv',
      '--storage-class',
      'STANDARD',
      '--no-progress',
    );
    expect(up.code, up.stderr).toBe(0);
    for (const key of ['d/big.bin', 'd/readme.txt']) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'fid-kms', Key: key }));
      expect(head).toMatchObject({
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: expect.stringContaining(`:key/${keyId}`),
        ContentType: 'text/csv',
        Metadata: { dept: 'parks', year: '2024' },
      });
      // STANDARD is the class S3 names by leaving the header out.
      expect(head.StorageClass).toBeUndefined();
    }
    // A multipart object moves between buckets as UploadPartCopy parts, re-encrypted under the key asked for.
    const moved = await aws(
      's3',
      'mv',
      's3://fid-kms/d/',
      's3://fid-kms-archive/2024/',
      '--recursive',
      '--sse',
      'aws:kms',
      '--sse-kms-key-id',
      'alias/fid-city',
      '--no-progress',
    );
    expect(moved.code, moved.stderr).toBe(0);
    expect(await keys('fid-kms')).toEqual([]);
    const big = await s3.send(new HeadObjectCommand({ Bucket: 'fid-kms-archive', Key: '2024/big.bin' }));
    expect(big).toMatchObject({ ContentLength: BIG.length, ServerSideEncryption: 'aws:kms' });
    expect(big.ETag).toMatch(/-3"$/);
    const back = tempDir('seawall-fidelity-kms-back-');
    expect(
      (await aws('s3', 'cp', 's3://fid-kms-archive/2024/', back, '--recursive', '--no-progress')).code,
    ).toBe(0);
    expect(fileTree(back)).toEqual(fileTree(src));
    const removed = await aws('s3', 'rm', 's3://fid-kms-archive/', '--recursive', '--exclude', '*.bin');
    expect(removed.code, removed.stderr).toBe(0);
    expect(await keys('fid-kms-archive')).toEqual(['2024/big.bin']);
  });

  it('cp --recursive with SSE-C, where the bucket allows it: up, server-side copy, ranged get and down', async () => {
    const aws = awsTool();
    await s3.send(new CreateBucketCommand({ Bucket: 'fid-ssec' }));
    // New buckets block SSE-C uploads, as S3's have since April 2026: the owner lifts the block first.
    const blocked = await aws(
      's3',
      'cp',
      join(source(), 'readme.txt'),
      's3://fid-ssec/r.txt',
      '--sse-c',
      'AES256',
      '--sse-c-key',
      'k'.repeat(32),
    );
    expect(blocked.stderr).toContain('AccessDenied');
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'fid-ssec',
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
    const dir = tempDir('seawall-fidelity-ssec-');
    const keyFile = join(dir, 'key.bin');
    writeFileSync(keyFile, randomBytes(32));
    const customerKey = ['--sse-c', 'AES256', '--sse-c-key', `fileb://${keyFile}`];
    const src = source();
    const up = await aws('s3', 'cp', src, 's3://fid-ssec/d/', '--recursive', ...customerKey, '--no-progress');
    expect(up.code, up.stderr).toBe(0);
    const copied = await aws(
      's3',
      'cp',
      's3://fid-ssec/d/',
      's3://fid-ssec/copy/',
      '--recursive',
      ...customerKey,
      '--sse-c-copy-source',
      'AES256',
      '--sse-c-copy-source-key',
      `fileb://${keyFile}`,
      '--no-progress',
    );
    expect(copied.code, copied.stderr).toBe(0);
    // Across the boundary of the first two parts.
    const range = join(dir, 'range.bin');
    const ranged = await aws(
      's3api',
      'get-object',
      '--bucket',
      'fid-ssec',
      '--key',
      'copy/big.bin',
      '--range',
      `bytes=${MIB5 - 10}-${MIB5 + 9}`,
      '--sse-customer-algorithm',
      'AES256',
      '--sse-customer-key',
      `fileb://${keyFile}`,
      range,
    );
    expect(ranged.code, ranged.stderr).toBe(0);
    expect(JSON.parse(ranged.stdout)).toMatchObject({
      ContentRange: `bytes ${MIB5 - 10}-${MIB5 + 9}/${BIG.length}`,
      SSECustomerAlgorithm: 'AES256',
    });
    expect(readFileSync(range)).toEqual(BIG.subarray(MIB5 - 10, MIB5 + 10));
    const back = tempDir('seawall-fidelity-ssec-back-');
    const down = await aws(
      's3',
      'cp',
      's3://fid-ssec/copy/',
      back,
      '--recursive',
      ...customerKey,
      '--no-progress',
    );
    expect(down.code, down.stderr).toBe(0);
    expect(fileTree(back)).toEqual(fileTree(src));
    // Without the key the object is not read (HeadObject first, so a bare 400).
    const keyless = await aws('s3', 'cp', 's3://fid-ssec/copy/readme.txt', '-');
    expect(keyless.code).not.toBe(0);
    expect(keyless.stderr).toContain('(400)');
  });

  it('presign then a plain GET; list-object-versions paged; rb --force refused on a versioned bucket', async () => {
    const aws = awsTool();
    await s3.send(new CreateBucketCommand({ Bucket: 'fid-versions' }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'fid-versions',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const dir = tempDir('seawall-fidelity-versions-');
    for (const round of [1, 2, 3])
      for (const name of ['a', 'b', 'c']) {
        writeFileSync(join(dir, name), `${name}${round}\n`);
        expect((await aws('s3', 'cp', join(dir, name), `s3://fid-versions/${name} é.txt`)).code).toBe(0);
      }
    expect((await aws('s3', 'rm', 's3://fid-versions/b é.txt')).code).toBe(0);

    const url = (
      await aws('s3', 'presign', 's3://fid-versions/a é.txt', '--expires-in', '300')
    ).stdout.trim();
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('a3\n');
    // The signature covers the method: the same URL does not HEAD.
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(403);

    // Two entries a page: the CLI follows NextKeyMarker and NextVersionIdMarker through all of them.
    const paged = await aws('s3api', 'list-object-versions', '--bucket', 'fid-versions', '--page-size', '2');
    expect(paged.code, paged.stderr).toBe(0);
    const all = JSON.parse(paged.stdout) as {
      Versions: { Key: string; VersionId: string }[];
      DeleteMarkers: { Key: string }[];
    };
    const whole = await s3.send(new ListObjectVersionsCommand({ Bucket: 'fid-versions' }));
    expect(all.Versions.map((v) => v.VersionId)).toEqual(whole.Versions?.map((v) => v.VersionId));
    expect(all.DeleteMarkers.map((m) => m.Key)).toEqual(['b é.txt']);
    // --max-items and --starting-token: the CLI's own token resumes where the first call stopped.
    const first = JSON.parse(
      (
        await aws(
          's3api',
          'list-object-versions',
          '--bucket',
          'fid-versions',
          '--max-items',
          '4',
          '--page-size',
          '3',
        )
      ).stdout,
    ) as { Versions: { VersionId: string }[]; NextToken: string };
    const rest = JSON.parse(
      (
        await aws(
          's3api',
          'list-object-versions',
          '--bucket',
          'fid-versions',
          '--page-size',
          '3',
          '--starting-token',
          first.NextToken,
        )
      ).stdout,
    ) as { Versions: { VersionId: string }[] };
    expect([...first.Versions, ...rest.Versions].map((v) => v.VersionId)).toEqual(
      whole.Versions?.map((v) => v.VersionId),
    );

    // `rb --force` removes the current objects only (it is `rm --recursive`), so S3 keeps the bucket for its
    // versions, and says so.
    const rb = await aws('s3', 'rb', 's3://fid-versions', '--force');
    expect(rb.code).not.toBe(0);
    expect(rb.stderr).toContain(
      'BucketNotEmpty) when calling the DeleteBucket operation: The bucket you tried to delete is not empty. You must delete all versions in the bucket.',
    );
    const kept = await s3.send(new ListObjectVersionsCommand({ Bucket: 'fid-versions' }));
    expect(kept.Versions).toHaveLength(9);
    expect(kept.DeleteMarkers?.map((m) => m.Key).sort()).toEqual(['a é.txt', 'b é.txt', 'c é.txt']);
  });
});

describe('rclone (Debian package)', () => {
  it('syncs with --checksum in 5 MB parts, copies and moves server-side within and between buckets', async () => {
    const env = rcloneEnv(t, {
      RCLONE_S3_UPLOAD_CUTOFF: '5M',
      RCLONE_S3_CHUNK_SIZE: '5M',
      RCLONE_S3_COPY_CUTOFF: '5M',
    });
    const rclone = (...args: string[]) => runTool('rclone', args, env);
    const src = source();
    // rclone's default ACL is `private`: the bucket it makes takes it (BucketOwnerPreferred), as on S3.
    expect((await rclone('mkdir', 'sw:fid-rclone')).code).toBe(0);
    const up = await rclone('sync', src, 'sw:fid-rclone/d', '--checksum');
    expect(up.stderr).not.toMatch(/ERROR/);
    expect(up.code).toBe(0);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'fid-rclone', Key: 'd/big.bin' }))).ETag).toMatch(
      /-3"$/,
    );
    const again = await rclone('sync', src, 'sw:fid-rclone/d', '--checksum', '-v');
    expect(again.stderr).not.toMatch(/Copied/);
    const check = await rclone('check', src, 'sw:fid-rclone/d', '--download');
    expect(check.stderr).toContain('0 differences found');
    expect(check.code).toBe(0);

    // Above --s3-copy-cutoff the server-side copy is a multipart copy (UploadPartCopy), within and across buckets.
    const within = await rclone('copy', 'sw:fid-rclone/d', 'sw:fid-rclone/copy', '-v');
    expect(within.stderr).toContain('big.bin: Copied (server-side copy)');
    expect((await rclone('mkdir', 'sw:fid-rclone-two')).code).toBe(0);
    const moved = await rclone('move', 'sw:fid-rclone/copy', 'sw:fid-rclone-two/moved', '-v');
    expect(moved.stderr).toContain('big.bin: Copied (server-side copy)');
    expect(moved.stderr).toContain('big.bin: Deleted');
    expect(await keys('fid-rclone', 'copy/')).toEqual([]);
    expect((await rclone('check', src, 'sw:fid-rclone-two/moved', '--download')).code).toBe(0);

    // Across the boundary of the first two parts (a file, since the bytes are not text).
    const slice = join(tempDir('seawall-fidelity-rclone-cat-'), 'slice.bin');
    const cat = await runTool(
      'sh',
      ['-c', `rclone cat sw:fid-rclone-two/moved/big.bin --offset ${MIB5 - 3} --count 6 > "${slice}"`],
      env,
    );
    expect(cat.code, cat.stderr).toBe(0);
    expect(readFileSync(slice)).toEqual(BIG.subarray(MIB5 - 3, MIB5 + 3));
    const tail = await rclone('cat', 'sw:fid-rclone-two/moved/readme.txt', '--offset', '-5');
    expect(tail.stdout).toBe('data\n');

    const meta = await rclone(
      'copyto',
      join(src, 'readme.txt'),
      'sw:fid-rclone/meta.txt',
      '--metadata',
      '--metadata-set',
      'dept=parks',
      '--metadata-set',
      'content-type=text/csv',
    );
    expect(meta.code, meta.stderr).toBe(0);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'fid-rclone', Key: 'meta.txt' }));
    expect(head.ContentType).toBe('text/csv');
    expect(head.Metadata).toMatchObject({ dept: 'parks' });

    // Non-empty: S3 refuses to remove the bucket, and rclone says why.
    const rmdir = await rclone('rmdir', 'sw:fid-rclone-two');
    expect(rmdir.code).not.toBe(0);
    expect(rmdir.stderr).toContain('BucketNotEmpty');
    // rclone knows S3 has no quota to report, and asks nothing.
    const about = await rclone('about', 'sw:fid-rclone');
    expect(about.code).not.toBe(0);
    expect(about.stderr).toContain("doesn't support about");
  });

  it('lists, reads and purges the versions of a versioned bucket', async () => {
    const env = rcloneEnv(t);
    const rclone = (...args: string[]) => runTool('rclone', args, env);
    expect((await rclone('mkdir', 'sw:fid-rclone-versions')).code).toBe(0);
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'fid-rclone-versions',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const dir = tempDir('seawall-fidelity-rclone-versions-');
    for (const body of ['first\n', 'second\n']) {
      writeFileSync(join(dir, 'f.txt'), body);
      expect((await rclone('copyto', join(dir, 'f.txt'), 'sw:fid-rclone-versions/f.txt')).code).toBe(0);
    }
    const listed = (await rclone('lsf', '--s3-versions', 'sw:fid-rclone-versions')).stdout.trim().split('\n');
    expect(listed).toHaveLength(2);
    expect(listed).toContain('f.txt');
    const old = listed.find((name) => name !== 'f.txt') as string;
    expect(old).toMatch(/^f-v\d{4}-\d\d-\d\d-\d{6}-\d{3}\.txt$/);
    expect((await rclone('cat', '--s3-versions', `sw:fid-rclone-versions/${old}`)).stdout).toBe('first\n');
    expect((await rclone('cat', 'sw:fid-rclone-versions/f.txt')).stdout).toBe('second\n');
    // purge sees the bucket is versioned and deletes every version by its id before the bucket.
    const purged = await rclone('purge', 'sw:fid-rclone-versions');
    expect(purged.code, purged.stderr).toBe(0);
    expect(await failure(s3.send(new HeadBucketCommand({ Bucket: 'fid-rclone-versions' })))).toMatchObject({
      status: 404,
    });
  });
});

describe('s3cmd (Debian package, SigV4, path style)', () => {
  it('puts and gets in 5 MB parts, syncs with --delete-removed, modifies, copies, moves and deletes', async () => {
    const config = s3cmdConfig(t);
    const s3cmd = (...args: string[]) =>
      runTool('s3cmd', ['-c', config, '--multipart-chunk-size-mb=5', ...args]);
    const src = source();
    expect((await s3cmd('mb', 's3://fid-s3cmd')).code).toBe(0);
    expect((await s3cmd('put', join(src, 'big.bin'), 's3://fid-s3cmd/big.bin')).code).toBe(0);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'fid-s3cmd', Key: 'big.bin' }))).ETag).toMatch(
      /-3"$/,
    );
    const back = join(tempDir('seawall-fidelity-s3cmd-'), 'big.bin');
    expect((await s3cmd('get', 's3://fid-s3cmd/big.bin', back)).code).toBe(0);
    // Digests: a deep comparison of 12 MB takes vitest minutes.
    expect(md5(readFileSync(back))).toBe(md5(BIG));
    const info = await s3cmd('info', 's3://fid-s3cmd/big.bin');
    expect(info.stdout).toMatch(/File size: 12000000\n/);
    expect(info.stdout).toContain(`MD5 sum:   ${md5(BIG)}`);

    expect((await s3cmd('sync', `${src}/`, 's3://fid-s3cmd/tree/')).code).toBe(0);
    rmSync(join(src, 'parking/notes.log'));
    const removed = await s3cmd('sync', '--delete-removed', `${src}/`, 's3://fid-s3cmd/tree/');
    expect(removed.stdout).toContain("delete: 's3://fid-s3cmd/tree/parking/notes.log'");
    const du = await s3cmd('du', 's3://fid-s3cmd/tree/');
    expect(du.stdout).toMatch(
      new RegExp(`^\\s*${BIG.length + 20 + 26 + 8}\\s+5 objects s3://fid-s3cmd/tree/`),
    );
    const ls = await s3cmd('ls', '-r', 's3://fid-s3cmd/tree/');
    expect(ls.stdout).toContain('s3://fid-s3cmd/tree/parking/tickets 2024.csv');
    const down = tempDir('seawall-fidelity-s3cmd-down-');
    writeFileSync(join(down, 'stale.txt'), 'stale\n');
    expect((await s3cmd('sync', '--delete-removed', 's3://fid-s3cmd/tree/', `${down}/`)).code).toBe(0);
    expect(fileTree(down)).toEqual(fileTree(src));

    // A metadata change is a copy onto itself with the new headers.
    const modified = await s3cmd(
      'modify',
      '--add-header=Cache-Control:max-age=60',
      '--add-header=x-amz-meta-dept:parks',
      's3://fid-s3cmd/big.bin',
    );
    expect(modified.code, modified.stderr).toBe(0);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'fid-s3cmd', Key: 'big.bin' }));
    expect(head).toMatchObject({
      CacheControl: 'max-age=60',
      Metadata: { dept: 'parks' },
      ContentLength: BIG.length,
    });

    expect((await s3cmd('cp', 's3://fid-s3cmd/tree/readme.txt', 's3://fid-s3cmd/copied.txt')).code).toBe(0);
    expect((await s3cmd('mb', 's3://fid-s3cmd-two')).code).toBe(0);
    expect((await s3cmd('mv', 's3://fid-s3cmd/copied.txt', 's3://fid-s3cmd-two/moved.txt')).code).toBe(0);
    expect(await keys('fid-s3cmd-two')).toEqual(['moved.txt']);
    expect(await keys('fid-s3cmd', 'copied')).toEqual([]);
    expect((await s3cmd('del', '--recursive', '--force', 's3://fid-s3cmd/tree/')).code).toBe(0);
    expect(await keys('fid-s3cmd')).toEqual(['big.bin']);
  });

  it('resumes a multipart upload, lists and aborts others, and answers the bucket settings as S3 does', async () => {
    const config = s3cmdConfig(t);
    const s3cmd = (...args: string[]) =>
      runTool('s3cmd', ['-c', config, '--multipart-chunk-size-mb=5', ...args]);
    const aws = awsTool();
    expect((await s3cmd('mb', 's3://fid-s3cmd-settings')).code).toBe(0);
    const dir = tempDir('seawall-fidelity-s3cmd-settings-');
    writeFileSync(join(dir, 'big.bin'), BIG);
    writeFileSync(join(dir, 'part1.bin'), BIG.subarray(0, MIB5));
    const start = async (key: string) => {
      const made = await aws(
        's3api',
        'create-multipart-upload',
        '--bucket',
        'fid-s3cmd-settings',
        '--key',
        key,
        '--query',
        'UploadId',
        '--output',
        'text',
      );
      const uploadId = made.stdout.trim();
      const part = await aws(
        's3api',
        'upload-part',
        '--bucket',
        'fid-s3cmd-settings',
        '--key',
        key,
        '--upload-id',
        uploadId,
        '--part-number',
        '1',
        '--body',
        join(dir, 'part1.bin'),
      );
      expect(part.code, part.stderr).toBe(0);
      return uploadId;
    };
    // --continue-put finds the upload, checks its part against the file (ListParts) and sends only the rest.
    await start('resumed.bin');
    const resumed = await s3cmd(
      'put',
      '--continue-put',
      join(dir, 'big.bin'),
      's3://fid-s3cmd-settings/resumed.bin',
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(
      'size and md5sum match for s3://fid-s3cmd-settings/resumed.bin part 1, skipping',
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'fid-s3cmd-settings', Key: 'resumed.bin' }));
    expect(head).toMatchObject({ ContentLength: BIG.length });
    expect(head.ETag).toMatch(/-3"$/);

    const pending = await start('pending/x.bin');
    const listed = await s3cmd('multipart', 's3://fid-s3cmd-settings');
    expect(listed.stdout).toContain(`s3://fid-s3cmd-settings/pending/x.bin\t${pending}`);
    const parts = await s3cmd('listmp', 's3://fid-s3cmd-settings/pending/x.bin', pending);
    expect(parts.stdout).toMatch(new RegExp(`\\t1\\t"${md5(BIG.subarray(0, MIB5))}"\\t${MIB5}`));
    expect((await s3cmd('abortmp', 's3://fid-s3cmd-settings/pending/x.bin', pending)).code).toBe(0);
    expect((await s3cmd('multipart', 's3://fid-s3cmd-settings')).stdout).not.toContain(pending);

    // ACLs are disabled on a new bucket (BucketOwnerEnforced): S3 refuses to make an object public.
    const acl = await s3cmd('setacl', '--acl-public', 's3://fid-s3cmd-settings/resumed.bin');
    expect(acl.code).not.toBe(0);
    expect(acl.stderr).toContain('400 (AccessControlListNotSupported): The bucket does not allow ACLs');
    // s3cmd 2.3 signs URLs with SigV2 whatever the config says; S3 takes only SigV4 in this region.
    const signed = (await s3cmd('signurl', 's3://fid-s3cmd-settings/resumed.bin', '+300')).stdout.trim();
    expect(signed).toContain('AWSAccessKeyId=');
    const refused = await fetch(signed);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(
      '<Code>InvalidRequest</Code><Message>The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.</Message>',
    );

    const expire = await s3cmd(
      'expire',
      's3://fid-s3cmd-settings',
      '--expiry-days=30',
      '--expiry-prefix=logs/',
    );
    expect(expire.code, expire.stderr).toBe(0);
    const lifecycle = await s3cmd('getlifecycle', 's3://fid-s3cmd-settings');
    expect(lifecycle.stdout).toMatch(/<Days>30<\/Days>[\s\S]*<Prefix>logs\/<\/Prefix>/);
    expect((await s3cmd('info', 's3://fid-s3cmd-settings')).stdout).toContain(
      "Expiration Rule: objects with key prefix 'logs/' will expire in '30' day(s) after creation",
    );
    expect((await s3cmd('dellifecycle', 's3://fid-s3cmd-settings')).code).toBe(0);
    expect((await s3cmd('getlifecycle', 's3://fid-s3cmd-settings')).stderr).toContain(
      '404 (NoSuchLifecycleConfiguration)',
    );
    // No website is configured: S3's NoSuchWebsiteConfiguration, which s3cmd reports as none.
    const website = await s3cmd('ws-info', 's3://fid-s3cmd-settings', '--debug');
    expect(website.stderr).toContain("ErrorXML: Code: 'NoSuchWebsiteConfiguration'");
    expect(website.stdout).toContain('Unable to receive website configuration.');
    // Restoring is for archived objects only.
    const restore = await s3cmd('restore', 's3://fid-s3cmd-settings/resumed.bin');
    expect(restore.stderr).toContain(
      "403 (InvalidObjectState): Restore is not allowed for the object's current storage class",
    );
  });
});
