import { AppError, badRequest } from '../errors.js';
import {
  type ApiRequest,
  type ApiResponse,
  awsUriEncode,
  hasQuery,
  queryValue,
  readSmallBody,
} from '../lib/http.js';
import type { OperationRequest } from '../lib/operation.js';
import { parseXml, toXml, type XmlObject, XmlParseError } from '../lib/xml.js';
import { verifyDocumentDigests } from './s3-digests.js';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function xmlResponse(
  root: string,
  body: XmlObject,
  status = 200,
  headers: Record<string, string> = {},
): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'application/xml', ...headers },
    body: toXml(root, body, S3_NAMESPACE),
  };
}

/**
 * S3's answer to a header it defines that asks for something this server does not do: never accepted and
 * ignored.
 */
export function notImplementedHeader(name: string): AppError {
  return new AppError(
    'NotImplemented',
    501,
    'A header you provided implies functionality that is not implemented.',
    {
      fields: { Header: name },
    },
  );
}

/** The same for a query parameter or subresource (`?tagging`, `?partNumber=2` on GET) S3 defines. */
export function notImplementedParameter(name: string, subresource: boolean): AppError {
  return new AppError(
    'NotImplemented',
    501,
    subresource
      ? `The '${name}' subresource is not implemented by this server.`
      : `The '${name}' parameter implies functionality that is not implemented by this server.`,
  );
}

export { hasQuery, queryValue };

/** S3's words, without a full stop (as AWS-recorded LocalStack snapshots and moto's aws_verified tests have them). */
export function malformedXml(): AppError {
  return badRequest(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  );
}

/** Bodies of bucket-level XML requests (CreateBucketConfiguration, Delete, CompleteMultipartUpload) are small. */
const MAX_XML_BODY = 1024 * 1024;

/**
 * Reads an XML request document, then checks it against its Content-MD5 or checksum (a malformed document is
 * MalformedXML whatever its digest); undefined when empty. Past `limit` bytes it is MaxMessageLengthExceeded.
 */
export async function readXmlBody(
  req: ApiRequest,
  arrays: readonly string[] = [],
  limit = MAX_XML_BODY,
): Promise<Record<string, unknown> | undefined> {
  const bytes = await readSmallBody(
    req.body,
    limit,
    () => badRequest('MaxMessageLengthExceeded', 'Your request was too big.'),
    req.reserve,
  );
  const text = bytes.toString('utf8');
  let document: Record<string, unknown> | undefined;
  try {
    document = text.trim() === '' ? undefined : parseXml(text, arrays);
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedXml();
    throw error;
  }
  verifyDocumentDigests(req, bytes);
  return document;
}

/** The documents read by readXmlBodyOnce, by the body they were read from. */
const documentsRead = new WeakMap<ApiRequest['body'], Promise<Record<string, unknown> | undefined>>();

/**
 * readXmlBody for a request whose document both its authorization (its condition keys) and its handler read: the
 * body is read once, and both get that reading, keyed by the body, which the copies of a request made on its way
 * share. A failure is the handler's to answer, once the caller is authorized.
 */
export function readXmlBodyOnce(
  req: ApiRequest,
  arrays: readonly string[] = [],
): Promise<Record<string, unknown> | undefined> {
  let document = documentsRead.get(req.body);
  if (document === undefined) {
    document = readXmlBody(req, arrays);
    document.catch(() => undefined);
    documentsRead.set(req.body, document);
  }
  return document;
}

/**
 * Refuses, with `malformed`, an element holding a child not named or text between its children (parseXml has
 * dropped indentation); with `once`, also a repeated child (the parser makes repeated elements arrays).
 */
export function onlyElements(
  element: Record<string, unknown>,
  names: ReadonlySet<string> | readonly string[],
  malformed: () => AppError,
  options: { once?: boolean } = {},
): void {
  const known = (name: string) => ('has' in names ? names.has(name) : names.includes(name));
  for (const [name, value] of Object.entries(element))
    if (!known(name) || (options.once && Array.isArray(value))) throw malformed();
}

/** An element with no children, or only indentation, as an empty record; other text is not a record. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'string') return value.trim() === '' ? {} : undefined;
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function methodNotAllowed(method: string, resource: string): AppError {
  return new AppError('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.', {
    fields: { Method: method, ResourceType: resource },
  });
}

/**
 * How S3 words a negative count: differently per listing (as recorded from S3 by jchristn/S3Server's
 * compatibility suite); a value that is no 32-bit integer is worded alike by all of them.
 */
const NEGATIVE_COUNTS = {
  objects: {
    name: 'max-keys',
    message: 'Argument maxKeys must be an integer between 0 and 2147483647',
    argumentName: 'maxKeys',
    echo: true,
  },
  versions: {
    name: 'max-keys',
    message: 'max-keys cannot be negative',
    argumentName: 'max-keys',
    echo: false,
  },
  uploads: {
    name: 'max-uploads',
    message: 'Argument max-uploads must be an integer between 0 and 2147483647',
    argumentName: 'max-uploads',
    echo: true,
  },
} as const;

