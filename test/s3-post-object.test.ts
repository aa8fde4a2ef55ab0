import { execFile } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumOf } from './helpers/checksums.js';
import { allowPublic, startTestSeawall, type TestSeawall } from './helpers/seawall.js';

// Browser uploads (POST Object) over real HTTP: forms built by Node's FormData, policies signed here as the
// SDKs and upload libraries sign them (written from AWS's documentation, not taken from src).

let t: TestSeawall;
let s3: S3Client;
const BUCKET = 'post-uploads';
const PUBLIC = 'post-public';

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new CreateBucketCommand({ Bucket: PUBLIC }));
  await allowPublic(s3, PUBLIC);
  // Everyone may PutObject under drop/ in PUBLIC: where anonymous forms can write.
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${PUBLIC}/drop/*` },
    ],
  };
  await s3.send(new PutBucketPolicyCommand({ Bucket: PUBLIC, Policy: JSON.stringify(policy) }));
});
afterAll(async () => {
  await t.close();
});

type Field = readonly [string, string];
interface FileSpec {
  content: Buffer | string;
  filename?: string;
  type?: string;
}

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const base64Json = (document: unknown) => Buffer.from(JSON.stringify(document)).toString('base64');

/** Signature Version 2: base64 HMAC-SHA1 of the base64 policy, with the fields old upload libraries send. */
function signV2(document: unknown, keys = t.credentials): Field[] {
  const policy = base64Json(document);
  const signature = createHmac('sha1', keys.secretAccessKey).update(policy).digest('base64');
  return [
    ['AWSAccessKeyId', keys.accessKeyId],
    ['policy', policy],
    ['signature', signature],
  ];
}

/** Signature Version 4, as @aws-sdk/s3-presigned-post builds the fields and signs the policy. */
type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function signV4(conditions: unknown[], expiration = inAnHour(), keys: Keys = t.credentials): Field[] {
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const credential = `${keys.accessKeyId}/${day}/${t.credentials.region}/s3/aws4_request`;
  const signed = [
    ...conditions,
    { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
    { 'x-amz-credential': credential },
    { 'x-amz-date': amzDate },
    ...(keys.sessionToken === undefined ? [] : [{ 'x-amz-security-token': keys.sessionToken }]),
  ];
  const policy = base64Json({ expiration, conditions: signed });
  let key: Buffer = createHmac('sha256', `AWS4${keys.secretAccessKey}`).update(day).digest();
  for (const part of [t.credentials.region, 's3', 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  return [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', credential],
    ['X-Amz-Date', amzDate],
    ['Policy', policy],
    ['X-Amz-Signature', createHmac('sha256', key).update(policy).digest('hex')],
    ...(keys.sessionToken === undefined ? [] : [['X-Amz-Security-Token', keys.sessionToken] as Field]),
  ];
}

/**
 * A form presigned by botocore's generate_presigned_post, the SDK inside Debian's aws cli: the fields a real
 * SDK sends, SigV4-signed by it.
 */
function botocorePresignedPost(
  bucket: string,
  key: string,
  fields: Record<string, string>,
  conditions: unknown[],
): Promise<Field[]> {
  const script = [
    'import json, os',
    'from awscli.botocore.session import Session',
    'a = json.loads(os.environ["POST_ARGS"])',
    'c = Session().create_client("s3", endpoint_url=a["url"], region_name=a["region"], aws_access_key_id=a["id"], aws_secret_access_key=a["secret"])',
    'print(json.dumps(c.generate_presigned_post(a["bucket"], a["key"], Fields=a["fields"], Conditions=a["conditions"], ExpiresIn=600)))',
  ].join('\n');
  const args = {
    url: t.url,
    region: t.credentials.region,
    id: t.credentials.accessKeyId,
    secret: t.credentials.secretAccessKey,
    bucket,
    key,
    fields,
    conditions,
  };
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/python3',
      ['-c', script],
      { env: { PATH: '/usr/bin:/bin', POST_ARGS: JSON.stringify(args) } },
      (error, stdout) => {
        if (error) reject(error);
        else resolve(Object.entries(JSON.parse(stdout).fields as Record<string, string>));
      },
    );
  });
}

