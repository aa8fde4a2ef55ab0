import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadObjectCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureFields, failureOf } from './helpers/failure.js';
import { rawRequest, signedHeaders, xmlElement } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

// What AWS answers, as recorded against it in LocalStack's snapshots (tests/aws/services/s3/test_s3.py,
// test_s3_api.py) and moto's aws_verified tests (tests/test_s3/test_s3_lock.py).

let t: TestSeawall;
let s3: S3Client;
beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
});
afterAll(async () => {
  await t?.close();
});

let buckets = 0;
async function bucket(options: { lock?: boolean; versioned?: boolean } = {}): Promise<string> {
  const name = `fidelity-${++buckets}`;
  await s3.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: options.lock }));
  if (options.versioned)
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  return name;
}

/** PUT ?<subresource> with a body the test writes to the byte, its Content-MD5 right. */
async function putRaw(name: string, subresource: string, body: string) {
  const headers = await signedHeaders(t, {
    method: 'PUT',
    path: `/${name}`,
    query: { [subresource]: '' },
    headers: {
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      'content-md5': createHash('md5').update(body).digest('base64'),
    },
  });
  return rawRequest(t.url, {
    method: 'PUT',
    path: `/${name}?${subresource}=`,
    headers: { ...headers, 'content-length': Buffer.byteLength(body) },
    body,
  });
}

/** An S3 error document's fields that matter here. */
function errorOf(res: { status: number; body: string }) {
  const field = (name: string) => xmlElement(res.body, name);
  return {
    status: res.status,
    code: field('Code'),
    message: field('Message'),
    argumentName: field('ArgumentName'),
    argumentValue: field('ArgumentValue'),
  };
}

const lifecycle = (rule: string) =>
  `<LifecycleConfiguration><Rule><ID>r</ID><Filter/><Status>Enabled</Status>${rule}</Rule></LifecycleConfiguration>`;

describe('PutBucketLifecycleConfiguration', () => {
  it('an Expiration with ExpiredObjectDeleteMarker and Days or Date does not validate: MalformedXML', async () => {
    const name = await bucket();
    for (const expiration of [
      '<Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>',
      '<Days>7</Days><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker>',
      '<Date>2030-01-01T00:00:00Z</Date><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker>',
    ]) {
      const res = await putRaw(name, 'lifecycle', lifecycle(`<Expiration>${expiration}</Expiration>`));
      expect({ expiration, ...errorOf(res) }).toMatchObject({
        expiration,
        status: 400,
        code: 'MalformedXML',
      });
    }
    const none = await failureOf(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name })));
    expect(none.code).toBe('NoSuchLifecycleConfiguration');
  });

  it('a Date not at midnight GMT is InvalidArgument naming the Date and its value, as S3 prints it', async () => {
    const name = await bucket();
    const res = await putRaw(
      name,
      'lifecycle',
      lifecycle('<Expiration><Date>2023-01-01T02:02:00Z</Date></Expiration>'),
    );
    expect(errorOf(res)).toEqual({
      status: 400,
      code: 'InvalidArgument',
      message: '&apos;Date&apos; must be at midnight GMT',
      argumentName: 'Date',
      // S3 prints dates in its arguments as Java does, in Pacific time (PST or PDT as the date falls).
      argumentValue: 'Sat Dec 31 18:02:00 PST 2022',
    });
    // A time of day that is none (25:00) is no date-time at all: MalformedXML, never a failure to print it.
    const impossible = await putRaw(
      name,
      'lifecycle',
      lifecycle('<Expiration><Date>2030-01-01T25:00:00Z</Date></Expiration>'),
    );
    expect(errorOf(impossible)).toMatchObject({ status: 400, code: 'MalformedXML' });
  });

  it('an x-amz-transition-default-minimum-object-size S3 does not know is refused naming the value', async () => {
    const name = await bucket();
    const refused = await failureOf(
      s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: name,
          LifecycleConfiguration: {
            Rules: [{ ID: 'r', Filter: { Prefix: '' }, Status: 'Enabled', Expiration: { Days: 7 } }],
          },
          TransitionDefaultMinimumObjectSize: 'value' as 'varies_by_storage_class',
        }),
      ),
    );
    expect(refused).toEqual({
      code: 'InvalidRequest',
      status: 400,
      message: 'Invalid TransitionDefaultMinimumObjectSize found: value',
    });
  });
});

