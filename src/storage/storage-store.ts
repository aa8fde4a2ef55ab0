import { type Kysely, PostgresAdapter, sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { BucketAccessTable, BucketTable, ObjectTable } from '../db/schema.js';
import { type EventDraft, insertEvents } from './event-outbox.js';
import { endUpload, UploadVanished } from './multipart-store.js';
import { insertReplicas, type ReplicationDraft } from './replication.js';
import { replicationStatusOf, storageClassOf, withReplicationStatus } from './storage-class.js';

/**
 * `is_latest = 1` written into the SQL, not bound: SQLite uses the partial index of current versions
 * (object_versions_current) either way, but a bound value in a term that could qualify a partial index makes it
 * prepare the statement again whenever the bindings change, which is every lookup (about 20 µs a lookup
 * instead of 8).
 */
const CURRENT = sql.lit(1);

export type BucketRow = BucketTable;
/** A bucket's access settings as stored; both null when none was set. */
export type BucketAccessRow = Pick<BucketAccessTable, 'policy' | 'public_access_block'>;
/** A version row: an object's bytes and metadata, or a delete marker. */
export type VersionRow = ObjectTable;
/** A version that holds bytes (not a delete marker). */
export type ObjectRow = VersionRow & { blob_id: string };
export type ObjectSummary = Pick<
  ObjectRow,
  | 'key'
  | 'size'
  | 'etag'
  | 'last_modified'
  | 'checksum_algorithm'
  | 'checksum_type'
  | 'attributes'
  | 'encryption'
>;
/** A row of ListObjectVersions. */
export type VersionSummary = Pick<
  VersionRow,
  | 'key'
  | 'version_id'
  | 'seq'
  | 'is_latest'
  | 'delete_marker'
  | 'blob_id'
  | 'size'
  | 'etag'
  | 'last_modified'
  | 'checksum_algorithm'
  | 'checksum_type'
  | 'attributes'
>;

/** Where a versions listing resumes: after a key's versions newer than or as old as `seq`, or from a key. */
export interface VersionBound {
  key: string;
  /** Resume within `key`, below this seq (exclusive); undefined resumes after the whole key or from it. */
  belowSeq?: number;
  inclusive: boolean;
}

/**
 * How a write replaces what is at its key: `null` (unversioned and suspended buckets) removes the key's "null"
 * version; `new` (versioning enabled) only makes the current version noncurrent.
 */
export type VersionWrite = 'null' | 'new';

/** What a write or delete removed for good: blobs to delete after the commit. */
export interface Removed {
  blobIds: string[];
}

/** A lower bound on keys for listing: after a key (exclusive) or from a key (inclusive). */
export interface KeyBound {
  key: string;
  inclusive: boolean;
}

/** Persistence of buckets, their access settings and objects. */
export interface StorageStore {
  /**
   * False when a bucket of its name exists. `settings` and its `access` (a policy, a public access block) are
   * stored with it, in the same transaction.
   */
  insertBucket(
    row: BucketRow,
    settings?: Readonly<Record<string, string>>,
    access?: Partial<BucketAccessRow>,
  ): Promise<boolean>;
  findBucket(name: string): Promise<BucketRow | undefined>;
  listBuckets(accountId: string): Promise<BucketRow[]>;
  /**
   * Deletes the bucket if it holds no object versions, with its uploads in progress (as S3 does); answers
   * whether it was empty, and the blobs of those uploads' parts to delete after the commit.
   */
  deleteEmptyBucket(
    name: string,
  ): Promise<{ outcome: 'deleted' | 'not-empty' | 'missing'; blobIds: string[] }>;
  /** The bucket's owner and access settings (nulls when none were set); undefined when there is no bucket. */
  findBucketAccess(bucket: string): Promise<(BucketAccessRow & Pick<BucketRow, 'account_id'>) | undefined>;
  /**
   * Sets the given access settings of an existing bucket (null clears one), leaving the others as they are;
   * answers false when the bucket does not exist.
   */
  updateBucketAccess(bucket: string, change: Partial<BucketAccessRow>, updatedAt: number): Promise<boolean>;
  /** Every setting of a bucket, by name; undefined when there is no bucket. */
  findBucketSettings(bucket: string): Promise<ReadonlyMap<string, string> | undefined>;
  /** Sets (or, with null, clears) one of an existing bucket's settings; false when there is no bucket. */
  putBucketSetting(bucket: string, name: string, value: string | null, updatedAt: number): Promise<boolean>;
  /** Names of the buckets that have the setting, in name order, after `after`, at most `limit`. */
  bucketsWithSetting(name: string, after: string, limit: number): Promise<string[]>;
  /** The key's current version or delete marker. */
  findLatest(bucket: string, key: string): Promise<VersionRow | undefined>;
  findVersion(bucket: string, key: string, versionId: string): Promise<VersionRow | undefined>;
  /** The version whose bytes are this blob (a blob belongs to one version at most). */
  findBlobVersion(blobId: string): Promise<VersionRow | undefined>;
  /**
   * Makes `row` the key's current version, in one transaction (its seq and is_latest are set here), and
   * returns the blobs it removed (to delete after the commit). `guard` runs inside the transaction with the
   * current version (undefined when there is none or it is a delete marker) and may throw to abort.
   */
  putVersion(
    row: VersionRow,
    write: VersionWrite,
    guard?: (current: ObjectRow | undefined) => void,
    /** Event notifications the write raises, stored with it. */
    events?: readonly EventDraft[],
    /** Replicas the write raises (replication.ts), stored with it. */
    replicas?: readonly ReplicationDraft[],
    /** The multipart upload this write completes: removed with its parts in the same transaction. */
    completes?: string,
  ): Promise<Removed>;
  /**
   * Removes one version for good; the newest one left becomes current. Answers the removed row. `guard` runs
   * inside the transaction with the version before it is removed and may throw to keep it (Object Lock).
   */
  deleteVersion(
    bucket: string,
    key: string,
    versionId: string,
    guard?: (row: VersionRow) => void,
    /** Event notifications the delete raises, stored with it if it removed a version. */
    events?: readonly EventDraft[],
  ): Promise<VersionRow | undefined>;
  /**
   * Changes one version's settings as `change` decides from the version as it is, in one transaction (so two
   * changes of the same JSON column cannot lose each other's); answers the version as it was, undefined when
   * there is none. `change` may throw to change nothing.
   */
  changeVersion(
    bucket: string,
    key: string,
    versionId: string,
    change: (row: VersionRow) => Partial<Pick<VersionRow, 'tags' | 'acl' | 'attributes'>>,
    /** Event notifications the change raises, stored with it if it found the version. */
    events?: readonly EventDraft[],
    /**
     * The change to carry to the version's replicas (replication.ts), stored with it likewise; or what decides
     * them once `change` has run (none where it left what replicas are given as it was).
     */
    replicas?: readonly ReplicationDraft[] | (() => readonly ReplicationDraft[]),
  ): Promise<VersionRow | undefined>;
  /**
   * Ends one replication of a version (its outbox row) and settles the version's status in the same
   * transaction: FAILED when this one failed; else COMPLETED once no other destination waits, unless another
   * failed. A version deleted meanwhile (or a delete marker) has no status to settle, nor has a later change
   * carried to a replica (its row only ends).
   */
  settleReplica(
    row: { id: string; bucket: string; key: string; version_id: string; change?: string | null },
    failed: boolean,
    /** Stored when the version is marked FAILED (replication's failure events). */
    events?: readonly EventDraft[],
  ): Promise<void>;
  /** Current objects' summaries (no delete markers) in key order, from `from`, below `below`, at most `limit`. */
  listObjects(
    bucket: string,
    from: KeyBound,
    below: string | undefined,
    limit: number,
  ): Promise<ObjectSummary[]>;
  /** Versions and delete markers in key order, newest first within a key, from `from`, below `below`. */
  listVersions(
    bucket: string,
    from: VersionBound,
    below: string | undefined,
    limit: number,
  ): Promise<VersionSummary[]>;
  /** Which of these blob ids an object or an uploaded part refers to. */
  referencedBlobIds(ids: string[]): Promise<Set<string>>;
  /** Whether any object version or uploaded part refers to a blob at all. */
  namesAnyBlob(): Promise<boolean>;
  /** When the metadata's first account was made (ms since the epoch): no blob it names is older. */
  bornAt(): Promise<number | undefined>;
  /**
   * Versions whose bytes an earlier Seawall stored in plaintext (no `encryption`), in (bucket, key, version)
   * order after `after`, at most `limit`.
   */
  /**
   * Switches a plaintext version to its sealed copy, in one transaction with the record of the parts it was
   * joined from (keyed by its blob): only while the version still names `fromBlobId` with no encryption.
   * Answers whether it switched.
   */
  sealVersion(
    version: { bucket: string; key: string; versionId: string },
    fromBlobId: string,
    toBlobId: string,
    encryption: string,
  ): Promise<boolean>;
  plaintextVersions(
    after: { bucket: string; key: string; versionId: string } | undefined,
    limit: number,
  ): Promise<ObjectRow[]>;
  /** The storage class recorded for the version whose bytes a blob holds; undefined when none does. */
  blobStorageClass(id: string): Promise<string | undefined>;
}

/**
 * Serialises the writes of one key for the rest of a transaction. SQLite runs one writer at a time already;
 * PostgreSQL's READ COMMITTED would let two transactions read the same current version and both make one
 * (or delete a version another is promoting), so each takes the key's advisory lock first.
 */
async function lockKey(trx: Transaction<Database>, bucket: string, key: string): Promise<void> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`SELECT pg_advisory_xact_lock(hashtext(${bucket}), hashtext(${key}))`.execute(trx);
}

