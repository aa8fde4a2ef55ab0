import type { Kysely, Migration } from 'kysely';

/** The query domain's schema changes, merged with the other domains' (db/migrations.ts). */
export const queryMigrations: Record<string, Migration> = {
  'query-0001-callers': {
    async up(db: Kysely<unknown>) {
      // Who started each query (JSON: principal and request facts): its reads are authorized as them.
      await db.schema.alterTable('query_executions').addColumn('caller', 'text').execute();
    },
  },
  'query-0002-statement-types': {
    async up(db: Kysely<unknown>) {
      // Athena's StatementType and SubstatementType of each execution (DDL, CREATE_TABLE...).
      await db.schema.alterTable('query_executions').addColumn('statement_type', 'text').execute();
      await db.schema.alterTable('query_executions').addColumn('substatement_type', 'text').execute();
    },
  },
  'query-0003-update-count': {
    async up(db: Kysely<unknown>) {
      // Rows a CTAS, INSERT INTO or UNLOAD wrote: GetQueryResults' UpdateCount.
      await db.schema.alterTable('query_executions').addColumn('update_count', 'bigint').execute();
    },
  },
};
