import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import {
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateRandomCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout } from '../src/data-dir.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;

beforeAll(async () => {
  t = await startTestSeawall();
});

afterAll(async () => {
  await t.close();
});

/** Each way a secret could be written down: as given, base64, base64url and hex. */
function spellings(secret: Buffer | string): string[] {
  const bytes = typeof secret === 'string' ? Buffer.from(secret) : secret;
  const out = [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
  if (typeof secret === 'string') out.push(secret);
  // Long enough that a chance match in other text is impossible.
  return out.filter((text) => text.length >= 16);
}

/** Every byte of the audit store as it is on disk: the database, its write-ahead log. */
function auditBytes(): string {
  const dir = t.dataDir;
  return readdirSync(dir)
    .filter((name) => name.startsWith('audit.db'))
    .map((name) => readFileSync(join(dir, name)).toString('latin1'))
    .join('\n');
}

describe('secrets never reach the audit trail', () => {
  it('a run using every kind of secret leaves none of them in any record', async () => {
    const secrets: { what: string; value: Buffer | string }[] = [
      { what: 'root secret key', value: t.credentials.secretAccessKey },
      { what: 'root key', value: readFileSync(dataDirLayout(t.dataDir).rootKey) },
    ];
    const config = { endpoint: t.url, region: t.credentials.region, credentials: t.credentials };
    const iam = new IAMClient(config);
    const sts = new STSClient(config);
    const kms = new KMSClient(config);

    // IAM: an access key's secret, a console password (set, then changed).
    await iam.send(new CreateUserCommand({ UserName: 'audited' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'audited' }));
    secrets.push({ what: 'user secret key', value: AccessKey?.SecretAccessKey ?? '' });
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'audited',
        PolicyName: 'all',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      }),
    );
    const password = `Pw-${randomBytes(12).toString('hex')}`;
    const password2 = `Pw-${randomBytes(12).toString('hex')}`;
    secrets.push({ what: 'console password', value: password }, { what: 'new password', value: password2 });
    await iam.send(new CreateLoginProfileCommand({ UserName: 'audited', Password: password }));
    await iam.send(new UpdateLoginProfileCommand({ UserName: 'audited', Password: password2 }));

    // STS: session credentials, used in a header and in a presigned URL.
    const userConfig = {
      ...config,
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    };
    const userSts = new STSClient(userConfig);
    const session = (await userSts.send(new GetSessionTokenCommand({}))).Credentials;
    secrets.push(
      { what: 'session secret key', value: session?.SecretAccessKey ?? '' },
      { what: 'session token', value: session?.SessionToken ?? '' },
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'audited-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${t.seawall.accountId}:root` },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    const assumed = (
      await userSts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${t.seawall.accountId}:role/audited-role`,
          RoleSessionName: 'audit',
        }),
      )
    ).Credentials;
    secrets.push(
      { what: 'role secret key', value: assumed?.SecretAccessKey ?? '' },
      { what: 'role session token', value: assumed?.SessionToken ?? '' },
    );
    const sessionS3 = t.s3({
      credentials: {
        accessKeyId: session?.AccessKeyId ?? '',
        secretAccessKey: session?.SecretAccessKey ?? '',
        sessionToken: session?.SessionToken ?? '',
      },
    });
    await sessionS3.send(new CreateBucketCommand({ Bucket: 'audited' }));
    await sessionS3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'audited',
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
              BlockedEncryptionTypes: { EncryptionType: ['NONE'] },
            },
          ],
        },
      }),
    );
    const url = await getSignedUrl(sessionS3, new GetObjectCommand({ Bucket: 'audited', Key: 'missing' }), {
      expiresIn: 60,
    });
    expect((await fetch(url)).status).toBe(404);

    // S3: an SSE-C key, on a write and a read.
    const customerKey = randomBytes(32);
    secrets.push({ what: 'SSE-C key', value: customerKey });
    const sseC = {
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: customerKey.toString('base64'),
      SSECustomerKeyMD5: createHash('md5').update(customerKey).digest('base64'),
    };
    await sessionS3.send(new PutObjectCommand({ Bucket: 'audited', Key: 'c', Body: 'sealed', ...sseC }));
    const got = await sessionS3.send(new GetObjectCommand({ Bucket: 'audited', Key: 'c', ...sseC }));
    expect(await got.Body?.transformToString()).toBe('sealed');

    // KMS: plaintext in, plaintext out, data keys, random bytes.
    const keyId = (await kms.send(new (await import('@aws-sdk/client-kms')).CreateKeyCommand({}))).KeyMetadata
      ?.KeyId;
    const plaintext = randomBytes(48);
    secrets.push({ what: 'KMS plaintext', value: plaintext });
    const sealed = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
    expect(Buffer.from(opened.Plaintext as Uint8Array).equals(plaintext)).toBe(true);
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    secrets.push({ what: 'data key', value: Buffer.from(dataKey.Plaintext as Uint8Array) });
    const random = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
    secrets.push({ what: 'random bytes', value: Buffer.from(random.Plaintext as Uint8Array) });

    for (const client of [iam, sts, kms, userSts]) client.destroy();

    const stored = auditBytes();
    // The calls were recorded (so the scan below scans something)…
    for (const name of [
      'CreateAccessKey',
      'CreateLoginProfile',
      'GetSessionToken',
      'AssumeRole',
      'Encrypt',
      'Decrypt',
    ])
      expect(stored, name).toContain(`"eventName":"${name}"`);
    expect(stored).toContain('HIDDEN_DUE_TO_SECURITY_REASONS');
    // …and not one secret, in any spelling.
    for (const { what, value } of secrets) {
      expect(Buffer.byteLength(value), what).toBeGreaterThanOrEqual(16);
      for (const text of spellings(value))
        expect(stored.includes(text), `${what} (${text.slice(0, 6)}…)`).toBe(false);
    }
  });
});
