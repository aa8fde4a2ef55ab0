import { badRequest } from '../errors.js';
import { prefixSuccessor } from './listing.js';
import type { StorageStore, VersionBound, VersionSummary } from './storage-store.js';
import { checkVersionId } from './versioning.js';

export interface VersionListRequest {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  keyMarker?: string;
  versionIdMarker?: string;
}

export interface VersionListPage {
  /** Versions and delete markers in S3's order: by key, newest first within a key. */
  versions: VersionSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Where the next page starts (S3's NextKeyMarker and NextVersionIdMarker), when truncated. */
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

const BATCH = 1000;

/** Where a listing resumes after key-marker (and version-id-marker): the versions after that one. */
async function startOf(
  store: StorageStore,
  bucket: string,
  request: VersionListRequest,
): Promise<VersionBound | undefined> {
  const { keyMarker, versionIdMarker } = request;
  if (versionIdMarker !== undefined && versionIdMarker !== '') {
    if (keyMarker === undefined || keyMarker === '')
      throw badRequest('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', {
        ArgumentName: 'version-id-marker',
        ArgumentValue: versionIdMarker,
      });
    checkVersionId(versionIdMarker);
    const marker = await store.findVersion(bucket, keyMarker, versionIdMarker);
    if (marker) return { key: keyMarker, belowSeq: marker.seq, inclusive: false };
  }
  if (keyMarker === undefined || keyMarker === '') return undefined;
  // A marker that is a common prefix (the last entry of a page) resumes after everything it rolled up.
  if (
    request.delimiter !== '' &&
    keyMarker.startsWith(request.prefix) &&
    keyMarker.endsWith(request.delimiter)
  ) {
    const after = prefixSuccessor(keyMarker);
    if (after !== undefined) return { key: after, inclusive: true };
  }
  return { key: keyMarker, inclusive: false };
}

/**
 * One page of ListObjectVersions. As in ListObjects, the keys under a common prefix roll up into it and are
 * skipped with one seek, however many versions they have.
 */
export async function listVersionsPage(
  store: StorageStore,
  bucket: string,
  request: VersionListRequest,
): Promise<VersionListPage> {
  const { prefix, delimiter, maxKeys } = request;
  let bound: VersionBound = { key: prefix, inclusive: true };
  const start = await startOf(store, bucket, request);
  if (start && (start.key > prefix || (start.key === prefix && start.belowSeq !== undefined))) bound = start;
  const below = prefix === '' ? undefined : prefixSuccessor(prefix);
  const page: VersionListPage = { versions: [], commonPrefixes: [], isTruncated: false };
  if (maxKeys === 0) return page;
  let count = 0;
  let last: { key: string; versionId?: string } | undefined;
  for (;;) {
    const rows = await store.listVersions(bucket, bound, below, Math.min(BATCH, maxKeys - count + 1));
    if (rows.length === 0) return page;
    for (const row of rows) {
      const cut = delimiter === '' ? -1 : row.key.indexOf(delimiter, prefix.length);
      if (count === maxKeys) {
        page.isTruncated = true;
        if (last) {
          page.nextKeyMarker = last.key;
          if (last.versionId !== undefined) page.nextVersionIdMarker = last.versionId;
        }
        return page;
      }
      count++;
      if (cut < 0) {
        page.versions.push(row);
        last = { key: row.key, versionId: row.version_id };
        bound = { key: row.key, belowSeq: row.seq, inclusive: false };
        continue;
      }
      const entry = row.key.slice(0, cut + delimiter.length);
      page.commonPrefixes.push(entry);
      last = { key: entry };
      const after = prefixSuccessor(entry);
      if (after === undefined) return page;
      bound = { key: after, inclusive: true };
      break;
    }
  }
}
