import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

let t: TestSeawall;
let work: string;
const aws = (...args: string[]) => awsCli(t.dataDir, t.url, args);

beforeAll(async () => {
  t = await startTestSeawall();
  work = tempDir('seawall-cli-files-');
});
afterAll(async () => {
  await t.close();
});

describe('aws s3 (Debian awscli)', () => {
  it('mb, cp, ls and rm work with the credentials init wrote', async () => {
    expect((await aws('s3', 'mb', 's3://cli-bucket')).code).toBe(0);
    const file = join(work, 'tickets.csv');
    const content = `Block;Street;EntryDate\n${Array.from({ length: 2000 }, (_, i) => `${i * 100};MAIN ST;2024-01-0${(i % 9) + 1}`).join('\n')}\n`;
    writeFileSync(file, content);
    const up = await aws('s3', 'cp', file, 's3://cli-bucket/raw/parking tickets/été 2024.csv');
    expect(up.code, up.stderr).toBe(0);
    const ls = await aws('s3', 'ls');
    expect(ls.stdout).toContain('cli-bucket');
    const recursive = await aws('s3', 'ls', 's3://cli-bucket', '--recursive');
    expect(recursive.stdout).toContain('raw/parking tickets/été 2024.csv');
    expect(recursive.stdout).toContain(String(Buffer.byteLength(content)));
    const dirs = await aws('s3', 'ls', 's3://cli-bucket/raw/');
    expect(dirs.stdout).toContain('PRE parking tickets/');
    const back = join(work, 'back.csv');
    expect((await aws('s3', 'cp', 's3://cli-bucket/raw/parking tickets/été 2024.csv', back)).code).toBe(0);
    expect(readFileSync(back, 'utf8')).toBe(content);
    expect((await aws('s3', 'rm', 's3://cli-bucket/raw/parking tickets/été 2024.csv')).code).toBe(0);
    expect((await aws('s3', 'ls', 's3://cli-bucket', '--recursive')).stdout.trim()).toBe('');
  });

  it('cp --recursive, rm --recursive (DeleteObjects) and rb', async () => {
    await aws('s3', 'mb', 's3://cli-tree');
    const dir = tempDir('seawall-cli-tree-');
    for (let i = 0; i < 12; i++) writeFileSync(join(dir, `part-${i}.txt`), `part ${i}\n`);
    expect((await aws('s3', 'cp', dir, 's3://cli-tree/parts/', '--recursive')).code).toBe(0);
    const listed = await aws(
      's3api',
      'list-objects-v2',
      '--bucket',
      'cli-tree',
      '--prefix',
      'parts/',
      '--page-size',
      '5',
    );
    expect(JSON.parse(listed.stdout).Contents).toHaveLength(12);
    const removed = await aws('s3', 'rm', 's3://cli-tree/', '--recursive');
    expect(removed.code, removed.stderr).toBe(0);
    expect((await aws('s3', 'rb', 's3://cli-tree')).code).toBe(0);
    expect((await aws('s3api', 'head-bucket', '--bucket', 'cli-tree')).code).not.toBe(0);
  });
});

describe('aws s3api (Debian awscli)', () => {
  it('put-object with Content-MD5, get-object with a range, head-object and errors', async () => {
    await aws('s3', 'mb', 's3://cli-api');
    const file = join(work, 'animals.txt');
    writeFileSync(file, 'Breed;Color;Date\nCorgi;Brown;2024-01-13\n');
    const md5 = createHash('md5').update(readFileSync(file)).digest('base64');
    const put = await aws(
      's3api',
      'put-object',
      '--bucket',
      'cli-api',
      '--key',
      'a/animals.txt',
      '--body',
      file,
      '--content-md5',
      md5,
      '--metadata',
      'source=vancouver',
    );
    expect(put.code, put.stderr).toBe(0);
    expect(JSON.parse(put.stdout).ETag).toBe(
      `"${createHash('md5').update(readFileSync(file)).digest('hex')}"`,
    );
    const out = join(work, 'range.txt');
    const got = await aws(
      's3api',
      'get-object',
      '--bucket',
      'cli-api',
      '--key',
      'a/animals.txt',
      '--range',
      'bytes=0-4',
      out,
    );
    expect(got.code, got.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('Breed');
    expect(JSON.parse(got.stdout).ContentRange).toBe('bytes 0-4/40');
    const head = JSON.parse(
      (await aws('s3api', 'head-object', '--bucket', 'cli-api', '--key', 'a/animals.txt')).stdout,
    );
    expect(head).toMatchObject({ ContentLength: 40, Metadata: { source: 'vancouver' } });
    const badMd5 = await aws(
      's3api',
      'put-object',
      '--bucket',
      'cli-api',
      '--key',
      'bad',
      '--body',
      file,
      '--content-md5',
      createHash('md5').update('x').digest('base64'),
    );
    expect(badMd5.code).not.toBe(0);
    expect(badMd5.stderr).toContain('BadDigest');
    const missing = await aws(
      's3api',
      'get-object',
      '--bucket',
      'cli-api',
      '--key',
      'nope',
      join(work, 'nope'),
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('NoSuchKey');
    const badName = await aws('s3api', 'create-bucket', '--bucket', 'Bad_Name');
    expect(badName.stderr).toMatch(/InvalidBucketName|Invalid bucket name/);
  });
});
