import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureFields } from './helpers/failure.js';
import { rawRequest, signedHeaders, xmlElement } from './helpers/raw.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

// Each expectation is S3's own answer, as recorded from AWS in public issue threads (cited per test).
const BUCKET = 'auth-fidelity';
const PATH = `/${BUCKET}/file.txt`;
const CREDENTIAL_FORM = '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"';

let t: TestSeawall;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestSeawall();
  s3 = t.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'file.txt', Body: 'content' }));
});
afterAll(async () => {
  await t?.close();
});

/** The error document's elements, entities decoded (StringToSign and CanonicalRequest hold newlines). */
function errorDocument(xml: string, names: string[]): Record<string, string | undefined> {
  const decode = (text: string | undefined) =>
    text
      ?.replace(/&#10;|&#xA;/gi, '\n')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  return Object.fromEntries(names.map((name) => [name, decode(xmlElement(xml, name))]));
}
/** An answer's status, error code and message (entities decoded), to compare as one. */
const refusal = (answer: { status: number; body: string }) => [
  answer.status,
  xmlElement(answer.body, 'Code'),
  errorDocument(answer.body, ['Message']).Message,
];
/** S3's spelling of bytes in an error document: two hex digits each, separated by spaces. */
const bytesOf = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');

async function signedGet(headers: Record<string, string> = {}, signingDate?: Date) {
  return signedHeaders(t, {
    method: 'GET',
    path: PATH,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers },
    ...(signingDate ? { signingDate } : {}),
  });
}

async function presignedGet(options: { expiresIn?: number; signingDate?: Date } = {}): Promise<URL> {
  return new URL(await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'file.txt' }), options));
}

/** A GET signed as `headers` say, its signature replaced by one that cannot match. */
const getWithWrongSignature = (headers: Record<string, string>) =>
  rawRequest(t.url, {
    method: 'GET',
    path: PATH,
    headers: {
      ...headers,
      authorization: headers.authorization?.replace(/Signature=\w+/, `Signature=${'0'.repeat(64)}`) as string,
    },
  });

const fetchPath = (url: URL, headers: Record<string, string> = {}) =>
  rawRequest(t.url, { method: 'GET', path: `${url.pathname}${url.search}`, headers });

