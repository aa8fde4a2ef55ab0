import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  DeletePublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { type Config, loadConfig } from '../../src/config.js';
import { PIPELINE_TRUST } from '../../src/demo/personas.js';
import type { RootCredentials } from '../../src/iam/index.js';
import type { Clock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { initDataDir, type Seawall, startSeawall } from '../../src/main.js';

type StartOptions = NonNullable<Parameters<typeof startSeawall>[1]>;

export interface TestSeawall {
  seawall: Seawall;
  url: string;
  dataDir: string;
  config: Config;
  credentials: RootCredentials;
  s3(overrides?: Partial<S3ClientConfig>): S3Client;
  /**
   * The ARN of a role Glue crawlers and DataBrew jobs can act as (it trusts both services and may do
   * anything), made on first use.
   */
  serviceRole(): Promise<string>;
  close(): Promise<void>;
}

/** The role tests hand to crawlers and recipe jobs. */
export const TEST_SERVICE_ROLE = 'seawall-test-service';

async function makeServiceRole(url: string, credentials: RootCredentials): Promise<string> {
  const iam = new IAMClient({ endpoint: url, region: credentials.region, credentials });
  try {
    // A server restarted on the same data directory has it already.
    const existing = await iam
      .send(new GetRoleCommand({ RoleName: TEST_SERVICE_ROLE }))
      .catch(() => undefined);
    if (existing?.Role?.Arn) return existing.Role.Arn;
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: TEST_SERVICE_ROLE,
        AssumeRolePolicyDocument: JSON.stringify(PIPELINE_TRUST),
      }),
    );
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: TEST_SERVICE_ROLE,
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    );
    return Role?.Arn ?? '';
  } finally {
    iam.destroy();
  }
}

/** Makes SSE-KMS under `keyId` the bucket's default encryption. */
export async function sealByDefault(s3: S3Client, bucket: string, keyId: string | undefined): Promise<void> {
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyId } }],
      },
    }),
  );
}

/**
 * Turns off a bucket's Block Public Access, which every new bucket has on (all four settings, as in S3), for a
 * test that makes the bucket public (a policy or an ACL granting everyone).
 */
export async function allowPublic(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
}

export function tempDir(prefix = 'seawall-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Initialises a fresh data directory and starts the real server on a free loopback port. */
export async function startTestSeawall(
  options: {
    dataDir?: string;
    clock?: Clock;
    env?: Record<string, string>;
    /** Limits the server is started with (small timeouts and concurrency in tests), and its engines ahead. */
    limits?: Pick<
      StartOptions,
      | 'athenaLimits'
      | 'crawlTimeoutMs'
      | 'memoryBudgetBytes'
      | 'eventRetries'
      | 'replicationRetries'
      | 'replicationMultipart'
      | 'httpLimits'
      | 'enginesAhead'
    >;
    /** A log level to run at, its lines written nowhere but where Seawall itself keeps them (CloudWatch Logs). */
    logLevel?: string;
  } = {},
): Promise<TestSeawall> {
  const dataDir = options.dataDir ?? tempDir();
  const config = loadConfig(
    { dataDir, port: '0', logLevel: options.logLevel ?? process.env.SEAWALL_TEST_LOG ?? 'silent' },
    options.env ?? {},
  );
  const credentials = await initDataDir(config);
  const seawall = await startSeawall(config, {
    logger: createLogger(
      config.logLevel,
      options.logLevel && !process.env.SEAWALL_TEST_LOG
        ? new Writable({ write: (_c, _e, done) => done() })
        : undefined,
    ),
    ...(options.clock ? { clock: options.clock } : {}),
    ...options.limits,
  });
  const clients: S3Client[] = [];
  let role: Promise<string> | undefined;
  return {
    seawall,
    url: seawall.url,
    dataDir,
    config,
    credentials,
    s3(overrides = {}) {
      const client = new S3Client({
        endpoint: seawall.url,
        region: credentials.region,
        forcePathStyle: true,
        credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    serviceRole() {
      role ??= makeServiceRole(seawall.url, credentials);
      return role;
    },
    async close() {
      for (const client of clients) client.destroy();
      await seawall.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
