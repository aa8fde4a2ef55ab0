import { execFile } from 'node:child_process';
import { CloudTrailClient, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectRetentionCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAuditTrail } from '../src/demo/audit-setup.js';
import { AUDIT_BUCKET, AUDIT_DATABASE, AUDIT_TABLE, AUDIT_TRAIL, RAW_BUCKET } from '../src/demo/zones.js';
import { poll } from '../src/lib/poll.js';
import { athenaClient, athenaQuery } from './helpers/athena.js';
import { BIN } from './helpers/child-server.js';
import { policyUser } from './helpers/iam-user.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let trailArn: string;
const KEEPER = 'audit-keeper';

beforeAll(async () => {
  t = await startTestSeawall({
    env: { SEAWALL_TRAIL_DELIVERY_SECONDS: '1', SEAWALL_TRAIL_DIGEST_SECONDS: '2' },
  });
  trailArn = await ensureAuditTrail(
    {
      endpoint: t.url,
      region: t.credentials.region,
      accountId: t.seawall.accountId,
      credentials: t.credentials,
    },
    `arn:aws:iam::${t.seawall.accountId}:user/${KEEPER}`,
  );
});

afterAll(async () => {
  await t.close();
});

/** The log files delivered so far. */
async function logFiles(s3: S3Client): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: 'AWSLogs/' }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').filter((key) => key.includes('/CloudTrail/'));
}

describe("the demo's audit trail", () => {
  it('is set up once: an Object Lock bucket, a logging trail with validation, the lake selected for data events', async () => {
    expect(trailArn).toBe(
      `arn:aws:cloudtrail:${t.credentials.region}:${t.seawall.accountId}:trail/${AUDIT_TRAIL}`,
    );
    // Again: nothing new is made, the same trail is answered.
    const again = await ensureAuditTrail(
      {
        endpoint: t.url,
        region: t.credentials.region,
        accountId: t.seawall.accountId,
        credentials: t.credentials,
      },
      `arn:aws:iam::${t.seawall.accountId}:user/${KEEPER}`,
    );
    expect(again).toBe(trailArn);
    const trail = new CloudTrailClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: t.credentials,
    });
    expect((await trail.send(new GetTrailStatusCommand({ Name: AUDIT_TRAIL }))).IsLogging).toBe(true);
    trail.destroy();
  });

  it('delivers locked log files that no one but the keeper can delete, not even the root', async () => {
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: RAW_BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: RAW_BUCKET, Key: 'parking/2024.csv', Body: 'a,b\n1,2\n' }));
    const files = await poll(
      () => logFiles(s3),
      (keys) => keys.length > 0,
      { intervalMs: 200, maxIntervalMs: 500, timeoutMs: 30_000 },
    );
    const key = files[0] as string;
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: AUDIT_BUCKET, Key: key }));
    expect(retention.Retention?.Mode).toBe('GOVERNANCE');
    expect(retention.Retention?.RetainUntilDate?.getTime()).toBeGreaterThan(Date.now() + 364 * 86_400_000);

    const { Versions } = await s3.send(new ListObjectVersionsCommand({ Bucket: AUDIT_BUCKET, Prefix: key }));
    const versionId = Versions?.[0]?.VersionId as string;
    const refusal = (client: S3Client, bypass: boolean) =>
      client
        .send(
          new DeleteObjectCommand({
            Bucket: AUDIT_BUCKET,
            Key: key,
            VersionId: versionId,
            ...(bypass ? { BypassGovernanceRetention: true } : {}),
          }),
        )
        .then(
          () => 'deleted',
          (error: Error) => error.name,
        );
    // The root, even asking to bypass the lock, is denied by the bucket policy.
    expect(await refusal(s3, true)).toBe('AccessDenied');
    // An administrator other than the keeper too.
    const admin = await policyUser(t, 'other-admin', [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
    expect(await refusal(admin.s3, true)).toBe('AccessDenied');
    // The keeper may, but only by bypassing the lock on purpose.
    const keeper = await policyUser(t, KEEPER, [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
    expect(await refusal(keeper.s3, false)).toBe('AccessDenied');
    expect(await refusal(keeper.s3, true)).toBe('deleted');
    for (const user of [admin, keeper]) user.close();
  });

  it('is a catalog table analysts query with SQL, and audit verify checks its chain', async () => {
    await t.s3().send(new PutObjectCommand({ Bucket: RAW_BUCKET, Key: 'licences/2024.csv', Body: 'x\n' }));
    const athena = athenaClient(t);
    const rows = await poll(
      () =>
        athenaQuery(
          athena,
          `SELECT eventname, useridentity.type FROM ${AUDIT_DATABASE}.${AUDIT_TABLE} WHERE eventsource = 's3.amazonaws.com' AND eventname = 'PutObject' AND json_extract_scalar(requestparameters, '$.bucketName') = '${RAW_BUCKET}' AND json_extract_scalar(requestparameters, '$.key') = 'licences/2024.csv'`,
        ),
      (result) => result.length > 1,
      { intervalMs: 500, maxIntervalMs: 1000, timeoutMs: 30_000 },
    );
    expect(rows.slice(1)).toEqual([['PutObject', 'Root']]);
    athena.destroy();

    // Until a digest covers everything delivered so far.
    const trail = new CloudTrailClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: t.credentials,
    });
    const since = new Date(Date.now() + 1000);
    await poll(
      () => trail.send(new GetTrailStatusCommand({ Name: AUDIT_TRAIL })),
      (status) => (status.LatestDigestDeliveryTime?.getTime() ?? 0) > since.getTime(),
      { intervalMs: 300, maxIntervalMs: 500, timeoutMs: 30_000 },
    );
    trail.destroy();
    // Run as a child process, asynchronously: the server it calls runs in this process.
    const verify = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, 'audit', 'verify', '--data-dir', t.dataDir, '--bucket', AUDIT_BUCKET],
        { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
        (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    // The keeper deleted one log file's only version above: verify names it, and only it.
    expect(verify.status, verify.stdout + verify.stderr).toBe(1);
    const invalid = verify.stderr.trim().split('\n');
    expect(invalid, verify.stderr).toHaveLength(1);
    expect(invalid[0]).toMatch(/^Log file\ts3:\/\/vancouver-audit\/AWSLogs\/.*\tINVALID: not found/);
  });
});
