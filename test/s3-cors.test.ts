import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  type CORSRule,
  CreateBucketCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  PutBucketCorsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationEvent } from '../src/lib/operation.js';
import { AWS_CLI, awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';
import { allowPublic, startTestSeawall, type TestSeawall } from './helpers/seawall.js';

let t: TestSeawall;
let s3: S3Client;

/** A bucket the anonymous may read (by its policy), as browser apps on other origins use it. */
const OPEN = 'cors-open';
/** A bucket without a CORS configuration. */
const PLAIN = 'cors-plain';
const APP = 'https://app.example.org';
const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

const RULES: CORSRule[] = [
  {
    ID: 'app',
    AllowedOrigins: [APP, 'https://*.city.example'],
    AllowedMethods: ['GET', 'PUT', 'HEAD'],
    AllowedHeaders: ['x-amz-*', 'Content-Type'],
    ExposeHeaders: ['ETag', 'x-amz-request-id'],
    MaxAgeSeconds: 3000,
  },
  { AllowedOrigins: ['*suffix'], AllowedMethods: ['GET'] },
  { AllowedOrigins: ['start*end'], AllowedMethods: ['GET'] },
  { AllowedOrigins: ['prefix*'], AllowedMethods: ['GET'] },
  { AllowedOrigins: ['*.put'], AllowedMethods: ['PUT'] },
  { AllowedOrigins: ['*'], AllowedMethods: ['POST'] },
];

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  for (const bucket of [OPEN, PLAIN]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: OPEN, Key: 'data/a.csv', Body: 'a,b\n1,2\n' }));
  await allowPublic(s3, OPEN);
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: OPEN,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${OPEN}/*` },
        ],
      }),
    }),
  );
  await s3.send(new PutBucketCorsCommand({ Bucket: OPEN, CORSConfiguration: { CORSRules: RULES } }));
});
afterAll(async () => {
  await t.close();
});

/** The response's CORS headers (and Vary), by lowercase name. */
function corsHeaders(response: Response): Record<string, string> {
  const found: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name.startsWith('access-control-') || name === 'vary') found[name] = value;
  });
  return found;
}

