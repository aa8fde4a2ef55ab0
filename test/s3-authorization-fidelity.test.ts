import { createHmac } from 'node:crypto';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from './helpers/failure.js';
import { policyUser } from './helpers/iam-user.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * The IAM actions and condition keys S3 asks of a caller beyond an operation's own action, checked with IAM
 * users whose policies allow exactly what AWS requires, and the same less one action. Sources: the API
 * Reference's Permissions sections (as shipped in @aws-sdk/client-s3's documentation), the Service
 * Authorization Reference for Amazon S3, and AWS's troubleshooting notes on copies.
 */

let t: TestSeawall;
let s3: S3Client;
const closers: (() => void)[] = [];

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'authz-src' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'authz-dst' }));
  // ACLs enabled: objects' ACLs apply, so setting one is a permission of its own.
  await s3.send(new CreateBucketCommand({ Bucket: 'authz-acl', ObjectOwnership: 'BucketOwnerPreferred' }));
  await s3.send(
    new PutObjectCommand({ Bucket: 'authz-src', Key: 'tagged', Body: 'x', Tagging: 'team=parks' }),
  );
  await s3.send(new PutObjectCommand({ Bucket: 'authz-src', Key: 'untagged', Body: 'x' }));
});
afterAll(async () => {
  for (const close of closers) close();
  await t.close();
});

async function user(name: string, statements: readonly object[]): Promise<S3Client> {
  const made = await policyUser(t, name, statements);
  closers.push(made.close);
  return made.s3;
}

const denied = { code: 'AccessDenied', status: 403 };

describe('PutObjectTagging', () => {
  it('supplies the tag set it asks for as s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'authz-src', Key: 'tag-me', Body: 'x' }));
    // AWS's own example: tag keys limited to a list with ForAllValues, a value fixed with StringEquals.
    const tagger = await user('keys-tagger', [
      {
        Effect: 'Allow',
        Action: 's3:PutObjectTagging',
        Resource: 'arn:aws:s3:::authz-src/*',
        Condition: {
          'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['team', 'stage'] },
          StringEquals: { 's3:RequestObjectTag/team': 'parks' },
        },
      },
    ]);
    const tag = (TagSet: { Key: string; Value: string }[]) =>
      tagger.send(new PutObjectTaggingCommand({ Bucket: 'authz-src', Key: 'tag-me', Tagging: { TagSet } }));
    await tag([{ Key: 'team', Value: 'parks' }]);
    await tag([
      { Key: 'team', Value: 'parks' },
      { Key: 'stage', Value: 'raw' },
    ]);
    expect(await failureOf(tag([{ Key: 'team', Value: 'roads' }]))).toMatchObject(denied);
    expect(
      await failureOf(
        tag([
          { Key: 'team', Value: 'parks' },
          { Key: 'secret', Value: 'yes' },
        ]),
      ),
    ).toMatchObject(denied);
    const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: 'authz-src', Key: 'tag-me' }));
    expect(TagSet).toHaveLength(2);
    expect(TagSet).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'parks' },
        { Key: 'stage', Value: 'raw' },
      ]),
    );
  });

  it('still answers a malformed tag set to a caller it allows', async () => {
    const tagger = await user('any-tagger', [
      {
        Effect: 'Allow',
        Action: 's3:PutObjectTagging',
        Resource: 'arn:aws:s3:::authz-src/*',
        Condition: { 'ForAllValues:StringEquals': { 's3:RequestObjectTagKeys': ['team'] } },
      },
    ]);
    const twice = tagger.send(
      new PutObjectTaggingCommand({
        Bucket: 'authz-src',
        Key: 'tag-me',
        Tagging: {
          TagSet: [
            { Key: 'team', Value: 'a' },
            { Key: 'team', Value: 'b' },
          ],
        },
      }),
    );
    expect(await failureOf(twice)).toMatchObject({ code: 'InvalidTag', status: 400 });
  });
});

