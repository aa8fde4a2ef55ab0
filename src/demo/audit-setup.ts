import {
  CloudTrailClient,
  CreateTrailCommand,
  GetTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { CreateDatabaseCommand, CreateTableCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  CreateBucketCommand,
  PutBucketPolicyCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { cloudTrailBucketStatements } from '../audit/trail-policy.js';
import { cloudTrailTableInput } from '../catalog/cloudtrail-table.js';
import {
  AUDIT_BUCKET,
  AUDIT_DATABASE,
  AUDIT_RETENTION_DAYS,
  AUDIT_TABLE,
  AUDIT_TRAIL,
  CURATED_BUCKET,
  RAW_BUCKET,
} from './zones.js';

export interface AuditTarget {
  endpoint: string;
  region: string;
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** The S3 actions that would remove or rewrite a delivered log file, its lock, or the bucket's protections. */
const TAMPERING = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:BypassGovernanceRetention',
  's3:PutBucketObjectLockConfiguration',
  's3:PutBucketVersioning',
  's3:PutLifecycleConfiguration',
  's3:DeleteBucket',
  // Lifting the policy itself (S3 still lets the account's root do so, and that call is recorded).
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
];

/**
 * The audit bucket's policy: CloudTrail may check the bucket and write its logs (the statements CloudTrail's
 * documentation gives), and no one but `keeper` may delete a log file's version or loosen its lock — not even
 * the account's root, whom a bucket policy's explicit deny binds too. A write over a log file's key only adds
 * a version (the bucket is versioned and every version locked), which verification reports as a change.
 */
export function auditBucketPolicy(bucket: string, accountId: string, keeper: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      ...cloudTrailBucketStatements(bucket, accountId),
      {
        Sid: 'AuditLogsAreKeptUnaltered',
        Effect: 'Deny',
        Principal: '*',
        Action: TAMPERING,
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': keeper } },
      },
    ],
  };
}

const ignore = (name: string) => (error: Error) => {
  if (error.name !== name) throw error;
};

/** AWS's documented CloudTrail table over the trail's log files, for SQL over the audit trail. */
async function ensureAuditTable(glue: GlueClient, accountId: string): Promise<void> {
  await glue
    .send(
      new CreateDatabaseCommand({ DatabaseInput: { Name: AUDIT_DATABASE, Description: 'The audit trail' } }),
    )
    .catch(ignore('AlreadyExistsException'));
  await glue
    .send(
      new CreateTableCommand({
        DatabaseName: AUDIT_DATABASE,
        TableInput: cloudTrailTableInput(
          AUDIT_TABLE,
          `s3://${AUDIT_BUCKET}/AWSLogs/${accountId}/CloudTrail/`,
        ),
      }),
    )
    .catch(ignore('AlreadyExistsException'));
}

/**
 * The demo's audit trail: an Object Lock bucket (every log file kept GOVERNANCE-locked for a year, and a
 * policy that lets no one but the administrator persona delete or rewrite one), and a trail that records
 * management events and the lake's object reads and writes, with signed digests, and the catalog table over
 * its log files (vancouver_audit.cloudtrail_logs). Idempotent.
 */
export async function ensureAuditTrail(target: AuditTarget, keeper: string): Promise<string> {
  const config = { endpoint: target.endpoint, region: target.region, credentials: target.credentials };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const trail = new CloudTrailClient(config);
  const glue = new GlueClient(config);
  try {
    await ensureAuditTable(glue, target.accountId);
    const existing = await trail
      .send(new GetTrailCommand({ Name: AUDIT_TRAIL }))
      .then((found) => found.Trail?.TrailARN)
      .catch(ignore('TrailNotFoundException'));
    if (existing) return existing;
    await s3
      .send(new CreateBucketCommand({ Bucket: AUDIT_BUCKET, ObjectLockEnabledForBucket: true }))
      .catch(ignore('BucketAlreadyOwnedByYou'));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: AUDIT_BUCKET,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: AUDIT_RETENTION_DAYS } },
        },
      }),
    );
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: AUDIT_BUCKET,
        Policy: JSON.stringify(auditBucketPolicy(AUDIT_BUCKET, target.accountId, keeper)),
      }),
    );
    const { TrailARN } = await trail.send(
      new CreateTrailCommand({
        Name: AUDIT_TRAIL,
        S3BucketName: AUDIT_BUCKET,
        EnableLogFileValidation: true,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
      }),
    );
    await trail.send(
      new PutEventSelectorsCommand({
        TrailName: AUDIT_TRAIL,
        EventSelectors: [
          {
            ReadWriteType: 'All',
            IncludeManagementEvents: true,
            DataResources: [
              {
                Type: 'AWS::S3::Object',
                Values: [`arn:aws:s3:::${RAW_BUCKET}/`, `arn:aws:s3:::${CURATED_BUCKET}/`],
              },
            ],
          },
        ],
      }),
    );
    await trail.send(new StartLoggingCommand({ Name: AUDIT_TRAIL }));
    return TrailARN ?? '';
  } finally {
    s3.destroy();
    trail.destroy();
    glue.destroy();
  }
}
