import { type VersionLock, withLock } from './object-lock.js';

/**
 * A version's storage class, kept in its `attributes` JSON (with its Object Lock settings): STANDARD unless a
 * lifecycle transition moved its bytes into the cold tier.
 */
export function storageClassOf(attributes: string | null): string {
  if (attributes === null) return 'STANDARD';
  return (JSON.parse(attributes) as { storageClass?: string }).storageClass ?? 'STANDARD';
}

/** A new version's `attributes`: the Object Lock settings and storage class its write asked for, if any. */
export function newAttributes(
  lock: VersionLock | undefined,
  storageClass: string | undefined,
): string | null {
  return withStorageClass(lock ? withLock(null, lock) : null, storageClass ?? 'STANDARD');
}

/** `attributes` with the storage class replaced, its other settings kept (STANDARD is not written). */
export function withStorageClass(attributes: string | null, storageClass: string): string | null {
  const parsed = attributes === null ? {} : (JSON.parse(attributes) as Record<string, unknown>);
  const { storageClass: _old, ...rest } = parsed;
  const next = storageClass === 'STANDARD' ? rest : { ...rest, storageClass };
  return Object.keys(next).length === 0 ? null : JSON.stringify(next);
}

/** A version's replication status (x-amz-replication-status), kept in its `attributes`; undefined when none. */
export function replicationStatusOf(attributes: string | null): string | undefined {
  if (attributes === null) return undefined;
  return (JSON.parse(attributes) as { replicationStatus?: string }).replicationStatus;
}

/** `attributes` with the replication status set, its other settings kept. */
export function withReplicationStatus(attributes: string | null, status: string): string {
  const parsed = attributes === null ? {} : (JSON.parse(attributes) as Record<string, unknown>);
  return JSON.stringify({ ...parsed, replicationStatus: status });
}
