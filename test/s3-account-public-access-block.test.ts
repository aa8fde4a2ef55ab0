import { execFile } from 'node:child_process';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  GetPublicAccessBlockCommand as GetBucketPublicAccessBlockCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  DeletePublicAccessBlockCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  PutPublicAccessBlockCommand,
  type S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout } from '../src/data-dir.js';
import { accountEndpoint, s3Control, startLoopbackProxy } from './helpers/account-host.js';
import { AWS_CLI, AWS_CLI_ON_PATH, type CliResult } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { rawRequest, signedHeaders, xmlElement } from './helpers/raw.js';
import { allowPublic, startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
let control: S3ControlClient;
let account: string;
const clients: { destroy(): void }[] = [];
const PATH = '/v20180820/configuration/publicAccessBlock';

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  control = s3Control(t);
  clients.push(control);
  account = t.credentials.accountId;
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await t.close();
});
afterEach(async () => {
  await control.send(new DeletePublicAccessBlockCommand({ AccountId: account }));
});

function putAccountBlock(config: PublicAccessBlockConfiguration): Promise<unknown> {
  return control.send(
    new PutPublicAccessBlockCommand({ AccountId: account, PublicAccessBlockConfiguration: config }),
  );
}

/** A signed S3 Control request whose headers and body the test controls. */
async function signedControl(method: string, path: string, body?: string, accountId = account) {
  const headers = await signedHeaders(t, {
    method,
    path,
    headers: { 'x-amz-account-id': accountId, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  return rawRequest(t.url, {
    method,
    path,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
}

const everyoneMayRead = (bucket: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
    ],
  });

describe('account-level Block Public Access (S3 Control)', () => {
  it('puts, gets and deletes the account configuration with the SDK', async () => {
    expect(
      await failureOf(control.send(new GetPublicAccessBlockCommand({ AccountId: account }))),
    ).toMatchObject({
      code: 'NoSuchPublicAccessBlockConfiguration',
      status: 404,
    });
    await putAccountBlock({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    const got = await control.send(new GetPublicAccessBlockCommand({ AccountId: account }));
    expect(got.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: true,
    });
    await putAccountBlock({ BlockPublicPolicy: true });
    expect(await t.seawall.storage.accounts.getPublicAccessBlock(account)).toEqual({
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: true,
      restrictPublicBuckets: false,
    });
    await control.send(new DeletePublicAccessBlockCommand({ AccountId: account }));
    await control.send(new DeletePublicAccessBlockCommand({ AccountId: account }));
    expect(
      await failureOf(control.send(new GetPublicAccessBlockCommand({ AccountId: account }))),
    ).toMatchObject({
      code: 'NoSuchPublicAccessBlockConfiguration',
      status: 404,
    });
  });

  it('answers in the S3 Control namespace and refuses what it does not serve', async () => {
    const put = await signedControl(
      'PUT',
      PATH,
      '<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>',
    );
    expect(put.status, put.body).toBe(200);
    const got = await signedControl('GET', PATH);
    expect(got.body).toContain(
      '<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><BlockPublicAcls>false</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>',
    );
    const bad = await signedControl(
      'PUT',
      PATH,
      '<PublicAccessBlockConfiguration><Other>true</Other></PublicAccessBlockConfiguration>',
    );
    expect([bad.status, xmlElement(bad.body, 'Code')]).toEqual([400, 'MalformedXML']);
    const other = await signedControl('GET', '/v20180820/accesspoint');
    expect([other.status, xmlElement(other.body, 'Code')]).toEqual([501, 'NotImplemented']);
    const post = await signedControl('POST', PATH, '');
    expect([post.status, xmlElement(post.body, 'Code')]).toEqual([405, 'MethodNotAllowed']);
    const anonymous = await rawRequest(t.url, {
      method: 'GET',
      path: PATH,
      headers: { 'x-amz-account-id': account },
    });
    expect([anonymous.status, xmlElement(anonymous.body, 'Code')]).toEqual([403, 'AccessDenied']);
  });

  it('refuses another account id with AccessDenied', async () => {
    const other = '111122223333';
    for (const command of [
      new GetPublicAccessBlockCommand({ AccountId: other }),
      new PutPublicAccessBlockCommand({ AccountId: other, PublicAccessBlockConfiguration: {} }),
      new DeletePublicAccessBlockCommand({ AccountId: other }),
    ]) {
      // biome-ignore lint/suspicious/noExplicitAny: three commands of one client, sent alike.
      expect(await failureOf(control.send(command as any))).toMatchObject({
        code: 'AccessDenied',
        status: 403,
      });
    }
    expect((await signedControl('GET', PATH, undefined, 'not-an-account')).status).toBe(403);
  });

  it('authorizes s3:GetAccountPublicAccessBlock and s3:PutAccountPublicAccessBlock on *', async () => {
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    clients.push(iam);
    await iam.send(new CreateUserCommand({ UserName: 'auditor' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'auditor' }));
    const auditor = s3Control(t, {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? '',
    });
    clients.push(auditor);
    const get = () => auditor.send(new GetPublicAccessBlockCommand({ AccountId: account }));
    expect(await failureOf(get())).toMatchObject({ code: 'AccessDenied', status: 403 });
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'auditor',
        PolicyName: 'read-account-block',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetAccountPublicAccessBlock', Resource: '*' }],
        }),
      }),
    );
    await putAccountBlock({ BlockPublicPolicy: true });
    expect((await get()).PublicAccessBlockConfiguration?.BlockPublicPolicy).toBe(true);
    const put = auditor.send(
      new PutPublicAccessBlockCommand({ AccountId: account, PublicAccessBlockConfiguration: {} }),
    );
    expect(await failureOf(put)).toMatchObject({ code: 'AccessDenied', status: 403 });
    const remove = auditor.send(new DeletePublicAccessBlockCommand({ AccountId: account }));
    expect(await failureOf(remove)).toMatchObject({ code: 'AccessDenied', status: 403 });
  });

  it('still serves a bucket named v20180820 to S3 requests, which name no account', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'v20180820' }));
    const Key = 'configuration/publicAccessBlock';
    await s3.send(new PutObjectCommand({ Bucket: 'v20180820', Key, Body: 'an object' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'v20180820', Key }));
    expect(await got.Body?.transformToString()).toBe('an object');
    await s3.send(new DeleteObjectCommand({ Bucket: 'v20180820', Key }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'v20180820' }));
  });

  /** `aws s3control …` through an HTTP proxy that reaches `{AccountId}.localhost` (see account-host.ts). */
  function s3controlCli(cli: string, proxy: string, args: string[]): Promise<CliResult> {
    const layout = dataDirLayout(t.dataDir);
    return new Promise((resolve) => {
      execFile(
        cli,
        [
          '--profile',
          'seawall',
          '--endpoint-url',
          accountEndpoint(t),
          's3control',
          ...args,
          '--account-id',
          account,
        ],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: process.env.HOME ?? '/tmp',
            AWS_SHARED_CREDENTIALS_FILE: layout.credentials,
            AWS_CONFIG_FILE: layout.awsConfig,
            AWS_EC2_METADATA_DISABLED: 'true',
            AWS_PAGER: '',
            HTTP_PROXY: proxy,
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it.each([...new Set([AWS_CLI, AWS_CLI_ON_PATH])])('serves the aws cli (%s)', async (cli) => {
    const proxy = await startLoopbackProxy(t);
    try {
      const run = (...args: string[]) => s3controlCli(cli, proxy.url, args);
      const none = await run('get-public-access-block');
      expect(none.stderr).toContain('(NoSuchPublicAccessBlockConfiguration)');
      const put = await run(
        'put-public-access-block',
        '--public-access-block-configuration',
        'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=false',
      );
      expect(put.code, put.stderr).toBe(0);
      const got = await run('get-public-access-block');
      expect(got.code, got.stderr).toBe(0);
      expect(JSON.parse(got.stdout)).toEqual({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: false,
        },
      });
      const removed = await run('delete-public-access-block');
      expect(removed.code, removed.stderr).toBe(0);
      expect((await run('get-public-access-block')).stderr).toContain('NoSuchPublicAccessBlockConfiguration');
    } finally {
      await proxy.close();
    }
  });
});

describe("the account's settings, in force for every bucket it owns", () => {
  // Each bucket here has its own Block Public Access (on from its creation) turned off, so that what refuses is
  // the account's setting.
  it('refuses a public bucket policy under BlockPublicPolicy, even from the root', async () => {
    const bucket = 'account-blocks-policies';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await allowPublic(s3, bucket);
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: everyoneMayRead(bucket) }));
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    await putAccountBlock({ BlockPublicPolicy: true });
    const refused = await failureOf(
      s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: everyoneMayRead(bucket) })),
    );
    expect(refused).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(refused.message).toBe(
      `User: arn:aws:iam::${account}:root is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::${bucket}" because public policies are blocked by the BlockPublicPolicy block public access setting.`,
    );
    // The bucket's own setting is still its own: only the account's is set.
    expect(await failureOf(s3.send(new GetBucketPublicAccessBlockCommand({ Bucket: bucket })))).toMatchObject(
      {
        code: 'NoSuchPublicAccessBlockConfiguration',
      },
    );
    const own = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/*`,
        },
      ],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: own }));
    await control.send(new DeletePublicAccessBlockCommand({ AccountId: account }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: everyoneMayRead(bucket) }));
  });

  it('ignores a public bucket policy for anonymous callers under RestrictPublicBuckets', async () => {
    const bucket = 'account-restricts-buckets';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await allowPublic(s3, bucket);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'open.txt', Body: 'public' }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: everyoneMayRead(bucket) }));
    const anonymous = () => rawRequest(t.url, { method: 'GET', path: `/${bucket}/open.txt` });
    expect((await anonymous()).status).toBe(200);
    await putAccountBlock({ RestrictPublicBuckets: true });
    const refused = await anonymous();
    expect([refused.status, xmlElement(refused.body, 'Code')]).toEqual([403, 'AccessDenied']);
    const root = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'open.txt' }));
    expect(await root.Body?.transformToString()).toBe('public');
    await control.send(new DeletePublicAccessBlockCommand({ AccountId: account }));
    expect((await anonymous()).status).toBe(200);
  });

  it('refuses public canned ACLs under BlockPublicAcls with AccessDenied, and keeps the answer otherwise', async () => {
    const bucket = 'account-blocks-acls';
    // ACLs in force (with them disabled, AccessControlListNotSupported is the answer first) and its own block off.
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectOwnership: 'ObjectWriter' }));
    await allowPublic(s3, bucket);
    const PUBLIC = ['public-read', 'public-read-write', 'authenticated-read'] as const;
    const create = (ACL: (typeof PUBLIC)[number]) =>
      failureOf(
        s3.send(new CreateBucketCommand({ Bucket: `acl-${ACL}`, ACL, ObjectOwnership: 'ObjectWriter' })),
      );
    const put = (ACL: 'public-read' | 'bucket-owner-full-control') =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', ACL }));
    const upload = () =>
      s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k', ACL: 'public-read-write' }));
    // Without the account's setting: with ACLs disabled by default a new bucket takes none; with them in force,
    // its own block (on from its creation) refuses a public one; this bucket, its block off, takes them.
    expect(
      await failureOf(s3.send(new CreateBucketCommand({ Bucket: 'acl-public-read', ACL: 'public-read' }))),
    ).toMatchObject({ code: 'InvalidBucketAclWithObjectOwnership', status: 400 });
    for (const acl of PUBLIC) {
      expect(await create(acl), acl).toMatchObject({
        code: 'InvalidBucketAclWithBlockPublicAccessError',
        status: 400,
      });
    }
    expect((await put('public-read')).$metadata.httpStatusCode).toBe(200);
    expect((await upload()).UploadId).toBeDefined();

    await putAccountBlock({ BlockPublicAcls: true });
    for (const acl of PUBLIC) {
      expect(await create(acl), acl).toMatchObject({ code: 'AccessDenied', status: 403 });
    }
    expect(await failureOf(put('public-read'))).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(await failureOf(upload())).toMatchObject({ code: 'AccessDenied', status: 403 });
    // ACLs that grant nobody else access are what they were.
    await put('bucket-owner-full-control');
    await s3.send(new CreateBucketCommand({ Bucket: 'acl-private', ACL: 'private' }));
  });
});
