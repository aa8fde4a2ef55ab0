import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { type Dialect, migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';

export type { Database } from './schema.js';

export interface MetadataDb {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

const INT8_OID = 20;

/**
 * Opens the metadata store: SQLite in WAL mode at `sqlitePath` by default, or PostgreSQL when a URL is given.
 * Migrations run before the store is handed out.
 */
export async function openMetadataDb(options: { sqlitePath: string } | { postgresUrl: string }): Promise<MetadataDb> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  if ('postgresUrl' in options) {
    const pool = new pg.Pool({
      connectionString: options.postgresUrl,
      max: 10,
      // bigint columns hold milliseconds and byte counts, all well inside Number's exact range.
      types: { getTypeParser: (oid, format) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) },
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    dialect = 'postgres';
  } else {
    const sqlite = new BetterSqlite3(options.sqlitePath);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    dialect = 'sqlite';
  }
  try {
    await migrateToLatest(db as Kysely<unknown>, dialect);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect, close: () => db.destroy() };
}