/** The blob ids of `ids` that a version or an uploaded part names (the sweep of orphans, the offline check). */
export async function referencedAmong(db: Kysely<Database>, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const objects = await db
    .selectFrom('object_versions')
    .select('blob_id')
    .where('blob_id', 'in', ids)
    .execute();
  const parts = await db
    .selectFrom('multipart_parts')
    .select('blob_id')
    .where('blob_id', 'in', ids)
    .execute();
  return new Set([...objects, ...parts].flatMap((r) => (r.blob_id ? [r.blob_id] : [])));
}

/**
 * Every blob the metadata names (object versions' bytes and uploaded parts), a page at a time in id order:
 * what a backup must copy with a snapshot of the metadata.
 */
export async function* referencedBlobs(db: Kysely<Database>, pageSize = 1000): AsyncIterable<string> {
  for (const table of ['object_versions', 'multipart_parts'] as const) {
    let after = '';
    for (;;) {
      const rows = await db
        .selectFrom(table)
        .select('blob_id')
        .where('blob_id', 'is not', null)
        .where('blob_id', '>', after)
        .orderBy('blob_id')
        .limit(pageSize)
        .execute();
      for (const row of rows) if (row.blob_id) yield row.blob_id;
      const last = rows.at(-1)?.blob_id;
      if (rows.length < pageSize || !last) break;
      after = last;
    }
  }
}

