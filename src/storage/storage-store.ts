import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { BucketAccessTable, BucketTable, ObjectTable } from '../db/schema.js';

export type BucketRow = BucketTable;
/** A bucket's access settings as stored; both null when none was set. */
export type BucketAccessRow = Pick<BucketAccessTable, 'policy' | 'public_access_block'>;
export type ObjectRow = ObjectTable;
export type ObjectSummary = Pick<
  ObjectRow,
  'key' | 'size' | 'etag' | 'last_modified' | 'checksum_algorithm' | 'checksum_type'
>;

/** A lower bound on keys for listing: after a key (exclusive) or from a key (inclusive). */
export interface KeyBound {
  key: string;
  inclusive: boolean;
}

/** Persistence of buckets, their access settings and objects. */
export interface StorageStore {
  /** False when a bucket of its name exists. */
  insertBucket(row: BucketRow): Promise<boolean>;
  findBucket(name: string): Promise<BucketRow | undefined>;
  listBuckets(accountId: string): Promise<BucketRow[]>;
  /** Deletes the bucket if it holds no objects; answers whether it was empty. */
  deleteEmptyBucket(name: string): Promise<'deleted' | 'not-empty' | 'missing'>;
  /** The bucket's owner and access settings (nulls when none were set); undefined when there is no bucket. */
  findBucketAccess(bucket: string): Promise<(BucketAccessRow & Pick<BucketRow, 'account_id'>) | undefined>;
  /**
   * Sets the given access settings of an existing bucket (null clears one), leaving the others as they are;
   * answers false when the bucket does not exist.
   */
  updateBucketAccess(bucket: string, change: Partial<BucketAccessRow>, updatedAt: number): Promise<boolean>;
  /** The value of one of a bucket's settings (null when unset); undefined when there is no bucket. */
  findBucketSetting(bucket: string, name: string): Promise<{ value: string | null } | undefined>;
  /** Sets (or, with null, clears) one of an existing bucket's settings; false when there is no bucket. */
  putBucketSetting(bucket: string, name: string, value: string | null, updatedAt: number): Promise<boolean>;
  findObject(bucket: string, key: string): Promise<ObjectRow | undefined>;
  /**
   * Makes `row` the object at its key, in one transaction, and returns the blob it replaced (to delete after
   * the commit). `guard` runs inside the transaction with the current row and may throw to abort.
   */
  putObject(row: ObjectRow, guard?: (current: ObjectRow | undefined) => void): Promise<string | undefined>;
  /** Removes the object row and returns its blob id, or undefined when there was none. */
  deleteObject(bucket: string, key: string): Promise<string | undefined>;
  /** Object summaries in key order, from `from`, below `below` when given, at most `limit`. */
  listObjects(
    bucket: string,
    from: KeyBound,
    below: string | undefined,
    limit: number,
  ): Promise<ObjectSummary[]>;
  /** Which of these blob ids an object or an uploaded part refers to. */
  referencedBlobIds(ids: string[]): Promise<Set<string>>;
}

export function createStorageStore(db: Kysely<Database>): StorageStore {
  return {
    async insertBucket(row: BucketRow): Promise<boolean> {
      const result = await db
        .insertInto('buckets')
        .values(row)
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
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

    async deleteEmptyBucket(name: string): Promise<'deleted' | 'not-empty' | 'missing'> {
      return db.transaction().execute(async (trx) => {
        const any = await trx
          .selectFrom('objects')
          .select('key')
          .where('bucket', '=', name)
          .limit(1)
          .executeTakeFirst();
        if (any) return 'not-empty';
        // Parts of uploads in progress count as content too (and refer to the bucket).
        const upload = await trx
          .selectFrom('multipart_uploads')
          .select('upload_id')
          .where('bucket', '=', name)
          .limit(1)
          .executeTakeFirst();
        if (upload) return 'not-empty';
        await trx.deleteFrom('bucket_access').where('bucket', '=', name).execute();
        await trx.deleteFrom('bucket_settings').where('bucket', '=', name).execute();
        const result = await trx.deleteFrom('buckets').where('name', '=', name).executeTakeFirst();
        return Number(result.numDeletedRows) > 0 ? 'deleted' : 'missing';
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

    async findBucketSetting(bucket: string, name: string) {
      const row = await db
        .selectFrom('buckets')
        .leftJoin('bucket_settings', (join) =>
          join.onRef('bucket_settings.bucket', '=', 'buckets.name').on('bucket_settings.name', '=', name),
        )
        .select('bucket_settings.value')
        .where('buckets.name', '=', bucket)
        .executeTakeFirst();
      return row && { value: row.value ?? null };
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

    async findObject(bucket: string, key: string): Promise<ObjectRow | undefined> {
      return db
        .selectFrom('objects')
        .selectAll()
        .where('bucket', '=', bucket)
        .where('key', '=', key)
        .executeTakeFirst();
    },

    async putObject(
      row: ObjectRow,
      guard?: (current: ObjectRow | undefined) => void,
    ): Promise<string | undefined> {
      return db.transaction().execute(async (trx) => {
        const bucket = await trx
          .selectFrom('buckets')
          .select('name')
          .where('name', '=', row.bucket)
          .executeTakeFirst();
        if (!bucket) return Promise.reject(new BucketVanished(row.bucket));
        const current = await trx
          .selectFrom('objects')
          .selectAll()
          .where('bucket', '=', row.bucket)
          .where('key', '=', row.key)
          .executeTakeFirst();
        guard?.(current);
        if (current) {
          await trx
            .deleteFrom('objects')
            .where('bucket', '=', row.bucket)
            .where('key', '=', row.key)
            .execute();
        }
        await trx.insertInto('objects').values(row).execute();
        return current?.blob_id;
      });
    },

    async deleteObject(bucket: string, key: string): Promise<string | undefined> {
      const row = await db
        .deleteFrom('objects')
        .where('bucket', '=', bucket)
        .where('key', '=', key)
        .returning('blob_id')
        .executeTakeFirst();
      return row?.blob_id;
    },

    async listObjects(
      bucket: string,
      from: KeyBound,
      below: string | undefined,
      limit: number,
    ): Promise<ObjectSummary[]> {
      let query = db
        .selectFrom('objects')
        .select(['key', 'size', 'etag', 'last_modified', 'checksum_algorithm', 'checksum_type'])
        .where('bucket', '=', bucket)
        .where('key', from.inclusive ? '>=' : '>', from.key);
      if (below !== undefined) query = query.where('key', '<', below);
      return query.orderBy('key').limit(limit).execute();
    },

    async referencedBlobIds(ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const objects = await db.selectFrom('objects').select('blob_id').where('blob_id', 'in', ids).execute();
      const parts = await db
        .selectFrom('multipart_parts')
        .select('blob_id')
        .where('blob_id', 'in', ids)
        .execute();
      return new Set([...objects, ...parts].map((r) => r.blob_id));
    },
  };
}

/** The bucket was deleted while an object was being written into it. */
export class BucketVanished extends Error {
  constructor(readonly bucket: string) {
    super(`bucket ${bucket} no longer exists`);
  }
}