const MAX_INT32 = 2147483647;

/** A listing's max-keys (or max-uploads): 1000 when absent or empty, at most 1000. */
export function parseMaxKeys(value: string | undefined, listing: keyof typeof NEGATIVE_COUNTS): number {
  const rule = NEGATIVE_COUNTS[listing];
  if (value === undefined || value === '') return 1000;
  const match = /^(-?)(\d{1,10})$/.exec(value);
  const count = Number(match?.[2]);
  const negative = match?.[1] === '-';
  if (!match || count > (negative ? MAX_INT32 + 1 : MAX_INT32)) {
    throw badRequest('InvalidArgument', `Provided ${rule.name} not an integer or within integer range`, {
      ArgumentName: rule.name,
      ArgumentValue: value.slice(0, 64),
    });
  }
  if (negative && count !== 0) {
    throw badRequest('InvalidArgument', rule.message, {
      ArgumentName: rule.argumentName,
      ...(rule.echo ? { ArgumentValue: value } : {}),
    });
  }
  return Math.min(count, 1000);
}

/** S3 answers `encoding-type=url` listings with keys and prefixes percent-encoded (spaces as '+'). */
export function listingEncoder(req: ApiRequest): (text: string) => string {
  const encoding = queryValue(req.query, 'encoding-type');
  if (encoding === undefined) return (text) => text;
  if (encoding !== 'url')
    throw badRequest('InvalidArgument', 'Invalid Encoding Method specified in Request', {
      ArgumentName: 'encoding-type',
      ArgumentValue: encoding.slice(0, 64),
    });
  return (text) => encodeURIComponent(text).replace(/%2F/g, '/').replace(/%20/g, '+');
}

export function httpDate(date: Date): string {
  return date.toUTCString();
}

/**
 * A time for an S3 XML answer. S3 keeps its times to the second and writes them in XML as `…:40.000Z`, the
 * second its Last-Modified header names; `aws s3 sync --exact-timestamps` compares a listing's time with the
 * whole second it gave a downloaded file, so any fraction here downloads everything again.
 */
export function s3Time(time: number | Date): Date {
  const ms = typeof time === 'number' ? time : time.getTime();
  return new Date(Math.floor(ms / 1000) * 1000);
}

export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a single `bytes=` range against an object's size. Unparseable ranges (and several ranges) are
 * ignored, as S3 does; a range that starts past the end is InvalidRange.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return undefined;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw invalidRange(header, size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return undefined;
  }
  if (start >= size) throw invalidRange(header, size);
  return { start, end };
}

function invalidRange(header: string, size: number): AppError {
  return new AppError('InvalidRange', 416, 'The requested range is not satisfiable', {
    fields: { RangeRequested: header.slice(0, 128), ActualObjectSize: String(size) },
    headers: { 'content-range': `bytes */${size}` },
  });
}

/** S3's x-amz-version-id, where there is a version to name (none for a bucket never versioned). */
export function versionHeader(version: { versionId?: string | undefined }): Record<string, string> {
  return version.versionId === undefined ? {} : { 'x-amz-version-id': version.versionId };
}

/** A child element that must be a single text value (absent is undefined); MalformedXML otherwise. */
export function childText(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformedXml();
  return value;
}

/** A child element that must be an element, or empty (`<Filter/>` parses as ''); MalformedXML otherwise. */
export function childElement(
  record: Record<string, unknown>,
  name: string,
): Record<string, unknown> | undefined {
  const value = record[name];
  if (value === undefined) return undefined;
  const found = asRecord(value);
  if (!found) throw malformedXml();
  return found;
}

/**
 * An object's URL over the request's own scheme and host, path or virtual-hosted style as the request addressed
 * its bucket: POST Object's Location, `key` appended to the bucket's address with each segment URI-encoded.
 */
export function addressedUrl(req: OperationRequest, key: string): string {
  const scheme = req.facts.secureTransport ? 'https' : 'http';
  return `${scheme}://${req.host}${req.rawPath.replace(/\/+$/, '')}/${key.split('/').map(awsUriEncode).join('/')}`;
}

/**
 * CompleteMultipartUpload's Location: the object's URL as S3 writes it there, its key form-encoded whole (`/` as
 * `%2F`, a space as `+`, which the SDKs decode), over the request's scheme and host and its bucket's style.
 */
export function completedLocation(req: OperationRequest, bucket: string, key: string): string {
  const scheme = req.facts.secureTransport ? 'https' : 'http';
  const virtual = req.host.toLowerCase().startsWith(`${bucket}.`);
  const encoded = encodeURIComponent(key).replace(/%20/g, '+');
  return `${scheme}://${req.host}${virtual ? '' : `/${bucket}`}/${encoded}`;
}
