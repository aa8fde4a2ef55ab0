import { badRequest } from '../errors.js';
import type { KeyBound, ObjectSummary, StorageStore } from './storage-store.js';

export interface ListRequest {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  /** Opaque token from a previous page (ListObjectsV2), or a key to list after (StartAfter / Marker). */
  continuationToken?: string;
  startAfter?: string;
}

export interface ListPage {
  objects: ObjectSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Token for the next page, when truncated. */
  nextToken?: string;
  /** The last key or common prefix on the page (ListObjects v1's NextMarker). */
  lastEntry?: string;
}

/**
 * The least string greater than every string that starts with `prefix`, in code point order (which is UTF-8
 * byte order, the order S3 lists keys in); undefined when no such string exists.
 */
export function prefixSuccessor(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

function encodeToken(bound: KeyBound): string {
  return Buffer.from(`${bound.inclusive ? 'i' : 'x'}${bound.key}`, 'utf8').toString('base64url');
}

function decodeToken(token: string): KeyBound {
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  const mode = text[0];
  if (mode !== 'i' && mode !== 'x') {
    throw badRequest('InvalidArgument', 'The continuation token provided is incorrect', {
      ArgumentName: 'continuation-token',
    });
  }
  return { inclusive: mode === 'i', key: text.slice(1) };
}

const BATCH = 1000;

/**
 * Where a listing resumes after a marker (StartAfter, or V1's Marker). A marker inside a common prefix (V1's
 * NextMarker is the prefix itself) resumes past that whole prefix: it was listed already, and S3 never lists
 * an entry at or before the marker. Undefined when nothing can follow.
 */
function afterMarker(marker: string, prefix: string, delimiter: string): KeyBound | undefined {
  const cut = delimiter === '' || !marker.startsWith(prefix) ? -1 : marker.indexOf(delimiter, prefix.length);
  if (cut < 0) return { key: marker, inclusive: false };
  const after = prefixSuccessor(marker.slice(0, cut + delimiter.length));
  return after === undefined ? undefined : { key: after, inclusive: true };
}

/**
 * One page of a listing. Keys under a common prefix are rolled up into that prefix and skipped over with a
 * single seek past it, so a directory of a million keys costs one query, not a million rows.
 */
export async function listPage(store: StorageStore, bucket: string, request: ListRequest): Promise<ListPage> {
  const { prefix, delimiter, maxKeys } = request;
  let bound: KeyBound = { key: prefix, inclusive: true };
  const start = request.continuationToken !== undefined ? decodeToken(request.continuationToken) : undefined;
  if (start && (start.key > bound.key || (start.key === bound.key && !start.inclusive))) bound = start;
  const page: ListPage = { objects: [], commonPrefixes: [], isTruncated: false };
  if (!start && request.startAfter !== undefined && request.startAfter >= bound.key) {
    const after = afterMarker(request.startAfter, prefix, delimiter);
    if (after === undefined) return page;
    bound = after;
  }
  const below = prefix === '' ? undefined : prefixSuccessor(prefix);
  if (maxKeys === 0) return page;

  let count = 0;
  for (;;) {
    const rows = await store.listObjects(bucket, bound, below, Math.min(BATCH, maxKeys - count + 1));
    if (rows.length === 0) return page;
    for (const row of rows) {
      const cut = delimiter === '' ? -1 : row.key.indexOf(delimiter, prefix.length);
      const entry = cut < 0 ? row.key : row.key.slice(0, cut + delimiter.length);
      if (count === maxKeys) {
        page.isTruncated = true;
        page.nextToken = encodeToken(bound);
        return page;
      }
      count++;
      page.lastEntry = entry;
      if (cut < 0) {
        page.objects.push(row);
        bound = { key: row.key, inclusive: false };
        continue;
      }
      page.commonPrefixes.push(entry);
      const after = prefixSuccessor(entry);
      if (after === undefined) return page;
      bound = { key: after, inclusive: true };
      break;
    }
  }
}
