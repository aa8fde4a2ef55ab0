import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { CreateRoleCommand, type IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { dataDirLayout, PROFILE } from '../../src/data-dir.js';
import { BIN } from './child-server.js';
import { until } from './until.js';

/** Waits for what replication makes: a probe's failure (a replica not there yet is a 404) is "not yet". */
export function untilReplicated<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  ms?: number,
): Promise<T> {
  return until(probe, what, { ...(ms === undefined ? {} : { ms }), retryFailures: true });
}

/** Replication retries for tests: quick, and enough of them that a delivery outlasts a destination's outage. */
export const RETRIES = { firstDelayMs: 100, maxDelayMs: 400, attempts: 1000 };

/**
 * `seawall remote add` on the source's data directory: the destination Seawall at `endpoint`, in `account`,
 * reached with the root key its own data directory holds.
 */
export function registerRemote(
  sourceDir: string,
  account: string,
  endpoint: string,
  destinationDir: string,
): SpawnSyncReturns<string> {
  return spawnSync(
    process.execPath,
    [
      BIN,
      'remote',
      'add',
      '--data-dir',
      sourceDir,
      '--account',
      account,
      '--endpoint',
      endpoint,
      '--credentials',
      dataDirLayout(destinationDir).credentials,
      '--profile',
      PROFILE,
    ],
    { encoding: 'utf8' },
  );
}

/**
 * Makes the role a replication configuration names: trusted by S3, allowed to read `bucket`'s versions (and
 * their ACLs and tags) for replication, but those under `deniedPrefix` when given. Answers its ARN.
 */
export async function replicationRole(
  iam: IAMClient,
  bucket: string,
  deniedPrefix?: string,
): Promise<string> {
  const { Role } = await iam.send(
    new CreateRoleCommand({
      RoleName: 'replication',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  // What AWS documents for a replication role at its source: read versions for replication, their ACLs and tags.
  const action = [
    's3:GetObjectVersionForReplication',
    's3:GetObjectVersionAcl',
    's3:GetObjectVersionTagging',
  ];
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'replication',
      PolicyName: 'replicate',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: action, Resource: `arn:aws:s3:::${bucket}/*` },
          ...(deniedPrefix !== undefined
            ? [{ Effect: 'Deny', Action: action, Resource: `arn:aws:s3:::${bucket}/${deniedPrefix}*` }]
            : []),
        ],
      }),
    }),
  );
  return Role?.Arn as string;
}

/** Lets the role `replication` do `actions` on the objects of `bucket` (an inline policy named after it). */
export async function allowReplicationRole(iam: IAMClient, bucket: string, actions: string[]): Promise<void> {
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'replication',
      PolicyName: bucket,
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: actions, Resource: `arn:aws:s3:::${bucket}/*` }],
      }),
    }),
  );
}

/** Makes `bucket` (created with Object Lock) retain what it stores by default: GOVERNANCE for a day. */
export async function retainByDefault(s3: S3Client, Bucket: string): Promise<void> {
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
      },
    }),
  );
}

/** Makes each bucket with its client, versioning enabled, as replication wants on both sides. */
export async function versionedBuckets(buckets: readonly (readonly [S3Client, string])[]): Promise<void> {
  for (const [client, Bucket] of buckets) {
    await client.send(new CreateBucketCommand({ Bucket }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  }
}