async function post(
  bucket: string,
  fields: readonly Field[],
  file: FileSpec = { content: 'bar' },
  after: readonly Field[] = [],
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  const blob = new Blob([file.content], file.type ? { type: file.type } : {});
  form.append('file', blob, file.filename ?? 'upload.bin');
  for (const [name, value] of after) form.append(name, value);
  return fetch(`${t.url}/${bucket}`, { method: 'POST', body: form, redirect: 'manual' });
}

async function postRaw(bucket: string, body: Buffer, contentType: string): Promise<Response> {
  return fetch(`${t.url}/${bucket}`, { method: 'POST', body, headers: { 'content-type': contentType } });
}

const ENTITIES: Record<string, string> = {
  '&quot;': '"',
  '&apos;': "'",
  '&lt;': '<',
  '&gt;': '>',
  '&amp;': '&',
};
const unescapeXml = (text: string) =>
  text.replace(/&(quot|apos|lt|gt|amp);/g, (entity) => ENTITIES[entity] ?? entity);

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const text = await response.text();
  return {
    status: response.status,
    code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '',
    message: unescapeXml(/<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? ''),
  };
}

async function read(key: string, bucket = BUCKET): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString()) ?? '';
}

async function exists(key: string): Promise<boolean> {
  return s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    () => false,
  );
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's placeholder for the file's name, not a template.
const FILENAME = '${filename}';

/** The conditions most tests sign: the bucket, a key prefix, a content type. */
const BASIC = [{ bucket: BUCKET }, ['starts-with', '$key', 'up/'], ['starts-with', '$Content-Type', 'text/']];

