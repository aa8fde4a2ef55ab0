import type { Kysely, Migration } from 'kysely';

/** The query domain's schema changes, merged with the other domains' (db/migrations.ts). */
export const queryMigrations: Record<string, Migration> = {
  'query-0001-callers': {
    async up(db: Kysely<unknown>) {
      // Who started each query (JSON: principal and request facts): its reads are authorized as them.
      await db.schema.alterTable('query_executions').addColumn('caller', 'text').execute();
    },
  },
  'query-0002-analyst-api': {
    async up(db: Kysely<unknown>) {
      const executions: [string, 'text' | 'bigint' | 'integer'][] = [
        // JSON list of the ExecutionParameters' strings, as given.
        ['execution_parameters', 'text'],
        // ResultReuseByAgeConfiguration.MaxAgeInMinutes when reuse was asked for.
        ['reuse_max_age', 'integer'],
        ['output_rows', 'bigint'],
        ['output_bytes', 'bigint'],
      ];
      for (const [column, type] of executions)
        await db.schema.alterTable('query_executions').addColumn(column, type).execute();
      // 1 when the answer is a previous query's result. Executions from before were all run afresh.
      await db.schema
        .alterTable('query_executions')
        .addColumn('reused', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // 0 while the query waits for a slot of its workgroup; every older execution had its job.
      await db.schema
        .alterTable('query_executions')
        .addColumn('admitted', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .alterTable('workgroups')
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('ENABLED'))
        .execute();
      await db.schema.alterTable('workgroups').addColumn('bytes_cutoff', 'bigint').execute();
      await db.schema.alterTable('workgroups').addColumn('max_concurrent', 'integer').execute();
      await db.schema
        .alterTable('workgroups')
        .addColumn('publish_metrics', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('named_queries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workgroup', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('database', 'text', (c) => c.notNull())
        .addColumn('query', 'text', (c) => c.notNull())
        .addColumn('client_request_token', 'text', (c) => c.unique())
        .addColumn('create_time', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('named_queries_by_workgroup')
        .on('named_queries')
        .columns(['workgroup', 'create_time'])
        .execute();
      await db.schema
        .createTable('prepared_statements')
        .addColumn('workgroup', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('statement', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('last_modified', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('prepared_statements_pk', ['workgroup', 'name'])
        .execute();
    },
  },
  'query-0003-statement-types': {
    async up(db: Kysely<unknown>) {
      // Athena's StatementType and SubstatementType of each execution (DDL, CREATE_TABLE...).
      await db.schema.alterTable('query_executions').addColumn('statement_type', 'text').execute();
      await db.schema.alterTable('query_executions').addColumn('substatement_type', 'text').execute();
    },
  },
  'query-0004-update-count': {
    async up(db: Kysely<unknown>) {
      // Rows a CTAS, INSERT INTO or UNLOAD wrote: GetQueryResults' UpdateCount.
      await db.schema.alterTable('query_executions').addColumn('update_count', 'bigint').execute();
    },
  },
  'query-0005-unfinished-index': {
    async up(db: Kysely<unknown>) {
      // Admission looks up a workgroup's queued and running executions on every start and finish; without
      // this it reads every execution the workgroup ever had.
      await db.schema
        .createIndex('query_executions_by_state')
        .on('query_executions')
        .columns(['workgroup', 'state', 'submitted_at', 'id'])
        .execute();
    },
  },
};
