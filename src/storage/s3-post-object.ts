import { Readable } from 'node:stream';
import { badRequest } from '../errors.js';
import type { ApiRequest, ApiResponse, PostForm } from '../lib/http.js';
import type { ConditionValues, OperationRequest } from '../lib/operation.js';
import { parseXml, toXml, XmlParseError } from '../lib/xml.js';
import { checkPostPolicy, parsePostPolicy, type SizeRange } from './post-policy.js';
import { s3Arn } from './s3-arn.js';
import { MAX_PUT_BYTES } from './s3-digests.js';
import type { Headers } from './s3-inputs.js';
import {
  checkS3Inputs,
  refuseOtherOperations,
  revealMissingBucket,
  type S3Operation,
  type S3Path,
  s3RequestKeys,
} from './s3-operations.js';
import { S3_METADATA_PREFIX, S3_REQUEST_HEADERS } from './s3-vocabulary.js';
import { addressedUrl, malformedXml } from './s3-wire.js';
import type { StorageService } from './storage-types.js';
import { readTagging } from './tagging.js';

/**
 * POST Object: a browser upload of a form whose fields are what PutObject's headers would be, signed (or not)
 * by a policy document whose conditions every field must meet. The pipeline has verified the policy's
 * signature and made its signer the principal; this checks the policy, then authorizes and writes the file
 * like PutObject, streaming it.
 */

export interface PostObjectInput {
  readonly bucket: string;
  readonly key: string;
  readonly form: PostForm;
  /** The form's fields as the PutObject headers they stand for. */
  readonly headers: Readonly<Record<string, string>>;
  readonly range: SizeRange;
}

/** Fields whose header has another name; every other field of S3's header vocabulary is its own header. */
const FIELD_HEADERS: ReadonlyMap<string, string> = new Map([
  ['acl', 'x-amz-acl'],
  ['tagging', 'x-amz-tagging'],
]);
const VOCABULARY: ReadonlySet<string> = new Set(S3_REQUEST_HEADERS);

/** A form's `tagging` field is a Tagging document; the header it stands for is the tags URL-encoded. */
function taggingHeader(document: string): string {
  let parsed: Record<string, unknown>;
  try {
    parsed = parseXml(document, ['Tag']);
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedXml();
    throw error;
  }
  return readTagging(parsed, 'object')
    .map((tag) => `${encodeURIComponent(tag.Key)}=${encodeURIComponent(tag.Value)}`)
    .join('&');
}

function formHeaders(form: PostForm): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, field] of form.fields) {
    const header = FIELD_HEADERS.get(name) ?? name;
    if (header.startsWith(S3_METADATA_PREFIX) || VOCABULARY.has(header))
      headers[header] = name === 'tagging' ? taggingHeader(field.value) : field.value;
  }
  return headers;
}

function formOf(req: ApiRequest): PostForm {
  if (!req.form) throw new Error('POST Object ran without the form the pipeline reads');
  return req.form;
}

/** What a key field's `${filename}` stands for. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's placeholder, not a template.
const FILENAME = '${filename}';

/** The object key: the `key` field, with `${filename}` standing for the file's name. */
function keyOf(form: PostForm): string {
  const key = form.fields.get('key')?.value;
  if (key === undefined || key === '')
    throw badRequest(
      'InvalidArgument',
      "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
      { ArgumentName: 'key', ArgumentValue: '' },
    );
  return key.replaceAll(FILENAME, form.filename ?? '');
}

/** The file's bytes, failing once they pass the policy's maximum (or S3's 5 GiB) or end short of its minimum. */
async function* withinRange(body: AsyncIterable<Uint8Array>, range: SizeRange): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > range.max)
      throw badRequest('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
        MaxSizeAllowed: String(range.max),
      });
    yield chunk;
  }
  if (size < range.min)
    throw badRequest('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
      ProposedSize: String(size),
      MinSizeAllowed: String(range.min),
    });
}

