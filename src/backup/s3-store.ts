import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { type CopiedFile, hashFile, hashStream, isMissing, writeDurably } from './backup-files.js';
import { type BackupStore, blobName, type S3Access, snapshotFile } from './backup-store.js';
import { BackupError, manifestText, SNAPSHOT_ID } from './backup-target.js';
import { openCatalog } from './blob-catalog.js';
import { lackingObjects } from './s3-lacking.js';
import { currentHolder, type S3Lock, takeS3Lock } from './s3-lock.js';
import { abortUploads, md5Of, openObject, type S3Place, uploadFile } from './s3-transfer.js';

/** `s3://bucket/prefix` → the bucket and the prefix (without slashes at its ends; empty for the bucket's root). */
export function parseS3Location(where: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/*(.*?)\/*$/.exec(where);
  const bucket = match?.[1] ?? '';
  const prefix = match?.[2] ?? '';
  // A bucket S3 could name (the name goes into the request path), and a prefix of real segments.
  const badSegment = prefix !== '' && /(^|\/)\.{0,2}(\/|$)/.test(prefix);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || badSegment)
    throw new BackupError(`${where} is not an S3 location; give s3://bucket/prefix`);
  return { bucket, prefix };
}

/**
 * A backup as objects under a prefix of an S3 bucket (AWS, another Seawall, any S3): blobs and databases are
 * streamed from disk (in parts when large); the catalog is the same SQLite file as a directory's, downloaded to
 * a private scratch directory when opened, and uploaded by `saveCatalog` after the run's blobs and before its
 * manifest, so the catalog never names a blob that is not there. A PUT that answered is durable, so there is
 * nothing to sync. Reads download to that scratch directory (made in `scratchIn`, else in the system's temporary
 * directory), removed by `close`.
 */
export async function createS3Store(
  where: string,
  access: S3Access,
  scratchIn: string = tmpdir(),
): Promise<BackupStore> {
  const { bucket, prefix } = parseS3Location(where);
  const client = new S3Client({
    region: access.region ?? 'us-east-1',
    ...(access.endpoint ? { endpoint: access.endpoint, forcePathStyle: true } : {}),
    credentials: access.credentials
      ? fromIni({
          filepath: access.credentials.file,
          configFilepath: access.credentials.file,
          ...(access.credentials.profile ? { profile: access.credentials.profile } : {}),
        })
      : defaultProvider(),
    // Plain PUTs of a known length with a Content-MD5 (s3-transfer.ts), which every S3 takes and checks; verify
    // checks what a backup holds end to end.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A body is a stream read once: a failed request is not sent again (the run fails, the next one resumes).
    maxAttempts: 1,
    // A stalled connection fails the run rather than hold its lock for ever.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  });
  const place: S3Place = { client, bucket };
  const key = (name: string) => (prefix ? `${prefix}/${name}` : name);
  const scratch = await fs.mkdtemp(join(scratchIn, 'seawall-backup-s3-'));
  let downloads = 0;
  const scratchFile = () => join(scratch, `${++downloads}`);
  const catalogFile = join(scratch, 'catalog.db');
  /** Files this run made and uploaded, kept to be read again (a snapshot's metadata) without a download. */
  const made = new Map<string, string>();

  /** The objects under `sub/`, by name relative to the backup's root, in S3's order (by key), with sizes. */
  async function* objects(sub: string): AsyncIterable<{ name: string; bytes: number }> {
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: key(`${sub}/`), ContinuationToken }),
      );
      for (const object of page.Contents ?? [])
        if (object.Key)
          yield { name: object.Key.slice(prefix ? prefix.length + 1 : 0), bytes: object.Size ?? 0 };
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }
  /** The names under `sub/`, relative to the backup's root. */
  async function* names(sub: string): AsyncIterable<string> {
    for await (const { name } of objects(sub)) yield name;
  }
  /** Each snapshot's files by id. */
  async function snapshots(): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    for await (const name of names('snapshots')) {
      const [, id, file] = name.split('/');
      if (!id || !file) continue;
      found.set(id, [...(found.get(id) ?? []), file]);
    }
    return found;
  }
  const remove = (name: string) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key(name) }));
  async function download(name: string, target: string): Promise<CopiedFile | undefined> {
    const body = await openObject(place, key(name));
    if (!body) return undefined;
    return writeDurably(target, async (write) => {
      for await (const chunk of body) await write(chunk as Buffer);
    });
  }

  /** The run's lock: checked still held before the catalog and a manifest are written over another's. */
  let held: S3Lock | undefined;
  const store: BackupStore = {
    where,
    async lock() {
      held = await takeS3Lock(place, key('backup.lock'), where, currentHolder());
      return held;
    },
    finishedSnapshots: async () => snapshotIds(await snapshots(), true),
    unfinishedSnapshots: async () => snapshotIds(await snapshots(), false),
    async removeUnfinished() {
      // Only what a run names: the bucket may hold other clients' objects and uploads beside the backup's.
      const found = await snapshots();
      for (const id of snapshotIds(found, false))
        for (const file of found.get(id) ?? []) await remove(snapshotFile(id, file));
      // Multipart uploads a killed run left (S3 keeps, and bills, them until aborted).
      await abortUploads(place, prefix ? `${prefix}/` : '', (name) =>
        isBackupName(name.slice(prefix ? prefix.length + 1 : 0)),
      );
    },
    async removeSnapshot(id) {
      for (const [name, local] of made)
        if (name.startsWith(snapshotFile(id, ''))) {
          made.delete(name);
          await fs.rm(local, { force: true });
        }
      for await (const name of names(`snapshots/${id}`)) await remove(name);
    },
    async makeFile(name, make) {
      const local = scratchFile();
      const dropped = async (error: unknown) => {
        await fs.rm(local, { force: true });
        return error;
      };
      try {
        await make(local);
      } catch (error) {
        throw await dropped(error);
      }
      return async () => {
        try {
          const file = await hashFile(local);
          await uploadFile(place, local, key(name), file.bytes);
          made.set(name, local);
          return file;
        } catch (error) {
          throw await dropped(error);
        }
      };
    },
    async putBlob(id, sources) {
      for (const source of sources) {
        let bytes: number;
        try {
          bytes = (await fs.stat(source)).size;
        } catch (error) {
          if (isMissing(error)) continue;
          throw error;
        }
        // Blob files never change (and a pinned one is never removed): hashed while it is uploaded. Both end
        // before either's failure is answered, so no upload goes on behind a failed run.
        const [hashed, uploaded] = await Promise.allSettled([
          hashFile(source),
          uploadFile(place, source, key(blobName(id)), bytes),
        ]);
        const failed = [hashed, uploaded].find((result) => result.status === 'rejected');
        // Removed since it was found (moved to the other tier): the next source, as the directory store does.
        if (failed && isMissing(failed.reason)) continue;
        if (hashed.status === 'rejected') throw hashed.reason;
        if (uploaded.status === 'rejected') throw uploaded.reason;
        if (hashed.value.bytes !== bytes) throw new Error(`${source} changed while it was copied`);
        return hashed.value;
      }
      return undefined;
    },
    syncBlobs: async () => {},
    async openCatalog(mode) {
      const found = await download('catalog.db', catalogFile);
      if (!found && mode === 'read') throw new BackupError(`${where} holds no catalog.db`);
      return openCatalog(catalogFile, { readonly: mode === 'read', shownAs: `${where}/catalog.db` });
    },
    lackingBlobs: (catalog) => lackingObjects(catalog, objects('blobs')),
    async saveCatalog(catalog) {
      await held?.check();
      catalog.checkpoint();
      await uploadFile(place, catalogFile, key('catalog.db'), (await fs.stat(catalogFile)).size);
    },
    async writeManifest(id, manifest) {
      await held?.check();
      const Body = manifestText(manifest);
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key(snapshotFile(id, 'manifest.json')),
          Body,
          ContentMD5: md5Of(Body),
          ContentType: 'application/json',
        }),
      );
    },
    async readManifest(id) {
      const body = await openObject(place, key(snapshotFile(id, 'manifest.json')));
      if (!body) throw new Error('it is missing');
      return Buffer.concat(await body.toArray()).toString('utf8');
    },
    async localFile(name) {
      const kept = made.get(name);
      if (kept) return kept;
      const local = scratchFile();
      return (await download(name, local)) ? local : undefined;
    },
    async hashOf(name) {
      const body = await openObject(place, key(name));
      return body ? hashStream(body) : undefined;
    },
    async copyOut(name, target, later) {
      const copied = await download(name, target);
      if (copied) later?.addFile(target);
      return copied;
    },
    async close() {
      client.destroy();
      await fs.rm(scratch, { recursive: true, force: true });
    },
  };
  return withS3Errors(store, where);
}

