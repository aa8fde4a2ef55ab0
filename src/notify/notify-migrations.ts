import type { Kysely, Migration } from 'kysely';

/** The SNS service's tables, merged with the other domains' by db/migrations.ts (SQLite and PostgreSQL). */
export const notifyMigrations: Record<string, Migration> = {
  'notify-0001-sns': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sns_topics')
        .addColumn('arn', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sns_subscriptions')
        .addColumn('arn', 'text', (c) => c.primaryKey())
        .addColumn('topic_arn', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('confirmed', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('sns_subscriptions_topic')
        .on('sns_subscriptions')
        .columns(['topic_arn', 'arn'])
        .execute();
      // No reference to the subscription: an unsubscribe deletes its deliveries in the same transaction.
      await db.schema
        .createTable('sns_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subscription_arn', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('message_type', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('sns_deliveries_due')
        .on('sns_deliveries')
        .columns(['next_attempt_at', 'id'])
        .execute();
      await db.schema
        .createIndex('sns_deliveries_subscription')
        .on('sns_deliveries')
        .column('subscription_arn')
        .execute();
    },
  },
};