describe('signed uploads', () => {
  it('SigV2 (AWSAccessKeyId, signature): 204, the object with its type and metadata', async () => {
    const document = {
      expiration: inAnHour(),
      conditions: [...BASIC, ['starts-with', '$x-amz-meta-team', ''], ['content-length-range', 0, 1024]],
    };
    const response = await post(BUCKET, [
      ['key', 'up/v2.txt'],
      ...signV2(document),
      ['Content-Type', 'text/plain'],
      ['x-amz-meta-team', 'parks'],
    ]);
    expect(response.status).toBe(204);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'up/v2.txt' }));
    expect(head.ContentType).toBe('text/plain');
    expect(head.Metadata).toEqual({ team: 'parks' });
    expect(response.headers.get('etag')).toBe(head.ETag);
    expect(response.headers.get('location')).toBe(`${t.url}/${BUCKET}/up/v2.txt`);
    expect(await read('up/v2.txt')).toBe('bar');
  });

  it('SigV4 as the SDK signs it, answered 201 with a PostResponse', async () => {
    const response = await post(BUCKET, [
      ['key', 'up/v4 file.txt'],
      ['Content-Type', 'text/csv'],
      ['success_action_status', '201'],
      ...signV4([...BASIC, { success_action_status: '201' }]),
    ]);
    expect(response.status).toBe(201);
    const xml = await response.text();
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'up/v4 file.txt' }));
    expect(xml).toContain('<PostResponse>');
    expect(xml).toContain(`<Bucket>${BUCKET}</Bucket>`);
    expect(xml).toContain('<Key>up/v4 file.txt</Key>');
    expect(xml).toContain(`<ETag>${head.ETag?.replace(/"/g, '&quot;')}</ETag>`);
    expect(xml).toContain(`<Location>${t.url}/${BUCKET}/up/v4%20file.txt</Location>`);
  });

  it('a form presigned by botocore (the aws cli’s SDK) uploads its file', async () => {
    const fields = await botocorePresignedPost(
      BUCKET,
      `up/boto-${FILENAME}`,
      { 'Content-Type': 'text/plain', success_action_status: '201' },
      [['starts-with', '$Content-Type', 'text/'], { success_action_status: '201' }],
    );
    const response = await post(BUCKET, fields, { content: 'from botocore', filename: 'b.txt' });
    expect(response.status).toBe(201);
    expect(await response.text()).toContain('<Key>up/boto-b.txt</Key>');
    expect(await read('up/boto-b.txt')).toBe('from botocore');
    const outside = await post(
      BUCKET,
      fields.map(([n, v]): Field => (n === 'key' ? [n, 'elsewhere'] : [n, v])),
    );
    expect(await errorOf(outside)).toMatchObject({ status: 403, code: 'AccessDenied' });
  });

  it('success_action_status 200 answers 200 with no body; any other value 204', async () => {
    const ok = await post(BUCKET, [
      ['key', 'up/200.txt'],
      ['Content-Type', 'text/plain'],
      ['success_action_status', '200'],
      ...signV4([...BASIC, ['starts-with', '$success_action_status', '']]),
    ]);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('');
    const other = await post(BUCKET, [
      ['key', 'up/404.txt'],
      ['Content-Type', 'text/plain'],
      ['success_action_status', '404'],
      ...signV4([...BASIC, ['starts-with', '$success_action_status', '']]),
    ]);
    expect(other.status).toBe(204);
  });

  it('success_action_redirect: 303 to the URL with bucket, key and ETag added', async () => {
    const target = 'https://portal.example/done?from=form';
    const response = await post(BUCKET, [
      ['key', 'up/redirect.txt'],
      ['Content-Type', 'text/plain'],
      ['success_action_redirect', target],
      ...signV4([...BASIC, ['eq', '$success_action_redirect', target]]),
    ]);
    expect(response.status).toBe(303);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'up/redirect.txt' }));
    const etag = encodeURIComponent(head.ETag ?? '');
    expect(response.headers.get('location')).toBe(
      `${target}&bucket=${BUCKET}&key=up%2Fredirect.txt&etag=${etag}`,
    );
    // A target with a line break is no URL S3 would follow (it would split the Location header): ignored.
    const broken = 'https://portal.example/\r\nSet-Cookie: x=1';
    const plain = await post(BUCKET, [
      ['key', 'up/redirect2.txt'],
      ['Content-Type', 'text/plain'],
      ['success_action_redirect', broken],
      ...signV4([...BASIC, ['eq', '$success_action_redirect', broken]]),
    ]);
    expect(plain.status).toBe(204);
    expect(plain.headers.get('location')).not.toContain('Set-Cookie');
  });

  it('the filename placeholder in the key is the file part’s name, checked by the policy after it is put in', async () => {
    const fields: Field[] = [['key', `up/${FILENAME}`], ['Content-Type', 'text/plain'], ...signV4(BASIC)];
    const response = await post(BUCKET, fields, { content: 'named', filename: 'report.csv' });
    expect(response.status).toBe(204);
    expect(await read('up/report.csv')).toBe('named');
  });

  it('field names and condition operators are case-insensitive; values are not', async () => {
    const document = {
      expiration: inAnHour(),
      conditions: [{ bUcKeT: BUCKET }, ['StArTs-WiTh', '$KeY', 'up/'], { 'content-TYPE': 'text/plain' }],
    };
    const ok = await post(BUCKET, [
      ['kEy', 'up/case.txt'],
      ['CONTENT-type', 'text/plain'],
      ...signV2(document),
    ]);
    expect(ok.status).toBe(204);
    const wrongCase = await post(BUCKET, [
      ['key', 'UP/case.txt'],
      ['Content-Type', 'text/plain'],
      ...signV2(document),
    ]);
    expect(await errorOf(wrongCase)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy Condition failed: ["StArTs-WiTh", "$KeY", "up/"]',
    });
  });

  it('streams a file larger than any buffer, byte for byte', async () => {
    const content = randomBytes(6 * 1024 * 1024 + 17);
    const response = await post(
      BUCKET,
      [
        ['key', 'up/big.bin'],
        ['Content-Type', 'text/x'],
        ...signV4([...BASIC, ['content-length-range', 1, 8 << 20]]),
      ],
      { content },
    );
    expect(response.status).toBe(204);
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'up/big.bin' }));
    const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      createHash('sha256').update(content).digest('hex'),
    );
  });

  it('fields after the file are not read, and x-ignore- fields need no condition', async () => {
    const response = await post(
      BUCKET,
      [['key', 'up/after.txt'], ['Content-Type', 'text/plain'], ['x-ignore-note', 'hi'], ...signV4(BASIC)],
      { content: 'first' },
      [['x-amz-meta-late', 'unsigned']],
    );
    expect(response.status).toBe(204);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'up/after.txt' }));
    expect(head.Metadata).toEqual({});
  });

  it('a file posted without a checksum field gets S3’s default CRC64NVME', async () => {
    // As AWS answers (LocalStack's test_post_object_default_checksum, recorded on AWS).
    const response = await post(BUCKET, [
      ['key', 'up/default-checksum.txt'],
      ['Content-Type', 'text/plain'],
      ...signV4(BASIC),
    ]);
    expect(response.status).toBe(204);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'up/default-checksum.txt', ChecksumMode: 'ENABLED' }),
    );
    expect([head.ChecksumCRC64NVME, head.ChecksumType]).toEqual([
      checksumOf('CRC64NVME', Buffer.from('bar')),
      'FULL_OBJECT',
    ]);
  });

  it('a checksum field is verified against the file', async () => {
    const content = 'checked';
    const sha256 = createHash('sha256').update(content).digest('base64');
    const conditions = [...BASIC, ['starts-with', '$x-amz-checksum-sha256', '']];
    const good = await post(
      BUCKET,
      [
        ['key', 'up/sum.txt'],
        ['Content-Type', 'text/plain'],
        ['x-amz-checksum-sha256', sha256],
        ...signV4(conditions),
      ],
      { content },
    );
    expect(good.status).toBe(204);
    expect(good.headers.get('x-amz-checksum-sha256')).toBe(sha256);
    const wrong = createHash('sha256').update('other').digest('base64');
    const bad = await post(
      BUCKET,
      [
        ['key', 'up/sum2.txt'],
        ['Content-Type', 'text/plain'],
        ['x-amz-checksum-sha256', wrong],
        ...signV4(conditions),
      ],
      { content },
    );
    expect(await errorOf(bad)).toMatchObject({ status: 400, code: 'BadDigest' });
    expect(await exists('up/sum2.txt')).toBe(false);
  });
});

