import type { Kysely, Migration } from 'kysely';

/** The KMS service's tables, merged with the other domains' by db/migrations.ts (SQLite and PostgreSQL). */
export const kmsMigrations: Record<string, Migration> = {
  'kms-0001-keys': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('kms_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('key_usage', 'text', (c) => c.notNull())
        .addColumn('key_spec', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('deletion_at', 'bigint')
        .addColumn('rotation_days', 'integer')
        .addColumn('next_rotation_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('kms_keys_account')
        .on('kms_keys')
        .columns(['account_id', 'region', 'created_at', 'id'])
        .execute();
      // Deleting a key deletes its material and aliases in the same transaction (crypto-shredding).
      await db.schema
        .createTable('kms_key_materials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull().references('kms_keys.id'))
        .addColumn('wrapped', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('kms_key_materials_key')
        .on('kms_key_materials')
        .columns(['key_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('kms_aliases')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull().references('kms_keys.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('kms_aliases_pk', ['account_id', 'region', 'name'])
        .execute();
      await db.schema.createIndex('kms_aliases_key').on('kms_aliases').column('key_id').execute();
      await db.schema
        .createTable('kms_grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull().references('kms_keys.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('grantee', 'text', (c) => c.notNull())
        .addColumn('retiring', 'text')
        .addColumn('operations', 'text', (c) => c.notNull())
        .addColumn('constraints', 'text')
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('kms_grants_key')
        .on('kms_grants')
        .columns(['key_id', 'created_at'])
        .execute();
      await db.schema.createIndex('kms_grants_token').on('kms_grants').column('token').execute();
    },
  },
  'kms-0002-managed-and-service-keys': {
    async up(db: Kysely<unknown>) {
      // AWS for the AWS managed keys services make on first use (aws/s3); null for customer managed keys.
      await db.schema.alterTable('kms_keys').addColumn('key_manager', 'text').execute();
      // Keys Seawall owns for its own use (SSE-S3's), sealed under the key store like any key material.
      await db.schema
        .createTable('kms_service_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('wrapped', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};
