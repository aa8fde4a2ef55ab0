import { join } from 'node:path';
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { exists } from './data-dir.js';
import { DataDirError } from './data-dir-errors.js';
import { type Database, missingDatabase } from './db/database.js';
import type { Logger } from './lib/logger.js';

/**
 * The databases beside the metadata that the first `seawall serve` makes, not `seawall init`: one that is not
 * in the data directory was not made yet, or was lost, and a start that made it afresh would serve it empty
 * (for audit.db, the trail's whole history gone without a word). So the server records in the metadata each
 * one it finds there, and from then on its absence is damage: at start-up, in `seawall check`, in a backup.
 * The record travels with the metadata (SQLite or PostgreSQL) into backups and restores. An operator with no
 * backup to restore one from says so by starting with `--accept-lost-database NAME` (refuseLostDatabases).
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
  // The one table, in the schema the queries below name it in (PostgreSQL's search path).
  const found = await (db.getExecutor().adapter instanceof PostgresAdapter
    ? sql<{ found: string | null }>`SELECT to_regclass(${TABLE})::text AS found`
    : sql<{
        found: string | null;
      }>`SELECT name AS found FROM sqlite_master WHERE type = 'table' AND name = ${TABLE}`
  ).execute(db);
  if (!found.rows[0]?.found) return [];
  const rows = await db.selectFrom(TABLE).select('name').execute();
  const recorded = new Set(rows.map((row) => row.name));
  // Only names Seawall makes: the metadata's words never become other paths.
  return SERVED_DATABASES.filter((name) => recorded.has(name));
}

/** The databases the metadata records as made that are not in `dataDir`. */
export async function lostDatabases(db: Kysely<Database>, dataDir: string): Promise<ServedDatabase[]> {
  const lost: ServedDatabase[] = [];
  for (const name of await recordedDatabases(db)) if (!(await exists(join(dataDir, name)))) lost.push(name);
  return lost;
}

/** The way out of a lost database that has no backup, as the refusals name it. */
export function acceptLossAdvice(names: readonly string[]): string {
  const flags = names.map((name) => `--accept-lost-database ${name}`).join(' ');
  return `or, with no backup, start once with ${flags} to begin ${names.length > 1 ? 'them' : 'it'} afresh and empty (${names.length > 1 ? 'their' : 'its'} records lost for good)`;
}

/**
 * Refuses a start on a data directory that lost a database the metadata records, rather than make it afresh,
 * unless the operator acknowledged the loss (`--accept-lost-database`, `accepted`): then this start makes it
 * afresh, its record kept (so a start that fails after making it leaves it guarded still), and a warning in the
 * server log names it (CloudTrail has no event for a lost trail, so the new trail itself records nothing). A name
 * in `accepted` that is not lost is refused: a typo must not pass for an acknowledgement, and a flag left in a
 * service's command line after the start it was meant for must not accept a later loss unseen.
 */
export async function refuseLostDatabases(
  db: Kysely<Database>,
  dataDir: string,
  accepted: readonly ServedDatabase[],
  logger: Logger,
): Promise<void> {
  const lost = await lostDatabases(db, dataDir);
  const notLost = accepted.find((name) => !lost.includes(name));
  if (notLost)
    throw new DataDirError(
      `--accept-lost-database ${notLost}: ${notLost} is not lost (${(await exists(join(dataDir, notLost))) ? 'it is in the data directory' : 'Seawall has not made it here yet'}); start without this flag`,
    );
  const refused = lost.find((name) => !accepted.includes(name));
  if (refused)
    throw missingDatabase(
      join(dataDir, refused),
      'the metadata records that Seawall made it when it first served from here',
      acceptLossAdvice([refused]),
    );
  // The record stays: true again once this start has made the database afresh, and guarding it meanwhile, should
  // the start fail after making it.
  for (const name of lost)
    logger.warn(
      { database: join(dataDir, name) },
      `${name} was lost and is begun afresh and empty, as --accept-lost-database said: ${name === 'audit.db' ? 'the audit trail recorded before this start is gone' : 'its records before this start are gone'}`,
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