export function createStorageStore(db: Kysely<Database>): StorageStore {
  return {
    async insertBucket(
      row: BucketRow,
      settings?: Readonly<Record<string, string>>,
      access?: Partial<BucketAccessRow>,
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .insertInto('buckets')
          .values(row)
          .onConflict((oc) => oc.column('name').doNothing())
          .executeTakeFirst();
        const inserted = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
        if (!inserted) return false;
        for (const [name, value] of Object.entries(settings ?? {}))
          await trx
            .insertInto('bucket_settings')
            .values({ bucket: row.name, name, value, updated_at: row.created_at })
            .execute();
        if (access)
          await trx
            .insertInto('bucket_access')
            // A deleted bucket's row went with it (deleteBucket), so a new bucket has none to meet.
            .values({
              bucket: row.name,
              policy: null,
              public_access_block: null,
              ...access,
              updated_at: row.created_at,
            })
            .execute();
        return true;
      });
    },

    async findBucket(name: string): Promise<BucketRow | undefined> {
      return db.selectFrom('buckets').selectAll().where('name', '=', name).executeTakeFirst();
    },

    async listBuckets(accountId: string): Promise<BucketRow[]> {
      return db
        .selectFrom('buckets')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('name')
        .execute();
    },

    async deleteEmptyBucket(name: string) {
      return db.transaction().execute(async (trx) => {
        const any = await trx
          .selectFrom('object_versions')
          .select('key')
          .where('bucket', '=', name)
          .limit(1)
          .executeTakeFirst();
        if (any) return { outcome: 'not-empty' as const, blobIds: [] };
        const uploads = trx.selectFrom('multipart_uploads').select('upload_id').where('bucket', '=', name);
        const parts = await trx
          .deleteFrom('multipart_parts')
          .where('upload_id', 'in', uploads)
          .returning('blob_id')
          .execute();
        await trx.deleteFrom('multipart_uploads').where('bucket', '=', name).execute();
        await trx.deleteFrom('bucket_access').where('bucket', '=', name).execute();
        await trx.deleteFrom('bucket_settings').where('bucket', '=', name).execute();
        const result = await trx.deleteFrom('buckets').where('name', '=', name).executeTakeFirst();
        return {
          outcome: Number(result.numDeletedRows) > 0 ? ('deleted' as const) : ('missing' as const),
          blobIds: parts.map((p) => p.blob_id),
        };
      });
    },

    async findBucketAccess(bucket: string) {
      const row = await db
        .selectFrom('buckets')
        .leftJoin('bucket_access', 'bucket_access.bucket', 'buckets.name')
        .select(['buckets.account_id', 'bucket_access.policy', 'bucket_access.public_access_block'])
        .where('buckets.name', '=', bucket)
        .executeTakeFirst();
      return (
        row && {
          account_id: row.account_id,
          policy: row.policy ?? null,
          public_access_block: row.public_access_block ?? null,
        }
      );
    },

    async updateBucketAccess(
      bucket: string,
      change: Partial<BucketAccessRow>,
      updatedAt: number,
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const found = await trx
          .selectFrom('buckets')
          .select('name')
          .where('name', '=', bucket)
          .executeTakeFirst();
        if (!found) return false;
        await trx
          .insertInto('bucket_access')
          .values({ bucket, policy: null, public_access_block: null, ...change, updated_at: updatedAt })
          .onConflict((oc) => oc.column('bucket').doUpdateSet({ ...change, updated_at: updatedAt }))
          .execute();
        return true;
      });
    },

    async findBucketSettings(bucket: string) {
      const rows = await db
        .selectFrom('buckets')
        .leftJoin('bucket_settings', 'bucket_settings.bucket', 'buckets.name')
        .select(['bucket_settings.name', 'bucket_settings.value'])
        .where('buckets.name', '=', bucket)
        .execute();
      if (rows.length === 0) return undefined;
      return new Map(
        rows.flatMap((row) => (row.name !== null && row.value !== null ? [[row.name, row.value]] : [])),
      );
    },

    async bucketsWithSetting(name: string, after: string, limit: number) {
      const rows = await db
        .selectFrom('bucket_settings')
        .select('bucket')
        .where('name', '=', name)
        .where('bucket', '>', after)
        .orderBy('bucket')
        .limit(limit)
        .execute();
      return rows.map((row) => row.bucket);
    },

    async putBucketSetting(bucket: string, name: string, value: string | null, updatedAt: number) {
      return db.transaction().execute(async (trx) => {
        const found = await trx
          .selectFrom('buckets')
          .select('name')
          .where('name', '=', bucket)
          .executeTakeFirst();
        if (!found) return false;
        if (value === null)
          await trx
            .deleteFrom('bucket_settings')
            .where('bucket', '=', bucket)
            .where('name', '=', name)
            .execute();
        else
          await trx
            .insertInto('bucket_settings')
            .values({ bucket, name, value, updated_at: updatedAt })
            .onConflict((oc) => oc.columns(['bucket', 'name']).doUpdateSet({ value, updated_at: updatedAt }))
            .execute();
        return true;
      });
    },

    async findLatest(bucket: string, key: string): Promise<VersionRow | undefined> {
      return db
        .selectFrom('object_versions')
        .selectAll()
        .where('bucket', '=', bucket)
        .where('key', '=', key)
        .where('is_latest', '=', CURRENT)
        .executeTakeFirst();
    },

    async findVersion(bucket: string, key: string, versionId: string): Promise<VersionRow | undefined> {
      return db
        .selectFrom('object_versions')
        .selectAll()
        .where('bucket', '=', bucket)
        .where('key', '=', key)
        .where('version_id', '=', versionId)
        .executeTakeFirst();
    },

    findBlobVersion: (blobId: string) =>
      db.selectFrom('object_versions').selectAll().where('blob_id', '=', blobId).executeTakeFirst(),

    async putVersion(row, write, guard, events, replicas, completes): Promise<Removed> {
      return db.transaction().execute(async (trx) => {
        await lockKey(trx, row.bucket, row.key);
        const bucket = await trx
          .selectFrom('buckets')
          .select('name')
          .where('name', '=', row.bucket)
          .executeTakeFirst();
        if (!bucket) return Promise.reject(new BucketVanished(row.bucket));
        const current = await trx
          .selectFrom('object_versions')
          .selectAll()
          .where('bucket', '=', row.bucket)
          .where('key', '=', row.key)
          .where('is_latest', '=', CURRENT)
          .executeTakeFirst();
        guard?.(current && current.delete_marker === 0 ? (current as ObjectRow) : undefined);
        const blobIds: string[] = [];
        // When the current version is the "null" one this write replaces, removing it leaves none to demote.
        const demote = current !== undefined && !(write === 'null' && current.version_id === 'null');
        if (write === 'null') {
          const replaced = await trx
            .deleteFrom('object_versions')
            .where('bucket', '=', row.bucket)
            .where('key', '=', row.key)
            .where('version_id', '=', 'null')
            .returning('blob_id')
            .executeTakeFirst();
          if (replaced?.blob_id) blobIds.push(replaced.blob_id);
        }
        if (demote)
          await trx
            .updateTable('object_versions')
            .set({ is_latest: 0 })
            .where('bucket', '=', row.bucket)
            .where('key', '=', row.key)
            .where('is_latest', '=', CURRENT)
            .execute();
        // The current version is always the newest (deleteVersion promotes the newest left), so it has the
        // highest seq of the key.
        await trx
          .insertInto('object_versions')
          .values({ ...row, seq: (current?.seq ?? 0) + 1, is_latest: 1 })
          .execute();
        await insertEvents(trx, events);
        await insertReplicas(trx, replicas);
        if (completes !== undefined) {
          // Only the completion that ends the upload makes its object: another one (a retry racing it) or an
          // abort that came first rolls this one back.
          const parts = await endUpload(trx, completes);
          if (!parts) return Promise.reject(new UploadVanished(completes));
          blobIds.push(...parts);
        }
        return { blobIds };
      });
    },

    async deleteVersion(bucket, key, versionId, guard, events): Promise<VersionRow | undefined> {
      return db.transaction().execute(async (trx) => {
        await lockKey(trx, bucket, key);
        if (guard) {
          const found = await trx
            .selectFrom('object_versions')
            .selectAll()
            .where('bucket', '=', bucket)
            .where('key', '=', key)
            .where('version_id', '=', versionId)
            .executeTakeFirst();
          if (found) guard(found);
        }
        const removed = await trx
          .deleteFrom('object_versions')
          .where('bucket', '=', bucket)
          .where('key', '=', key)
          .where('version_id', '=', versionId)
          .returningAll()
          .executeTakeFirst();
        if (removed?.is_latest === 1) {
          const next = await trx
            .selectFrom('object_versions')
            .select('version_id')
            .where('bucket', '=', bucket)
            .where('key', '=', key)
            .orderBy('seq', 'desc')
            .limit(1)
            .executeTakeFirst();
          if (next)
            await trx
              .updateTable('object_versions')
              .set({ is_latest: 1 })
              .where('bucket', '=', bucket)
              .where('key', '=', key)
              .where('version_id', '=', next.version_id)
              .execute();
        }
        if (removed) await insertEvents(trx, events);
        return removed;
      });
    },

    async sealVersion(version, fromBlobId, toBlobId, encryption) {
      return db.transaction().execute(async (trx) => {
        await lockKey(trx, version.bucket, version.key);
        const switched = await trx
          .updateTable('object_versions')
          .set({ blob_id: toBlobId, encryption })
          .where('bucket', '=', version.bucket)
          .where('key', '=', version.key)
          .where('version_id', '=', version.versionId)
          .where('blob_id', '=', fromBlobId)
          .where('encryption', 'is', null)
          .executeTakeFirst();
        if (Number(switched.numUpdatedRows) !== 1) return false;
        await trx
          .updateTable('multipart_objects')
          .set({ blob_id: toBlobId })
          .where('blob_id', '=', fromBlobId)
          .execute();
        return true;
      });
    },

    async plaintextVersions(after, limit) {
      let query = db
        .selectFrom('object_versions')
        .selectAll()
        .where('encryption', 'is', null)
        .where('blob_id', 'is not', null)
        .where('delete_marker', '=', 0);
      if (after)
        query = query.where((eb) =>
          eb.or([
            eb('bucket', '>', after.bucket),
            eb.and([eb('bucket', '=', after.bucket), eb('key', '>', after.key)]),
            eb.and([
              eb('bucket', '=', after.bucket),
              eb('key', '=', after.key),
              eb('version_id', '>', after.versionId),
            ]),
          ]),
        );
      const rows = await query.orderBy('bucket').orderBy('key').orderBy('version_id').limit(limit).execute();
      return rows as ObjectRow[];
    },

    async settleReplica(row, failed, events): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await lockKey(trx, row.bucket, row.key);
        await trx.deleteFrom('s3_replication_outbox').where('id', '=', row.id).execute();
        if (row.change) return;
        const version = trx
          .updateTable('object_versions')
          .where('bucket', '=', row.bucket)
          .where('key', '=', row.key)
          .where('version_id', '=', row.version_id)
          .where('delete_marker', '=', 0);
        const found = await trx
          .selectFrom('object_versions')
          .select('attributes')
          .where('bucket', '=', row.bucket)
          .where('key', '=', row.key)
          .where('version_id', '=', row.version_id)
          .where('delete_marker', '=', 0)
          .executeTakeFirst();
        if (!found) return;
        if (!failed) {
          if (replicationStatusOf(found.attributes) === 'FAILED') return;
          const waiting = await trx
            .selectFrom('s3_replication_outbox')
            .select('id')
            .where('bucket', '=', row.bucket)
            .where('key', '=', row.key)
            .where('version_id', '=', row.version_id)
            // A later change waiting (tags, retention, legal hold) is not the version waiting: it does not hold
            // its status back.
            .where('change', 'is', null)
            .limit(1)
            .executeTakeFirst();
          if (waiting) return;
        }
        const status = failed ? 'FAILED' : 'COMPLETED';
        await version.set({ attributes: withReplicationStatus(found.attributes, status) }).execute();
        if (failed) await insertEvents(trx, events);
      });
    },

    async changeVersion(bucket, key, versionId, change, events, replicas): Promise<VersionRow | undefined> {
      return db.transaction().execute(async (trx) => {
        await lockKey(trx, bucket, key);
        const found = await trx
          .selectFrom('object_versions')
          .selectAll()
          .where('bucket', '=', bucket)
          .where('key', '=', key)
          .where('version_id', '=', versionId)
          .executeTakeFirst();
        if (!found) return undefined;
        const set = change(found);
        if (Object.keys(set).length === 0) return found;
        await trx
          .updateTable('object_versions')
          .set(set)
          .where('bucket', '=', bucket)
          .where('key', '=', key)
          .where('version_id', '=', versionId)
          .execute();
        await insertEvents(trx, events);
        await insertReplicas(trx, typeof replicas === 'function' ? replicas() : replicas);
        return found;
      });
    },

    async listObjects(
      bucket: string,
      from: KeyBound,
      below: string | undefined,
      limit: number,
    ): Promise<ObjectSummary[]> {
      let query = db
        .selectFrom('object_versions')
        .select([
          'key',
          'size',
          'etag',
          'last_modified',
          'checksum_algorithm',
          'checksum_type',
          'attributes',
          'encryption',
        ])
        .where('bucket', '=', bucket)
        .where('is_latest', '=', CURRENT)
        .where('delete_marker', '=', 0)
        .where('key', from.inclusive ? '>=' : '>', from.key);
      if (below !== undefined) query = query.where('key', '<', below);
      return query.orderBy('key').limit(limit).execute();
    },

    async listVersions(
      bucket: string,
      from: VersionBound,
      below: string | undefined,
      limit: number,
    ): Promise<VersionSummary[]> {
      let query = db
        .selectFrom('object_versions')
        .select([
          'key',
          'version_id',
          'seq',
          'is_latest',
          'delete_marker',
          'blob_id',
          'size',
          'etag',
          'last_modified',
          'checksum_algorithm',
          'checksum_type',
          'attributes',
        ])
        .where('bucket', '=', bucket);
      const { belowSeq } = from;
      query =
        belowSeq === undefined
          ? query.where('key', from.inclusive ? '>=' : '>', from.key)
          : query.where((eb) =>
              eb.or([eb('key', '>', from.key), eb.and([eb('key', '=', from.key), eb('seq', '<', belowSeq)])]),
            );
      if (below !== undefined) query = query.where('key', '<', below);
      return query.orderBy('key').orderBy('seq', 'desc').limit(limit).execute();
    },

    async blobStorageClass(id: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('object_versions')
        .select('attributes')
        .where('blob_id', '=', id)
        .executeTakeFirst();
      return row ? storageClassOf(row.attributes) : undefined;
    },

    referencedBlobIds: (ids) => referencedAmong(db, ids),
    async namesAnyBlob() {
      for (const table of ['object_versions', 'multipart_parts'] as const) {
        const row = await db
          .selectFrom(table)
          .select('blob_id')
          .where('blob_id', 'is not', null)
          .limit(1)
          .executeTakeFirst();
        if (row) return true;
      }
      return false;
    },
    async bornAt() {
      const row = await db
        .selectFrom('accounts')
        .select((eb) => eb.fn.min('created_at').as('born'))
        .executeTakeFirst();
      return row?.born === null || row?.born === undefined ? undefined : Number(row.born);
    },
  };
}

/** The bucket was deleted while an object was being written into it. */
export class BucketVanished extends Error {
  constructor(readonly bucket: string) {
    super(`bucket ${bucket} no longer exists`);
  }
}
