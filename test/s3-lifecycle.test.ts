import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type LifecycleRule,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poll } from '../src/lib/poll.js';
import { awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;

// A lifecycle day of one second: rules fall due within seconds, and the scan runs every 100 ms.
beforeAll(async () => {
  t = await startTestSeawall({ env: { SEAWALL_LIFECYCLE_DAY_SECONDS: '1' } });
  s3 = t.s3();
});
afterAll(async () => {
  await t?.close();
});

let buckets = 0;
async function bucket(versioned = false): Promise<string> {
  const name = `lifecycle-${++buckets}`;
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  if (versioned)
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  return name;
}

const putRules = (Bucket: string, Rules: LifecycleRule[]) =>
  s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));

/** PUT ?lifecycle with a body the test writes to the byte, its Content-MD5 right unless told otherwise. */
async function putRaw(name: string, xml: string, md5 = true) {
  const extra: Record<string, string> = md5
    ? { 'content-md5': createHash('md5').update(xml).digest('base64') }
    : {};
  const headers = await signedHeaders(t, {
    method: 'PUT',
    path: `/${name}`,
    query: { lifecycle: '' },
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...extra },
  });
  return rawRequest(t.url, {
    method: 'PUT',
    path: `/${name}?lifecycle=`,
    headers: { ...headers, 'content-length': Buffer.byteLength(xml) },
    body: xml,
  });
}

const doc = (rules: string) => `<LifecycleConfiguration>${rules}</LifecycleConfiguration>`;
const rule = (inner: string) => `<Rule><Status>Enabled</Status>${inner}</Rule>`;
const code = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

