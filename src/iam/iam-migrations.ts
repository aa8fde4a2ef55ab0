import type { Kysely, Migration } from 'kysely';
import { accountAliasesMigration } from './iam-migrations-aliases.js';

/**
 * IAM's schema changes, merged with the other domains' by db/migrations.ts. Both SQLite and PostgreSQL: plain
 * text and bigint columns, composite keys, no dialect-specific types.
 */
export const iamMigrations: Record<string, Migration> = {
  'iam-0001-identities': {
    async up(db: Kysely<unknown>) {
      for (const column of ['user_id', 'last_used_service', 'last_used_region']) {
        await db.schema.alterTable('access_keys').addColumn(column, 'text').execute();
      }
      await db.schema.alterTable('access_keys').addColumn('last_used_at', 'bigint').execute();
      await db.schema.createIndex('access_keys_by_user').on('access_keys').column('user_id').execute();

      for (const table of ['iam_users', 'iam_groups', 'iam_roles']) {
        let builder = db.schema
          .createTable(table)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('name_key', 'text', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint(`${table}_name`, ['account_id', 'name_key']);
        if (table !== 'iam_groups') builder = builder.addColumn('permissions_boundary', 'text');
        if (table === 'iam_roles') {
          builder = builder
            .addColumn('trust_policy', 'text', (c) => c.notNull())
            .addColumn('description', 'text')
            .addColumn('max_session_duration', 'integer', (c) => c.notNull())
            .addColumn('last_used_at', 'bigint')
            .addColumn('last_used_region', 'text');
        }
        await builder.execute();
      }
      await db.schema
        .createTable('iam_group_members')
        .addColumn('group_id', 'text', (c) => c.notNull().references('iam_groups.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('iam_users.id'))
        .addPrimaryKeyConstraint('iam_group_members_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('iam_group_members_by_user')
        .on('iam_group_members')
        .columns(['user_id', 'group_id'])
        .execute();

      await db.schema
        .createTable('iam_policies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('arn', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('default_version', 'text', (c) => c.notNull())
        .addColumn('next_version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('iam_policies_name', ['account_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('iam_policy_versions')
        .addColumn('policy_id', 'text', (c) => c.notNull().references('iam_policies.id'))
        .addColumn('version_id', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('iam_policy_versions_pk', ['policy_id', 'version_id'])
        .execute();

      await db.schema
        .createTable('iam_attachments')
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addColumn('entity_kind', 'text', (c) => c.notNull())
        .addColumn('policy_arn', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('iam_attachments_pk', ['entity_id', 'policy_arn'])
        .execute();
      await db.schema
        .createIndex('iam_attachments_by_policy')
        .on('iam_attachments')
        .columns(['policy_arn', 'entity_id'])
        .execute();
      await db.schema
        .createTable('iam_inline_policies')
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addColumn('entity_kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('iam_inline_policies_pk', ['entity_id', 'name'])
        .execute();
      await db.schema
        .createTable('iam_tags')
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('key_lower', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('iam_tags_pk', ['entity_id', 'key_lower'])
        .execute();
      await db.schema
        .createTable('iam_login_profiles')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('iam_users.id'))
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('password_reset_required', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('iam_sessions')
        .addColumn('access_key_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('sealed_secret', 'text', (c) => c.notNull())
        .addColumn('token_sha256', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('role_arn', 'text')
        .addColumn('session_name', 'text')
        .addColumn('policy', 'text')
        .addColumn('policy_arns', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('transitive_tag_keys', 'text', (c) => c.notNull())
        .addColumn('source_identity', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('iam_sessions_by_expiry').on('iam_sessions').column('expires_at').execute();
    },
  },
  'iam-0002-account-aliases': accountAliasesMigration,
  /** The AWS service a role session was made for by Seawall itself (a crawl's, replication's); null otherwise. */
  'iam-0003-service-sessions': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('iam_sessions').addColumn('service', 'text').execute();
    },
  },
};
