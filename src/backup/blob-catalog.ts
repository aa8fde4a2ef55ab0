import { chmodSync, existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { PRIVATE_FILE_MODE } from '../data-dir-modes.js';
import type { CopiedFile } from './backup-files.js';
import { BackupError } from './backup-target.js';

/** The blobs a backup holds, as its catalog records them, and which runs finished their snapshot. */
export interface BlobCatalog {
  get(id: string): { bytes: number; sha256: string } | undefined;
  /** Every blob the backup holds, for any snapshot, by id (the catalog's connection is busy until it ends). */
  all(): Iterable<{ id: string; bytes: number; sha256: string }>;
  /** Records blobs copied (and made durable), in one transaction. */
  add(blobs: readonly ({ id: string } & CopiedFile)[], snapshot: string): void;
  /** Records that a run copied all of its snapshot: only its manifest is left to write. */
  finish(snapshot: string): void;
  /**
   * Whether the run of `snapshot` finished copying it: undefined for a catalog written before runs recorded it.
   * A snapshot without a manifest whose run finished lost its manifest; one whose run did not was never whole.
   */
  finished(snapshot: string): boolean | undefined;
  /** Moves what the write-ahead log holds into the database file, so that the file alone is the catalog. */
  checkpoint(): void;
  close(): void;
}

const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, added_in TEXT NOT NULL) WITHOUT ROWID',
  'CREATE TABLE IF NOT EXISTS snapshots (id TEXT PRIMARY KEY, finished_at TEXT NOT NULL) WITHOUT ROWID',
];

/**
 * Opens the catalog at `path` (`shownAs` in messages: an S3 backup's is a download). A catalog SQLite cannot
 * read fails as one line naming it; one opened to read is checked whole first (`quick_check`), since verify and
 * restore trust what it records.
 */
export function openCatalog(
  path: string,
  options: { readonly?: boolean; shownAs?: string } = {},
): BlobCatalog {
  const shownAs = options.shownAs ?? path;
  try {
    return openCatalogDb(path, options.readonly ?? false, shownAs);
  } catch (error) {
    if (!(error instanceof BetterSqlite3.SqliteError)) throw error;
    const what = existsSync(path)
      ? `the catalog of the blobs the backup holds is damaged (${error.message})`
      : 'is missing';
    throw new BackupError(`${shownAs}: ${what}`, { cause: error });
  }
}

function openCatalogDb(path: string, readonly: boolean, shownAs: string): BlobCatalog {
  const db = new BetterSqlite3(path, { readonly, fileMustExist: readonly });
  try {
    if (readonly) checkWhole(db, shownAs);
    else {
      chmodSync(path, PRIVATE_FILE_MODE);
      db.pragma('journal_mode = WAL');
      for (const statement of SCHEMA) db.exec(statement);
    }
    return catalogOf(db, readonly);
  } catch (error) {
    db.close();
    throw error;
  }
}

function checkWhole(db: BetterSqlite3.Database, shownAs: string): void {
  const found = (db.pragma('quick_check(3)') as Record<string, string>[])
    .map((row) => String(Object.values(row)[0]).replace(/\s*\n\s*/g, ' '))
    .filter((message) => message !== 'ok');
  if (found.length > 0)
    throw new BackupError(
      `${shownAs}: the catalog of the blobs the backup holds is damaged (quick_check: ${found.join('; ')})`,
    );
}

function catalogOf(db: BetterSqlite3.Database, readonly: boolean): BlobCatalog {
  const get = db.prepare<[string], { bytes: number; sha256: string }>(
    'SELECT bytes, sha256 FROM blobs WHERE id = ?',
  );
  const add = readonly
    ? undefined
    : db.prepare<[string, number, string, string]>(
        'INSERT INTO blobs (id, bytes, sha256, added_in) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256',
      );
  const all = db.prepare<[], { id: string; bytes: number; sha256: string }>(
    'SELECT id, bytes, sha256 FROM blobs ORDER BY id',
  );
  // A catalog written before runs recorded their end has no such table, and can only be opened to read.
  const recordsRuns = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshots'")
    .get();
  const finished = recordsRuns
    ? db.prepare<[string], { id: string }>('SELECT id FROM snapshots WHERE id = ?')
    : undefined;
  const writable = () => {
    if (!add) throw new Error('the catalog was opened read-only');
    return add;
  };
  return {
    get: (id) => get.get(id),
    all: () => all.iterate(),
    add(blobs, snapshot) {
      const statement = writable();
      db.transaction(() => {
        for (const blob of blobs) statement.run(blob.id, blob.bytes, blob.sha256, snapshot);
      })();
    },
    finish(snapshot) {
      writable();
      db.prepare('INSERT OR REPLACE INTO snapshots (id, finished_at) VALUES (?, ?)').run(
        snapshot,
        new Date().toISOString(),
      );
    },
    finished: (snapshot) => (finished ? finished.get(snapshot) !== undefined : undefined),
    checkpoint: () => {
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    close: () => db.close(),
  };
}
