import { Readable } from 'node:stream';
import { AppError, badRequest } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { PostForm } from '../lib/http.js';
import { FormParseError, formBoundary, readFormHead } from '../lib/multipart-form.js';
import type { Principal } from '../lib/operation.js';
import { ANONYMOUS } from './anonymous.js';
import { checkSessionTokenValue, type IdentityLookup, principalOf } from './authenticate.js';
import {
  ALGORITHM,
  authError,
  hmacHex,
  hmacSha1Base64,
  matchCredential,
  parseAmzDate,
  signaturesEqual,
  signingKey,
} from './sigv4.js';

/**
 * Authentication of a browser upload (S3's POST Object): the caller signs the form's policy document, not the
 * request, with Signature Version 4 (x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature) or the
 * Signature Version 2 older upload libraries send (AWSAccessKeyId, signature: base64 HMAC-SHA1 of the policy).
 * A form without a policy comes from the anonymous principal. The policy's conditions are the operation's to
 * check; this verifies only who signed it.
 */

/** What S3 lets the fields before the file weigh, headers and all. */
export const MAX_FORM_HEAD_BYTES = 20 * 1024;

export interface FormAuthenticated {
  principal: Principal;
  form: PostForm;
  /** The file's bytes. */
  body: Readable;
}

function formError(error: unknown): unknown {
  if (!(error instanceof FormParseError)) return error;
  if (error.failure === 'tooLarge')
    return badRequest(
      'MaxPostPreDataLengthExceededError',
      'Your POST request fields preceding the upload file were too large.',
    );
  if (error.failure === 'noFile')
    return badRequest(
      'IncorrectNumberOfFilesInPostRequest',
      'POST requires exactly one file upload per request.',
    );
  return badRequest(
    'MalformedPOSTRequest',
    'The body of your POST request is not well-formed multipart/form-data.',
  );
}

function notMultipart(): AppError {
  return new AppError(
    'PreconditionFailed',
    412,
    'At least one of the pre-conditions you specified did not hold',
    {
      fields: { Condition: 'Bucket POST must be of the enclosure-type multipart/form-data' },
    },
  );
}

