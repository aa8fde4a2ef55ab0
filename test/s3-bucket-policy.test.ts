import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, AWS_CLI_ON_PATH, awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { postgresAdmin, postgresUrl } from './helpers/postgres.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'policy-bucket';
const ARN = `arn:aws:s3:::${BUCKET}`;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // Made public by these tests: its default Block Public Access (all four settings) is turned off.
  await s3.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET }));
});

/** All four settings on: what S3 gives every new bucket since April 2023. */
const ALL_BLOCKED = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};
afterAll(async () => {
  await t.close();
});

/** A policy of one statement; `statement` overrides the defaults (everyone may GetObject). */
function policy(statement: Record<string, unknown> = {}, bucket = BUCKET): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${bucket}/*`,
        ...statement,
      },
    ],
  });
}

const element = (xml: string, name: string) =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]?.replace(/&apos;/g, "'");

/** A signed request whose body the test controls to the byte. */
async function signed(
  method: string,
  path: string,
  query: Record<string, string>,
  body?: Buffer,
  extra: Record<string, string> = {},
) {
  const headers = await signedHeaders(t, {
    method,
    path,
    query,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...extra },
  });
  return rawRequest(t.url, {
    method,
    path: `${path}?${new URLSearchParams(query).toString()}`,
    headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) },
    ...(body ? { body } : {}),
  });
}

const putPolicy = (text: string, bucket = BUCKET) =>
  s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: text }));
const status = async (bucket = BUCKET) =>
  (await s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }))).PolicyStatus?.IsPublic;