describe('Put/Get/DeleteBucketLifecycleConfiguration', () => {
  it('answers the rules as put, every filter and action, and the transition minimum size header', async () => {
    const name = await bucket();
    const rules: LifecycleRule[] = [
      { ID: 'legacy', Prefix: 'logs/', Status: 'Enabled', Expiration: { Days: 31 } },
      {
        ID: 'date',
        Filter: { Prefix: 'old/' },
        Status: 'Disabled',
        Expiration: { Date: new Date('2030-01-01') },
      },
      { ID: 'tag', Filter: { Tag: { Key: 'k', Value: 'v' } }, Status: 'Enabled', Expiration: { Days: 2 } },
      {
        ID: 'and',
        Filter: {
          And: {
            Prefix: 'p/',
            Tags: [
              { Key: 'a', Value: '1' },
              { Key: 'b', Value: '' },
            ],
            ObjectSizeGreaterThan: 10,
            ObjectSizeLessThan: 1000,
          },
        },
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: 3, NewerNoncurrentVersions: 2 },
      },
      { ID: 'big', Filter: { ObjectSizeGreaterThan: 5 }, Status: 'Enabled', Expiration: { Days: 9 } },
      { ID: 'small', Filter: { ObjectSizeLessThan: 5 }, Status: 'Enabled', Expiration: { Days: 9 } },
      { ID: 'markers', Filter: {}, Status: 'Enabled', Expiration: { ExpiredObjectDeleteMarker: true } },
      {
        ID: 'uploads',
        Prefix: '',
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 4 },
      },
    ];
    const put = await putRules(name, rules);
    expect(put.TransitionDefaultMinimumObjectSize).toBe('all_storage_classes_128K');
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name }));
    expect(got.Rules).toEqual(rules);
    expect(got.TransitionDefaultMinimumObjectSize).toBe('all_storage_classes_128K');
  });

  it('gives a rule without an ID one, NoSuchLifecycleConfiguration once deleted, and deletes idempotently', async () => {
    const name = await bucket();
    const missing = await failureOf(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name })));
    expect(missing).toMatchObject({ code: 'NoSuchLifecycleConfiguration', status: 404 });
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: name }));
    await putRules(name, [{ Prefix: 'a/', Status: 'Enabled', Expiration: { Days: 1 } }]);
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name }));
    expect(got.Rules?.[0]?.ID).toMatch(/^\S{1,255}$/);
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: name }));
    const gone = await failureOf(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name })));
    expect(gone.code).toBe('NoSuchLifecycleConfiguration');
    const noBucket = await failureOf(
      s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'nope-none' })),
    );
    expect(noBucket.code).toBe('NoSuchBucket');
  });

  it('refuses what S3 refuses, with its codes', async () => {
    const name = await bucket();
    const days = (n: string) => `<Prefix>a</Prefix><Expiration><Days>${n}</Days></Expiration>`;
    const cases: [string, string][] = [
      [doc(''), 'MalformedXML'],
      ['<Other/>', 'MalformedXML'],
      ['<LifecycleConfiguration><Rule>', 'MalformedXML'],
      [
        doc('<Rule><Status>enabled</Status><Prefix/><Expiration><Days>1</Days></Expiration></Rule>'),
        'MalformedXML',
      ],
      [doc(rule(days('0'))), 'InvalidArgument'],
      [doc(rule(days('-3'))), 'InvalidArgument'],
      [doc(rule(days('x'))), 'MalformedXML'],
      [doc(rule(days('99999999999999'))), 'MalformedXML'],
      [
        doc(rule('<Prefix>a</Prefix><Expiration><Date>2030-01-01T05:00:00Z</Date></Expiration>')),
        'InvalidArgument',
      ],
      [doc(rule('<Prefix>a</Prefix><Expiration><Date>20300101</Date></Expiration>')), 'MalformedXML'],
      [doc(rule('<Prefix>a</Prefix><Expiration><Date>2030-02-30</Date></Expiration>')), 'MalformedXML'],
      [doc(rule('<Prefix>a</Prefix>')), 'InvalidRequest'],
      [doc(rule(`<ID>${'i'.repeat(256)}</ID>${days('1')}`)), 'InvalidArgument'],
      [doc(rule(`<ID>x</ID>${days('1')}`) + rule(`<ID>x</ID>${days('2')}`)), 'InvalidArgument'],
      [doc(rule('<Prefix>a</Prefix><Filter/><Expiration><Days>1</Days></Expiration>')), 'MalformedXML'],
      [doc(rule('<Expiration><Days>1</Days></Expiration>')), 'MalformedXML'],
      [
        doc(
          rule(
            '<Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Expiration><Days>1</Days></Expiration>',
          ),
        ),
        'MalformedXML',
      ],
      [
        doc(
          rule(
            '<Prefix>a</Prefix><Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>',
          ),
        ),
        'MalformedXML',
      ],
      [
        doc(
          rule(
            '<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>',
          ),
        ),
        'InvalidRequest',
      ],
      [
        doc(
          rule(
            '<Prefix>a</Prefix><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>',
          ),
        ),
        'InvalidArgument',
      ],
      [
        doc(
          rule(
            '<Prefix>a</Prefix><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>',
          ),
        ),
        'InvalidStorageClass',
      ],
      [doc(rule(days('1')).repeat(1001)), 'InvalidRequest'],
      [doc(rule(`${days('1')}<Surprise/>`)), 'MalformedXML'],
      ['<!DOCTYPE x [<!ENTITY e "a">]><LifecycleConfiguration/>', 'MalformedXML'],
    ];
    for (const [xml, expected] of cases) {
      const res = await putRaw(name, xml);
      expect({ xml: xml.slice(0, 200), status: res.status, code: code(res.body) }).toEqual({
        xml: xml.slice(0, 200),
        status: 400,
        code: expected,
      });
    }
    const unsigned = await putRaw(name, doc(rule(days('1'))), false);
    expect([unsigned.status, code(unsigned.body)]).toEqual([400, 'InvalidRequest']);
    expect(
      (await failureOf(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name })))).code,
    ).toBe('NoSuchLifecycleConfiguration');
  });

  it('takes and answers a configuration through the aws cli', async () => {
    const name = await bucket();
    const file = join(tempDir(), 'lifecycle.json');
    const config = {
      Rules: [{ ID: 'cli', Filter: { Prefix: 'tmp/' }, Status: 'Enabled', Expiration: { Days: 7 } }],
    };
    writeFileSync(file, JSON.stringify(config));
    const put = await awsCli(t.dataDir, t.url, [
      's3api',
      'put-bucket-lifecycle-configuration',
      '--bucket',
      name,
      '--lifecycle-configuration',
      `file://${file}`,
    ]);
    expect(put.stderr).toBe('');
    const got = await awsCli(t.dataDir, t.url, [
      's3api',
      'get-bucket-lifecycle-configuration',
      '--bucket',
      name,
    ]);
    expect(JSON.parse(got.stdout).Rules).toEqual(config.Rules);
  });

  it('authorizes Put and Delete as s3:PutLifecycleConfiguration and Get as s3:GetLifecycleConfiguration', async () => {
    const name = await bucket();
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'lifecycle-reader' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'lifecycle-reader',
        PolicyName: 'read',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetLifecycleConfiguration', Resource: '*' }],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'lifecycle-reader' }));
    iam.destroy();
    const reader = t.s3({
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    });
    await putRules(name, [{ ID: 'r', Prefix: '', Status: 'Enabled', Expiration: { Days: 1 } }]);
    const got = await reader.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name }));
    expect(got.Rules?.[0]?.ID).toBe('r');
    const put = reader.send(
      new PutBucketLifecycleConfigurationCommand({ Bucket: name, LifecycleConfiguration: { Rules: [] } }),
    );
    expect((await failureOf(put)).code).toBe('AccessDenied');
    expect((await failureOf(reader.send(new DeleteBucketLifecycleCommand({ Bucket: name })))).code).toBe(
      'AccessDenied',
    );
  });
});

