import type { TestSeawall } from './seawall.js';

/**
 * The bucket policy AWS documents for a trail's bucket, written out here as the documentation gives it (not
 * from Seawall's own code): CloudTrail may read the bucket's ACL and write under `prefix/AWSLogs/ACCOUNT/`, for
 * the trail `trailName` only.
 */
export function documentedTrailPolicy(
  t: Pick<TestSeawall, 'seawall'>,
  bucket: string,
  prefix: string,
  trailName: string,
): string {
  const account = t.seawall.accountId;
  const sourceArn = `arn:aws:cloudtrail:${t.seawall.region}:${account}:trail/${trailName}`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AWSCloudTrailAclCheck20150319',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:GetBucketAcl',
        Resource: `arn:aws:s3:::${bucket}`,
        Condition: { StringEquals: { 'aws:SourceArn': sourceArn } },
      },
      {
        Sid: 'AWSCloudTrailWrite20150319',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${bucket}/${prefix}/AWSLogs/${account}/*`,
        Condition: {
          StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': sourceArn },
        },
      },
    ],
  });
}
