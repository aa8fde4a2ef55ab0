import { evaluate, type Policy } from '../iam/policy/index.js';

/** The service principal trails write as. */
export const CLOUDTRAIL_PRINCIPAL = 'cloudtrail.amazonaws.com';

/**
 * Whether a bucket's policy lets CloudTrail deliver a trail's files, as CloudTrail checks it: the service
 * principal may s3:GetBucketAcl on the bucket and s3:PutObject under `[prefix/]AWSLogs/ACCOUNT/`, with the
 * conditions its documented policy tests (the object ACL it sets, the trail as aws:SourceArn).
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
  return (
    allowed('s3:GetBucketAcl', `arn:aws:s3:::${place.bucket}`) &&
    allowed('s3:PutObject', `arn:aws:s3:::${place.bucket}/${root}AWSLogs/${place.accountId}/CloudTrail/x`)
  );
}