function options(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.url}${path}`, { method: 'OPTIONS', headers });
}

/** The code, message and extra fields of an S3 XML error body. */
function errorOf(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of body.matchAll(/<(Code|Message|Method|ResourceType|BucketName)>([^<]*)</g))
    fields[match[1] as string] = (match[2] as string).replace(/&apos;/g, "'");
  return fields;
}

describe('Put/Get/DeleteBucketCors', () => {
  it('stores the rules and gives them back as sent, and DeleteBucketCors removes them', async () => {
    const bucket = 'cors-config';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const unset = await failureOf(s3.send(new GetBucketCorsCommand({ Bucket: bucket })));
    expect(unset).toMatchObject({
      code: 'NoSuchCORSConfiguration',
      message: 'The CORS configuration does not exist',
      status: 404,
    });
    const rules: CORSRule[] = [
      {
        ID: 'first',
        AllowedHeaders: ['x-AMZ-server-SIDE-encryption', 'Authorization'],
        AllowedMethods: ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'],
        AllowedOrigins: ['https://test.com', 'http://test.com:80', ''],
        ExposeHeaders: ['ETag'],
        MaxAgeSeconds: 0,
      },
      { AllowedMethods: ['GET'], AllowedOrigins: ['*'] },
    ];
    const put = await s3.send(
      new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: rules } }),
    );
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules).toEqual(rules);

    // A second PUT replaces the configuration whole.
    const replacement: CORSRule[] = [{ AllowedMethods: ['HEAD'], AllowedOrigins: ['https://only.example'] }];
    await s3.send(
      new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: replacement } }),
    );
    expect((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules).toEqual(replacement);

    const deleted = await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect((await failureOf(s3.send(new GetBucketCorsCommand({ Bucket: bucket })))).code).toBe(
      'NoSuchCORSConfiguration',
    );
    // Deleting what is not there is no error.
    expect((await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(
      204,
    );
  });

  it('answers the raw document in S3 namespace, rules in the model order', async () => {
    const path = `/${OPEN}?cors`;
    const headers = await signedHeaders(t, {
      method: 'GET',
      path: `/${OPEN}`,
      query: { cors: '' },
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const response = await rawRequest(t.url, { method: 'GET', path, headers });
    expect(response.status).toBe(200);
    expect(response.body).toContain(
      '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><ID>app</ID><AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>Content-Type</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>https://app.example.org</AllowedOrigin><AllowedOrigin>https://*.city.example</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-amz-request-id</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule><CORSRule><AllowedMethod>GET</AllowedMethod>',
    );
  });

  it('refuses the rules S3 refuses, with its errors', async () => {
    const bucket = 'cors-invalid';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = (CORSRules: CORSRule[]) =>
      failureOf(s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules } })));
    expect(await put([{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'MYMETHOD'] }])).toMatchObject({
      code: 'InvalidRequest',
      message: 'Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD',
      status: 400,
    });
    expect((await put([{ AllowedOrigins: ['*'], AllowedMethods: ['OPTIONS'] }])).code).toBe('InvalidRequest');
    expect(await put([{ AllowedOrigins: ['*example*.com'], AllowedMethods: ['GET'] }])).toMatchObject({
      code: 'InvalidRequest',
      message: 'AllowedOrigin "*example*.com" can not have more than one wildcard.',
    });
    expect(
      await put([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], AllowedHeaders: ['x-*-*'] }]),
    ).toMatchObject({
      code: 'InvalidRequest',
      message: 'AllowedHeader "x-*-*" can not have more than one wildcard.',
    });
    expect(
      (await put([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], ExposeHeaders: ['x-amz-*'] }])).message,
    ).toBe(
      'ExposeHeader "x-amz-*" contains wildcard. We currently do not support wildcard for ExposeHeader.',
    );
    expect(await put([])).toMatchObject({ code: 'MalformedXML', status: 400 });
    expect((await put([{ AllowedOrigins: [], AllowedMethods: ['GET'] }])).code).toBe('MalformedXML');
    expect((await put([{ AllowedOrigins: ['*'], AllowedMethods: [] }])).code).toBe('MalformedXML');
    const many = Array.from({ length: 101 }, () => ({ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }));
    expect((await put(many)).code).toBe('MalformedXML');
    expect((await put([{ ID: 'x'.repeat(256), AllowedOrigins: ['*'], AllowedMethods: ['GET'] }])).code).toBe(
      'InvalidRequest',
    );
    // Nothing was stored by any of them.
    expect((await failureOf(s3.send(new GetBucketCorsCommand({ Bucket: bucket })))).code).toBe(
      'NoSuchCORSConfiguration',
    );
    const missing = await failureOf(
      s3.send(new PutBucketCorsCommand({ Bucket: 'cors-nowhere', CORSConfiguration: { CORSRules: RULES } })),
    );
    expect(missing).toMatchObject({ code: 'NoSuchBucket', status: 404 });
  });

  it('requires Content-MD5 or a checksum, checks it, and refuses hostile documents', async () => {
    const bucket = 'cors-raw';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const send = async (body: string, extra: Record<string, string> = {}) => {
      const headers = await signedHeaders(t, {
        method: 'PUT',
        path: `/${bucket}`,
        query: { cors: '' },
        headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...extra },
      });
      const response = await rawRequest(t.url, {
        method: 'PUT',
        path: `/${bucket}?cors`,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        body,
      });
      return { status: response.status, ...errorOf(response.body) };
    };
    const md5 = (text: string) => ({ 'content-md5': createHash('md5').update(text).digest('base64') });
    const good =
      '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>';
    expect(await send(good)).toMatchObject({ status: 400, Code: 'InvalidRequest' });
    expect(
      await send(good, { 'content-md5': createHash('md5').update('other').digest('base64') }),
    ).toMatchObject({
      status: 400,
      Code: 'BadDigest',
    });
    const hostile = [
      '<CORSConfiguration>',
      '<!DOCTYPE x [<!ENTITY e "GET">]><CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>&e;</AllowedMethod></CORSRule></CORSConfiguration>',
      '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><Filter/></CORSRule></CORSConfiguration>',
      '<CORSConfiguration><CORSRule><AllowedOrigin><x>*</x></AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>',
      '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ID>a</ID><ID>b</ID></CORSRule></CORSConfiguration>',
      '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule></CORSConfiguration>',
      '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>99999999999</MaxAgeSeconds></CORSRule></CORSConfiguration>',
      '<CORSConfiguration>text<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>',
      '<CORSConfiguration><CORSRule/></CORSConfiguration>',
      '<Other><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></Other>',
      `<CORSConfiguration>${'<CORSRule>'.repeat(2000)}</CORSConfiguration>`,
    ];
    for (const body of hostile)
      expect(await send(body, md5(body)), body.slice(0, 80)).toMatchObject({ status: 400 });
    expect(
      await send(
        '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod/></CORSRule></CORSConfiguration>',
        md5(
          '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod/></CORSRule></CORSConfiguration>',
        ),
      ),
    ).toMatchObject({
      Code: 'InvalidRequest',
      Message: 'Found unsupported HTTP method in CORS config. Unsupported method is ',
    });
    const big = `<CORSConfiguration><CORSRule><AllowedOrigin>${'o'.repeat(70_000)}</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`;
    expect(await send(big, md5(big))).toMatchObject({ status: 400, Code: 'MaxMessageLengthExceeded' });
    expect((await failureOf(s3.send(new GetBucketCorsCommand({ Bucket: bucket })))).code).toBe(
      'NoSuchCORSConfiguration',
    );
    // Indentation between elements is no content; a namespace prefix is the same element.
    const indented = `<?xml version="1.0" encoding="UTF-8"?>\n<s3:CORSConfiguration xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">\n  <s3:CORSRule>\n    <s3:AllowedOrigin>https://a.example</s3:AllowedOrigin>\n    <s3:AllowedMethod>GET</s3:AllowedMethod>\n  </s3:CORSRule>\n</s3:CORSConfiguration>\n`;
    expect(await send(indented, md5(indented))).toMatchObject({ status: 200 });
    expect((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules).toEqual([
      { AllowedOrigins: ['https://a.example'], AllowedMethods: ['GET'] },
    ]);
  });

  it('is authorized as s3:GetBucketCORS and s3:PutBucketCORS (DeleteBucketCors too)', async () => {
    const iam = new IAMClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    await iam.send(new CreateUserCommand({ UserName: 'cors-reader' }));
    const { Policy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'cors-read',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetBucketCORS', Resource: `arn:aws:s3:::${OPEN}` }],
        }),
      }),
    );
    await iam.send(new AttachUserPolicyCommand({ UserName: 'cors-reader', PolicyArn: Policy?.Arn }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'cors-reader' }));
    iam.destroy();
    const reader = t.s3({
      credentials: {
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        secretAccessKey: AccessKey?.SecretAccessKey ?? '',
      },
    });
    expect((await reader.send(new GetBucketCorsCommand({ Bucket: OPEN }))).CORSRules).toHaveLength(
      RULES.length,
    );
    const put = await failureOf(
      reader.send(new PutBucketCorsCommand({ Bucket: OPEN, CORSConfiguration: { CORSRules: RULES } })),
    );
    expect(put.code).toBe('AccessDenied');
    expect(put.message).toContain('s3:PutBucketCORS');
    const deleted = await failureOf(reader.send(new DeleteBucketCorsCommand({ Bucket: OPEN })));
    expect(deleted.message).toContain('s3:PutBucketCORS');
    const actions = Object.fromEntries(
      t.seawall.operations.filter((op) => op.service === 's3').map((op) => [op.name, op.action]),
    );
    expect(actions).toMatchObject({
      PutBucketCors: 's3:PutBucketCORS',
      GetBucketCors: 's3:GetBucketCORS',
      DeleteBucketCors: 's3:PutBucketCORS',
    });
  });

  it('is set by the aws cli (put-bucket-cors) from a JSON file', async () => {
    const bucket = 'cors-cli';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const file = join(t.dataDir, 'cors.json');
    writeFileSync(
      file,
      JSON.stringify({
        CORSRules: [
          { AllowedOrigins: [APP], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], MaxAgeSeconds: 60 },
        ],
      }),
    );
    const put = await awsCli(t.dataDir, t.url, [
      's3api',
      'put-bucket-cors',
      '--bucket',
      bucket,
      '--cors-configuration',
      `file://${file}`,
    ]);
    expect(put, `${AWS_CLI}: ${put.stderr}`).toMatchObject({ code: 0 });
    const got = await awsCli(t.dataDir, t.url, ['s3api', 'get-bucket-cors', '--bucket', bucket]);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({
      CORSRules: [
        { AllowedOrigins: [APP], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], MaxAgeSeconds: 60 },
      ],
    });
    const preflight = await options(`/${bucket}/k`, { origin: APP, 'access-control-request-method': 'PUT' });
    expect(preflight.status).toBe(200);
  });
});