describe('a signature that does not match', () => {
  // S3's answer as recorded in minio/minio#2986, pgbackrest/pgbackrest#589 and aws/aws-cli#4356.
  it('names the string to sign and the canonical request, as text and as bytes, and never the secret', async () => {
    const wrong = t.s3({
      credentials: { accessKeyId: t.credentials.accessKeyId, secretAccessKey: 'not-the-secret-key' },
    });
    const e = await failureFields(wrong.send(new ListObjectsV2Command({ Bucket: BUCKET })));
    expect([e.Code, e.$metadata]).toMatchObject(['SignatureDoesNotMatch', { httpStatusCode: 403 }]);

    const headers = await signedGet();
    const answer = await getWithWrongSignature(headers);
    expect(answer.status).toBe(403);
    const doc = errorDocument(answer.body, [
      'Code',
      'AWSAccessKeyId',
      'StringToSign',
      'SignatureProvided',
      'StringToSignBytes',
      'CanonicalRequest',
      'CanonicalRequestBytes',
    ]);
    expect(doc.Code).toBe('SignatureDoesNotMatch');
    expect(doc.AWSAccessKeyId).toBe(t.credentials.accessKeyId);
    expect(doc.SignatureProvided).toBe('0'.repeat(64));
    const host = new URL(t.url).host;
    expect(doc.CanonicalRequest).toBe(
      [
        'GET',
        PATH,
        '',
        `host:${host}`,
        'x-amz-content-sha256:UNSIGNED-PAYLOAD',
        `x-amz-date:${headers['x-amz-date']}`,
        '',
        'host;x-amz-content-sha256;x-amz-date',
        'UNSIGNED-PAYLOAD',
      ].join('\n'),
    );
    expect(doc.StringToSign?.split('\n').slice(0, 3)).toEqual([
      'AWS4-HMAC-SHA256',
      headers['x-amz-date'],
      `${headers['x-amz-date']?.slice(0, 8)}/${t.credentials.region}/s3/aws4_request`,
    ]);
    expect(doc.StringToSignBytes).toBe(bytesOf(doc.StringToSign ?? ''));
    expect(doc.CanonicalRequestBytes).toBe(bytesOf(doc.CanonicalRequest ?? ''));
    expect(answer.body).not.toContain(t.credentials.secretAccessKey);
  });

  it('leaves out the secrets a request signs: its session token and SSE-C keys', async () => {
    const token = 'FQoGZXIvYXdzEXAMPLEsessiontoken';
    const key = Buffer.alloc(32, 7).toString('base64');
    const headers = await signedGet({
      'x-amz-security-token': token,
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': key,
    });
    const answer = await getWithWrongSignature(headers);
    const doc = errorDocument(answer.body, ['Code', 'CanonicalRequest']);
    expect(doc.Code).toBe('SignatureDoesNotMatch');
    expect(doc.CanonicalRequest).toContain('x-amz-security-token:<redacted>');
    expect(doc.CanonicalRequest).toContain('x-amz-server-side-encryption-customer-key:<redacted>');
    expect(answer.body).not.toContain(token);
    expect(answer.body).not.toContain(key);

    const presigned = await getSignedUrl(
      t.s3({
        credentials: {
          accessKeyId: t.credentials.accessKeyId,
          secretAccessKey: t.credentials.secretAccessKey,
          sessionToken: token,
        },
      }),
      new GetObjectCommand({ Bucket: BUCKET, Key: 'file.txt' }),
      { expiresIn: 60 },
    );
    const url = new URL(presigned);
    url.pathname = `/${BUCKET}/other.txt`;
    const refused = await fetchPath(url);
    expect(errorDocument(refused.body, ['CanonicalRequest']).CanonicalRequest).toContain(
      'X-Amz-Security-Token=<redacted>',
    );
    expect(refused.body).not.toContain(encodeURIComponent(token));

    // A presigned URL may carry them as query parameters, in any case (they are taken as headers).
    const hoisted = new URL(presigned);
    hoisted.searchParams.append('X-Amz-Server-Side-Encryption-Customer-Key', key);
    hoisted.searchParams.append('x-amz-copy-source-server-side-encryption-customer-key', key);
    hoisted.pathname = `/${BUCKET}/other.txt`;
    const echoed = await fetchPath(hoisted);
    expect(errorDocument(echoed.body, ['Code']).Code).toBe('SignatureDoesNotMatch');
    for (const secret of [key, encodeURIComponent(key), token, encodeURIComponent(token)])
      expect(echoed.body).not.toContain(secret);
    expect(errorDocument(echoed.body, ['CanonicalRequest']).CanonicalRequest).toContain(
      'X-Amz-Server-Side-Encryption-Customer-Key=<redacted>',
    );
  });

  it('on a presigned URL too, its canonical request carrying the query but not the signature', async () => {
    const url = await presignedGet({ expiresIn: 60 });
    url.pathname = `/${BUCKET}/other.txt`;
    const answer = await fetchPath(url);
    expect(answer.status).toBe(403);
    const doc = errorDocument(answer.body, ['Code', 'CanonicalRequest', 'CanonicalRequestBytes']);
    expect(doc.Code).toBe('SignatureDoesNotMatch');
    expect(doc.CanonicalRequest).toContain('X-Amz-Credential=');
    expect(doc.CanonicalRequest).not.toContain('X-Amz-Signature');
    expect(doc.CanonicalRequestBytes).toBe(bytesOf(doc.CanonicalRequest ?? ''));
  });
});

