import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from './helpers/failure.js';
import { bucketKeys, fileTree, rcloneEnv, runTool, s3cmdConfig, writeTree } from './helpers/s3-tools.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

/**
 * rclone and s3cmd, Debian's packages, as a city analyst's scripts would use them: a directory tree up and
 * back down, byte for byte.
 */
let t: TestSeawall;
let s3: S3Client;

beforeAll(async () => {
  // Every multipart completion answers through S3's whitespace keep-alive (its headers early, spaces, then the
  // result), as a large object's would: the tools must take it as they take S3's.
  t = await startTestSeawall({ limits: { httpLimits: { slowAnswerIntervalMs: 1 } } });
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

/** A small tree with nesting, spaces, non-ASCII names, an empty file and one that takes several parts. */
function makeTree(): string {
  return writeTree(tempDir('seawall-tools-src-'), {
    'readme.txt': 'Vancouver open data\n',
    'empty.csv': '',
    'parking/2024/tickets 01.csv': 'block,street\n1000,MAIN ST\n',
    'parking/2024/café.json': '{"a":1}\n',
    'trees/big.bin': randomBytes(21 * 2 ** 20 + 123),
  });
}

const keys = (bucket: string) => bucketKeys(s3, bucket);

describe('S3 tools', () => {
  it('rclone copies a directory tree up and back down unchanged', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'rclone-tree' }));
    const source = makeTree();
    const env = rcloneEnv(t, {
      // New buckets have ACLs disabled (BucketOwnerEnforced), as in S3 since 2023: rclone's default `private`
      // ACL is refused there, and this is the setting rclone's users set for such buckets on AWS.
      RCLONE_CONFIG_SW_ACL: 'bucket-owner-full-control',
      // Several parts for the large file, so multipart uploads are part of the round trip.
      RCLONE_S3_CHUNK_SIZE: '5M',
      RCLONE_S3_UPLOAD_CUTOFF: '5M',
    });
    const up = await runTool('rclone', ['copy', source, 'sw:rclone-tree/data'], env);
    expect(up.stderr).not.toMatch(/ERROR/);
    expect(up.code).toBe(0);
    expect(await keys('rclone-tree')).toEqual(
      Object.keys(fileTree(source))
        .map((k) => `data/${k}`)
        .sort(),
    );
    const check = await runTool('rclone', ['check', source, 'sw:rclone-tree/data'], env);
    expect(check.code).toBe(0);
    const back = tempDir('seawall-tools-back-');
    const down = await runTool('rclone', ['copy', 'sw:rclone-tree/data', back], env);
    expect(down.code).toBe(0);
    expect(fileTree(back)).toEqual(fileTree(source));
  });

  it('rclone with its default ACL makes a bucket, fills it, moves in it and purges it, as on S3', async () => {
    // No ACL setting: rclone sends `x-amz-acl: private` with `mkdir` and every upload. S3 makes a bucket
    // created so BucketOwnerPreferred, which takes the private ACL on objects.
    const env = rcloneEnv(t);
    const rclone = (...args: string[]) => runTool('rclone', args, env);
    const source = makeTree();
    const made = await rclone('mkdir', 'sw:rclone-default');
    expect(made.stderr).not.toMatch(/ERROR/);
    expect(made.code).toBe(0);
    const up = await rclone('copy', source, 'sw:rclone-default/data');
    expect(up.stderr).not.toMatch(/ERROR/);
    expect(up.code).toBe(0);
    expect((await rclone('check', source, 'sw:rclone-default/data')).code).toBe(0);
    // MD5s as rclone reads them back, from the ETags (every file goes up in one part at rclone's defaults).
    const listed = await rclone('lsjson', '-R', '--hash', '--files-only', 'sw:rclone-default/data');
    expect(listed.code).toBe(0);
    const hashes = Object.fromEntries(
      (JSON.parse(listed.stdout) as { Path: string; Hashes?: { md5?: string } }[]).map((f) => [
        f.Path,
        f.Hashes?.md5,
      ]),
    );
    expect(hashes).toEqual(fileTree(source));
    const moved = await rclone('moveto', 'sw:rclone-default/data/readme.txt', 'sw:rclone-default/moved.txt');
    expect(moved.code).toBe(0);
    expect((await rclone('cat', 'sw:rclone-default/moved.txt')).stdout).toBe('Vancouver open data\n');
    expect(await keys('rclone-default')).not.toContain('data/readme.txt');
    const purged = await rclone('purge', 'sw:rclone-default');
    expect(purged.code).toBe(0);
    expect(await failure(s3.send(new HeadBucketCommand({ Bucket: 'rclone-default' })))).toMatchObject({
      status: 404,
    });
  });

  it('s3cmd puts a directory tree recursively and gets it back unchanged', async () => {
    const source = makeTree();
    const config = s3cmdConfig(t, ['multipart_chunk_size_mb = 5']);
    const s3cmd = (...args: string[]) => runTool('s3cmd', ['-c', config, ...args]);
    const made = await s3cmd('mb', 's3://s3cmd-tree');
    expect(made.code).toBe(0);
    const put = await s3cmd('put', '--recursive', `${source}/`, 's3://s3cmd-tree/data/');
    expect(put.code).toBe(0);
    expect(await keys('s3cmd-tree')).toEqual(
      Object.keys(fileTree(source))
        .map((k) => `data/${k}`)
        .sort(),
    );
    const listed = await s3cmd('ls', '--recursive', 's3://s3cmd-tree/');
    expect(listed.stdout).toContain('s3://s3cmd-tree/data/parking/2024/tickets 01.csv');
    const back = tempDir('seawall-s3cmd-back-');
    const got = await s3cmd('get', '--recursive', 's3://s3cmd-tree/data/', `${back}/`);
    expect(got.code).toBe(0);
    expect(fileTree(back)).toEqual(fileTree(source));
    const removed = await s3cmd('del', '--recursive', '--force', 's3://s3cmd-tree/');
    expect(removed.code).toBe(0);
    expect(await keys('s3cmd-tree')).toEqual([]);
  });
});