describe('preflight (OPTIONS), unauthenticated as in S3', () => {
  it('answers a request a rule allows with the rule’s headers and an empty body', async () => {
    const response = await options(`/${OPEN}/data/a.csv`, {
      origin: APP,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'X-Amz-Meta-Owner,content-type, x-amz-checksum-crc32',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(corsHeaders(response)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, PUT, HEAD',
      'access-control-allow-headers': 'x-amz-meta-owner, content-type, x-amz-checksum-crc32',
      'access-control-expose-headers': 'ETag, x-amz-request-id',
      'access-control-max-age': '3000',
      vary: VARY,
    });
  });

  it('matches origins with one wildcard standing for any run of characters, the empty one too', async () => {
    const allowed = async (origin: string, method = 'GET') => {
      const response = await options(`/${OPEN}`, { origin, 'access-control-request-method': method });
      return response.status === 200 ? response.headers.get('access-control-allow-origin') : response.status;
    };
    for (const origin of ['foo.suffix', 'startend', 'start1end', 'start12end', 'prefix', 'prefix.suffix'])
      expect(await allowed(origin), origin).toBe(origin);
    for (const origin of ['foo.bar', 'foo.suffix.get', '0start12end', 'bla.prefix', 'foo.put'])
      expect(await allowed(origin), origin).toBe(403);
    expect(await allowed('foo.put', 'PUT')).toBe('foo.put');
    expect(await allowed('https://data.city.example')).toBe('https://data.city.example');
    // Scheme, host and port must match as written; a trailing slash is not the same origin.
    expect(await allowed('http://app.example.org')).toBe(403);
    expect(await allowed(`${APP}:443`)).toBe(403);
    expect(await allowed(`${APP}/`)).toBe(403);
    // A rule allowing any origin answers `*`, without credentials.
    const any = await options(`/${OPEN}/x`, {
      origin: 'https://anywhere.example',
      'access-control-request-method': 'POST',
    });
    expect(corsHeaders(any)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST',
      vary: VARY,
    });
  });

  it('allows requested headers only as the rule’s AllowedHeader patterns do, without regard to case', async () => {
    const ask = (headers: string) =>
      options(`/${OPEN}/k`, {
        origin: APP,
        'access-control-request-method': 'GET',
        'access-control-request-headers': headers,
      });
    expect((await ask('X-AMZ-Date,Content-TYPE')).headers.get('access-control-allow-headers')).toBe(
      'x-amz-date, content-type',
    );
    const refused = await ask('x-amz-date, authorization');
    expect(refused.status).toBe(403);
    expect(corsHeaders(refused)).toEqual({});
    // A rule without AllowedHeader allows none.
    const none = await options(`/${OPEN}/k`, {
      origin: 'foo.suffix',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'x-amz-meta-header2',
    });
    expect(none.status).toBe(403);
  });

  it('refuses as S3 does: no Origin, no bucket, no configuration, no matching rule', async () => {
    const noOrigin = await options(`/${OPEN}/k`, { 'access-control-request-method': 'GET' });
    expect(noOrigin.status).toBe(400);
    expect(errorOf(await noOrigin.text())).toEqual({
      Code: 'BadRequest',
      Message: 'Insufficient information. Origin request header needed.',
    });
    const noBucket = await options('/cors-missing/k', {
      origin: APP,
      'access-control-request-method': 'GET',
    });
    expect(noBucket.status).toBe(403);
    expect(errorOf(await noBucket.text())).toEqual({
      Code: 'AccessForbidden',
      Message: 'CORSResponse: Bucket not found',
      Method: 'GET',
      ResourceType: 'BUCKET',
    });
    const unset = await options(`/${PLAIN}/k`, { origin: APP });
    expect(unset.status).toBe(403);
    expect(errorOf(await unset.text())).toEqual({
      Code: 'AccessForbidden',
      Message: 'CORSResponse: CORS is not enabled for this bucket.',
      Method: 'OPTIONS',
      ResourceType: 'BUCKET',
    });
    const noMethod = await options(`/${OPEN}`, { origin: 'foo.suffix' });
    expect(noMethod.status).toBe(400);
    const notAllowed = await options(`/${OPEN}/k`, {
      origin: APP,
      'access-control-request-method': 'DELETE',
    });
    expect(notAllowed.status).toBe(403);
    expect(errorOf(await notAllowed.text())).toEqual({
      Code: 'AccessForbidden',
      Message:
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      Method: 'DELETE',
      ResourceType: 'OBJECT',
    });
    const onBucket = await options(`/${OPEN}`, { origin: APP, 'access-control-request-method': 'DELETE' });
    expect(errorOf(await onBucket.text()).ResourceType).toBe('BUCKET');
  });

  it('is one operation of the pipeline, reported with the anonymous principal and the resource it asked about', async () => {
    const seen: OperationEvent[] = [];
    const stop = t.seawall.onOperation((event) => seen.push(event));
    const response = await options(`/${OPEN}/data/a.csv`, {
      origin: APP,
      'access-control-request-method': 'GET',
    });
    const refused = await options(`/${PLAIN}`, { origin: APP, 'access-control-request-method': 'GET' });
    await Promise.all([response.text(), refused.text()]);
    // Each event is reported as its answer is finished, which the client may see first.
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    stop();
    const eventOf = (r: Response) => seen.find((e) => e.requestId === r.headers.get('x-amz-request-id'));
    expect(eventOf(response)).toMatchObject({
      service: 's3',
      operation: 'OptionsObject',
      readOnly: true,
      resources: [`arn:aws:s3:::${OPEN}/data/a.csv`],
      principal: { type: 'Anonymous' },
      outcome: 'success',
      status: 200,
    });
    expect(eventOf(refused)).toMatchObject({
      operation: 'OptionsObject',
      status: 403,
      errorCode: 'AccessForbidden',
    });
  });

  it('answers on any URL the actual request will use: presigned (even expired), multipart, subresources', async () => {
    const presigned = await getSignedUrl(s3, new GetObjectCommand({ Bucket: OPEN, Key: 'data/a.csv' }), {
      expiresIn: 1,
    });
    const bare = await fetch(presigned, { method: 'OPTIONS' });
    expect(bare.status).toBe(400);
    const url = new URL(presigned);
    url.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP);
    // Virtual-hosted style names the bucket in the Host.
    const port = new URL(t.url).port;
    const hosted = await rawRequest(t.url, {
      method: 'OPTIONS',
      path: '/data/a.csv',
      headers: { host: `${OPEN}.localhost:${port}`, origin: APP, 'access-control-request-method': 'HEAD' },
    });
    expect(hosted.status).toBe(200);
    expect(hosted.headers['access-control-allow-origin']).toBe(APP);
    const hostedGet = await rawRequest(t.url, {
      method: 'GET',
      path: '/data/a.csv',
      headers: { host: `${OPEN}.localhost:${port}`, origin: 'foo.suffix' },
    });
    expect(hostedGet.status).toBe(200);
    expect(hostedGet.headers['access-control-allow-origin']).toBe('foo.suffix');
    for (const path of [
      `/${OPEN}/big.bin?uploads`,
      `/${OPEN}/big.bin?partNumber=1&uploadId=abc`,
      `/${OPEN}?cors`,
    ]) {
      const response = await options(path, { origin: APP, 'access-control-request-method': 'PUT' });
      expect(response.status, path).toBe(200);
    }
  });
});