describe('dates', () => {
  // versity/versitygw#1514 and ex-aws/ex_aws#159: ServerTime is written to the second.
  it('a skewed clock names the request time, the server time to the second and the allowed skew', async () => {
    const headers = await signedGet({}, new Date(Date.now() - 20 * 60 * 1000));
    const answer = await rawRequest(t.url, { method: 'GET', path: PATH, headers });
    expect(answer.status).toBe(403);
    const doc = errorDocument(answer.body, [
      'Code',
      'RequestTime',
      'ServerTime',
      'MaxAllowedSkewMilliseconds',
    ]);
    expect(doc).toMatchObject({
      Code: 'RequestTimeTooSkewed',
      RequestTime: headers['x-amz-date'],
      MaxAllowedSkewMilliseconds: '900000',
    });
    expect(doc.ServerTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  // ml-archive/storage#68 and arqbackup/arq_restore#48 (header); versitygw's recorded query wording.
  it('a credential dated another day than the request is a malformed header or query', async () => {
    const yesterday = new Date(Date.now() - 24 * 3600 * 1000);
    const headers = await signedGet();
    const amzDate = headers['x-amz-date'] as string;
    const otherDay = yesterday.toISOString().slice(0, 10).replace(/-/g, '');
    const authorization = (headers.authorization as string).replace(
      `/${amzDate.slice(0, 8)}/`,
      `/${otherDay}/`,
    );
    const header = await rawRequest(t.url, {
      method: 'GET',
      path: PATH,
      headers: { ...headers, authorization },
    });
    expect(refusal(header)).toEqual([
      400,
      'AuthorizationHeaderMalformed',
      'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.',
    ]);

    const url = await presignedGet({ expiresIn: 60 });
    const credential = url.searchParams.get('X-Amz-Credential') as string;
    url.searchParams.set('X-Amz-Credential', credential.replace(`/${amzDate.slice(0, 8)}/`, `/${otherDay}/`));
    const query = await fetchPath(url);
    expect(refusal(query)).toEqual([
      400,
      'AuthorizationQueryParametersError',
      `Invalid credential date "${otherDay}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`,
    ]);
  });

  // minio/minio#2638 and dmjio/s3-signer#16: X-Amz-Date is written in milliseconds since the epoch.
  it('a presigned URL dated in the future is not yet valid, naming its date, expiry and the server time', async () => {
    const future = new Date(Math.floor(Date.now() / 1000) * 1000 + 24 * 3600 * 1000);
    const answer = await fetchPath(await presignedGet({ expiresIn: 900, signingDate: future }));
    expect(answer.status).toBe(403);
    const doc = errorDocument(answer.body, ['Code', 'Message', 'X-Amz-Date', 'Expires', 'ServerTime']);
    expect(doc).toMatchObject({
      Code: 'AccessDenied',
      Message: 'Request is not yet valid',
      'X-Amz-Date': String(future.getTime()),
      Expires: new Date(future.getTime() + 900_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    expect(doc.ServerTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });
});

describe('malformed credentials and parameters', () => {
  // krobertson/deb-s3#157 (header) and TTLabs/EvaporateJS#491 (query).
  it('a credential that is not KEY/YYYYMMDD/region/service/aws4_request is named in S3 words', async () => {
    const headers = await signedGet();
    const authorization = (headers.authorization as string).replace(/\/s3\/aws4_request/, '/aws4_request');
    const header = await rawRequest(t.url, {
      method: 'GET',
      path: PATH,
      headers: { ...headers, authorization },
    });
    expect(refusal(header)).toEqual([
      400,
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the Credential is mal-formed; expecting ${CREDENTIAL_FORM}.`,
    ]);

    const url = await presignedGet({ expiresIn: 60 });
    url.searchParams.set('X-Amz-Credential', 'AKIDONLY');
    const query = await fetchPath(url);
    expect(refusal(query)).toEqual([
      400,
      'AuthorizationQueryParametersError',
      `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting ${CREDENTIAL_FORM}.`,
    ]);
  });

  // bryanjos/aws_auth#31 and aws/aws-cli#5464.
  it('an X-Amz-Expires over a week is refused in S3 words', async () => {
    const url = await presignedGet({ expiresIn: 60 });
    url.searchParams.set('X-Amz-Expires', '604801');
    const answer = await fetchPath(url);
    expect(refusal(answer)).toEqual([
      400,
      'AuthorizationQueryParametersError',
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    ]);
  });

  // catalyst/moodle-tool_objectfs#303: the header is named and echoed.
  it('a header signature on a presigned URL is one auth mechanism too many', async () => {
    const url = await presignedGet({ expiresIn: 60 });
    const headers = await signedGet();
    const answer = await fetchPath(url, headers);
    expect(answer.status).toBe(400);
    expect(errorDocument(answer.body, ['Code', 'Message', 'ArgumentName', 'ArgumentValue'])).toEqual({
      Code: 'InvalidArgument',
      Message:
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      ArgumentName: 'Authorization',
      ArgumentValue: headers.authorization,
    });
    // Another scheme's credential (a gateway's, say) is never echoed.
    const bearer = await fetchPath(url, { authorization: 'Bearer gateway-secret-token' });
    expect(bearer.body).not.toContain('gateway-secret-token');
  });
});