/** A redirect S3 would follow: an absolute http(s) URL; anything else is ignored, as S3 ignores it. */
function redirectTarget(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    // URL parsing drops tabs and line breaks that a Location header cannot carry: such a value is not one.
    if ([...value].some((c) => (c.codePointAt(0) as number) < 0x20 || c === '\u007f')) return undefined;
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** success_action_redirect (or the older redirect), else success_action_status: 200, 201 with a PostResponse, 204. */
function answer(
  input: PostObjectInput,
  req: OperationRequest,
  etag: string,
  headers: Record<string, string>,
): ApiResponse {
  const field = (name: string) => input.form.fields.get(name)?.value;
  const redirect = redirectTarget(field('success_action_redirect') ?? field('redirect'));
  if (redirect) {
    const query = `bucket=${encodeURIComponent(input.bucket)}&key=${encodeURIComponent(input.key)}&etag=${encodeURIComponent(etag)}`;
    const location = `${redirect}${redirect.includes('?') ? '&' : '?'}${query}`;
    return { status: 303, headers: { ...headers, location } };
  }
  const location = addressedUrl(req, input.key);
  const status = field('success_action_status');
  if (status === '200') return { status: 200, headers: { ...headers, location } };
  if (status !== '201') return { status: 204, headers: { ...headers, location } };
  const body = toXml('PostResponse', {
    Location: location,
    Bucket: input.bucket,
    Key: input.key,
    ETag: etag,
  });
  return { status: 201, headers: { ...headers, location, 'content-type': 'application/xml' }, body };
}

/** PutObject's answer headers (ETag, checksum…), as strings. */
function stringHeaders(headers: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}

/**
 * The POST Object operation. `fields` are the form fields it understands, declared as the PutObject headers
 * they stand for (the same rules run on them); `conditions` gives the condition keys of a new object's write;
 * the file is then written by PutObject's own handler, with the fields as its headers.
 */
export function createPostObjectOperation(
  storage: StorageService,
  declared: {
    fields: Headers;
    conditions: (req: ApiRequest) => ConditionValues;
    /** PutObject's handler, which writes the file as the form's fields ask. */
    put: (req: OperationRequest, bucket: string, key: string) => Promise<ApiResponse>;
  },
): S3Operation<PostObjectInput> {
  const asPut = {
    name: 'PostObject' as const,
    method: 'POST',
    level: 'bucket' as const,
    selector: undefined,
    headers: declared.fields,
    query: {},
  };
  const effective = (input: PostObjectInput, req: OperationRequest): OperationRequest => ({
    ...req,
    headers: input.headers,
  });
  const operation: S3Operation<PostObjectInput> = {
    service: 's3',
    name: 'PostObject',
    action: 's3:PutObject',
    method: 'POST',
    level: 'bucket',
    selector: undefined,
    // The request's own headers ask for nothing: the form says it all.
    headers: {},
    query: {},
    form: true,
    decode: ({ bucket }: S3Path, req) => {
      refuseOtherOperations(operation, req);
      if (bucket === undefined) throw new Error('POST Object resolved without a bucket');
      const form = formOf(req);
      const key = keyOf(form);
      const encoded = form.fields.get('policy')?.value;
      const limits =
        encoded === undefined
          ? undefined
          : checkPostPolicy(parsePostPolicy(encoded), { fields: form.fields, bucket, key }, req.facts.time);
      const range = { min: limits?.min ?? 0, max: Math.min(limits?.max ?? MAX_PUT_BYTES, MAX_PUT_BYTES) };
      return { bucket, key, form, headers: formHeaders(form), range };
    },
    resources: async (input, req) => {
      await revealMissingBucket(storage, req.principal, input.bucket);
      return [s3Arn(input.bucket, input.key)];
    },
    conditions: (input, req) => ({ ...s3RequestKeys(req), ...declared.conditions(effective(input, req)) }),
    handle: async (input, req) => {
      await checkS3Inputs(operation, { req, storage, bucket: input.bucket });
      const write = effective(input, req);
      await checkS3Inputs(asPut, { req: write, storage, bucket: input.bucket, key: input.key });
      const body = Readable.from(withinRange(req.body, input.range), { objectMode: false });
      const stored = await declared.put({ ...write, body }, input.bucket, input.key);
      const etag = String(stored.headers?.etag ?? '');
      return answer(input, req, etag, stringHeaders(stored.headers ?? {}));
    },
  };
  return operation;
}
