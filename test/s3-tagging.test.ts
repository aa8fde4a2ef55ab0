import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  type Tag,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { policyUser } from './helpers/iam-user.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;
const clients: { destroy(): void }[] = [];
const aws = (...args: string[]) => awsCli(t.dataDir, t.url, args);

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'tags' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'vtags' }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: 'vtags', VersioningConfiguration: { Status: 'Enabled' } }),
  );
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await t.close();
});

const tagSet = async (Bucket: string, Key: string, VersionId?: string) =>
  (await s3.send(new GetObjectTaggingCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) }))).TagSet;

/** A signed PUT ?tagging with a body of our own bytes, for documents the SDK would not send. */
async function rawPut(path: string, body: string): Promise<{ status: number; text: string }> {
  const headers = await signedHeaders(t, {
    method: 'PUT',
    path,
    query: { tagging: '' },
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  const answer = await rawRequest(t.url, {
    method: 'PUT',
    path: `${path}?tagging=`,
    headers: { ...headers, 'content-length': Buffer.byteLength(body) },
    body,
  });
  return { status: answer.status, text: answer.body };
}

describe('object tagging', () => {
  it('puts, gets and deletes an object’s tags, counted on GET and HEAD', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'k', Body: 'x' }));
    expect(await tagSet('tags', 'k')).toEqual([]);
    const head0 = await s3.send(new HeadObjectCommand({ Bucket: 'tags', Key: 'k' }));
    expect(head0.$metadata.httpStatusCode).toBe(200);
    expect((head0 as { TagCount?: number }).TagCount).toBeUndefined();
    const TagSet = [
      { Key: 'zone', Value: 'north' },
      { Key: 'empty', Value: '' },
      { Key: 'ünïcode é', Value: 'naïve +-=._:/@' },
    ];
    const put = await s3.send(new PutObjectTaggingCommand({ Bucket: 'tags', Key: 'k', Tagging: { TagSet } }));
    expect(put.VersionId).toBeUndefined();
    expect(await tagSet('tags', 'k')).toEqual([...TagSet].sort((a, b) => (a.Key < b.Key ? -1 : 1)));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'tags', Key: 'k' }));
    expect(got.TagCount).toBe(3);
    await got.Body?.transformToString();
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'tags', Key: 'k' }));
    expect(head.$metadata.httpStatusCode).toBe(200);
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: 'tags', Key: 'k' }));
    expect(await tagSet('tags', 'k')).toEqual([]);
    expect((await failureOf(tagSet('tags', 'missing'))).code).toBe('NoSuchKey');
    expect((await failureOf(tagSet('nobucket', 'k'))).code).toBe('NoSuchBucket');
  });

  it('tags a version named by versionId, leaving the others alone', async () => {
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'vtags', Key: 'k', Body: '1', Tagging: 'v=1' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: 'vtags', Key: 'k', Body: '2' }));
    const put = await s3.send(
      new PutObjectTaggingCommand({
        Bucket: 'vtags',
        Key: 'k',
        VersionId: v1.VersionId,
        Tagging: { TagSet: [{ Key: 'old', Value: 'yes' }] },
      }),
    );
    expect(put.VersionId).toBe(v1.VersionId);
    expect(await tagSet('vtags', 'k', v1.VersionId)).toEqual([{ Key: 'old', Value: 'yes' }]);
    expect(await tagSet('vtags', 'k')).toEqual([]);
    const current = await s3.send(
      new GetObjectTaggingCommand({ Bucket: 'vtags', Key: 'k', VersionId: v2.VersionId }),
    );
    expect(current.VersionId).toBe(v2.VersionId);
    expect((await failureOf(tagSet('vtags', 'k', 'null'))).code).toBe('NoSuchVersion');
  });

  it('takes x-amz-tagging on PutObject and CreateMultipartUpload', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'put', Body: 'x', Tagging: 'foo=bar&bar' }));
    expect(await tagSet('tags', 'put')).toEqual([
      { Key: 'bar', Value: '' },
      { Key: 'foo', Value: 'bar' },
    ]);
    await s3.send(
      new PutObjectCommand({ Bucket: 'tags', Key: 'enc', Body: 'x', Tagging: 'a%20b=c%2Bd&e+f=g%3Dh' }),
    );
    expect(await tagSet('tags', 'enc')).toEqual([
      { Key: 'a b', Value: 'c+d' },
      { Key: 'e f', Value: 'g=h' },
    ]);
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'tags', Key: 'mpu', Tagging: 'm=1' }),
    );
    const part = await s3.send(
      new UploadPartCommand({ Bucket: 'tags', Key: 'mpu', UploadId, PartNumber: 1, Body: 'p' }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'tags',
        Key: 'mpu',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(await tagSet('tags', 'mpu')).toEqual([{ Key: 'm', Value: '1' }]);
  });

  it('refuses tag sets S3 refuses, with its errors, and keeps the old tags', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'lim', Body: 'x', Tagging: 'keep=1' }));
    const put = (TagSet: Tag[]) =>
      failureOf(s3.send(new PutObjectTaggingCommand({ Bucket: 'tags', Key: 'lim', Tagging: { TagSet } })));
    const many = (n: number, key = (i: number) => `k${i}`, value = () => 'v') =>
      Array.from({ length: n }, (_, i) => ({ Key: key(i), Value: value() }));
    // S3 answers more than 10 tags with BadRequest (s3-tests expects RGW's InvalidTag).
    expect(await put(many(11))).toMatchObject({
      code: 'BadRequest',
      status: 400,
      message: 'Object tags cannot be greater than 10',
    });
    expect(await put(many(1, () => 'k'.repeat(129)))).toMatchObject({ code: 'InvalidTag', status: 400 });
    expect(await put(many(1, undefined, () => 'v'.repeat(257)))).toMatchObject({ code: 'InvalidTag' });
    expect(await put([{ Key: '', Value: 'v' }])).toMatchObject({ code: 'InvalidTag' });
    expect(await put([{ Key: 'aws:owner', Value: 'v' }])).toMatchObject({ code: 'InvalidTag' });
    expect(await put([{ Key: 'bad<', Value: 'v' }])).toMatchObject({ code: 'InvalidTag' });
    expect(
      await put([
        { Key: 'd', Value: '1' },
        { Key: 'd', Value: '2' },
      ]),
    ).toMatchObject({ code: 'InvalidTag', message: 'Cannot provide multiple Tags with the same key' });
    expect(await tagSet('tags', 'lim')).toEqual([{ Key: 'keep', Value: '1' }]);
    // Lengths are in characters: 128 four-byte letters are a valid key.
    const emoji = many(
      10,
      (i) => `${i}${'𝒜'.repeat(127)}`,
      () => '𝒜'.repeat(256),
    );
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'tags', Key: 'lim', Tagging: { TagSet: emoji } }));
    expect(await tagSet('tags', 'lim')).toHaveLength(10);
    const header = await failureOf(
      s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'lim2', Body: 'x', Tagging: 'a=%E0%A4%A' })),
    );
    expect(header).toMatchObject({ code: 'InvalidArgument', status: 400 });
  });

  it('refuses malformed and hostile tagging documents with MalformedXML', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'xml', Body: 'x' }));
    for (const body of [
      '',
      '<Tagging>',
      '<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>',
      '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value><Extra/></Tag></TagSet></Tagging>',
      '<Tagging><TagSet><Tag><Key><Nested>a</Nested></Key><Value>b</Value></Tag></TagSet></Tagging>',
      '<Tagging><Other/></Tagging>',
      '<NotTagging><TagSet/></NotTagging>',
      '<!DOCTYPE x [<!ENTITY e "boom">]><Tagging><TagSet><Tag><Key>&e;</Key><Value>v</Value></Tag></TagSet></Tagging>',
      '<Tagging><TagSet><__proto__><Key>a</Key></__proto__></TagSet></Tagging>',
    ]) {
      const answer = await rawPut('/tags/xml', body);
      expect([answer.status, /<Code>MalformedXML<\/Code>/.test(answer.text)], body).toEqual([400, true]);
    }
    const ok = await rawPut(
      '/tags/xml',
      '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a.b</Key><Value/></Tag></TagSet></Tagging>',
    );
    expect(ok.status, ok.text).toBe(200);
    expect(await tagSet('tags', 'xml')).toEqual([{ Key: 'a.b', Value: '' }]);
    const empty = await rawPut('/tags/xml', '<Tagging><TagSet/></Tagging>');
    expect(empty.status).toBe(200);
    expect(await tagSet('tags', 'xml')).toEqual([]);
    // A pretty-printed document is the same document; text between elements is not.
    const indented = await rawPut(
      '/tags/xml',
      '<?xml version="1.0"?>\n<Tagging>\n  <TagSet>\n    <Tag>\n      <Key>team</Key>\n      <Value><![CDATA[parks + rec]]></Value>\n    </Tag>\n  </TagSet>\n</Tagging>\n',
    );
    expect(indented.status, indented.text).toBe(200);
    expect(await tagSet('tags', 'xml')).toEqual([{ Key: 'team', Value: 'parks + rec' }]);
    const none = await rawPut('/tags/xml', '<Tagging>\n  <TagSet>\n  </TagSet>\n</Tagging>');
    expect(none.status, none.text).toBe(200);
    expect(await tagSet('tags', 'xml')).toEqual([]);
    const prose = await rawPut('/tags/xml', '<Tagging>words<TagSet/></Tagging>');
    expect([prose.status, /<Code>MalformedXML<\/Code>/.test(prose.text)]).toEqual([400, true]);
  });

  it('authorizes tags: s3:PutObjectTagging for x-amz-tagging, the version actions, s3:RequestObjectTag', async () => {
    const { s3: tagger, close } = await policyUser(t, 'tagger', [
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObjectTagging'],
        Resource: 'arn:aws:s3:::vtags/*',
      },
      {
        Effect: 'Allow',
        Action: 's3:PutObjectTagging',
        Resource: 'arn:aws:s3:::vtags/*',
        Condition: { StringEquals: { 's3:RequestObjectTag/team': 'parks' } },
      },
    ]);
    clients.push({ destroy: close });
    const put = (Tagging?: string) =>
      tagger.send(
        new PutObjectCommand({ Bucket: 'vtags', Key: 'auth', Body: 'x', ...(Tagging ? { Tagging } : {}) }),
      );
    const made = await put('team=parks');
    expect(await failureOf(put('team=roads'))).toMatchObject({ code: 'AccessDenied', status: 403 });
    await put();
    await tagger.send(new GetObjectTaggingCommand({ Bucket: 'vtags', Key: 'auth' }));
    expect(
      await failureOf(
        tagger.send(new GetObjectTaggingCommand({ Bucket: 'vtags', Key: 'auth', VersionId: made.VersionId })),
      ),
    ).toMatchObject({ code: 'AccessDenied' });
    expect(
      await failureOf(tagger.send(new DeleteObjectTaggingCommand({ Bucket: 'vtags', Key: 'auth' }))),
    ).toMatchObject({ code: 'AccessDenied' });
  });

  it('supplies an object’s tags as s3:ExistingObjectTag/<key> to the policies of reads and settings', async () => {
    const { s3: reader, close } = await policyUser(t, 'reader', [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::tags/*' },
      {
        Effect: 'Deny',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::tags/*',
        Condition: { StringEquals: { 's3:ExistingObjectTag/classification': 'restricted' } },
      },
      {
        Effect: 'Allow',
        Action: 's3:GetObjectTagging',
        Resource: 'arn:aws:s3:::tags/*',
        Condition: { StringEquals: { 's3:ExistingObjectTag/team': 'parks' } },
      },
    ]);
    clients.push({ destroy: close });
    const put = (Key: string, Tagging: string) =>
      s3.send(new PutObjectCommand({ Bucket: 'tags', Key, Body: 'x', Tagging }));
    await put('open.csv', 'team=parks');
    await put('restricted.csv', 'team=parks&classification=restricted');
    await put('roads.csv', 'team=roads');
    const get = (Key: string) => reader.send(new GetObjectCommand({ Bucket: 'tags', Key }));
    await (await get('open.csv')).Body?.transformToString();
    expect(await failureOf(get('restricted.csv'))).toMatchObject({ code: 'AccessDenied', status: 403 });
    const head = reader.send(new HeadObjectCommand({ Bucket: 'tags', Key: 'restricted.csv' }));
    expect(await failureOf(head)).toMatchObject({ status: 403 });
    const tagsOf = (Key: string) => reader.send(new GetObjectTaggingCommand({ Bucket: 'tags', Key }));
    expect((await tagsOf('open.csv')).TagSet).toEqual([{ Key: 'team', Value: 'parks' }]);
    expect(await failureOf(tagsOf('roads.csv'))).toMatchObject({ code: 'AccessDenied', status: 403 });
    // Once the tag is gone, so is the denial.
    await s3.send(
      new PutObjectTaggingCommand({ Bucket: 'tags', Key: 'restricted.csv', Tagging: { TagSet: [] } }),
    );
    await (await get('restricted.csv')).Body?.transformToString();
  });

  it('works for the aws cli (s3api put-object-tagging, get-object-tagging)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'cli', Body: 'x' }));
    const put = await aws(
      's3api',
      'put-object-tagging',
      '--bucket',
      'tags',
      '--key',
      'cli',
      '--tagging',
      'TagSet=[{Key=owner,Value=data team}]',
    );
    expect(put.code, put.stderr).toBe(0);
    const got = await aws('s3api', 'get-object-tagging', '--bucket', 'tags', '--key', 'cli');
    expect(JSON.parse(got.stdout).TagSet).toEqual([{ Key: 'owner', Value: 'data team' }]);
  });
});

describe('bucket tagging', () => {
  it('puts, gets and deletes a bucket’s tags; NoSuchTagSet when none', async () => {
    const get = () => s3.send(new GetBucketTaggingCommand({ Bucket: 'tags' }));
    expect(await failureOf(get())).toMatchObject({ code: 'NoSuchTagSet', status: 404 });
    const TagSet = Array.from({ length: 50 }, (_, i) => ({
      Key: `k${String(i).padStart(2, '0')}`,
      Value: `${i}`,
    }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'tags', Tagging: { TagSet } }));
    expect((await get()).TagSet).toEqual(TagSet);
    const tooMany = [...TagSet, { Key: 'one-more', Value: '' }];
    expect(
      await failureOf(s3.send(new PutBucketTaggingCommand({ Bucket: 'tags', Tagging: { TagSet: tooMany } }))),
    ).toMatchObject({ code: 'InvalidTag', status: 400 });
    expect((await get()).TagSet).toHaveLength(50);
    const deleted = await s3.send(new DeleteBucketTaggingCommand({ Bucket: 'tags' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(await failureOf(get())).toMatchObject({ code: 'NoSuchTagSet', status: 404 });
    expect(await failureOf(s3.send(new GetBucketTaggingCommand({ Bucket: 'nobucket' })))).toMatchObject({
      code: 'NoSuchBucket',
    });
  });
});
