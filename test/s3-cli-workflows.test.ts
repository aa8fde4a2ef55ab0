import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

let t: TestSeawall;
const aws = (...args: string[]) => awsCli(t.dataDir, t.url, args);
/** Runs one aws cli command and gives its parsed JSON output, failing with its stderr if it failed. */
async function awsJson(...args: string[]): Promise<Record<string, unknown>> {
  const result = await aws(...args, '--output', 'json');
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  t = await startTestSeawall();
});
afterAll(async () => {
  await t.close();
});

/** A time written to the second, as v1 prints S3's raw XML time (`…:40.000Z`) or v2 its parsed one (`…:40+00:00`). */
const WHOLE_SECOND = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.000Z|\+00:00)$/;

describe('aws s3 sync', () => {
  // S3 keeps an object's time to the second; the cli sets a downloaded file's mtime to that second and, with
  // --exact-timestamps, downloads again whatever the listing says was modified at any other time.
  for (const cli of [AWS_CLI, AWS_CLI_ON_PATH]) {
    it(`from a bucket with --exact-timestamps downloads nothing the second time (${cli})`, async () => {
      const bucket = `cli-sync-${cli === AWS_CLI ? 'debian' : 'path'}`;
      expect((await aws('s3', 'mb', `s3://${bucket}`)).code).toBe(0);
      const source = tempDir('seawall-cli-sync-source-');
      for (let i = 0; i < 6; i++)
        writeFileSync(join(source, `permits-${i}.csv`), `licence;status\n${i};issued\n`);
      const run = (...args: string[]) => awsCli(t.dataDir, t.url, args, undefined, cli);
      const up = await run('s3', 'sync', source, `s3://${bucket}/permits/`, '--no-progress');
      expect(up.code, up.stderr).toBe(0);
      const target = join(tempDir('seawall-cli-sync-target-'), 'permits');
      const first = await run('s3', 'sync', `s3://${bucket}/permits/`, target, '--no-progress');
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout.match(/download: /g)).toHaveLength(6);
      const again = await run(
        's3',
        'sync',
        `s3://${bucket}/permits/`,
        target,
        '--exact-timestamps',
        '--no-progress',
      );
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe('');
    });
  }
});

describe('times in S3 XML answers', () => {
  it('listings, copies and uploads name whole seconds, the second Last-Modified names', async () => {
    const bucket = 'cli-times';
    expect((await aws('s3', 'mb', `s3://${bucket}`)).code).toBe(0);
    expect(
      (
        await aws(
          's3api',
          'put-bucket-versioning',
          '--bucket',
          bucket,
          '--versioning-configuration',
          'Status=Enabled',
        )
      ).code,
    ).toBe(0);
    const file = join(tempDir('seawall-cli-times-'), 'animals.csv');
    writeFileSync(file, 'Breed;Color\nCorgi;Brown\n');
    const times: string[] = [];
    for (let i = 0; i < 4; i++)
      await awsJson('s3api', 'put-object', '--bucket', bucket, '--key', `a/${i}.csv`, '--body', file);
    await awsJson('s3api', 'delete-object', '--bucket', bucket, '--key', 'a/3.csv');
    const buckets = await awsJson('s3api', 'list-buckets');
    for (const b of buckets.Buckets as { CreationDate: string }[]) times.push(b.CreationDate);
    for (const listing of ['list-objects', 'list-objects-v2']) {
      const listed = await awsJson('s3api', listing, '--bucket', bucket);
      for (const o of listed.Contents as { LastModified: string }[]) times.push(o.LastModified);
    }
    const versions = await awsJson('s3api', 'list-object-versions', '--bucket', bucket);
    for (const v of versions.Versions as { LastModified: string }[]) times.push(v.LastModified);
    for (const m of versions.DeleteMarkers as { LastModified: string }[]) times.push(m.LastModified);
    const copied = await awsJson(
      's3api',
      'copy-object',
      '--bucket',
      bucket,
      '--key',
      'b/copy.csv',
      '--copy-source',
      `${bucket}/a/0.csv`,
    );
    times.push((copied.CopyObjectResult as { LastModified: string }).LastModified);
    const upload = await awsJson('s3api', 'create-multipart-upload', '--bucket', bucket, '--key', 'b/mp');
    const uploadId = upload.UploadId as string;
    const part = await awsJson(
      's3api',
      'upload-part-copy',
      '--bucket',
      bucket,
      '--key',
      'b/mp',
      '--upload-id',
      uploadId,
      '--part-number',
      '1',
      '--copy-source',
      `${bucket}/a/1.csv`,
    );
    times.push((part.CopyPartResult as { LastModified: string }).LastModified);
    const parts = await awsJson(
      's3api',
      'list-parts',
      '--bucket',
      bucket,
      '--key',
      'b/mp',
      '--upload-id',
      uploadId,
    );
    for (const p of parts.Parts as { LastModified: string }[]) times.push(p.LastModified);
    const uploads = await awsJson('s3api', 'list-multipart-uploads', '--bucket', bucket);
    for (const u of uploads.Uploads as { Initiated: string }[]) times.push(u.Initiated);
    // 4 objects, 2 listings of 3, 4 versions and a delete marker, a copy, a part copy, its part, its upload.
    expect(times.length).toBeGreaterThanOrEqual(1 + 6 + 5 + 4);
    for (const time of times) expect(time).toMatch(WHOLE_SECOND);
    // The listing's time is the second HeadObject's Last-Modified names.
    const listed = await awsJson('s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', 'a/0.csv');
    const head = await awsJson('s3api', 'head-object', '--bucket', bucket, '--key', 'a/0.csv');
    const [first] = listed.Contents as { LastModified: string }[];
    expect(Date.parse(first?.LastModified ?? '')).toBe(Date.parse(head.LastModified as string));
  });
});
