import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

/**
 * Storage's own schema changes, merged with the other domains' by db/migrations.ts. Both SQLite and
 * PostgreSQL: plain text and bigint columns.
 */
export const storageMigrations: Record<string, Migration> = {
  'storage-0001-bucket-access': {
    async up(db: Kysely<unknown>) {
      // One row per bucket that has a policy or a public access block; deleted with the bucket.
      await db.schema
        .createTable('bucket_access')
        .addColumn('bucket', 'text', (c) => c.primaryKey().references('buckets.name'))
        .addColumn('policy', 'text')
        .addColumn('public_access_block', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  'storage-0002-account-public-access-block': {
    async up(db: Kysely<unknown>) {
      // One row per account that has a public access block (PutPublicAccessBlock of the S3 Control API).
      await db.schema
        .createTable('account_access')
        .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
        .addColumn('public_access_block', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  'storage-0003-bucket-settings': {
    async up(db: Kysely<unknown>) {
      // A bucket's configuration documents, one row each (see bucket-settings.ts); deleted with the bucket.
      await db.schema
        .createTable('bucket_settings')
        .addColumn('bucket', 'text', (c) => c.notNull().references('buckets.name'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('bucket_settings_pk', ['bucket', 'name'])
        .execute();
    },
  },
  'storage-0004-object-versions': {
    async up(db: Kysely<unknown>) {
      // Keys sort by their UTF-8 bytes, as S3 lists them: SQLite compares TEXT so already, PostgreSQL needs "C".
      const byteOrdered = db.getExecutor().adapter instanceof PostgresAdapter ? sql`collate "C"` : sql``;
      // Every version of every object, and delete markers (see ObjectTable); objects become their "null" versions.
      await db.schema
        .createTable('object_versions')
        .addColumn('bucket', 'text', (c) => c.notNull().references('buckets.name'))
        .addColumn('key', 'text', (c) => c.notNull().modifyEnd(byteOrdered))
        .addColumn('version_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('is_latest', 'integer', (c) => c.notNull())
        .addColumn('delete_marker', 'integer', (c) => c.notNull())
        .addColumn('blob_id', 'text', (c) => c.unique())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('checksum_algorithm', 'text')
        .addColumn('checksum_value', 'text')
        .addColumn('checksum_type', 'text')
        .addColumn('last_modified', 'bigint', (c) => c.notNull())
        .addColumn('tags', 'text')
        .addColumn('acl', 'text')
        .addColumn('attributes', 'text')
        .addPrimaryKeyConstraint('object_versions_pk', ['bucket', 'key', 'version_id'])
        .execute();
      await db.schema
        .createIndex('object_versions_by_age')
        .on('object_versions')
        .columns(['bucket', 'key', 'seq'])
        .execute();
      // What ListObjects reads: each key's current version, when it is not a delete marker.
      await db.schema
        .createIndex('object_versions_current')
        .unique()
        .on('object_versions')
        .columns(['bucket', 'key'])
        .where(sql.ref('is_latest'), '=', 1)
        .execute();
      await sql`INSERT INTO object_versions (bucket, key, version_id, seq, is_latest, delete_marker, blob_id, size,
          etag, content_type, metadata, checksum_algorithm, checksum_value, checksum_type, last_modified)
        SELECT bucket, key, 'null', 1, 1, 0, blob_id, size, etag, content_type, metadata, checksum_algorithm,
          checksum_value, checksum_type, last_modified FROM objects`.execute(db);
      await db.schema.dropTable('objects').execute();
    },
  },
  'storage-0005-multipart-objects': {
    async up(db: Kysely<unknown>) {
      // One row per object a multipart upload made, deleted with the object's blob (multipart-store.ts); and
      // who created each upload.
      await db.schema
        .createTable('multipart_objects')
        .addColumn('blob_id', 'text', (c) => c.primaryKey())
        .addColumn('upload_id', 'text', (c) => c.notNull())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('parts', 'text', (c) => c.notNull())
        .addColumn('checksum_algorithm', 'text')
        .addColumn('checksum_value', 'text')
        .addColumn('checksum_type', 'text')
        .execute();
      await db.schema.alterTable('multipart_uploads').addColumn('initiator', 'text').execute();
      await db.schema
        .createIndex('multipart_objects_upload')
        .on('multipart_objects')
        .column('upload_id')
        .execute();
    },
  },
  'storage-0007-event-outbox': {
    async up(db: Kysely<unknown>) {
      // Event notifications not yet delivered; no reference to the bucket, as they outlive its deletion.
      await db.schema
        .createTable('s3_event_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('record', 'text', (c) => c.notNull())
        .addColumn('destinations', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('s3_event_outbox_due')
        .on('s3_event_outbox')
        .columns(['next_attempt_at', 'id'])
        .execute();
    },
  },
  'storage-0008-encryption': {
    async up(db: Kysely<unknown>) {
      // How each version's and each upload's data key is sealed (DESIGN.md, decision 3).
      await db.schema.alterTable('object_versions').addColumn('encryption', 'text').execute();
      await db.schema.alterTable('multipart_uploads').addColumn('encryption', 'text').execute();
      // The versions an earlier Seawall stored in plaintext, which start-up seals: found without a scan.
      await db.schema
        .createIndex('object_versions_plaintext')
        .on('object_versions')
        .columns(['bucket', 'key', 'version_id'])
        .where(sql.ref('encryption'), 'is', null)
        .execute();
    },
  },
  'storage-0009-replication': {
    async up(db: Kysely<unknown>) {
      // Versions and delete markers waiting to be replicated: one row per version and destination, delivered
      // in order per key and destination (a key's later row for a target waits while an earlier one is there).
      await db.schema
        .createTable('s3_replication_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('version_id', 'text', (c) => c.notNull())
        .addColumn('delete_marker', 'integer', (c) => c.notNull())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('s3_replication_outbox_due')
        .on('s3_replication_outbox')
        .columns(['next_attempt_at', 'id'])
        .execute();
      await db.schema
        .createIndex('s3_replication_outbox_key')
        .on('s3_replication_outbox')
        .columns(['bucket', 'key', 'target', 'id'])
        .execute();
      // Destinations in other accounts on other endpoints (`seawall remote add`); secrets sealed by the root key.
      await db.schema
        .createTable('replication_remotes')
        .addColumn('account_id', 'text', (c) => c.primaryKey())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('access_key_id', 'text', (c) => c.notNull())
        .addColumn('sealed_secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  'storage-0010-replication-changes': {
    async up(db: Kysely<unknown>) {
      // A later change of a replicated version to carry to its replicas ('tags', and since 'retention',
      // 'legal-hold' and 'acl', which need no migration of their own); null: the version itself.
      await db.schema.alterTable('s3_replication_outbox').addColumn('change', 'text').execute();
    },
  },
  'storage-0011-replication-uploads': {
    async up(db: Kysely<unknown>) {
      // The multipart uploads a delivery's attempts started at the destination and may have left there, which a
      // later attempt aborts (replication-uploads.ts).
      await db.schema.alterTable('s3_replication_outbox').addColumn('uploads', 'text').execute();
    },
  },
};
