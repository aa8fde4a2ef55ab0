import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type Database, openMetadataReadOnly } from '../db/database.js';

/** The metadata store as the offline check reads it: read-only, never migrated, never written. */
export interface OfflineMetadata {
  readonly db: Kysely<Database>;
  /** How findings name it: `metadata.db`, or `the PostgreSQL metadata`. */
  readonly name: string;
  close(): Promise<void>;
}

const INT8_OID = 20;

/**
 * Opens the metadata read-only: the data directory's SQLite file, or the PostgreSQL database it was made with
 * (--metadata-url), every transaction of which is then read-only, so nothing the check runs can change it.
 */
export function openOfflineMetadata(
  source: { sqlitePath: string } | { postgresUrl: string },
): OfflineMetadata {
  if ('sqlitePath' in source) {
    const { db, close } = openMetadataReadOnly(source.sqlitePath);
    return { db, name: 'metadata.db', close };
  }
  const pool = new pg.Pool({
    connectionString: source.postgresUrl,
    max: 2,
    options: '-c default_transaction_read_only=on',
    // bigint columns hold milliseconds and byte counts, all well inside Number's exact range.
    types: {
      getTypeParser: (oid, format) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)),
    },
  });
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, name: 'the PostgreSQL metadata', close: () => db.destroy() };
}
