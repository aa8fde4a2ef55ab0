import { createHash } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { failure } from './helpers/failure.js';
import { writtenBytes } from './helpers/process-io.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const aws = (...args: string[]) => awsCli(t.dataDir, t.url, args);
const FAR = new Date('2140-01-01T00:00:00Z');
const NEAR = new Date('2139-01-01T00:00:00Z');

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

async function lockedBucket(name: string): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: true }));
  return name;
}

async function put(Bucket: string, Key: string, extra: Record<string, unknown> = {}): Promise<string> {
  const out = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'abc', ...extra }));
  return out.VersionId ?? '';
}

describe('S3 Object Lock', () => {
  it('a bucket created with Object Lock is versioned for good and takes a default retention', async () => {
    const Bucket = await lockedBucket('lock-config');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    expect(
      (await s3.send(new GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration,
    ).toEqual({
      ObjectLockEnabled: 'Enabled',
    });
    expect(
      await failure(
        s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } })),
      ),
    ).toEqual({ code: 'InvalidBucketState', status: 409 });
    const config = {
      ObjectLockEnabled: 'Enabled' as const,
      Rule: { DefaultRetention: { Mode: 'GOVERNANCE' as const, Days: 1 } },
    };
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: config }));
    expect(
      (await s3.send(new GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration,
    ).toEqual(config);
    const before = Date.now();
    const VersionId = await put(Bucket, 'defaulted', { ChecksumAlgorithm: 'CRC32' });
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'defaulted', VersionId }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    const until = head.ObjectLockRetainUntilDate?.getTime() ?? 0;
    expect(until - before).toBeGreaterThanOrEqual(86_400_000 - 1000);
    expect(until - before).toBeLessThanOrEqual(86_400_000 + 60_000);
    // The default retention protects the version: only a bypass deletes it.
    expect(await failure(s3.send(new DeleteObjectCommand({ Bucket, Key: 'defaulted', VersionId })))).toEqual({
      code: 'AccessDenied',
      status: 403,
    });
    await s3.send(
      new DeleteObjectCommand({ Bucket, Key: 'defaulted', VersionId, BypassGovernanceRetention: true }),
    );
  });

  it('refuses invalid configurations as S3 does', async () => {
    const Bucket = await lockedBucket('lock-invalid');
    const putConfig = (DefaultRetention: Record<string, unknown>, enabled = 'Enabled') =>
      failure(
        s3.send(
          new PutObjectLockConfigurationCommand({
            Bucket,
            ObjectLockConfiguration: { ObjectLockEnabled: enabled as 'Enabled', Rule: { DefaultRetention } },
          }),
        ),
      );
    expect(await putConfig({ Mode: 'GOVERNANCE', Days: 1, Years: 1 })).toEqual({
      code: 'MalformedXML',
      status: 400,
    });
    expect(await putConfig({ Mode: 'GOVERNANCE', Days: 0 })).toEqual({
      code: 'InvalidArgument',
      status: 400,
    });
    expect(await putConfig({ Mode: 'GOVERNANCE', Years: -1 })).toEqual({
      code: 'InvalidArgument',
      status: 400,
    });
    expect(await putConfig({ Mode: 'GOVERNANCE', Years: 101 })).toEqual({
      code: 'InvalidArgument',
      status: 400,
    });
    expect(await putConfig({ Mode: 'governance', Days: 1 })).toEqual({ code: 'MalformedXML', status: 400 });
    expect(await putConfig({ Mode: 'GOVERNANCE' })).toEqual({ code: 'MalformedXML', status: 400 });
    expect(await putConfig({ Mode: 'GOVERNANCE', Days: 1 }, 'Disabled')).toEqual({
      code: 'MalformedXML',
      status: 400,
    });
  });

  it('a bucket without Object Lock: InvalidBucketState until versioning is enabled, lock requests refused', async () => {
    const Bucket = 'lock-later';
    await s3.send(new CreateBucketCommand({ Bucket }));
    await put(Bucket, 'plain');
    expect(await failure(s3.send(new GetObjectLockConfigurationCommand({ Bucket })))).toEqual({
      code: 'ObjectLockConfigurationNotFoundError',
      status: 404,
    });
    const retention = { Mode: 'GOVERNANCE' as const, RetainUntilDate: FAR };
    expect(
      await failure(s3.send(new PutObjectRetentionCommand({ Bucket, Key: 'plain', Retention: retention }))),
    ).toEqual({ code: 'InvalidRequest', status: 400 });
    expect(await failure(s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'plain' })))).toEqual({
      code: 'InvalidRequest',
      status: 400,
    });
    expect(
      await failure(
        s3.send(new PutObjectLegalHoldCommand({ Bucket, Key: 'plain', LegalHold: { Status: 'ON' } })),
      ),
    ).toEqual({ code: 'InvalidRequest', status: 400 });
    expect(await failure(put(Bucket, 'held', { ObjectLockLegalHoldStatus: 'ON' }))).toEqual({
      code: 'InvalidRequest',
      status: 400,
    });
    // Refused before the body is stored: the server (in this process) writes no copy of it, only the client
    // its request.
    const body = Buffer.alloc(16 * 2 ** 20, 7);
    const written = writtenBytes();
    expect(
      await failure(
        s3.send(
          new PutObjectCommand({
            Bucket,
            Key: 'large',
            Body: body,
            ChecksumAlgorithm: 'CRC32',
            ObjectLockLegalHoldStatus: 'ON',
          }),
        ),
      ),
    ).toEqual({ code: 'InvalidRequest', status: 400 });
    expect(writtenBytes() - written).toBeLessThan(1.5 * body.length);
    // An upload asking for a lock is refused when it begins, not once all its parts are in.
    for (const lock of [
      { ObjectLockLegalHoldStatus: 'OFF' as const },
      { ObjectLockMode: 'GOVERNANCE' as const, ObjectLockRetainUntilDate: FAR },
    ])
      expect(
        await failure(s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'parts', ...lock }))),
      ).toEqual({ code: 'InvalidRequest', status: 400 });
    const config = { ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' as const } };
    const enable = () => s3.send(new PutObjectLockConfigurationCommand({ Bucket, ...config }));
    expect(await failure(enable())).toEqual({ code: 'InvalidBucketState', status: 409 });
    await s3.send(
      new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    expect(await failure(enable())).toEqual({ code: 'InvalidBucketState', status: 409 });
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await enable();
    expect(
      (await s3.send(new GetObjectLockConfigurationCommand({ Bucket }))).ObjectLockConfiguration,
    ).toEqual(config.ObjectLockConfiguration);
  });

  it('retention: extended freely, shortened only with a bypass, compliance never; deletes refused while it holds', async () => {
    const Bucket = await lockedBucket('lock-retention');
    const VersionId = await put(Bucket, 'file');
    const retain = (
      RetainUntilDate: Date,
      Mode: 'GOVERNANCE' | 'COMPLIANCE' = 'GOVERNANCE',
      bypass = false,
    ) =>
      s3.send(
        new PutObjectRetentionCommand({
          Bucket,
          Key: 'file',
          Retention: { Mode, RetainUntilDate },
          ...(bypass ? { BypassGovernanceRetention: true } : {}),
        }),
      );
    expect(await failure(s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'file' })))).toEqual({
      code: 'NoSuchObjectLockConfiguration',
      status: 404,
    });
    await retain(NEAR);
    await retain(FAR);
    expect(
      (await s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'file', VersionId }))).Retention,
    ).toEqual({
      Mode: 'GOVERNANCE',
      RetainUntilDate: FAR,
    });
    expect(await failure(retain(NEAR))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await failure(retain(FAR, 'COMPLIANCE'))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await failure(retain(new Date(Date.now() - 60_000), 'GOVERNANCE', true))).toEqual({
      code: 'InvalidArgument',
      status: 400,
    });
    await retain(NEAR, 'GOVERNANCE', true);
    expect(
      (await s3.send(new GetObjectRetentionCommand({ Bucket, Key: 'file' }))).Retention?.RetainUntilDate,
    ).toEqual(NEAR);
    // A delete without a version id only hides the object behind a delete marker.
    const marker = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'file' }));
    expect(marker.DeleteMarker).toBe(true);
    expect(await failure(s3.send(new DeleteObjectCommand({ Bucket, Key: 'file', VersionId })))).toEqual({
      code: 'AccessDenied',
      status: 403,
    });
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'file', VersionId: marker.VersionId }));
    // Compliance: bypass or not, neither shortened, nor moved to governance, nor deleted.
    await retain(FAR, 'COMPLIANCE', true);
    expect(await failure(retain(NEAR, 'COMPLIANCE', true))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await failure(retain(FAR, 'GOVERNANCE', true))).toEqual({ code: 'AccessDenied', status: 403 });
    const bypassing = new DeleteObjectCommand({
      Bucket,
      Key: 'file',
      VersionId,
      BypassGovernanceRetention: true,
    });
    expect(await failure(s3.send(bypassing))).toEqual({ code: 'AccessDenied', status: 403 });
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'file' }))).ObjectLockMode).toBe('COMPLIANCE');
  });

  it('lock headers on PUT and multipart uploads, answered by GET and HEAD; legal holds block every delete', async () => {
    const Bucket = await lockedBucket('lock-headers');
    const VersionId = await put(Bucket, 'file', {
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: FAR,
      ObjectLockLegalHoldStatus: 'ON',
      ChecksumAlgorithm: 'CRC32',
    });
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'file' }));
    await got.Body?.transformToString();
    expect([got.ObjectLockMode, got.ObjectLockRetainUntilDate, got.ObjectLockLegalHoldStatus]).toEqual([
      'GOVERNANCE',
      FAR,
      'ON',
    ]);
    const bypassing = new DeleteObjectCommand({
      Bucket,
      Key: 'file',
      VersionId,
      BypassGovernanceRetention: true,
    });
    expect(await failure(s3.send(bypassing))).toEqual({ code: 'AccessDenied', status: 403 });
    await s3.send(new PutObjectLegalHoldCommand({ Bucket, Key: 'file', LegalHold: { Status: 'OFF' } }));
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket, Key: 'file' }))).LegalHold).toEqual({
      Status: 'OFF',
    });
    await s3.send(bypassing);

    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key: 'parts', ObjectLockLegalHoldStatus: 'ON' }),
    );
    const part = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'parts', UploadId, PartNumber: 1, Body: 'x' }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'parts',
        UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'parts' }));
    expect([head.ObjectLockLegalHoldStatus, head.ObjectLockMode]).toEqual(['ON', undefined]);
    // Asked for one part, GET and HEAD still tell the object's lock.
    const partHead = await s3.send(new HeadObjectCommand({ Bucket, Key: 'parts', PartNumber: 1 }));
    const partGet = await s3.send(new GetObjectCommand({ Bucket, Key: 'parts', PartNumber: 1 }));
    await partGet.Body?.transformToString();
    expect([partHead.PartsCount, partHead.ObjectLockLegalHoldStatus]).toEqual([1, 'ON']);
    expect(partGet.ObjectLockLegalHoldStatus).toBe('ON');
    const remove = new DeleteObjectCommand({ Bucket, Key: 'parts', VersionId: done.VersionId });
    expect(await failure(s3.send(remove))).toEqual({ code: 'AccessDenied', status: 403 });

    const invalid = (extra: Record<string, unknown>) =>
      failure(put(Bucket, 'bad', { ChecksumAlgorithm: 'CRC32', ...extra }));
    expect(await invalid({ ObjectLockMode: 'GOVERNANCE' })).toEqual({ code: 'InvalidArgument', status: 400 });
    expect(
      await invalid({
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: new Date(Date.now() - 60_000),
      }),
    ).toEqual({
      code: 'InvalidArgument',
      status: 400,
    });
  });

  it('PUTs with Object Lock parameters need Content-MD5 or a checksum', async () => {
    const Bucket = await lockedBucket('lock-digest');
    const headers = {
      'x-amz-object-lock-mode': 'GOVERNANCE',
      'x-amz-object-lock-retain-until-date': '2140-01-01T00:00:00Z',
    };
    const bare = await signed(t, 'PUT', `/${Bucket}/bare`, { headers, body: 'abc' });
    expect(bare.status).toBe(400);
    expect(bare.body).toContain('<Code>InvalidRequest</Code>');
    const md5 = await signed(t, 'PUT', `/${Bucket}/md5`, {
      headers: { ...headers, 'content-md5': 'kAFQmDzST7DWlj99KOF/cg==' },
      body: 'abc',
    });
    expect(md5.status).toBe(200);
    // Without lock headers or a default retention, nothing is retained and no digest is needed.
    expect((await signed(t, 'PUT', `/${Bucket}/free`, { body: 'abc' })).status).toBe(200);
  });

  it('DeleteObjects answers AccessDenied for each locked version and deletes the rest', async () => {
    const Bucket = await lockedBucket('lock-multi');
    const v1 = await put(Bucket, 'one');
    const v2 = await put(Bucket, 'two');
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket,
        Key: 'one',
        Retention: { Mode: 'GOVERNANCE', RetainUntilDate: FAR },
      }),
    );
    const Objects = [
      { Key: 'one', VersionId: v1 },
      { Key: 'two', VersionId: v2 },
    ];
    const first = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects } }));
    expect(first.Errors?.map((e) => [e.Key, e.VersionId, e.Code])).toEqual([['one', v1, 'AccessDenied']]);
    expect(first.Deleted?.map((d) => d.Key)).toEqual(['two']);
    const second = await s3.send(
      new DeleteObjectsCommand({
        Bucket,
        Delete: { Objects: [Objects[0] as never] },
        BypassGovernanceRetention: true,
      }),
    );
    expect([second.Errors ?? [], second.Deleted?.map((d) => d.VersionId)]).toEqual([[], [v1]]);
  });

  it('the bypass needs s3:BypassGovernanceRetention, and the headers of GET need the read permissions', async () => {
    const Bucket = await lockedBucket('lock-iam');
    const VersionId = await put(Bucket, 'file', {
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: FAR,
      ChecksumAlgorithm: 'CRC32',
    });
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'lock-admin' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'lock-admin' }));
    const allow = (actions: string[]) =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: 'lock-admin',
          PolicyName: 'lock',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: actions, Resource: `arn:aws:s3:::${Bucket}/*` }],
          }),
        }),
      );
    const admin = t.s3({
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    });
    try {
      await allow(['s3:GetObject', 's3:DeleteObjectVersion']);
      const head = await admin.send(new HeadObjectCommand({ Bucket, Key: 'file' }));
      expect(head.ObjectLockMode).toBeUndefined();
      const bypassing = new DeleteObjectCommand({
        Bucket,
        Key: 'file',
        VersionId,
        BypassGovernanceRetention: true,
      });
      expect(await failure(admin.send(bypassing))).toEqual({ code: 'AccessDenied', status: 403 });
      await allow([
        's3:GetObject',
        's3:GetObjectRetention',
        's3:DeleteObjectVersion',
        's3:BypassGovernanceRetention',
      ]);
      expect((await admin.send(new HeadObjectCommand({ Bucket, Key: 'file' }))).ObjectLockMode).toBe(
        'GOVERNANCE',
      );
      await admin.send(bypassing);

      // Writing an object with a retention or a legal hold needs those permissions besides s3:PutObject.
      await allow(['s3:PutObject']);
      const write = (extra: Record<string, unknown>) =>
        admin.send(
          new PutObjectCommand({ Bucket, Key: 'written', Body: 'w', ChecksumAlgorithm: 'CRC32', ...extra }),
        );
      const retained = { ObjectLockMode: 'GOVERNANCE' as const, ObjectLockRetainUntilDate: FAR };
      await write({});
      expect(await failure(write(retained))).toEqual({ code: 'AccessDenied', status: 403 });
      expect(await failure(write({ ObjectLockLegalHoldStatus: 'OFF' }))).toEqual({
        code: 'AccessDenied',
        status: 403,
      });
      const copy = new CopyObjectCommand({
        Bucket,
        Key: 'copied',
        CopySource: `${Bucket}/written`,
        ...retained,
      });
      await allow(['s3:PutObject', 's3:GetObject']);
      expect(await failure(admin.send(copy))).toEqual({ code: 'AccessDenied', status: 403 });
      await allow(['s3:PutObject', 's3:GetObject', 's3:PutObjectRetention', 's3:PutObjectLegalHold']);
      await write({ ...retained, ObjectLockLegalHoldStatus: 'OFF' });
      await admin.send(copy);
    } finally {
      admin.destroy();
      iam.destroy();
    }
  });

  it('the aws cli sets and reads retention and legal holds', async () => {
    const Bucket = await lockedBucket('lock-cli');
    const VersionId = await put(Bucket, 'file');
    const retention = await aws(
      's3api',
      'put-object-retention',
      '--bucket',
      Bucket,
      '--key',
      'file',
      '--retention',
      'Mode=GOVERNANCE,RetainUntilDate=2140-01-01T00:00:00Z',
    );
    expect(retention.code, retention.stderr).toBe(0);
    const read = await aws(
      's3api',
      'get-object-retention',
      '--bucket',
      Bucket,
      '--key',
      'file',
      '--version-id',
      VersionId,
    );
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout).Retention.Mode).toBe('GOVERNANCE');
    expect(new Date(JSON.parse(read.stdout).Retention.RetainUntilDate).getTime()).toBe(FAR.getTime());
    const hold = await aws(
      's3api',
      'put-object-legal-hold',
      '--bucket',
      Bucket,
      '--key',
      'file',
      '--legal-hold',
      'Status=ON',
    );
    expect(hold.code, hold.stderr).toBe(0);
    const held = await aws('s3api', 'get-object-legal-hold', '--bucket', Bucket, '--key', 'file');
    expect(JSON.parse(held.stdout).LegalHold).toEqual({ Status: 'ON' });
    const refused = await aws(
      's3api',
      'delete-object',
      '--bucket',
      Bucket,
      '--key',
      'file',
      '--version-id',
      VersionId,
      '--bypass-governance-retention',
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('AccessDenied');
  });

  it('hostile lock documents are MalformedXML, never a crash', async () => {
    const Bucket = await lockedBucket('lock-hostile');
    await put(Bucket, 'file');
    const bodies = [
      '<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>not a date</RetainUntilDate></Retention>',
      '<Retention><Mode>GOVERNANCE</Mode><Mode>COMPLIANCE</Mode><RetainUntilDate>2140-01-01T00:00:00Z</RetainUntilDate></Retention>',
      '<Retention><__proto__>x</__proto__></Retention>',
      '<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2140-02-30T00:00:00Z</RetainUntilDate></Retention>',
      '<!DOCTYPE x [<!ENTITY a "GOVERNANCE">]><Retention><Mode>&a;</Mode></Retention>',
      '<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate><x/></RetainUntilDate></Retention>',
      '<Retention',
    ];
    for (const body of bodies) {
      const answer = await signed(t, 'PUT', `/${Bucket}/file?retention`, {
        headers: { 'content-md5': md5(body) },
        body,
      });
      expect([answer.status, answer.body.includes('<Code>MalformedXML</Code>')], body).toEqual([400, true]);
    }
    const hold = '<LegalHold><Status>on</Status></LegalHold>';
    const answer = await signed(t, 'PUT', `/${Bucket}/file?legal-hold`, {
      headers: { 'content-md5': md5(hold) },
      body: hold,
    });
    expect(answer.status).toBe(400);
    const unsigned = await signed(t, 'PUT', `/${Bucket}/file?legal-hold`, {
      body: '<LegalHold><Status>ON</Status></LegalHold>',
    });
    expect([unsigned.status, unsigned.body.includes('<Code>InvalidRequest</Code>')]).toEqual([400, true]);
  });
});

/** A signed request whose every header and byte the test chooses; `?sub` in the path is a subresource. */
async function signed(
  _t: TestSeawall,
  method: string,
  target: string,
  options: { headers?: Record<string, string>; body?: string } = {},
) {
  const [path = '', sub] = target.split('?');
  const query = sub === undefined ? {} : { [sub]: '' };
  const headers = await signedHeaders(t, {
    method,
    path,
    query,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...(options.headers ?? {}) },
  });
  return rawRequest(t.url, {
    method,
    path: sub === undefined ? path : `${path}?${sub}`,
    headers: {
      ...headers,
      ...(options.body !== undefined ? { 'content-length': Buffer.byteLength(options.body) } : {}),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('base64');
}
