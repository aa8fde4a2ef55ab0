import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLocationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureFields } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

// Bucket operations and tagging answered in S3's words, where S3's answer is on record (see each test).

let t: TestSeawall;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
});
afterAll(async () => {
  await t.close();
});

/** The code, status, message and extra fields of a failed call, without the SDK's own members. */
async function refusal(
  promise: Promise<unknown>,
  fields: readonly string[] = [],
): Promise<Record<string, unknown>> {
  const e = await failureFields(promise);
  const meta = e.$metadata as { httpStatusCode?: number } | undefined;
  return {
    code: e.Code,
    status: meta?.httpStatusCode,
    message: e.message,
    ...Object.fromEntries(fields.map((name) => [name, e[name]])),
  };
}

const create = (client: S3Client, bucket: string, location: string) =>
  client.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: location as BucketLocationConstraint },
    }),
  );

describe('CreateBucket and its LocationConstraint', () => {
  it('a constraint S3 does not know is InvalidLocationConstraint naming it; another real region is illegal here', async () => {
    // As S3 answered a region that did not exist yet (ap-southeast-4, recorded in ceph's commit db13592).
    expect(await refusal(create(s3, 'lc-unknown', 'nowhere-1'), ['LocationConstraint'])).toEqual({
      code: 'InvalidLocationConstraint',
      status: 400,
      message: 'The specified location-constraint is not valid',
      LocationConstraint: 'nowhere-1',
    });
    expect(await refusal(create(s3, 'lc-elsewhere', 'eu-west-1'))).toEqual({
      code: 'IllegalLocationConstraintException',
      status: 400,
      message:
        'The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to.',
    });
    await create(s3, 'lc-here', t.credentials.region);
  });

  it('in us-east-1, naming us-east-1 is InvalidLocationConstraint; no constraint makes the bucket, located as null', async () => {
    // S3's answer as minio-py#166 recorded it, LocationConstraint element included.
    const east = await startTestSeawall({ env: { SEAWALL_REGION: 'us-east-1' } });
    try {
      const client = east.s3();
      expect(await refusal(create(client, 'lc-east', 'us-east-1'), ['LocationConstraint'])).toEqual({
        code: 'InvalidLocationConstraint',
        status: 400,
        message: 'The specified location-constraint is not valid',
        LocationConstraint: 'us-east-1',
      });
      await client.send(new CreateBucketCommand({ Bucket: 'lc-east' }));
      // A us-east-1 bucket has a LocationConstraint of null, as GetBucketLocation's reference says.
      const where = await client.send(new GetBucketLocationCommand({ Bucket: 'lc-east' }));
      expect(where.LocationConstraint).toBeUndefined();
    } finally {
      await east.close();
    }
  });
});

describe('DeleteBucket of a bucket that is not empty', () => {
  it('a versioned bucket holding only a delete marker: BucketNotEmpty, telling to delete all versions', async () => {
    // The message S3 answers for versioned buckets (rebuy-de/aws-nuke#64, gruntwork-io/cloud-nuke#369).
    await s3.send(new CreateBucketCommand({ Bucket: 'del-versioned' }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'del-versioned',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: 'del-versioned', Key: 'gone' }));
    expect(
      await refusal(s3.send(new DeleteBucketCommand({ Bucket: 'del-versioned' })), ['BucketName']),
    ).toEqual({
      code: 'BucketNotEmpty',
      status: 409,
      message: 'The bucket you tried to delete is not empty. You must delete all versions in the bucket.',
      BucketName: 'del-versioned',
    });
  });

  it('an unversioned bucket keeps the shorter message', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'del-plain' }));
    await s3.send(new PutObjectCommand({ Bucket: 'del-plain', Key: 'k', Body: 'x' }));
    expect(await refusal(s3.send(new DeleteBucketCommand({ Bucket: 'del-plain' })), ['BucketName'])).toEqual({
      code: 'BucketNotEmpty',
      status: 409,
      message: 'The bucket you tried to delete is not empty',
      BucketName: 'del-plain',
    });
  });
});

describe('tags in the reserved aws: namespace', () => {
  it('PutBucketTagging: InvalidTag "System tags cannot be added/updated by requester"; objects keep their words', async () => {
    // Bucket wording from moto's aws_verified test_put_bucket_tagging; the object's from LocalStack's validation.
    await s3.send(new CreateBucketCommand({ Bucket: 'tag-reserved' }));
    const bucketTags = s3.send(
      new PutBucketTaggingCommand({
        Bucket: 'tag-reserved',
        Tagging: { TagSet: [{ Key: 'aws:sometag', Value: 'nope' }] },
      }),
    );
    expect(await refusal(bucketTags)).toEqual({
      code: 'InvalidTag',
      status: 400,
      message: 'System tags cannot be added/updated by requester',
    });
    // A key that only contains aws: is the requester's own.
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: 'tag-reserved',
        Tagging: { TagSet: [{ Key: 'something:aws:stuff', Value: 'fine' }] },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'tag-reserved', Key: 'k', Body: 'x' }));
    const objectTags = s3.send(
      new PutObjectTaggingCommand({
        Bucket: 'tag-reserved',
        Key: 'k',
        Tagging: { TagSet: [{ Key: 'aws:sometag', Value: 'nope' }] },
      }),
    );
    expect(await refusal(objectTags)).toEqual({
      code: 'InvalidTag',
      status: 400,
      message: 'Your TagKey cannot be prefixed with aws:',
    });
  });
});
