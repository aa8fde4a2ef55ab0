import { blobPath } from '../storage/index.js';
import type { CopiedFile, PendingSyncs } from './backup-files.js';
import type { Manifest } from './backup-target.js';
import type { BlobCatalog } from './blob-catalog.js';

/**
 * Where a backup lives: a directory, or objects under a prefix of an S3 bucket. Both hold the same layout, by
 * name relative to the backup's root: `blobs/ab/<id>`, `catalog.db`, `snapshots/<id>/<database>` and
 * `snapshots/<id>/manifest.json`. Taking, verifying and restoring a backup are written once, against this.
 */
export interface BackupStore {
  /** The backup, for messages: its directory, or `s3://bucket/prefix`. */
  readonly where: string;
  /** Takes the backup for one run: two runs never write the same blobs, catalog or snapshots at once. */
  lock(): Promise<{ release(): Promise<void> }>;
  /** The snapshots with a manifest, oldest first. */
  finishedSnapshots(): Promise<string[]>;
  /** The snapshots without one (a run writing it, stopped, or a manifest lost), oldest first. */
  unfinishedSnapshots(): Promise<string[]>;
  /** Removes what runs that did not finish left of their snapshots (only under the lock). */
  removeUnfinished(): Promise<void>;
  /** Removes a snapshot this run gave up on. */
  removeSnapshot(id: string): Promise<void>;
  /**
   * Makes `name` at a local path with `make` (SQLite's `VACUUM INTO`), and answers what then stores it durably
   * (its size and SHA-256): a snapshot's databases are all copied first, at one time, and stored after.
   */
  makeFile(name: string, make: (path: string) => Promise<void>): Promise<() => Promise<CopiedFile>>;
  /**
   * Stores a blob's bytes from the first of `sources` that exists; undefined when none does. Durable only once
   * `syncBlobs` has returned.
   */
  putBlob(id: string, sources: readonly string[]): Promise<CopiedFile | undefined>;
  /** Makes the blobs stored so far durable, before the catalog records them. */
  syncBlobs(): Promise<void>;
  /** The catalog of the blobs held: read-only, or to add to (then `saveCatalog` keeps what was added). */
  openCatalog(mode: 'read' | 'write'): Promise<BlobCatalog>;
  /**
   * The blobs the catalog records that the backup lacks, or holds at another size than recorded (removed or
   * truncated behind its back): a run copies them again rather than trust the catalog. Reads the catalog whole.
   */
  lackingBlobs(catalog: BlobCatalog): Promise<Set<string>>;
  /** Makes what the catalog records part of the backup: before a manifest names any blob it records. */
  saveCatalog(catalog: BlobCatalog): Promise<void>;
  /** Writes a snapshot's manifest, last: it makes the snapshot a finished one. */
  writeManifest(id: string, manifest: Manifest): Promise<void>;
  /** The text of a snapshot's manifest. */
  readManifest(id: string): Promise<string>;
  /** A local file holding `name` (to open with SQLite); undefined when the backup lacks it. */
  localFile(name: string): Promise<string | undefined>;
  /** The size and SHA-256 of `name`, read in full; undefined when the backup lacks it. */
  hashOf(name: string): Promise<CopiedFile | undefined>;
  /**
   * Copies `name` into the local file `target` privately, never torn: durable at once, or once `later` is synced
   * when given. Its size and SHA-256; undefined when the backup lacks it.
   */
  copyOut(name: string, target: string, later?: PendingSyncs): Promise<CopiedFile | undefined>;
  /** Lets go of what the store holds (clients, temporary files). */
  close(): Promise<void>;
}

/** How to reach an S3 backup: flags given with an `s3://` location. */
export interface S3Access {
  /** Any S3 (another Seawall, AWS): AWS's own for the region unless given. */
  endpoint?: string;
  /** A credentials file in the aws cli's format, and a profile in it; the SDK's default chain otherwise. */
  credentials?: { file: string; profile?: string };
  region?: string;
}

/** A name under the root of a backup: `snapshots/<id>/<file>`. */
export function snapshotFile(id: string, file: string): string {
  return `snapshots/${id}/${file}`;
}

/** A blob's name in a backup, as a data directory lays it out (an id that is not one is refused). */
export function blobName(id: string): string {
  return blobPath('', id);
}
