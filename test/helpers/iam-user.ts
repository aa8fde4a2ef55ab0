import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { TestSeawall } from './seawall.js';

/** An IAM user of the test server, with an S3 client signing as it and the means to set its one policy. */
export interface PolicyUser {
  s3: S3Client;
  /** The user's ARN (a grant's or a policy's principal). */
  arn: string;
  /** The user's access key, for a client of another service. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Replaces the user's inline policy with these statements. */
  allow(statements: readonly object[]): Promise<void>;
  close(): void;
}

/** Makes the IAM user `name` with an access key and, when given, a policy of these statements. */
export async function policyUser(
  t: TestSeawall,
  name: string,
  statements?: readonly object[],
): Promise<PolicyUser> {
  const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
  const { User } = await iam.send(new CreateUserCommand({ UserName: name }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  const credentials = {
    accessKeyId: AccessKey?.AccessKeyId ?? '',
    secretAccessKey: AccessKey?.SecretAccessKey ?? '',
  };
  const s3 = t.s3({ credentials });
  const allow = async (list: readonly object[]) => {
    await iam.send(
      new PutUserPolicyCommand({
        UserName: name,
        PolicyName: 'test',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: list }),
      }),
    );
  };
  if (statements) await allow(statements);
  return { s3, arn: User?.Arn ?? '', credentials, allow, close: () => iam.destroy() };
}