describe('bucket policies through the SDK', () => {
  it('put, get exactly as put, status, delete (idempotent)', async () => {
    const text = `{\n  "Version": "2012-10-17",\n  "Statement": [{"Sid": "team-read", "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::${t.seawall.accountId}:root"}, "Action": ["s3:GetObject", "s3:ListBucket"],
      "Resource": ["${ARN}", "${ARN}/*"]}]\n}`;
    await putPolicy(text);
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy).toBe(text);
    expect(await status()).toBe(false);
    const access = await t.seawall.storage.bucketAccess(BUCKET);
    expect(access?.policy?.statements[0]?.sid).toBe('team-read');

    await putPolicy(policy());
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy).toBe(policy());
    expect(await status()).toBe(true);

    await s3.send(new DeleteBucketPolicyCommand({ Bucket: BUCKET }));
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: BUCKET }));
    expect(await failureOf(s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET })))).toMatchObject({
      code: 'NoSuchBucketPolicy',
      status: 404,
      message: 'The bucket policy does not exist',
    });
    expect(await failureOf(status())).toMatchObject({ code: 'NoSuchBucketPolicy', status: 404 });
    const raw = await signed('GET', `/${BUCKET}`, { policy: '' });
    expect([raw.status, element(raw.body, 'Code'), element(raw.body, 'BucketName')]).toEqual([
      404,
      'NoSuchBucketPolicy',
      BUCKET,
    ]);
    expect(await t.seawall.storage.bucketAccess(BUCKET)).toEqual({});
    expect(await t.seawall.storage.bucketAccess('no-such-bucket-here')).toBeUndefined();
  });

  it('answers NoSuchBucket for a bucket that does not exist', async () => {
    for (const call of [
      () => putPolicy(policy({}, 'missing-bucket'), 'missing-bucket'),
      () => s3.send(new GetBucketPolicyCommand({ Bucket: 'missing-bucket' })),
      () => s3.send(new DeleteBucketPolicyCommand({ Bucket: 'missing-bucket' })),
      () => s3.send(new GetPublicAccessBlockCommand({ Bucket: 'missing-bucket' })),
    ])
      expect(await failureOf(call())).toMatchObject({ code: 'NoSuchBucket', status: 404 });
  });

  it('refuses malformed policies with S3 code and message, storing nothing', async () => {
    const me = `arn:aws:iam::${t.seawall.accountId}`;
    const cases: [string, string][] = [
      [' {}', "Policies must be valid JSON and the first byte must be '{'"],
      ['[1]', "Policies must be valid JSON and the first byte must be '{'"],
      ['{"Version": "2012-10-17", "Statement": [', 'This policy contains invalid Json'],
      ['{"Version": "2012-10-17"}', 'Missing required field Statement'],
      ['{"Version": "2012-10-17", "Statement": []}', 'Could not parse the policy: Statement is empty!'],
      [policy({ Effect: 'Maybe' }), 'Invalid effect: Maybe'],
      [policy({ Principal: undefined }), 'Missing required field Principal'],
      [policy({ Principal: { AWS: 'not-an-account' } }), 'Invalid principal in policy'],
      [policy({ Principal: { AWS: `${me}:group/admins` } }), 'Invalid principal in policy'],
      [policy({ Principal: { Service: 'logging.s3.amazonaws.com' } }), 'Invalid principal in policy'],
      // A user or role of the account that does not exist, as S3 refuses it.
      [policy({ Principal: { AWS: `${me}:user/nobody` } }), 'Invalid principal in policy'],
      [policy({ Principal: { AWS: `${me}:role/team/nobody` } }), 'Invalid principal in policy'],
      [policy({ Resource: 'arn:aws:s3:::another-bucket/*' }), 'Policy has invalid resource'],
      [policy({ Resource: 'arn:aws:s3:::policy-bucket-2/*' }), 'Policy has invalid resource'],
      [policy({ Resource: 'arn:aws:s3:::*' }), 'Policy has invalid resource'],
      [policy({ Resource: 'arn:aws:iam::123456789012:user/x' }), 'Policy has invalid resource'],
      [policy({ Resource: 'nonsense' }), 'Policy has invalid resource'],
      [policy({ Action: 'iam:CreateUser' }), 'Policy has invalid action'],
      [policy({ Action: 's3:GetObjectt' }), 'Policy has invalid action'],
      [policy({ Action: 'GetObject' }), 'Policy has invalid action'],
      [policy({ Action: 's3:ListBucket' }), 'Action does not apply to any resource(s) in statement'],
      [
        policy({ Action: 's3:PutObject', Resource: ARN }),
        'Action does not apply to any resource(s) in statement',
      ],
      [policy({ Action: 's3:ListAllMyBuckets' }), 'Action does not apply to any resource(s) in statement'],
      [policy().replace('2012-10-17', '2012-10-18'), 'The policy must contain a valid version string'],
    ];
    for (const [text, message] of cases) {
      expect(await failureOf(putPolicy(text)), text).toEqual({
        code: 'MalformedPolicy',
        status: 400,
        message,
      });
    }
    expect(await failureOf(s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET })))).toMatchObject({
      code: 'NoSuchBucketPolicy',
    });
  });

  it('accepts wildcards that name S3 actions, NotAction, and conditions', async () => {
    for (const text of [
      policy({ Action: 's3:Get*' }),
      policy({ Action: 's3:*', Resource: [ARN, `${ARN}/*`] }),
      policy({ Action: '*' }),
      policy({ Effect: 'Deny', NotAction: 's3:GetObject', Action: undefined }),
      // An account, and a user of another account (not looked up: only this account's must exist).
      policy({ Principal: { AWS: [t.seawall.accountId, 'arn:aws:iam::111122223333:user/ana'] } }),
      policy({ Condition: { StringEquals: { __proto__: 'x', 'aws:SourceVpc': 'vpc-1' } } }),
    ]) {
      await putPolicy(text);
      expect((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy).toBe(text);
    }
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: BUCKET }));
  });
});