describe('actual requests from another origin', () => {
  it('carry the matching rule’s headers on GET and HEAD, none without Origin or without a match', async () => {
    const get = await fetch(`${t.url}/${OPEN}/data/a.csv`, { headers: { origin: APP } });
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('a,b\n1,2\n');
    expect(corsHeaders(get)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, PUT, HEAD',
      'access-control-expose-headers': 'ETag, x-amz-request-id',
      'access-control-max-age': '3000',
      vary: VARY,
    });
    const head = await fetch(`${t.url}/${OPEN}/data/a.csv`, { method: 'HEAD', headers: { origin: APP } });
    expect(head.headers.get('access-control-allow-origin')).toBe(APP);
    expect(corsHeaders(await fetch(`${t.url}/${OPEN}/data/a.csv`))).toEqual({});
    expect(
      corsHeaders(
        await fetch(`${t.url}/${OPEN}/data/a.csv`, { headers: { origin: 'https://evil.example' } }),
      ),
    ).toEqual({});
    expect(corsHeaders(await fetch(`${t.url}/${PLAIN}/x`, { headers: { origin: APP } }))).toEqual({});
    // The preflight's headers on an actual request decide the match, as S3 judges them.
    const asPut = await fetch(`${t.url}/${OPEN}/data/a.csv`, {
      headers: { origin: 'foo.suffix', 'access-control-request-method': 'PUT' },
    });
    expect(asPut.status).toBe(200);
    expect(corsHeaders(asPut)).toEqual({});
  });

  it('carry them on errors too: a missing key, a refused anonymous write', async () => {
    // Anonymous callers may read but not list: a missing key is 403 to them, as S3 answers it.
    const missing = await fetch(`${t.url}/${OPEN}/nothing-here`, { headers: { origin: 'foo.suffix' } });
    expect(missing.status).toBe(403);
    expect(missing.headers.get('access-control-allow-origin')).toBe('foo.suffix');
    expect(missing.headers.get('access-control-allow-methods')).toBe('GET');
    const put = await fetch(`${t.url}/${OPEN}/upload`, {
      method: 'PUT',
      headers: { origin: 'foo.put', 'content-length': '0' },
    });
    expect(put.status).toBe(403);
    expect(put.headers.get('access-control-allow-origin')).toBe('foo.put');
    expect(put.headers.get('access-control-allow-methods')).toBe('PUT');
    const asGet = await fetch(`${t.url}/${OPEN}/upload`, {
      method: 'PUT',
      headers: { origin: 'foo.suffix', 'access-control-request-method': 'GET', 'content-length': '0' },
    });
    expect(asGet.status).toBe(403);
    expect(asGet.headers.get('access-control-allow-origin')).toBe('foo.suffix');
  });

  it('carry them on presigned GETs and PUTs', async () => {
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: OPEN, Key: 'data/a.csv' }), {
      expiresIn: 300,
    });
    const get = await fetch(getUrl, { headers: { origin: APP } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe(APP);
    const putUrl = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: OPEN, Key: 'uploads/b.txt', Body: 'hello' }),
      {
        expiresIn: 300,
      },
    );
    const put = await fetch(putUrl, { method: 'PUT', headers: { origin: APP }, body: 'hello' });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(corsHeaders(put)).toMatchObject({ 'access-control-allow-origin': APP, vary: VARY });
    const read = await s3.send(new GetObjectCommand({ Bucket: OPEN, Key: 'uploads/b.txt' }));
    expect(await read.Body?.transformToString()).toBe('hello');
  });
});

