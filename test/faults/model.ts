import { createHash } from 'node:crypto';

/**
 * What the kill test knows it sent and was told: every acknowledged write, and the one call per client loop
 * that was in flight when the server was killed (either outcome acceptable, but if visible it must be whole).
 * Each loop owns its keys, so calls on one key never overlap and "the state of a key" is well defined.
 */

/** The unversioned bucket: plain overwrites, deletes and multipart uploads. */
export const PLAIN = 'kw-plain';
/** The versioning-enabled bucket (SSE-KMS by default): overwrites, delete markers, permanent deletes. */
export const VERSIONED = 'kw-versioned';

/**
 * A body as sent: enough to recognise it when it is read back. `etag` (without quotes) is its MD5, S3's ETag of
 * it but in the SSE-KMS bucket, where the ETag is not an MD5.
 */
export interface Sent {
  readonly size: number;
  readonly sha256: string;
  readonly etag: string;
}

export function sentOf(body: Buffer): Sent {
  return {
    size: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    etag: createHash('md5').update(body).digest('hex'),
  };
}

/** The object a multipart upload of `parts` makes: S3's ETag is the MD5 of the parts' MD5s, then `-N`. */
export function multipartSent(parts: readonly Buffer[]): Sent {
  const whole = createHash('sha256');
  const md5s = createHash('md5');
  for (const part of parts) {
    whole.update(part);
    md5s.update(createHash('md5').update(part).digest());
  }
  return {
    size: parts.reduce((sum, part) => sum + part.length, 0),
    sha256: whole.digest('hex'),
    etag: `${md5s.digest('hex')}-${parts.length}`,
  };
}

export function describeSent(sent: Sent | null | undefined): string {
  if (sent === undefined) return 'nothing known';
  return sent === null ? 'absent' : `${sent.size} bytes, ETag ${sent.etag}`;
}

export interface PlainKey {
  readonly key: string;
  /** What the acknowledged history leaves visible: a body, or null for absent. */
  current: Sent | null;
  /** The call in flight at the kill, and what it would leave visible. */
  inFlight?: { readonly event: string; readonly detail: string; readonly result: Sent | null };
}

export interface VersionEntry {
  readonly id: string;
  readonly body: Sent | 'marker';
}

export type VersionedCall =
  | { readonly op: 'put'; readonly body: Sent }
  | { readonly op: 'marker' }
  | { readonly op: 'drop'; readonly id: string };

export interface VersionedKey {
  readonly key: string;
  /** Versions and delete markers known to exist, oldest first. */
  versions: VersionEntry[];
  /** Versions whose permanent deletion was acknowledged since the last verification. */
  dropped: string[];
  inFlight?: VersionedCall;
}

/** A multipart upload a loop has begun and not yet seen completed. */
export interface Upload {
  readonly key: string;
  uploadId?: string;
  /** The CreateMultipartUpload is in flight. */
  creating: boolean;
  /** Acknowledged parts. */
  readonly parts: { readonly n: number; readonly sent: Sent }[];
  partInFlight?: { readonly n: number; readonly sent: Sent };
  /** Set when the CompleteMultipartUpload is sent: the object it makes. */
  result?: Sent;
}

/**
 * An audit record the trail must hold: a successful one for an acknowledged call; a successful or an
 * interrupted one for a call in flight at the kill whose effect turned out to be visible.
 */
export interface AuditExpectation {
  readonly event: string;
  readonly bucket: string;
  readonly key: string;
  /** A version id, `uploadId:part`, an upload id, a run or query id; '' where the call has none. */
  readonly detail: string;
  readonly acked: boolean;
}

export interface Model {
  readonly plain: Map<string, PlainKey>;
  readonly versioned: Map<string, VersionedKey>;
  uploads: Upload[];
  readonly audit: AuditExpectation[];
  /** Runs and queries whose start was acknowledged this round. */
  jobs: { runIds: string[]; queryIds: string[] };
  /** Calls that failed while the server was still up: each is a finding. */
  errors: string[];
}

export function emptyModel(): Model {
  return {
    plain: new Map(),
    versioned: new Map(),
    uploads: [],
    audit: [],
    jobs: { runIds: [], queryIds: [] },
    errors: [],
  };
}

export function plainKey(model: Model, key: string): PlainKey {
  let entry = model.plain.get(key);
  if (!entry) {
    entry = { key, current: null };
    model.plain.set(key, entry);
  }
  return entry;
}

export function versionedKey(model: Model, key: string): VersionedKey {
  let entry = model.versioned.get(key);
  if (!entry) {
    entry = { key, versions: [], dropped: [] };
    model.versioned.set(key, entry);
  }
  return entry;
}
