import { evaluate, type Policy } from '../iam/policy/index.js';

/** The service principal trails write as. */
export const CLOUDTRAIL_PRINCIPAL = 'cloudtrail.amazonaws.com';

/**
 * Whether a bucket's policy lets CloudTrail deliver a trail's files, as CloudTrail checks it: the service
 * principal may s3:GetBucketAcl on the bucket and s3:PutObject under `[prefix/]AWSLogs/ACCOUNT/` (where the log
 * files and the digests go), with the conditions its documented policy tests (the object ACL it sets, the
 * trail as aws:SourceArn).
 */
export function cloudTrailMayWrite(
  policy: Policy | undefined,
  place: { bucket: string; prefix: string | null; accountId: string; trailArn: string },
): boolean {
  if (!policy) return false;
  const root = place.prefix ? `${place.prefix.replace(/\/+$/, '')}/` : '';
  const context = {
    'aws:SourceArn': place.trailArn,
    'aws:SourceAccount': place.accountId,
    's3:x-amz-acl': 'bucket-owner-full-control',
  };
  const principal = { type: 'Service' as const, arn: CLOUDTRAIL_PRINCIPAL, accountId: '' };
  const allowed = (action: string, resource: string) =>
    evaluate(
      { principal, action, resource, resourceAccountId: place.accountId, context },
      { identity: [], resource: [policy] },
    ).effect === 'Allow';
  // Log files and digests both: the digests go beside the logs, and a trail may switch validation on later.
  const logs = `arn:aws:s3:::${place.bucket}/${root}AWSLogs/${place.accountId}`;
  return (
    allowed('s3:GetBucketAcl', `arn:aws:s3:::${place.bucket}`) &&
    allowed('s3:PutObject', `${logs}/CloudTrail/x`) &&
    allowed('s3:PutObject', `${logs}/CloudTrail-Digest/x`)
  );
}

/**
 * The two statements CloudTrail's documentation gives a trail's bucket policy: the service may read the
 * bucket's ACL and write under `[prefix/]AWSLogs/ACCOUNT/` with the bucket owner in full control; with a trail
 * ARN, only for that trail (aws:SourceArn).
 */
export function cloudTrailBucketStatements(
  bucket: string,
  accountId: string,
  options: { prefix?: string; trailArn?: string } = {},
): object[] {
  const root = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
  const source = options.trailArn ? { 'aws:SourceArn': options.trailArn } : {};
  return [
    {
      Sid: 'AWSCloudTrailAclCheck',
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_PRINCIPAL },
      Action: 's3:GetBucketAcl',
      Resource: `arn:aws:s3:::${bucket}`,
      ...(options.trailArn ? { Condition: { StringEquals: source } } : {}),
    },
    {
      Sid: 'AWSCloudTrailWrite',
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_PRINCIPAL },
      Action: 's3:PutObject',
      Resource: `arn:aws:s3:::${bucket}/${root}AWSLogs/${accountId}/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...source } },
    },
  ];
}