describe('x-amz-expiration', () => {
  it('names the earliest rule that will expire the object, at a midnight UTC, on PUT, HEAD and GET', async () => {
    const name = await bucket();
    await putRules(name, [
      { ID: 'later', Prefix: 'days/', Status: 'Enabled', Expiration: { Days: 30 } },
      { ID: 'sooner', Prefix: 'days/', Status: 'Enabled', Expiration: { Days: 3 } },
      { ID: 'off', Prefix: 'days/', Status: 'Disabled', Expiration: { Days: 1 } },
    ]);
    const put = await s3.send(new PutObjectCommand({ Bucket: name, Key: 'days/a', Body: 'x' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: name, Key: 'days/a' }));
    const get = await s3.send(new GetObjectCommand({ Bucket: name, Key: 'days/a' }));
    await get.Body?.transformToString();
    for (const header of [put.Expiration, head.Expiration, get.Expiration]) {
      const match = /^expiry-date="([^"]+)", rule-id="sooner"$/.exec(header ?? '');
      expect(match, header).not.toBeNull();
      const at = new Date(match?.[1] ?? '');
      expect(at.toISOString()).toMatch(/T00:00:00\.000Z$/);
      const days = (at.getTime() - (head.LastModified?.getTime() ?? 0)) / 86_400_000;
      expect(days > 3 && days <= 4).toBe(true);
    }
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'other', Body: 'x' }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: name, Key: 'other' }))).Expiration).toBeUndefined();
  });

  it('URL-encodes the rule id, as S3 documents, so no quote or comma in it ends the value', async () => {
    const name = await bucket();
    const ID = 'my rule/é&"x,y';
    await putRules(name, [{ ID, Prefix: '', Status: 'Enabled', Expiration: { Days: 3 } }]);
    const put = await s3.send(new PutObjectCommand({ Bucket: name, Key: 'a', Body: 'x' }));
    const id = /rule-id="([^"]*)"$/.exec(put.Expiration ?? '')?.[1];
    expect(id).toBe('my%20rule%2F%C3%A9%26%22x%2Cy');
    expect(decodeURIComponent(id ?? '')).toBe(ID);
  });
});

describe('x-amz-abort-date and x-amz-abort-rule-id', () => {
  it('name the earliest rule that will abort an upload, on CreateMultipartUpload and ListParts', async () => {
    const name = await bucket();
    await putRules(name, [
      {
        ID: 'week',
        Prefix: 'tmp/',
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      },
      {
        ID: 'two days',
        Prefix: 'tmp/',
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
      },
      {
        ID: 'off',
        Prefix: 'tmp/',
        Status: 'Disabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
    const before = Date.now();
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: name, Key: 'tmp/big' }));
    expect(created.AbortRuleId).toBe('two days');
    const at = created.AbortDate?.getTime() ?? 0;
    expect(new Date(at).toISOString()).toMatch(/T00:00:00\.000Z$/);
    const days = (at - before) / 86_400_000;
    expect(days > 2 - 1 / 1440 && days <= 3).toBe(true);
    const listed = await s3.send(
      new ListPartsCommand({ Bucket: name, Key: 'tmp/big', UploadId: created.UploadId }),
    );
    expect([listed.AbortRuleId, listed.AbortDate?.getTime()]).toEqual(['two days', at]);
    // Outside every rule's prefix: none.
    const other = await s3.send(new CreateMultipartUploadCommand({ Bucket: name, Key: 'kept/big' }));
    expect([other.AbortRuleId, other.AbortDate]).toEqual([undefined, undefined]);
  });
});

