import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { exists } from './data-dir.js';
import { type Database, missingDatabase } from './db/database.js';

/**
 * The databases beside the metadata that the first `seawall serve` makes, not `seawall init`: one that is not
 * in the data directory was not made yet, or was lost, and a start that made it afresh would serve it empty
 * (for audit.db, the trail's whole history gone without a word). So the server records in the metadata each
 * one it finds there, and from then on its absence is damage: at start-up, in `seawall check`, in a backup.
 * The record travels with the metadata (SQLite or PostgreSQL) into backups and restores.
 */
export const SERVED_DATABASES = ['audit.db', 'metrics.db', 'logs.db'] as const;
export type ServedDatabase = (typeof SERVED_DATABASES)[number];

const TABLE = 'data_dir_files';

/**
 * Which of them the metadata records as made. Metadata an earlier version wrote (read as it is, unmigrated, by
 * the check or a backup) has no such table: none, then. Asked before it is read, since a failed statement would
 * end a PostgreSQL transaction the caller reads more in.
 */
export async function recordedDatabases(db: Kysely<Database>): Promise<ServedDatabase[]> {
  const tables = await db.introspection.getTables();
  if (!tables.some((table) => table.name === TABLE)) return [];
  const rows = await db.selectFrom(TABLE).select('name').execute();
  const recorded = new Set(rows.map((row) => row.name));
  // Only names Seawall makes: the metadata's words never become other paths.
  return SERVED_DATABASES.filter((name) => recorded.has(name));
}

/** The databases the metadata records as made that are not in `dataDir`. */
export async function lostDatabases(db: Kysely<Database>, dataDir: string): Promise<string[]> {
  const lost: string[] = [];
  for (const name of await recordedDatabases(db)) if (!(await exists(join(dataDir, name)))) lost.push(name);
  return lost;
}

/** Refuses a start on a data directory that lost a database the metadata records, rather than make it afresh. */
export async function refuseLostDatabases(db: Kysely<Database>, dataDir: string): Promise<void> {
  const [lost] = await lostDatabases(db, dataDir);
  if (lost)
    throw missingDatabase(
      join(dataDir, lost),
      'the metadata records that Seawall made it when it first served from here',
    );
}

/** Records (once each) the databases that are in `dataDir` now: the server's, once it has opened them all. */
export async function recordDatabases(db: Kysely<Database>, dataDir: string, now: number): Promise<void> {
  const present: string[] = [];
  for (const name of SERVED_DATABASES) if (await exists(join(dataDir, name))) present.push(name);
  if (present.length === 0) return;
  await db
    .insertInto(TABLE)
    .values(present.map((name) => ({ name, made_at: now })))
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
}
