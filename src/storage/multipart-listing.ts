import { prefixSuccessor } from './listing.js';
import type { MultipartStore, UploadRow } from './multipart-store.js';

/** ListMultipartUploads' request: a prefix, an optional delimiter, the markers to start after, a page size. */
export interface UploadsRequest {
  prefix: string;
  delimiter: string;
  keyMarker: string;
  uploadIdMarker: string;
  max: number;
}

/** A page of uploads in progress, and the common prefixes rolled up under the delimiter (S3 counts both). */
export interface UploadsPage {
  uploads: UploadRow[];
  prefixes: string[];
  truncated: boolean;
  /** Where the next page starts (the last upload's key and id, or the last prefix), when truncated. */
  next?: { keyMarker: string; uploadIdMarker: string };
}

const BATCH = 1000;

/**
 * S3's listing of uploads in progress: by key, a key's uploads in the order they were initiated (upload ids
 * sort so). Only an upload-id-marker resumes inside a key; a key-marker alone starts after that key. Keys with
 * the delimiter after the prefix roll up into one common prefix each.
 */
export async function listUploadsPage(
  store: MultipartStore,
  bucket: string,
  request: UploadsRequest,
): Promise<UploadsPage> {
  const { prefix, delimiter, max } = request;
  // S3 answers max-uploads=0 with an empty page that is not truncated, as it does max-keys=0.
  if (max === 0) return { uploads: [], prefixes: [], truncated: false };
  const uploads: UploadRow[] = [];
  const prefixes: string[] = [];
  let afterKey = request.keyMarker;
  let afterUpload: string | undefined =
    request.keyMarker !== '' && request.uploadIdMarker !== '' ? request.uploadIdMarker : undefined;
  // A key-marker that is a common prefix (the last page ended on it) has been listed already.
  let lastPrefix = delimiter === '' ? undefined : request.keyMarker;
  let last: { keyMarker: string; uploadIdMarker: string } | undefined;
  const full = () => uploads.length + prefixes.length >= max;
  for (;;) {
    const rows = await store.listUploads(bucket, prefix, afterKey, afterUpload, BATCH);
    let jumped = false;
    for (const row of rows) {
      if (!row.key.startsWith(prefix)) return { uploads, prefixes, truncated: false };
      const at = delimiter === '' ? -1 : row.key.indexOf(delimiter, prefix.length);
      const common = at < 0 ? undefined : row.key.slice(0, at + delimiter.length);
      if (common !== undefined && common === lastPrefix) continue;
      if (full()) return { uploads, prefixes, truncated: true, ...(last ? { next: last } : {}) };
      if (common !== undefined) {
        prefixes.push(common);
        lastPrefix = common;
        last = { keyMarker: common, uploadIdMarker: '' };
        // Past every key under the prefix in one seek: from its successor on (any upload id is above '').
        const next = prefixSuccessor(common);
        if (next === undefined) return { uploads, prefixes, truncated: false };
        afterKey = next;
        afterUpload = '';
        jumped = true;
        break;
      }
      uploads.push(row);
      last = { keyMarker: row.key, uploadIdMarker: row.upload_id };
    }
    if (jumped) continue;
    const end = rows.at(-1);
    if (rows.length < BATCH || !end) return { uploads, prefixes, truncated: false };
    afterKey = end.key;
    afterUpload = end.upload_id;
  }
}
