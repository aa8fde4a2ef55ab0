import {
  CreateBucketCommand,
  GetBucketTaggingCommand,
  GetObjectTaggingCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureFields, failureOf } from './helpers/failure.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

/**
 * Tagging as a data engineer's boto3 script meets it (the answers recorded from AWS in LocalStack's
 * aws-validated TestS3BucketObjectTagging snapshots). The requests are the SDK's, or the exact bytes boto3 sends.
 */

let t: TestSeawall;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'wf-tags' }));
  await s3.send(new PutObjectCommand({ Bucket: 'wf-tags', Key: 'tagged.csv', Body: 'a,b\n' }));
});
afterAll(async () => {
  await t.close();
});

/** A signed PUT ?tagging with the body boto3 sends for `Tagging={'TagSet': None}`. */
async function putTaggingDocument(path: string, body: string): Promise<number> {
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
  return answer.status;
}

const BOTO3_NO_TAG_SET = '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/" />';

describe('bucket tagging', () => {
  const getTags = () => s3.send(new GetBucketTaggingCommand({ Bucket: 'wf-tags' }));
  const putTags = (TagSet: { Key: string; Value: string }[]) =>
    s3.send(new PutBucketTaggingCommand({ Bucket: 'wf-tags', Tagging: { TagSet } }));

  it('an empty tag set removes the bucket’s tags: GetBucketTagging is then NoSuchTagSet', async () => {
    await putTags([{ Key: 'team', Value: 'data' }]);
    expect((await getTags()).TagSet).toEqual([{ Key: 'team', Value: 'data' }]);
    const put = await putTags([]);
    expect(put.$metadata.httpStatusCode).toBe(204);
    expect(await failureOf(getTags())).toMatchObject({ code: 'NoSuchTagSet', status: 404 });
  });

  it('a Tagging document without a TagSet (boto3’s TagSet=None) is no tags, not MalformedXML', async () => {
    await putTags([{ Key: 'team', Value: 'data' }]);
    expect(await putTaggingDocument('/wf-tags', BOTO3_NO_TAG_SET)).toBe(204);
    expect(await failureOf(getTags())).toMatchObject({ code: 'NoSuchTagSet', status: 404 });
  });
});

describe('object tagging', () => {
  it('a Tagging document without a TagSet clears an object’s tags', async () => {
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: 'wf-tags',
        Key: 'tagged.csv',
        Tagging: { TagSet: [{ Key: 'zone', Value: 'north' }] },
      }),
    );
    expect(await putTaggingDocument('/wf-tags/tagged.csv', BOTO3_NO_TAG_SET)).toBe(200);
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket: 'wf-tags', Key: 'tagged.csv' }));
    expect(got.TagSet).toEqual([]);
  });

  it('names the tag an InvalidTag refuses (TagKey, and TagValue for a value), as S3 does', async () => {
    const putObjectTags = (TagSet: { Key: string; Value: string }[]) =>
      failureFields(
        s3.send(new PutObjectTaggingCommand({ Bucket: 'wf-tags', Key: 'tagged.csv', Tagging: { TagSet } })),
      );
    const putBucketTags = (TagSet: { Key: string; Value: string }[]) =>
      failureFields(s3.send(new PutBucketTaggingCommand({ Bucket: 'wf-tags', Tagging: { TagSet } })));
    const duplicate = [
      { Key: 'Key1', Value: 'Val1' },
      { Key: 'Key1', Value: 'Val1' },
    ];
    for (const put of [putObjectTags, putBucketTags]) {
      expect(await put(duplicate)).toMatchObject({
        Code: 'InvalidTag',
        message: 'Cannot provide multiple Tags with the same key',
        TagKey: 'Key1',
      });
      expect(await put([{ Key: 'Key1,Key2', Value: 'Val1' }])).toMatchObject({
        Code: 'InvalidTag',
        message: 'The TagKey you have provided is invalid',
        TagKey: 'Key1,Key2',
      });
      expect(await put([{ Key: 'Key1', Value: 'Val1,Val2' }])).toMatchObject({
        Code: 'InvalidTag',
        message: 'The TagValue you have provided is invalid',
        TagKey: 'Key1',
        TagValue: 'Val1,Val2',
      });
      expect(await put([{ Key: 'aws:prefixed', Value: 'Val1' }])).toMatchObject({
        Code: 'InvalidTag',
        TagKey: 'aws:prefixed',
      });
    }
  });

  it('x-amz-tagging naming a tag twice is InvalidArgument about the header', async () => {
    const failed = await failureFields(
      s3.send(
        new PutObjectCommand({ Bucket: 'wf-tags', Key: 'dup.csv', Body: '', Tagging: 'key1=val1&key1=val2' }),
      ),
    );
    expect(failed).toMatchObject({
      Code: 'InvalidArgument',
      message:
        "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
      ArgumentName: 'x-amz-tagging',
      ArgumentValue: 'key1=val1&key1=val2',
    });
  });

  it('x-amz-tagging with empty pairs (`&`, `&&`) names no tags for them, as S3 takes it', async () => {
    for (const [Key, Tagging, expected] of [
      ['amp.csv', '&', []],
      ['amps.csv', '&&', []],
      [
        'gap.csv',
        'a=1&&b=2',
        [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      ],
      [
        'bare.csv',
        'key1&key2',
        [
          { Key: 'key1', Value: '' },
          { Key: 'key2', Value: '' },
        ],
      ],
    ] as const) {
      await s3.send(new PutObjectCommand({ Bucket: 'wf-tags', Key, Body: '', Tagging }));
      const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: 'wf-tags', Key }));
      expect(TagSet).toEqual(expected);
    }
  });
});