describe('the policy', () => {
  const fields = (key = 'up/p.txt'): Field[] => [
    ['key', key],
    ['Content-Type', 'text/plain'],
  ];

  it('refuses an expired policy, a failed condition, an unnamed field and another bucket', async () => {
    const expired = await post(BUCKET, [...fields(), ...signV4(BASIC, '2020-01-01T00:00:00.000Z')]);
    expect(await errorOf(expired)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
    });
    const outside = await post(BUCKET, [...fields('down/p.txt'), ...signV4(BASIC)]);
    expect(await errorOf(outside)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "up/"]',
    });
    const extra = await post(BUCKET, [...fields(), ['x-amz-meta-sneaky', '1'], ...signV4(BASIC)]);
    expect(await errorOf(extra)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Extra input fields: x-amz-meta-sneaky',
    });
    const elsewhere = await post(PUBLIC, [...fields(), ...signV4(BASIC)]);
    expect(await errorOf(elsewhere)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "${BUCKET}"]`,
    });
    expect(await exists('up/p.txt')).toBe(false);
  });

  it('refuses a policy that is not one, with InvalidPolicyDocument', async () => {
    const cases: [unknown, string][] = [
      [{ conditions: BASIC }, 'Invalid Policy: Policy missing expiration.'],
      [{ expiration: inAnHour() }, 'Invalid Policy: Policy missing conditions.'],
      [{ EXPIRATION: inAnHour(), conditions: BASIC }, 'Invalid Policy: Policy missing expiration.'],
      [
        { expiration: '2030-01-01 00:00:00+00:00', conditions: BASIC },
        "Invalid Policy: Invalid 'expiration' value: '2030-01-01 00:00:00+00:00'",
      ],
      [
        { expiration: inAnHour(), conditions: [{}] },
        'Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.',
      ],
    ];
    for (const [document, message] of cases) {
      const response = await post(BUCKET, [...fields(), ...signV2(document)]);
      expect(await errorOf(response)).toEqual({ status: 400, code: 'InvalidPolicyDocument', message });
    }
    for (const range of [[0], [-1, 10], ['a', 10]]) {
      const document = { expiration: inAnHour(), conditions: [...BASIC, ['content-length-range', ...range]] };
      const response = await post(BUCKET, [...fields(), ...signV2(document)]);
      expect(await errorOf(response)).toMatchObject({ status: 400, code: 'InvalidPolicyDocument' });
    }
  });

  it('content-length-range: EntityTooLarge and EntityTooSmall, and nothing is written', async () => {
    const small = await post(BUCKET, [
      ...fields('up/small.txt'),
      ...signV4([...BASIC, ['content-length-range', 10, 100]]),
    ]);
    expect(await errorOf(small)).toEqual({
      status: 400,
      code: 'EntityTooSmall',
      message: 'Your proposed upload is smaller than the minimum allowed size',
    });
    const large = await post(
      BUCKET,
      [...fields('up/large.txt'), ...signV4([...BASIC, ['content-length-range', 0, 1000]])],
      { content: randomBytes(300_000) },
    );
    expect(await errorOf(large)).toEqual({
      status: 400,
      code: 'EntityTooLarge',
      message: 'Your proposed upload exceeds the maximum allowed size',
    });
    expect(await exists('up/small.txt')).toBe(false);
    expect(await exists('up/large.txt')).toBe(false);
  });

  it('verifies the signature with the caller’s secret', async () => {
    const document = { expiration: inAnHour(), conditions: BASIC };
    const signed = signV2(document);
    const tampered = signed.map(
      ([n, v]): Field => (n === 'signature' ? [n, `${v.slice(0, -4)}AAA=`] : [n, v]),
    );
    expect(await errorOf(await post(BUCKET, [...fields(), ...tampered]))).toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    const otherPolicy = signed.map(
      ([n, v]): Field =>
        n === 'policy' ? [n, base64Json({ ...document, conditions: [{ bucket: BUCKET }] })] : [n, v],
    );
    expect(await errorOf(await post(BUCKET, [...fields(), ...otherPolicy]))).toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    const unknown = signV2(document, { ...t.credentials, accessKeyId: 'AKIAUNKNOWNUNKNOWN00' });
    expect(await errorOf(await post(BUCKET, [...fields(), ...unknown]))).toMatchObject({
      status: 403,
      code: 'InvalidAccessKeyId',
    });
    const v4 = signV4(BASIC).map(([n, v]): Field => (n === 'X-Amz-Signature' ? [n, '0'.repeat(64)] : [n, v]));
    expect(await errorOf(await post(BUCKET, [...fields(), ...v4]))).toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
  });

  it('a signed form missing a field S3 needs: InvalidArgument naming it', async () => {
    const signed = signV2({ expiration: inAnHour(), conditions: BASIC });
    const noSignature = signed.filter(([n]) => n !== 'signature');
    expect(await errorOf(await post(BUCKET, [...fields(), ...noSignature]))).toEqual({
      status: 400,
      code: 'InvalidArgument',
      message:
        "Bucket POST must contain a field named 'Signature'.  If it is specified, please check the order of the fields.",
    });
    const noKey = await post(BUCKET, [['Content-Type', 'text/plain'], ...signed]);
    expect(await errorOf(noKey)).toMatchObject({ status: 400, code: 'InvalidArgument' });
    const signatureAfterFile = await post(BUCKET, [...fields(), ...noSignature], { content: 'x' }, [
      ['signature', signed.find(([n]) => n === 'signature')?.[1] ?? ''],
    ]);
    expect(await errorOf(signatureAfterFile)).toMatchObject({ status: 400, code: 'InvalidArgument' });
  });
});

describe('authorization', () => {
  it('an anonymous form (no policy) is denied unless a bucket policy lets everyone PutObject', async () => {
    const denied = await post(BUCKET, [['key', 'drop/a.txt']]);
    expect(await errorOf(denied)).toMatchObject({ status: 403, code: 'AccessDenied' });
    const allowed = await post(PUBLIC, [
      ['key', 'drop/a.txt'],
      ['Content-Type', 'text/plain'],
    ]);
    expect(allowed.status).toBe(204);
    expect(await read('drop/a.txt', PUBLIC)).toBe('bar');
    const elsewhere = await post(PUBLIC, [['key', 'private/a.txt']]);
    expect(await errorOf(elsewhere)).toMatchObject({ status: 403, code: 'AccessDenied' });
    // As S3 tells anyone, a bucket that does not exist is said to be missing.
    const missing = await post('no-such-bucket-for-forms', [['key', 'drop/a.txt']]);
    expect(await errorOf(missing)).toMatchObject({ status: 404, code: 'NoSuchBucket' });
  });

  it('a form is authorized as s3:PutObject for the user who signed it', async () => {
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'uploader' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'uploader' }));
    const keys = {
      ...t.credentials,
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? '',
    };
    const form = (key: string): Field[] => [
      ['key', key],
      ['Content-Type', 'text/plain'],
      ...signV4(BASIC, inAnHour(), keys),
    ];
    expect(await errorOf(await post(BUCKET, form('up/user.txt')))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
    });
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'uploader',
        PolicyName: 'uploads',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/up/user*` },
          ],
        }),
      }),
    );
    expect((await post(BUCKET, form('up/user.txt'))).status).toBe(204);
    expect(await errorOf(await post(BUCKET, form('up/other.txt')))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
    });
    // Tags need s3:PutObjectTagging as well, as PutObject's x-amz-tagging does.
    const tagged = await post(BUCKET, [
      ['key', 'up/user-tagged.txt'],
      ['Content-Type', 'text/plain'],
      ['tagging', '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>'],
      ...signV4([...BASIC, ['starts-with', '$tagging', '']], inAnHour(), keys),
    ]);
    expect(await errorOf(tagged)).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(await exists('up/user-tagged.txt')).toBe(false);
    iam.destroy();
  });

  it('temporary credentials sign a form with their session token', async () => {
    const sts = new STSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    const { Credentials } = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    sts.destroy();
    const session: Keys = {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    };
    const form = (keys: Keys): Field[] => [
      ['key', 'up/session.txt'],
      ['Content-Type', 'text/plain'],
      ...signV4(BASIC, inAnHour(), keys),
    ];
    expect((await post(BUCKET, form(session))).status).toBe(204);
    const { sessionToken: _token, ...withoutToken } = session;
    expect(await errorOf(await post(BUCKET, form(withoutToken)))).toMatchObject({
      status: 403,
      code: 'InvalidAccessKeyId',
    });
    expect(await errorOf(await post(BUCKET, form({ ...session, sessionToken: 'forged' })))).toMatchObject({
      status: 400,
      code: 'InvalidToken',
    });
  });

  it('the acl and tagging fields are taken as PutObject takes the headers', async () => {
    const conditions = [...BASIC, ['starts-with', '$acl', ''], ['starts-with', '$tagging', '']];
    const owner = await post(BUCKET, [
      ['key', 'up/acl.txt'],
      ['Content-Type', 'text/plain'],
      ['acl', 'bucket-owner-full-control'],
      ...signV4(conditions),
    ]);
    expect(owner.status).toBe(204);
    const publicRead = await post(BUCKET, [
      ['key', 'up/acl2.txt'],
      ['Content-Type', 'text/plain'],
      ['acl', 'public-read'],
      ...signV4(conditions),
    ]);
    expect(await errorOf(publicRead)).toMatchObject({ status: 400, code: 'AccessControlListNotSupported' });
    const tagging = '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>';
    const tagged = await post(BUCKET, [
      ['key', 'up/tag.txt'],
      ['Content-Type', 'text/plain'],
      ['tagging', tagging],
      ...signV4(conditions),
    ]);
    expect(tagged.status).toBe(204);
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'up/tag.txt' }));
    expect(tags.TagSet).toEqual([{ Key: 'a', Value: 'b' }]);
    const malformed = await post(BUCKET, [
      ['key', 'up/tag2.txt'],
      ['Content-Type', 'text/plain'],
      ['tagging', '<Tagging><TagSet><Tag><Key>a</Key></Tag>'],
      ...signV4(conditions),
    ]);
    expect(await errorOf(malformed)).toMatchObject({ status: 400, code: 'MalformedXML' });
    expect(await exists('up/tag2.txt')).toBe(false);
  });
});