const keys = async (Bucket: string) =>
  ((await s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => o.Key);
const versions = async (Bucket: string) => {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
  return {
    versions: (listed.Versions ?? []).map((v) => ({ key: v.Key, id: v.VersionId, latest: v.IsLatest })),
    markers: (listed.DeleteMarkers ?? []).map((m) => ({ key: m.Key, latest: m.IsLatest })),
  };
};
const until = <T>(read: () => Promise<T>, done: (value: T) => boolean) =>
  poll(read, done, { intervalMs: 100, maxIntervalMs: 500, timeoutMs: 30_000 });

describe('the lifecycle scan', () => {
  it('removes expired objects of an unversioned bucket and leaves the others', async () => {
    const name = await bucket();
    for (const key of ['tmp/a', 'tmp/b', 'keep/c'])
      await s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: key }));
    await putRules(name, [{ ID: 'tmp', Prefix: 'tmp/', Status: 'Enabled', Expiration: { Days: 1 } }]);
    expect(
      await until(
        () => keys(name),
        (k) => k.length === 1,
      ),
    ).toEqual(['keep/c']);
    expect((await versions(name)).markers).toEqual([]);
  });

  it('hides expired current versions behind delete markers in a versioned bucket', async () => {
    const name = await bucket(true);
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'a', Body: '1' }));
    await putRules(name, [
      { ID: 'all', Filter: { ObjectSizeLessThan: 100 }, Status: 'Enabled', Expiration: { Days: 1 } },
    ]);
    const after = await until(
      () => versions(name),
      (v) => v.markers.length === 1,
    );
    expect(after.versions).toMatchObject([{ key: 'a', latest: false }]);
    expect(after.markers).toEqual([{ key: 'a', latest: true }]);
  });

  it('expires noncurrent versions but the newest ones asked to be kept, then the expired delete marker', async () => {
    const name = await bucket(true);
    const made: string[] = [];
    for (const body of ['1', '2', '3'])
      made.push(
        (await s3.send(new PutObjectCommand({ Bucket: name, Key: 'k', Body: body }))).VersionId ?? '',
      );
    await putRules(name, [
      {
        ID: 'noncurrent',
        Prefix: '',
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 },
      },
    ]);
    const kept = await until(
      () => versions(name),
      (v) => v.versions.length === 2,
    );
    expect(kept.versions.map((v) => v.id)).toEqual([made[2], made[1]]);

    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'k' }));
    await putRules(name, [
      { ID: 'noncurrent', Prefix: '', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
      { ID: 'markers', Prefix: '', Status: 'Enabled', Expiration: { ExpiredObjectDeleteMarker: true } },
    ]);
    const empty = await until(
      () => versions(name),
      (v) => v.versions.length + v.markers.length === 0,
    );
    expect(empty).toEqual({ versions: [], markers: [] });
  });

  it('aborts incomplete multipart uploads under the rule and only those', async () => {
    const name = await bucket();
    for (const key of ['up/a', 'other/b'])
      await s3.send(new CreateMultipartUploadCommand({ Bucket: name, Key: key }));
    await putRules(name, [
      {
        ID: 'uploads',
        Prefix: 'up/',
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
    const left = await until(
      async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket: name }))).Uploads ?? [],
      (uploads) => uploads.length === 1,
    );
    expect(left.map((u) => u.Key)).toEqual(['other/b']);
  });

  it('leaves everything alone while a rule is disabled', async () => {
    const name = await bucket();
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'a', Body: 'x' }));
    await putRules(name, [
      { ID: 'off', Prefix: '', Status: 'Disabled', Expiration: { Days: 1 } },
      { ID: 'elsewhere', Prefix: 'b', Status: 'Enabled', Expiration: { Days: 1 } },
    ]);
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'b', Body: 'x' }));
    // Once the enabled rule has expired its object, the scans that did it passed the other one by.
    await until(
      () => keys(name),
      (k) => !k.includes('b'),
    );
    await t.seawall.storage.lifecycle.scan();
    expect(await keys(name)).toEqual(['a']);
  });
});