/** S3's answer to a signature field missing (or sent after the file, where it is not read). */
function missingField(name: string): AppError {
  return badRequest(
    'InvalidArgument',
    `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
    { ArgumentName: name, ArgumentValue: '' },
  );
}

function invalidField(name: string, value: string, why: string): AppError {
  return badRequest('InvalidArgument', why, { ArgumentName: name, ArgumentValue: value.slice(0, 200) });
}

type Fields = PostForm['fields'];

const V4_FIELDS = ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature'];
const V2_FIELDS = ['awsaccesskeyid', 'signature'];
/** How S3 names each field in its errors. */
const SHOWN: Record<string, string> = {
  'x-amz-algorithm': 'X-Amz-Algorithm',
  'x-amz-credential': 'X-Amz-Credential',
  'x-amz-date': 'X-Amz-Date',
  'x-amz-signature': 'X-Amz-Signature',
  awsaccesskeyid: 'AWSAccessKeyId',
  signature: 'Signature',
};

function required(fields: Fields, names: readonly string[]): string[] {
  return names.map((name) => {
    const value = fields.get(name)?.value;
    if (value === undefined) throw missingField(SHOWN[name] ?? name);
    return value;
  });
}

type Deps = { iam: IdentityLookup; clock: Clock; region: string };

function unknownKey(accessKeyId: string): AppError {
  return authError(
    'InvalidAccessKeyId',
    'The AWS Access Key Id you provided does not exist in our records.',
    {
      AWSAccessKeyId: accessKeyId.slice(0, 128),
    },
  );
}

function signatureMismatch(accessKeyId: string, policy: string, signature: string): AppError {
  return authError(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    {
      AWSAccessKeyId: accessKeyId.slice(0, 128),
      StringToSign: policy,
      SignatureProvided: signature.slice(0, 128),
    },
  );
}

async function signerV4(fields: Fields, policy: string, deps: Deps): Promise<Principal> {
  const [algorithm, credential, amzDate, signature] = required(fields, V4_FIELDS) as [
    string,
    string,
    string,
    string,
  ];
  if (algorithm !== ALGORITHM)
    throw invalidField('x-amz-algorithm', algorithm, `X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const scope = matchCredential(credential);
  if (!scope)
    throw invalidField(
      'x-amz-credential',
      credential,
      'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  if (!parseAmzDate(amzDate))
    throw invalidField(
      'x-amz-date',
      amzDate,
      `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`,
    );
  if (scope.region !== deps.region || scope.service !== 's3')
    throw authError(
      'AuthorizationQueryParametersError',
      `Error parsing the X-Amz-Credential parameter; the credential scope '${scope.region}/${scope.service}' is wrong; expecting '${deps.region}/s3'`,
      { Region: deps.region },
    );
  const identity = await deps.iam.signingIdentity(scope.accessKeyId);
  if (!identity) throw unknownKey(scope.accessKeyId);
  const key = signingKey(identity.secretAccessKey, scope.scopeDate, scope.region, scope.service);
  if (!signaturesEqual(hmacHex(key, policy), signature))
    throw signatureMismatch(scope.accessKeyId, policy, signature);
  checkSessionTokenValue(
    identity,
    fields.get('x-amz-security-token')?.value,
    scope.accessKeyId,
    deps.clock.now(),
  );
  return principalOf(identity);
}

async function signerV2(fields: Fields, policy: string, deps: Deps): Promise<Principal> {
  const [accessKeyId, signature] = required(fields, V2_FIELDS) as [string, string];
  const identity = await deps.iam.signingIdentity(accessKeyId);
  if (!identity) throw unknownKey(accessKeyId);
  if (!signaturesEqual(hmacSha1Base64(identity.secretAccessKey, policy), signature))
    throw signatureMismatch(accessKeyId, policy, signature);
  checkSessionTokenValue(identity, fields.get('x-amz-security-token')?.value, accessKeyId, deps.clock.now());
  return principalOf(identity);
}

/** Who signed the form's policy; anonymous when it has none (and no signature either). */
async function formSigner(fields: Fields, deps: Deps): Promise<Principal> {
  const policy = fields.get('policy')?.value;
  const v4 = V4_FIELDS.some((name) => fields.has(name));
  const v2 = V2_FIELDS.some((name) => fields.has(name));
  if (policy === undefined) {
    if (v4 || v2) throw missingField('Policy');
    return ANONYMOUS;
  }
  if (v4) return signerV4(fields, policy, deps);
  if (v2) return signerV2(fields, policy, deps);
  throw missingField('AWSAccessKeyId');
}

/** Fails the file's stream with S3's error when the form turns out malformed inside it. */
async function* fileBytes(body: Readable): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of body) yield chunk as Buffer;
  } catch (error) {
    throw formError(error);
  }
}

/**
 * Reads a POST Object form up to its file and verifies the signature of its policy: the principal, the fields,
 * and the file's bytes as a stream.
 */
export async function authenticateForm(
  req: { headers: Readonly<Record<string, string>>; body: Readable },
  deps: Deps,
): Promise<FormAuthenticated> {
  const contentType = req.headers['content-type'];
  const boundary = formBoundary(contentType);
  if (boundary === undefined) {
    if (!/^\s*multipart\/form-data\s*(;|$)/i.test(contentType ?? '')) throw notMultipart();
    throw formError(new FormParseError('malformed', 'no boundary'));
  }
  const head = await readFormHead(req.body, boundary, {
    maxHeadBytes: MAX_FORM_HEAD_BYTES,
    isFile: (name) => name.toLowerCase() === 'file',
  }).catch((error: unknown) => {
    throw formError(error);
  });
  const fields = new Map<string, { name: string; value: string }>();
  for (const field of head.fields) {
    const name = field.name.toLowerCase();
    if (!fields.has(name)) fields.set(name, field);
  }
  return {
    principal: await formSigner(fields, deps),
    form: { fields, filename: head.file.filename },
    body: Readable.from(fileBytes(head.file.body), { objectMode: false }),
  };
}
