import type { Kysely, Migration } from 'kysely';

/**
 * Account aliases: one per account (the primary key), unique across accounts, since a sign-in page finds the
 * account by it.
 */
export const accountAliasesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('iam_account_aliases')
      .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
      .addColumn('alias', 'text', (c) => c.notNull().unique())
      .execute();
  },
};