/** Whether a name (relative to the backup's root) is one a run writes: a blob, the catalog, a snapshot's file. */
function isBackupName(name: string): boolean {
  if (name === 'catalog.db') return true;
  const [top, id, file, ...rest] = name.split('/');
  if (rest.length > 0 || id === undefined || file === undefined) return false;
  if (top === 'snapshots') return SNAPSHOT_ID.test(id);
  if (top !== 'blobs') return false;
  try {
    return name === blobName(file);
  } catch {
    // Not a blob's id: no run wrote it.
    return false;
  }
}

/** The ids of the snapshots with a manifest (or without), oldest first; other names are no snapshot's. */
function snapshotIds(found: Map<string, string[]>, finished: boolean): string[] {
  return [...found]
    .filter(([id, files]) => SNAPSHOT_ID.test(id) && files.includes('manifest.json') === finished)
    .map(([id]) => id)
    .sort();
}

/** Network and S3 errors, which only say what failed with where the backup is, as one line. */
function withS3Errors(store: BackupStore, where: string): BackupStore {
  const guarded: Record<string, unknown> = { ...store };
  for (const [name, method] of Object.entries(store)) {
    if (typeof method !== 'function') continue;
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await (method as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (error) {
        throw asBackupError(error, where);
      }
    };
  }
  return guarded as unknown as BackupStore;
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE']);

export function asBackupError(error: unknown, where: string): unknown {
  if (error instanceof BackupError) return error;
  const failure = error as Error & { $metadata?: unknown; code?: string };
  const fromS3 = failure.$metadata !== undefined || failure.name === 'CredentialsProviderError';
  if (!fromS3 && !NETWORK.has(failure.code ?? '')) return error;
  const name = failure.name && failure.name !== 'Error' ? `${failure.name}: ` : '';
  return new BackupError(`${where}: ${name}${failure.message.split('\n')[0]}`, { cause: error });
}
