import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Ordered, append-only schema changes. Each runs on SQLite and PostgreSQL; where the two differ (object keys
 * must sort by their UTF-8 bytes, as S3 lists them) the dialect decides.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  // SQLite compares TEXT by its UTF-8 bytes already; PostgreSQL needs the "C" collation for the same order.
  const byteOrdered = dialect === 'postgres' ? sql`collate "C"` : sql``;
  return {
    '0001-foundation': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('accounts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('region', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('access_keys')
          .addColumn('access_key_id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('principal_arn', 'text', (c) => c.notNull())
          .addColumn('sealed_secret', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('buckets')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('region', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('objects')
          .addColumn('bucket', 'text', (c) => c.notNull().references('buckets.name'))
          .addColumn('key', 'text', (c) => c.notNull().modifyEnd(byteOrdered))
          .addColumn('blob_id', 'text', (c) => c.notNull().unique())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('etag', 'text', (c) => c.notNull())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('checksum_algorithm', 'text')
          .addColumn('checksum_value', 'text')
          .addColumn('last_modified', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('objects_pk', ['bucket', 'key'])
          .execute();
      },
    },
    '0002-catalog': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('catalog_databases')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('definition', 'text', (c) => c.notNull())
          .addColumn('create_time', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('catalog_tables')
          .addColumn('database', 'text', (c) => c.notNull().references('catalog_databases.name'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('definition', 'text', (c) => c.notNull())
          .addColumn('create_time', 'bigint', (c) => c.notNull())
          .addColumn('update_time', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('catalog_tables_pk', ['database', 'name'])
          .execute();
        await db.schema
          .createTable('catalog_table_versions')
          .addColumn('database', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('definition', 'text', (c) => c.notNull())
          .addColumn('update_time', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('catalog_table_versions_pk', ['database', 'name', 'version'])
          .execute();
        await db.schema
          .createTable('catalog_partitions')
          .addColumn('database', 'text', (c) => c.notNull())
          .addColumn('table_name', 'text', (c) => c.notNull())
          .addColumn('values_key', 'text', (c) => c.notNull().modifyEnd(byteOrdered))
          .addColumn('definition', 'text', (c) => c.notNull())
          .addColumn('create_time', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('catalog_partitions_pk', ['database', 'table_name', 'values_key'])
          .execute();
        await db.schema
          .createTable('catalog_crawlers')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('definition', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('last_crawl', 'text')
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('elapsed_ms', 'bigint', (c) => c.notNull())
          .addColumn('create_time', 'bigint', (c) => c.notNull())
          .addColumn('update_time', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0003-query': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('workgroups')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('output_location', 'text', (c) => c.notNull())
          .addColumn('enforce', 'integer', (c) => c.notNull())
          .addColumn('create_time', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('query_executions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('workgroup', 'text', (c) => c.notNull())
          .addColumn('query', 'text', (c) => c.notNull())
          .addColumn('database', 'text')
          .addColumn('client_request_token', 'text', (c) => c.unique())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('state_change_reason', 'text')
          .addColumn('output_location', 'text', (c) => c.notNull())
          .addColumn('columns', 'text')
          .addColumn('data_scanned', 'bigint', (c) => c.notNull())
          .addColumn('submitted_at', 'bigint', (c) => c.notNull())
          .addColumn('started_at', 'bigint')
          .addColumn('completed_at', 'bigint')
          .addColumn('engine_ms', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('query_executions_by_time')
          .on('query_executions')
          .columns(['workgroup', 'submitted_at'])
          .execute();
      },
    },
    '0004-databrew': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('databrew_recipes')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('version', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('steps', 'text', (c) => c.notNull())
          .addColumn('published_at', 'bigint')
          .addColumn('create_time', 'bigint', (c) => c.notNull())
          .addColumn('update_time', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('databrew_recipes_pk', ['name', 'version'])
          .execute();
        for (const table of ['databrew_datasets', 'databrew_jobs']) {
          let builder = db.schema
            .createTable(table)
            .addColumn('name', 'text', (c) => c.primaryKey())
            .addColumn('definition', 'text', (c) => c.notNull())
            .addColumn('create_time', 'bigint', (c) => c.notNull())
            .addColumn('update_time', 'bigint', (c) => c.notNull());
          if (table === 'databrew_jobs') builder = builder.addColumn('type', 'text', (c) => c.notNull());
          await builder.execute();
        }
        await db.schema
          .createTable('databrew_job_runs')
          .addColumn('job_name', 'text', (c) => c.notNull())
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('error_message', 'text')
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('completed_at', 'bigint')
          .addColumn('outcome', 'text')
          .addPrimaryKeyConstraint('databrew_job_runs_pk', ['job_name', 'run_id'])
          .execute();
      },
    },
    '0005-multipart': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('multipart_uploads')
          .addColumn('upload_id', 'text', (c) => c.primaryKey())
          .addColumn('bucket', 'text', (c) => c.notNull().references('buckets.name'))
          .addColumn('key', 'text', (c) => c.notNull().modifyEnd(byteOrdered))
          .addColumn('settings', 'text', (c) => c.notNull())
          .addColumn('initiated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('multipart_uploads_by_key')
          .on('multipart_uploads')
          .columns(['bucket', 'key', 'upload_id'])
          .execute();
        await db.schema
          .createTable('multipart_parts')
          .addColumn('upload_id', 'text', (c) => c.notNull())
          .addColumn('part_number', 'integer', (c) => c.notNull())
          .addColumn('blob_id', 'text', (c) => c.notNull().unique())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('etag', 'text', (c) => c.notNull())
          .addColumn('last_modified', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('multipart_parts_pk', ['upload_id', 'part_number'])
          .execute();
      },
    },
    '0006-jobs': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('jobs')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('ref', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('timeout_ms', 'bigint', (c) => c.notNull())
          .addColumn('submitted_at', 'bigint', (c) => c.notNull())
          .addColumn('started_at', 'bigint')
          .addPrimaryKeyConstraint('jobs_pk', ['kind', 'ref'])
          .execute();
        await db.schema.alterTable('query_executions').addColumn('error_category', 'integer').execute();
        await db.schema.alterTable('query_executions').addColumn('error_type', 'integer').execute();
        await db.schema.alterTable('workgroups').addColumn('query_timeout_ms', 'bigint').execute();
        await db.schema
          .alterTable('workgroups')
          .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
          .execute();
      },
    },
    '0007-crawl-runs': {
      async up(db: Kysely<unknown>) {
        // Each crawl is a job of its own: a stop, or a crawl queued before a restart, names the run it means.
        await db.schema.alterTable('catalog_crawlers').addColumn('run_ref', 'text').execute();
      },
    },
    '0008-multipart-checksums': {
      async up(db: Kysely<unknown>) {
        // The checksum an upload was created with, each part's, and how an object's checksum was made
        // (null on older rows: a whole-object checksum, the only kind they could have).
        const columns: [string, string][] = [
          ['multipart_uploads', 'checksum_algorithm'],
          ['multipart_uploads', 'checksum_type'],
          ['multipart_parts', 'checksum_algorithm'],
          ['multipart_parts', 'checksum_value'],
          ['objects', 'checksum_type'],
        ];
        for (const [table, column] of columns) {
          await db.schema.alterTable(table).addColumn(column, 'text').execute();
        }
      },
    },
    '0009-data-dir-files': {
      async up(db: Kysely<unknown>) {
        // The data directory's databases the server made (see data-dir-databases.ts): one gone was lost.
        await db.schema
          .createTable('data_dir_files')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('made_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
  };
}

/**
 * A domain's own migrations, named `<domain>-NNNN-…` so that each domain owns its tables and their changes.
 * The sets above (the foundation's, from before domains kept their own) run first.
 */
export type DomainMigrations = Readonly<Record<string, Migration>>;

function allMigrations(dialect: Dialect, domains: readonly DomainMigrations[]): Record<string, Migration> {
  const all: Record<string, Migration> = { ...migrations(dialect) };
  for (const domain of domains) {
    for (const [name, migration] of Object.entries(domain)) {
      if (Object.hasOwn(all, name)) throw new Error(`two migrations are named ${name}`);
      all[name] = migration;
    }
  }
  return all;
}

export function migrationNames(domains: readonly DomainMigrations[] = []): string[] {
  return Object.keys(allMigrations('sqlite', domains)).sort();
}

/**
 * Brings the schema up to date; safe to call at every start. Domains add migrations independently, so one
 * may be added after another domain's later-named one has run: they are applied in name order, new ones
 * after those already applied.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: Dialect,
  domains: readonly DomainMigrations[] = [],
): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => allMigrations(dialect, domains) };
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