describe('Object Lock', () => {
  it('PutObject with only one of mode and retain-until date names the header missing', async () => {
    const name = await bucket({ lock: true });
    const noDate = await failureFields(
      s3.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'x', ObjectLockMode: 'GOVERNANCE' })),
    );
    expect(noDate).toMatchObject({
      Code: 'InvalidArgument',
      ArgumentName: 'x-amz-object-lock-retain-until-date',
      message: 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
    });
    const noMode = await failureFields(
      s3.send(
        new PutObjectCommand({
          Bucket: name,
          Key: 'k',
          Body: 'x',
          ObjectLockRetainUntilDate: new Date('2140-01-01T00:00:00Z'),
        }),
      ),
    );
    expect(noMode).toMatchObject({
      Code: 'InvalidArgument',
      ArgumentName: 'x-amz-object-lock-mode',
      message: 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
    });
  });

  it('PutObjectRetention with a date past names it as S3 prints it, in Pacific time', async () => {
    const name = await bucket({ lock: true });
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'x' }));
    for (const [sent, printed] of [
      ['2020-01-01T00:00:00Z', 'Tue Dec 31 16:00:00 PST 2019'],
      ['2020-07-01T07:05:09Z', 'Wed Jul 01 00:05:09 PDT 2020'],
    ] as const) {
      const refused = await failureFields(
        s3.send(
          new PutObjectRetentionCommand({
            Bucket: name,
            Key: 'k',
            Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(sent) },
          }),
        ),
      );
      expect(refused).toMatchObject({
        Code: 'InvalidArgument',
        message: 'The retain until date must be in the future!',
        ArgumentName: 'RetainUntilDate',
        ArgumentValue: printed,
      });
    }
  });

  it('PutObjectLockConfiguration without a body is MissingRequestBodyError, an empty document MalformedXML', async () => {
    const name = await bucket({ versioned: true });
    expect(errorOf(await putRaw(name, 'object-lock', ''))).toMatchObject({
      status: 400,
      code: 'MissingRequestBodyError',
      message: 'Request Body is empty',
    });
    const empty = await failureOf(
      s3.send(new PutObjectLockConfigurationCommand({ Bucket: name, ObjectLockConfiguration: {} })),
    );
    expect(empty).toMatchObject({ code: 'MalformedXML', status: 400 });
  });

  it('x-amz-bypass-governance-retention, true or false, is refused by DeleteObject on a bucket without Object Lock', async () => {
    const name = await bucket();
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: 'x' }));
    const refusal = {
      Code: 'InvalidArgument',
      ArgumentName: 'x-amz-bypass-governance-retention',
      message: 'x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.',
      $metadata: expect.objectContaining({ httpStatusCode: 400 }),
    };
    for (const BypassGovernanceRetention of [true, false])
      expect(
        await failureFields(
          s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'k', BypassGovernanceRetention })),
        ),
      ).toMatchObject(refusal);
    expect((await s3.send(new HeadObjectCommand({ Bucket: name, Key: 'k' }))).ContentLength).toBe(1);
    // DeleteObjects takes it on any bucket: ceph/s3-tests, run against S3 too, empties every bucket so.
    const deleted = await s3.send(
      new DeleteObjectsCommand({
        Bucket: name,
        Delete: { Objects: [{ Key: 'k' }] },
        BypassGovernanceRetention: true,
      }),
    );
    expect({ deleted: deleted.Deleted?.map((d) => d.Key), errors: deleted.Errors }).toEqual({
      deleted: ['k'],
      errors: undefined,
    });
    // Where Object Lock is, the header is the caller's to send, false as well.
    const locked = await bucket({ lock: true });
    await s3.send(new PutObjectCommand({ Bucket: locked, Key: 'k', Body: 'x' }));
    const marker = await s3.send(
      new DeleteObjectCommand({ Bucket: locked, Key: 'k', BypassGovernanceRetention: false }),
    );
    expect(marker.DeleteMarker).toBe(true);
  });
});
