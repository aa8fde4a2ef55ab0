import { CreateRoleCommand, type IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';

/**
 * Makes the role a replication configuration names: trusted by S3, allowed to read `bucket`'s versions for
 * replication, but those under `deniedPrefix` when given. Answers its ARN.
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
  const action = 's3:GetObjectVersionForReplication';
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
