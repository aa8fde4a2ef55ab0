import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
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
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout } from '../src/data-dir.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';
import { documentedTrailPolicy } from './helpers/trails.js';

let t: TestSeawall;

const TRAIL_BUCKET = 'secret-trail-logs';

beforeAll(async () => {
  t = await startTestSeawall({
    env: { SEAWALL_TRAIL_DELIVERY_SECONDS: '1', SEAWALL_TRAIL_DIGEST_SECONDS: '3600' },
  });
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

/** A trail that delivers every management event and the test's S3 data events from now on. */
async function startTrail(): Promise<void> {
  const s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: TRAIL_BUCKET }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: TRAIL_BUCKET,
      Policy: documentedTrailPolicy(t, TRAIL_BUCKET, 'audit', 'everything'),
    }),
  );
  const trail = new CloudTrailClient({
    endpoint: t.url,
    region: t.credentials.region,
    credentials: t.credentials,
  });
  await trail.send(
    new CreateTrailCommand({ Name: 'everything', S3BucketName: TRAIL_BUCKET, S3KeyPrefix: 'audit' }),
  );
  await trail.send(
    new PutEventSelectorsCommand({
      TrailName: 'everything',
      EventSelectors: [
        {
          ReadWriteType: 'All',
          IncludeManagementEvents: true,
          // The test's buckets (not the trail's own, which the test reads while waiting).
          DataResources: [
            { Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::audited/', 'arn:aws:s3:::secret-marker/'] },
          ],
        },
      ],
    }),
  );
  await trail.send(new StartLoggingCommand({ Name: 'everything' }));
  trail.destroy();
}

/** The text of every log file the trail has delivered. */
async function deliveredText(): Promise<string> {
  const s3 = t.s3();
  const texts: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: TRAIL_BUCKET,
        Prefix: 'audit/AWSLogs/',
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const { Key } of page.Contents ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: TRAIL_BUCKET, Key }));
      texts.push(gunzipSync(Buffer.from((await got.Body?.transformToByteArray()) ?? [])).toString('latin1'));
    }
    token = page.NextContinuationToken;
  } while (token);
  return texts.join('\n');
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
  it('a run using every kind of secret leaves none of them in any record, stored or delivered', async () => {
    await startTrail();
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

    // Everything is delivered once the last call is: a GetObject of a marker, made after all the rest.
    const s3 = t.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'secret-marker' }));
    await s3.send(new PutObjectCommand({ Bucket: 'secret-marker', Key: 'marker/last-call', Body: 'x' }));
    await s3.send(new GetObjectCommand({ Bucket: 'secret-marker', Key: 'marker/last-call' }));
    const deadline = Date.now() + 30_000;
    let delivered = await deliveredText();
    while (
      !/"eventName":"GetObject".{0,400}marker\/last-call|marker\/last-call.{0,400}"eventName":"GetObject"/s.test(
        delivered,
      )
    ) {
      expect(Date.now(), 'the last call delivered').toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 250));
      delivered = await deliveredText();
    }

    for (const [where, text] of [
      ['audit store', auditBytes()],
      ['delivered log files', delivered],
    ] as const) {
      // The calls were recorded (so the scan below scans something)…
      for (const name of [
        'CreateAccessKey',
        'CreateLoginProfile',
        'GetSessionToken',
        'AssumeRole',
        'Encrypt',
        'Decrypt',
        'GenerateDataKey',
        'GenerateRandom',
      ])
        expect(text, `${name} in the ${where}`).toContain(`"eventName":"${name}"`);
      expect(text).toContain('HIDDEN_DUE_TO_SECURITY_REASONS');
      // …and not one secret, in any spelling.
      for (const { what, value } of secrets) {
        expect(Buffer.byteLength(value), what).toBeGreaterThanOrEqual(16);
        for (const spelling of spellings(value))
          expect(text.includes(spelling), `${what} (${spelling.slice(0, 6)}…) in the ${where}`).toBe(false);
      }
    }
  });
});
