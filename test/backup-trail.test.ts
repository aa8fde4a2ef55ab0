import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudTrailClient,
  CreateTrailCommand,
  LookupEventsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { verifyDelivered } from './faults/verify-trail.js';
import { s3Flags, s3Proxy, scratchDirs, seawallCli as seawall } from './helpers/backup.js';
import { clientConfig } from './helpers/glue.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';
import { documentedTrailPolicy } from './helpers/trails.js';

const scratch = scratchDirs();

/** The ids of the PutBucketTagging records the installation's LookupEvents has. */
async function taggingEventIds(t: TestSeawall): Promise<string[]> {
  const trail = new CloudTrailClient(clientConfig(t));
  const ids: string[] = [];
  try {
    let NextToken: string | undefined;
    do {
      const page = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'PutBucketTagging' }],
          NextToken,
        }),
      );
      for (const event of page.Events ?? []) ids.push(event.EventId ?? '');
      NextToken = page.NextToken;
    } while (NextToken);
  } finally {
    trail.destroy();
  }
  return ids;
}

const TRAIL_ENV = { SEAWALL_TRAIL_DELIVERY_SECONDS: '1', SEAWALL_TRAIL_DIGEST_SECONDS: '1' };

describe('a backup taken while the trail delivers', () => {
  it('restores a trail whose checkpoint, log files and digests agree: every record delivered, the chain whole', async () => {
    const target = await startTestSeawall({ dataDir: scratch('seawall-backup-trail-target-') });
    // A slow S3: the upload of a snapshot's metadata.db waits 3 s before it goes through, as over a slow link.
    const slow = await s3Proxy(target.url, {
      delayMs: (req) => (req.method === 'PUT' && req.url?.includes('metadata.db') ? 3000 : 0),
    });
    const dataDir = scratch('seawall-backup-trail-data-');
    let t = await startTestSeawall({ dataDir, env: TRAIL_ENV });
    try {
      await target.s3().send(new CreateBucketCommand({ Bucket: 'backups' }));
      const s3 = t.s3();
      for (const bucket of ['trail', 'busy']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket: 'trail',
          Policy: documentedTrailPolicy(t, 'trail', 'logs', 'city'),
        }),
      );
      const cloudtrail = new CloudTrailClient(clientConfig(t));
      await cloudtrail.send(
        new CreateTrailCommand({
          Name: 'city',
          S3BucketName: 'trail',
          S3KeyPrefix: 'logs',
          EnableLogFileValidation: true,
        }),
      );
      await cloudtrail.send(new StartLoggingCommand({ Name: 'city' }));
      cloudtrail.destroy();

      // Management writes all through the backup, so that the trail has files to deliver every second.
      let writing = true;
      let tags = 0;
      const writer = (async () => {
        while (writing) {
          await s3.send(
            new PutBucketTaggingCommand({
              Bucket: 'busy',
              Tagging: { TagSet: [{ Key: 'n', Value: String(++tags) }] },
            }),
          );
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const backup = await seawall(
        'backup',
        '--data-dir',
        dataDir,
        '--to',
        's3://backups/city',
        ...s3Flags(target, slow.url),
      );
      writing = false;
      await writer;
      expect(backup.err).toBe('');
      expect(backup.code).toBe(0);
      expect(tags).toBeGreaterThan(40);

      await t.close();
      const rootKey = join(scratch('seawall-backup-trail-key-'), 'root.key');
      copyFileSync(join(dataDir, 'root.key'), rootKey);
      rmSync(dataDir, { recursive: true, force: true });
      const restored = await seawall(
        'restore',
        '--from',
        's3://backups/city',
        '--data-dir',
        dataDir,
        '--root-key',
        rootKey,
        ...s3Flags(target),
      );
      expect(restored.err).toBe('');
      expect(restored.code).toBe(0);

      t = await startTestSeawall({ dataDir, env: TRAIL_ENV });
      const ids = await taggingEventIds(t);
      expect(ids.length).toBeGreaterThan(20);
      // Every record the restored installation holds reaches a log file of the restored trail bucket…
      expect(
        await verifyDelivered(t.s3(), { bucket: 'trail', prefix: 'logs' }, ids, new Map(), 15_000),
      ).toEqual([]);
      // …and the digests chain through the backup: none names a file, or a digest, the restore lacks.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const verified = await seawall(
        'audit',
        'verify',
        '--bucket',
        'trail',
        '--prefix',
        'logs',
        '--data-dir',
        dataDir,
        '--endpoint-url',
        t.url,
      );
      expect(verified.out + verified.err).not.toMatch(/missing|broken|INVALID|not found/i);
      expect(verified.code).toBe(0);
    } finally {
      slow.close();
      await t.close();
      await target.close();
    }
  }, 180_000);
});
