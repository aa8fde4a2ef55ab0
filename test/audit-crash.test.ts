import { spawnSync } from 'node:child_process';
import { CloudTrailClient, type Event, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { targetFromDataDir } from '../src/cli/client-target.js';
import { BIN, serveChild } from './helpers/child-server.js';
import { tempDir } from './helpers/seawall.js';

/** Every CreateBucket record LookupEvents has, by the bucket it names. */
async function createBucketRecords(trail: CloudTrailClient): Promise<Map<string, Record<string, unknown>[]>> {
  const byBucket = new Map<string, Record<string, unknown>[]>();
  let token: string | undefined;
  do {
    const page = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateBucket' }],
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const event of page.Events ?? ([] as Event[])) {
      const record = JSON.parse(event.CloudTrailEvent ?? '{}') as Record<string, unknown>;
      const bucket = String((record.requestParameters as { bucketName?: string } | null)?.bucketName);
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), record]);
    }
    token = page.NextToken;
  } while (token);
  return byBucket;
}

describe('the audit trail under SIGKILL', () => {
  it('every answered call has its record after a kill, and every effect has one too', async () => {
    const dir = tempDir();
    expect(spawnSync(process.execPath, [BIN, 'init', '--data-dir', dir]).status).toBe(0);
    const credentials = (await targetFromDataDir(dir)).credentials;
    const answered = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      const server = serveChild(dir);
      const url = await server.url;
      const s3 = new S3Client({
        endpoint: url,
        region: 'ca-west-1',
        forcePathStyle: true,
        credentials,
        maxAttempts: 1,
      });
      // Four writers at once until the kill, which lands at a different point each round.
      let stop = false;
      const writers = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const bucket = `crash-${round}-${w}-${i}`;
          try {
            const out = await s3.send(new CreateBucketCommand({ Bucket: bucket }));
            answered.set(bucket, out.$metadata.requestId ?? '');
          } catch {
            return;
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 300 + round * 170));
      server.child.kill('SIGKILL');
      stop = true;
      await Promise.all(writers);
      s3.destroy();
    }
    expect(answered.size).toBeGreaterThan(10);

    const last = serveChild(dir);
    const url = await last.url;
    const trail = new CloudTrailClient({ endpoint: url, region: 'ca-west-1', credentials });
    const s3 = new S3Client({ endpoint: url, region: 'ca-west-1', forcePathStyle: true, credentials });
    const records = await createBucketRecords(trail);
    // Each answer the clients saw is recorded, as a success, under its request id.
    for (const [bucket, requestId] of answered) {
      const found = records.get(bucket) ?? [];
      expect(
        found.map((r) => [r.requestID, r.errorCode]),
        bucket,
      ).toContainEqual([requestId, undefined]);
    }
    // Each bucket that exists was recorded: answered, or cut off (and then said to be interrupted).
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    const existing = (Buckets ?? []).map((b) => b.Name ?? '').filter((name) => name.startsWith('crash-'));
    expect(existing.length).toBeGreaterThanOrEqual(answered.size);
    for (const bucket of existing) expect(records.has(bucket), bucket).toBe(true);
    for (const [bucket, found] of records) {
      for (const record of found) {
        if (record.errorCode === undefined) expect(existing, bucket).toContain(bucket);
        else expect(['ServiceUnavailable', 'BucketAlreadyOwnedByYou']).toContain(record.errorCode);
      }
    }
    trail.destroy();
    s3.destroy();
    last.child.kill('SIGTERM');
  });
});
