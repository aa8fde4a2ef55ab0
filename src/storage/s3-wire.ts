import { AppError, badRequest } from '../errors.js';
import { type ApiRequest, type ApiResponse, hasQuery, queryValue } from '../lib/http.js';
import { toXml, type XmlObject } from '../lib/xml.js';

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

/** Query parameters that select an operation's variant or are part of signing, not a subresource. */
const PLAIN_PARAMETERS = new Set([
  'prefix',
  'delimiter',
  'max-keys',
  'marker',
  'list-type',
  'continuation-token',
  'start-after',
  'fetch-owner',
  'encoding-type',
  'x-id',
  'max-buckets',
  'bucket-region',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'max-uploads',
  'key-marker',
  'upload-id-marker',
  'max-parts',
  'part-number-marker',
]);

/** The subresources this server implements; any other (?acl, ?versioning…) is answered NotImplemented. */
const SUPPORTED_SUBRESOURCES = new Set(['location', 'delete', 'uploads', 'uploadId', 'partNumber']);

/**
 * The subresources a request names, sorted and joined with ',' (`partNumber,uploadId` for UploadPart), or ''
 * for none: with the method, this picks the operation.
 */
export function subresource(req: ApiRequest): string {
  const names = new Set<string>();
  for (const [name] of req.query) {
    if (PLAIN_PARAMETERS.has(name) || name.toLowerCase().startsWith('x-amz-')) continue;
    if (!SUPPORTED_SUBRESOURCES.has(name)) {
      throw new AppError(
        'NotImplemented',
        501,
        `The '${name.slice(0, 64)}' subresource is not implemented by this server.`,
      );
    }
    names.add(name);
  }
  return [...names].sort().join(',');
}

export { hasQuery, queryValue };

export function methodNotAllowed(method: string, resource: string): AppError {
  return new AppError('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.', {
    fields: { Method: method, ResourceType: resource },
  });
}

export function parseMaxKeys(value: string | undefined, name = 'max-keys'): number {
  if (value === undefined) return 1000;
  if (!/^\d{1,10}$/.test(value)) {
    throw badRequest('InvalidArgument', `Provided ${name} not an integer or within integer range`, {
      ArgumentName: name,
      ArgumentValue: value.slice(0, 64),
    });
  }
  return Math.min(Number(value), 1000);
}

/** S3 answers `encoding-type=url` listings with keys and prefixes percent-encoded (spaces as '+'). */
export function listingEncoder(req: ApiRequest): (text: string) => string {
  const encoding = queryValue(req.query, 'encoding-type');
  if (encoding === undefined) return (text) => text;
  if (encoding !== 'url')
    throw badRequest('InvalidArgument', 'Invalid Encoding Method specified in Request', {
      ArgumentName: 'encoding-type',
    });
  return (text) => encodeURIComponent(text).replace(/%2F/g, '/').replace(/%20/g, '+');
}

export function httpDate(date: Date): string {
  return date.toUTCString();
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