describe('CopyObject of a tagged source (TaggingDirective COPY)', () => {
  const copier = (name: string, actions: readonly string[]) =>
    user(name, [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::authz-src/*' },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::authz-dst/*' },
      ...actions.map((action) => ({
        Effect: 'Allow',
        Action: action,
        Resource: `arn:aws:s3:::${action === 's3:GetObjectTagging' ? 'authz-src' : 'authz-dst'}/*`,
      })),
    ]);
  const copy = (client: S3Client, Key: string, TaggingDirective?: 'COPY' | 'REPLACE') =>
    client.send(
      new CopyObjectCommand({
        Bucket: 'authz-dst',
        Key,
        CopySource: `authz-src/${Key}`,
        ...(TaggingDirective ? { TaggingDirective } : {}),
      }),
    );

  it('needs s3:GetObjectTagging on the source and s3:PutObjectTagging on the destination', async () => {
    const both = await copier('copier-both', ['s3:GetObjectTagging', 's3:PutObjectTagging']);
    await copy(both, 'tagged');
    const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: 'authz-dst', Key: 'tagged' }));
    expect(TagSet).toEqual([{ Key: 'team', Value: 'parks' }]);
    const noRead = await copier('copier-no-get-tagging', ['s3:PutObjectTagging']);
    expect(await failureOf(copy(noRead, 'tagged'))).toMatchObject(denied);
    expect(await failureOf(copy(noRead, 'tagged', 'COPY'))).toMatchObject(denied);
    const noWrite = await copier('copier-no-put-tagging', ['s3:GetObjectTagging']);
    expect(await failureOf(copy(noWrite, 'tagged'))).toMatchObject(denied);
  });

  it('needs neither for a source without tags, nor when the tags are replaced by none', async () => {
    const plain = await copier('copier-plain', []);
    await copy(plain, 'untagged');
    await copy(plain, 'tagged', 'REPLACE');
    const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: 'authz-dst', Key: 'tagged' }));
    expect(TagSet).toEqual([]);
  });
});

describe('ACL headers on a new object in a bucket whose ACLs are enabled', () => {
  const writer = (name: string, acl: boolean) =>
    user(name, [
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', ...(acl ? ['s3:PutObjectAcl'] : [])],
        Resource: 'arn:aws:s3:::authz-acl/*',
      },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::authz-src/*' },
    ]);

  it('PutObject, CreateMultipartUpload and CopyObject need s3:PutObjectAcl too', async () => {
    const without = await writer('acl-writer-without', false);
    const withAcl = await writer('acl-writer-with', true);
    const put = (client: S3Client) =>
      client.send(
        new PutObjectCommand({ Bucket: 'authz-acl', Key: 'k', Body: 'x', ACL: 'bucket-owner-read' }),
      );
    const grant = (client: S3Client) =>
      client.send(
        new PutObjectCommand({
          Bucket: 'authz-acl',
          Key: 'g',
          Body: 'x',
          GrantRead: `id="${t.credentials.accountId}"`,
        }),
      );
    const upload = (client: S3Client) =>
      client.send(new CreateMultipartUploadCommand({ Bucket: 'authz-acl', Key: 'm', ACL: 'private' }));
    const copy = (client: S3Client) =>
      client.send(
        new CopyObjectCommand({
          Bucket: 'authz-acl',
          Key: 'c',
          CopySource: 'authz-src/untagged',
          ACL: 'private',
        }),
      );
    for (const request of [put, grant, upload, copy]) {
      expect(await failureOf(request(without))).toMatchObject(denied);
      await request(withAcl);
    }
    // Without an ACL header, s3:PutObject alone.
    await without.send(new PutObjectCommand({ Bucket: 'authz-acl', Key: 'plain', Body: 'x' }));
  });

  it('asks nothing more where ACLs are disabled (BucketOwnerEnforced)', async () => {
    const enforced = await user('acl-off-writer', [
      { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::authz-dst/*' },
    ]);
    await enforced.send(
      new PutObjectCommand({
        Bucket: 'authz-dst',
        Key: 'owned',
        Body: 'x',
        ACL: 'bucket-owner-full-control',
      }),
    );
  });
});

describe('the keys of how a request is signed: s3:authType, s3:signatureversion, s3:signatureAge', () => {
  const read = { Bucket: 'authz-src', Key: 'untagged' };
  const readAll = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::authz-src/*' };
  const fetchUrl = async (url: string) => (await fetch(url)).status;

  it('a Deny of presigned URLs (s3:authType other than REST-HEADER) holds, and header-signed reads pass', async () => {
    const client = await user('no-presigned', [
      readAll,
      {
        Effect: 'Deny',
        Action: 's3:*',
        Resource: 'arn:aws:s3:::authz-src/*',
        Condition: { StringNotEquals: { 's3:authType': 'REST-HEADER' } },
      },
    ]);
    await client.send(new GetObjectCommand(read));
    expect(await fetchUrl(await getSignedUrl(client, new GetObjectCommand(read), { expiresIn: 300 }))).toBe(
      403,
    );
  });

  it('s3:signatureversion is AWS4-HMAC-SHA256, and s3:signatureAge grows from the signature’s date', async () => {
    const client = await user('fresh-signatures', [
      { ...readAll, Condition: { StringEquals: { 's3:signatureversion': 'AWS4-HMAC-SHA256' } } },
      {
        Effect: 'Deny',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::authz-src/*',
        Condition: { NumericGreaterThan: { 's3:signatureAge': '600000' } },
      },
    ]);
    await client.send(new GetObjectCommand(read));
    expect(await fetchUrl(await getSignedUrl(client, new GetObjectCommand(read), { expiresIn: 3600 }))).toBe(
      200,
    );
    // Signed twenty minutes ago and valid for an hour: older than the policy takes.
    const signingDate = new Date(Date.now() - 20 * 60 * 1000);
    const old = await getSignedUrl(client, new GetObjectCommand(read), { expiresIn: 3600, signingDate });
    expect(await fetchUrl(old)).toBe(403);
  });

  it('a browser form signed with Signature Version 2 is s3:signatureversion AWS, its age 0', async () => {
    /** A POST Object form signed with Signature Version 2 by the client's keys, as old upload libraries sign. */
    const postV2 = async (client: S3Client, key: string) => {
      const keys = await client.config.credentials();
      const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const policy = Buffer.from(
        JSON.stringify({ expiration, conditions: [{ bucket: 'authz-src' }, ['starts-with', '$key', 'v2/']] }),
      ).toString('base64');
      const form = new FormData();
      form.append('key', key);
      form.append('AWSAccessKeyId', keys.accessKeyId);
      form.append('policy', policy);
      form.append('signature', createHmac('sha1', keys.secretAccessKey).update(policy).digest('base64'));
      form.append('file', new Blob(['x']), 'x.txt');
      return (await fetch(`${t.url}/authz-src`, { method: 'POST', body: form })).status;
    };
    const put = { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::authz-src/v2/*' };
    // AWS's way to refuse Signature Version 2: a Deny of any other version.
    const v4Only = await user('v4-only', [
      put,
      {
        Effect: 'Deny',
        Action: 's3:*',
        Resource: 'arn:aws:s3:::authz-src/*',
        Condition: { StringNotEquals: { 's3:signatureversion': 'AWS4-HMAC-SHA256' } },
      },
    ]);
    expect(await postV2(v4Only, 'v2/refused')).toBe(403);
    const v2 = await user('v2-fresh', [
      {
        ...put,
        Condition: {
          StringEquals: { 's3:signatureversion': 'AWS', 's3:authType': 'POST' },
          NumericEquals: { 's3:signatureAge': '0' },
        },
      },
    ]);
    expect(await postV2(v2, 'v2/taken')).toBe(204);
  });
});