describe('hostile forms', () => {
  const boundary = 'XyZ123';
  const part = (name: string, value: string, extra = '') =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${value}\r\n`;

  it('a POST that is not a form: 412 PreconditionFailed', async () => {
    const response = await postRaw(BUCKET, Buffer.from('key=a'), 'application/x-www-form-urlencoded');
    expect(await errorOf(response)).toEqual({
      status: 412,
      code: 'PreconditionFailed',
      message: 'At least one of the pre-conditions you specified did not hold',
    });
  });

  it('malformed framing, a form without a file, fields too large before the file', async () => {
    const cut = Buffer.from(
      `${part('key', 'drop/cut.txt')}--${boundary}\r\nContent-Disposition: form-data; name="file"\r\n\r\nno end`,
    );
    expect(
      await errorOf(await postRaw(PUBLIC, cut, `multipart/form-data; boundary=${boundary}`)),
    ).toMatchObject({
      status: 400,
      code: 'MalformedPOSTRequest',
    });
    const noDisposition = Buffer.from(`--${boundary}\r\nX: y\r\n\r\nv\r\n--${boundary}--\r\n`);
    expect(
      await errorOf(await postRaw(PUBLIC, noDisposition, `multipart/form-data; boundary=${boundary}`)),
    ).toMatchObject({
      status: 400,
      code: 'MalformedPOSTRequest',
    });
    const noFile = Buffer.from(`${part('key', 'k')}--${boundary}--\r\n`);
    expect(
      await errorOf(await postRaw(PUBLIC, noFile, `multipart/form-data; boundary=${boundary}`)),
    ).toMatchObject({
      status: 400,
      code: 'IncorrectNumberOfFilesInPostRequest',
    });
    const padded = await post(PUBLIC, [
      ['key', 'drop/pad.txt'],
      ['x-ignore-pad', 'p'.repeat(25 * 1024)],
    ]);
    expect(await errorOf(padded)).toMatchObject({ status: 400, code: 'MaxPostPreDataLengthExceededError' });
    const noBoundary = await postRaw(PUBLIC, cut, 'multipart/form-data');
    expect(await errorOf(noBoundary)).toMatchObject({ status: 400, code: 'MalformedPOSTRequest' });
  });

  it('a malformed file part writes nothing, even where anonymous writes are allowed', async () => {
    const body = Buffer.from(
      `${part('key', 'drop/cut.txt')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n${'x'.repeat(70_000)}`,
    );
    expect(
      await errorOf(await postRaw(PUBLIC, body, `multipart/form-data; boundary="${boundary}"`)),
    ).toMatchObject({
      status: 400,
      code: 'MalformedPOSTRequest',
    });
    expect(
      await s3
        .send(new HeadObjectCommand({ Bucket: PUBLIC, Key: 'drop/cut.txt' }))
        .catch((e: Error) => e.name),
    ).toBe('NotFound');
  });
});