describe('hostile policy bodies', () => {
  const put = (body: Buffer, extra: Record<string, string> = {}) =>
    signed('PUT', `/${BUCKET}`, { policy: '' }, body, extra);

  it('refuses deep nesting, 1 MB, __proto__ and non-UTF-8 with MalformedPolicy and keeps serving', async () => {
    const deep = `{"Statement": ${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const cases: [Buffer, string | undefined][] = [
      [Buffer.from(deep), undefined],
      [
        Buffer.from(`{"a": "${'x'.repeat(1024 * 1024)}"}`),
        'Policy exceeds the maximum allowed document size.',
      ],
      [Buffer.from(`{"__proto__": {"polluted": true}, ${policy().slice(1)}`), 'Unknown field __proto__'],
      [Buffer.from('{"constructor": {"prototype": {}}}'), 'Unknown field constructor'],
      [
        Buffer.concat([Buffer.from('{"Version": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
        'This policy contains invalid Json',
      ],
      [
        Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from(policy())]),
        "Policies must be valid JSON and the first byte must be '{'",
      ],
      [Buffer.alloc(0), "Policies must be valid JSON and the first byte must be '{'"],
    ];
    for (const [body, message] of cases) {
      const res = await put(body);
      expect([res.status, element(res.body, 'Code')], message).toEqual([400, 'MalformedPolicy']);
      if (message) expect(element(res.body, 'Message')).toBe(message);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const health = await fetch(`${t.url}/_seawall/health`);
    expect(health.status).toBe(200);
  });

  it('checks Content-MD5 and x-amz-checksum-* against the body', async () => {
    const body = Buffer.from(policy());
    const bad = await put(body, { 'content-md5': createHash('md5').update('other').digest('base64') });
    expect([bad.status, element(bad.body, 'Code')]).toEqual([400, 'BadDigest']);
    const badSha = await put(body, {
      'x-amz-checksum-sha256': createHash('sha256').update('x').digest('base64'),
    });
    expect([badSha.status, element(badSha.body, 'Code')]).toEqual([400, 'BadDigest']);
    const good = await put(body, {
      'content-md5': createHash('md5').update(body).digest('base64'),
      'x-amz-confirm-remove-self-bucket-access': 'true',
    });
    expect(good.status).toBe(204);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: BUCKET }));
  });
});

describe('policy status: what S3 calls public', () => {
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['everyone, no condition', {}, true],
    ['everyone in a list', { Principal: { AWS: ['*'] } }, true],
    ['a fixed account', { Principal: { AWS: '111122223333' } }, false],
    ['a fixed IAM user', { Principal: { AWS: 'arn:aws:iam::111122223333:user/ana' } }, false],
    ['Deny to everyone', { Effect: 'Deny' }, false],
    ['a fixed source VPC', { Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-91237329' } } }, false],
    ['a VPC pattern', { Condition: { StringLike: { 'aws:SourceVpc': 'vpc-*' } } }, true],
    ['a fixed source IP range', { Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }, false],
    ['a source IP range too wide', { Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/1' } } }, true],
    ['NotIpAddress', { Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }, true],
    ['a fixed org', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-123456' } } }, false],
    [
      'a fixed account key',
      { Condition: { StringEquals: { 'aws:PrincipalAccount': '111122223333' } } },
      false,
    ],
    [
      'a fixed source ARN',
      { Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:ca-west-1:111122223333:t' } } },
      false,
    ],
    ['a role pattern of aws:userid', { Condition: { StringLike: { 'aws:userid': 'AROAEXAMPLE:*' } } }, true],
    [
      'a policy variable',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable
      { Condition: { StringEquals: { 'aws:SourceAccount': '${aws:PrincipalAccount}' } } },
      true,
    ],
    ['IfExists', { Condition: { StringEqualsIfExists: { 'aws:SourceVpc': 'vpc-1' } } }, true],
    ['an unlisted key', { Condition: { Bool: { 'aws:SecureTransport': 'true' } } }, true],
    ['StringNotEquals', { Condition: { StringNotEquals: { 'aws:SourceVpc': 'vpc-1' } } }, true],
  ];
  for (const [name, statement, isPublic] of cases) {
    it(`${name}: ${isPublic ? 'public' : 'not public'}`, async () => {
      await putPolicy(policy(statement));
      expect(await status()).toBe(isPublic);
    });
  }

  it('one public statement among fixed ones makes the policy public', async () => {
    const text = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 's3:*', Resource: `${ARN}/*` },
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${ARN}/public/*` },
      ],
    });
    await putPolicy(text);
    expect(await status()).toBe(true);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: BUCKET }));
  });
});

describe('Block Public Access', () => {
  const BPA = 'bpa-bucket';

  it('a new bucket blocks all four ways; round trip: missing flags are false, delete is idempotent', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BPA }));
    const made = await s3.send(new GetPublicAccessBlockCommand({ Bucket: BPA }));
    expect(made.PublicAccessBlockConfiguration).toEqual(ALL_BLOCKED);
    expect(await failureOf(putPolicy(policy({}, BPA), BPA))).toMatchObject({
      code: 'AccessDenied',
      status: 403,
    });
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: BPA,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
      }),
    );
    const got = await s3.send(new GetPublicAccessBlockCommand({ Bucket: BPA }));
    expect(got.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: true,
    });
    expect((await t.seawall.storage.bucketAccess(BPA))?.publicAccessBlock).toEqual({
      blockPublicAcls: true,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: true,
    });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: BPA }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: BPA }));
    expect(await failureOf(s3.send(new GetPublicAccessBlockCommand({ Bucket: BPA })))).toMatchObject({
      code: 'NoSuchPublicAccessBlockConfiguration',
      status: 404,
      message: 'The public access block configuration was not found',
    });
    expect(await t.seawall.storage.bucketAccess(BPA)).toEqual({});
  });

  it('refuses bad documents and a missing digest', async () => {
    const put = (xml: string, digest = true) =>
      signed(
        'PUT',
        `/${BPA}`,
        { publicAccessBlock: '' },
        Buffer.from(xml),
        digest ? { 'content-md5': createHash('md5').update(xml).digest('base64') } : {},
      );
    const ok =
      '<PublicAccessBlockConfiguration><BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>';
    const noDigest = await put(ok, false);
    expect([noDigest.status, element(noDigest.body, 'Code')]).toEqual([400, 'InvalidRequest']);
    for (const xml of [
      '<PublicAccessBlockConfiguration><BlockPublicPolicy>yes</BlockPublicPolicy></PublicAccessBlockConfiguration>',
      '<PublicAccessBlockConfiguration><Other>true</Other></PublicAccessBlockConfiguration>',
      '<Other/>',
      '<PublicAccessBlockConfiguration>',
    ]) {
      const res = await put(xml);
      expect([res.status, element(res.body, 'Code')], xml).toEqual([400, 'MalformedXML']);
    }
    expect(await failureOf(s3.send(new GetPublicAccessBlockCommand({ Bucket: BPA })))).toMatchObject({
      code: 'NoSuchPublicAccessBlockConfiguration',
    });
  });

  it('BlockPublicPolicy refuses a public policy and accepts a non-public one', async () => {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: BPA,
        PublicAccessBlockConfiguration: { BlockPublicPolicy: true },
      }),
    );
    const refused = await failureOf(putPolicy(policy({}, BPA), BPA));
    expect(refused).toEqual({
      code: 'AccessDenied',
      status: 403,
      message: `User: arn:aws:iam::${t.seawall.accountId}:root is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::${BPA}" because public policies are blocked by the BlockPublicPolicy block public access setting.`,
    });
    const fixed = policy({ Principal: { AWS: t.seawall.accountId } }, BPA);
    await putPolicy(fixed, BPA);
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: BPA }))).Policy).toBe(fixed);
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: BPA }));
    await putPolicy(policy({}, BPA), BPA);
    expect(await status(BPA)).toBe(true);
  });

  it('deleting a bucket deletes its policy and block: a new bucket of the same name has no policy, and the default block', async () => {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: BPA,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true },
      }),
    );
    expect(await t.seawall.storage.bucketAccess(BPA)).toMatchObject({
      publicAccessBlock: { blockPublicAcls: true },
    });
    await s3.send(new DeleteBucketCommand({ Bucket: BPA }));
    expect(await t.seawall.storage.bucketAccess(BPA)).toBeUndefined();
    await s3.send(new CreateBucketCommand({ Bucket: BPA }));
    expect(await failureOf(s3.send(new GetBucketPolicyCommand({ Bucket: BPA })))).toMatchObject({
      code: 'NoSuchBucketPolicy',
    });
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: BPA }));
    expect(block.PublicAccessBlockConfiguration).toEqual(ALL_BLOCKED);
  });
});

describe.each([
  ['Debian aws cli v2', AWS_CLI],
  ['the aws cli on PATH (v1)', AWS_CLI_ON_PATH],
])('%s', (_name, cli) => {
  const bucket = `cli-policy-${cli === AWS_CLI ? 'v2' : 'v1'}`;
  const aws = (...args: string[]) => awsCli(t.dataDir, t.url, args, undefined, cli);

  it('put-bucket-policy, get-bucket-policy(-status), delete-bucket-policy, and a refusal', async () => {
    expect((await aws('s3api', 'create-bucket', '--bucket', bucket)).code).toBe(0);
    expect((await aws('s3api', 'delete-public-access-block', '--bucket', bucket)).code).toBe(0);
    const file = join(tempDir('seawall-policy-'), 'policy.json');
    const text = policy({}, bucket);
    writeFileSync(file, text);
    const put = await aws('s3api', 'put-bucket-policy', '--bucket', bucket, '--policy', `file://${file}`);
    expect(put.code, put.stderr).toBe(0);
    const got = await aws('s3api', 'get-bucket-policy', '--bucket', bucket);
    expect(JSON.parse(got.stdout)).toEqual({ Policy: text });
    const state = await aws('s3api', 'get-bucket-policy-status', '--bucket', bucket);
    expect(JSON.parse(state.stdout)).toEqual({ PolicyStatus: { IsPublic: true } });
    expect((await aws('s3api', 'delete-bucket-policy', '--bucket', bucket)).code).toBe(0);
    const gone = await aws('s3api', 'get-bucket-policy', '--bucket', bucket);
    expect(gone.stderr).toContain('NoSuchBucketPolicy');
    const bad = await aws(
      's3api',
      'put-bucket-policy',
      '--bucket',
      bucket,
      '--policy',
      policy({ Action: 'iam:*' }, bucket),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      '(MalformedPolicy) when calling the PutBucketPolicy operation: Policy has invalid action',
    );
  });

  it('put-public-access-block, get-public-access-block, delete-public-access-block', async () => {
    const put = await aws(
      's3api',
      'put-public-access-block',
      '--bucket',
      bucket,
      '--public-access-block-configuration',
      'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=false',
    );
    expect(put.code, put.stderr).toBe(0);
    const got = await aws('s3api', 'get-public-access-block', '--bucket', bucket);
    expect(JSON.parse(got.stdout)).toEqual({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: false,
      },
    });
    const blocked = await aws(
      's3api',
      'put-bucket-policy',
      '--bucket',
      bucket,
      '--policy',
      policy({}, bucket),
    );
    expect(blocked.stderr).toContain('(AccessDenied) when calling the PutBucketPolicy operation');
    expect((await aws('s3api', 'delete-public-access-block', '--bucket', bucket)).code).toBe(0);
    const gone = await aws('s3api', 'get-public-access-block', '--bucket', bucket);
    expect(gone.stderr).toContain('NoSuchPublicAccessBlockConfiguration');
  });
});

describe('on PostgreSQL metadata', () => {
  const database = `seawall_policy_${randomBytes(6).toString('hex')}`;
  const admin = postgresAdmin;

  it('stores, replaces and deletes policies and blocks with the bucket', async () => {
    await admin(`CREATE DATABASE ${database}`);
    const p = await startTestSeawall({ env: { SEAWALL_METADATA_URL: postgresUrl(database) } });
    try {
      const client = p.s3();
      await client.send(new CreateBucketCommand({ Bucket: 'pg-policy' }));
      // Made with the default block, in the same transaction as the bucket.
      expect((await p.seawall.storage.bucketAccess('pg-policy'))?.publicAccessBlock).toEqual({
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      });
      await client.send(new DeletePublicAccessBlockCommand({ Bucket: 'pg-policy' }));
      await client.send(new PutBucketPolicyCommand({ Bucket: 'pg-policy', Policy: policy({}, 'pg-policy') }));
      const fixed = policy({ Principal: { AWS: p.seawall.accountId } }, 'pg-policy');
      await client.send(new PutBucketPolicyCommand({ Bucket: 'pg-policy', Policy: fixed }));
      await client.send(
        new PutPublicAccessBlockCommand({
          Bucket: 'pg-policy',
          PublicAccessBlockConfiguration: { IgnorePublicAcls: true },
        }),
      );
      expect((await client.send(new GetBucketPolicyCommand({ Bucket: 'pg-policy' }))).Policy).toBe(fixed);
      const block = await client.send(new GetPublicAccessBlockCommand({ Bucket: 'pg-policy' }));
      expect(block.PublicAccessBlockConfiguration?.IgnorePublicAcls).toBe(true);
      await client.send(new DeleteBucketCommand({ Bucket: 'pg-policy' }));
      await client.send(new CreateBucketCommand({ Bucket: 'pg-policy' }));
      expect(await p.seawall.storage.bucketAccess('pg-policy')).toEqual({
        publicAccessBlock: {
          blockPublicAcls: true,
          ignorePublicAcls: true,
          blockPublicPolicy: true,
          restrictPublicBuckets: true,
        },
      });
    } finally {
      await p.close();
      await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  });
});