describe('the console’s isolation', () => {
  it('is not weakened by a bucket that allows every origin, method and header', async () => {
    const bucket = 'cors-everything';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: ['*'],
              AllowedMethods: ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'],
              AllowedHeaders: ['*'],
            },
          ],
        },
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'page.html',
        Body: '<script>1</script>',
        ContentType: 'text/html',
      }),
    );
    const evil = 'https://evil.example';
    const preflight = {
      origin: evil,
      'access-control-request-method': 'POST',
      'access-control-request-headers': '*',
    };
    // Seawall's own routes (the console, its sign-in) and the service root, where IAM, STS and KMS answer,
    // grant no preflight and carry no CORS header.
    for (const path of ['/_seawall/signin', '/_seawall/console/', '/_seawall/health', '/']) {
      const response = await options(path, preflight);
      expect(response.status, path).not.toBe(200);
      expect(corsHeaders(response), path).toEqual({});
      const get = await fetch(`${t.url}${path}`, { headers: { origin: evil } });
      expect(get.headers.get('access-control-allow-origin'), path).toBeNull();
    }
    // A request for another service that names the bucket's path gets none of the bucket's headers.
    const sts = new STSClient({
      endpoint: `${t.url}/${bucket}`,
      region: t.credentials.region,
      credentials: t.credentials,
    });
    sts.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers.origin = evil;
        const result = await next(args);
        const headers = (result.response as { headers: Record<string, string> }).headers;
        expect(headers['access-control-allow-origin']).toBeUndefined();
        return result;
      },
      { step: 'build' },
    );
    await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    // An object allowed to every origin is still served sandboxed, never as a page of this origin.
    const page = await fetch(`${t.url}/${bucket}/page.html`, {
      headers: {
        origin: evil,
        ...(await signedHeaders(t, {
          method: 'GET',
          path: `/${bucket}/page.html`,
          headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        })),
      },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('access-control-allow-origin')).toBe('*');
    expect(page.headers.get('access-control-allow-credentials')).toBeNull();
    expect(page.headers.get('content-security-policy')).toBe('sandbox');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
