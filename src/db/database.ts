import { closeSync, openSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  type SqliteStatement,
} from 'kysely';
import pg from 'pg';
import { type Dialect, type DomainMigrations, migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';
import { breakSeal, sealMismatch, writeSeal } from './sqlite-seal.js';

export type { Database } from './schema.js';

/** A database file SQLite finds damaged at start-up: nothing is served from it. */
export class DamagedDatabaseError extends Error {
  override readonly name = 'DamagedDatabaseError';
}

const DAMAGE_ADVICE =
  'run `seawall check` on the data directory to see what is damaged, and restore it from a backup';

/**
 * A database file that is there but holds no bytes lost them (truncated by a failing disk or a program that
 * opened it for writing): SQLite would take it for a new, empty database and pass its check, and the start
 * would serve an installation that had forgotten everything (for metadata.db, sweeping every blob as an
 * orphan; for audit.db, beginning the trail afresh). SQLite makes an empty file; Seawall's opens set WAL mode,
 * which writes the first page, at once (no await between), so only a process killed in that instant leaves such
 * a file honestly.
 */
function refuseEmpty(path: string): void {
  const size = (() => {
    try {
      return statSync(path).size;
    } catch {
      return undefined;
    }
  })();
  if (size === 0)
    throw new DamagedDatabaseError(
      `${basename(path)} is empty (0 bytes), as a file cut short is: ${DAMAGE_ADVICE} (or, if Seawall never served from this directory, remove it)`,
    );
}

/**
 * The error for a database that is not there in a data directory where it was made: metadata.db (`seawall init`
 * makes it), or one the metadata records that the server made (data-dir-databases.ts, whose `why` says so).
 * Opening it would make a new, empty one, as above.
 */
export function missingDatabase(path: string, why?: string, otherwise?: string): DamagedDatabaseError {
  return new DamagedDatabaseError(
    `${basename(path)} is missing from an initialised data directory (deleted or moved${why ? `; ${why}` : ''}): ${DAMAGE_ADVICE}${otherwise ? `; ${otherwise}` : ''}`,
  );
}

/**
 * Opens one of the data directory's SQLite files for the server, after SQLite's quick_check of every page: a
 * damaged page stops the start with the file named, rather than answer from it (or fail on it) later. The
 * check reads the whole file once (0.3 s for a million object versions' rows in the page cache). A file that is
 * there but empty is refused (see refuseEmpty); one that is not there is made.
 */
export function openCheckedSqlite(path: string, options: { mode?: number } = {}): BetterSqlite3.Database {
  const name = basename(path);
  refuseEmpty(path);
  // Made with `mode` from its first byte if new (SQLite gives its WAL and shared-memory files the file's mode).
  if (options.mode !== undefined) closeSync(openSync(path, 'a', options.mode));
  let sqlite: BetterSqlite3.Database | undefined;
  try {
    // Waits for a writer the way the server's own connections do, rather than fail on one.
    sqlite = new BetterSqlite3(path, { timeout: 5000 });
    const rows = sqlite.pragma('quick_check(3)') as Record<string, string>[];
    const problems = rows.map((row) => String(Object.values(row)[0] ?? '')).filter((m) => m !== 'ok');
    if (problems.length > 0)
      throw new DamagedDatabaseError(
        `${name} is damaged (${problems.join('; ').replace(/\s*\n\s*/g, ' ')}): ${DAMAGE_ADVICE}`,
      );
    return sqlite;
  } catch (error) {
    sqlite?.close();
    if (error instanceof DamagedDatabaseError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB')
      throw new DamagedDatabaseError(`${name} is damaged (${(error as Error).message}): ${DAMAGE_ADVICE}`);
    throw error;
  }
}

export interface MetadataDb {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

const INT8_OID = 20;
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query afresh; preparing costs more than running the small indexed queries the
 * metadata store makes, so prepared statements are kept by their SQL text (least recently used out first).
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = sqlite.prepare(sql) as unknown as SqliteStatement;
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
    close() {
      sqlite.close();
    },
  };
}

/**
 * Kysely's SQLite dialect, except that a transaction SQLite has already rolled back is not rolled back again.
 * SQLite ends a transaction itself on some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM); Kysely's ROLLBACK
 * then fails with "cannot rollback - no transaction is active", and that error, not the full disk that caused
 * it, would be the one answered.
 */
class SqliteDialectKeepingCauses extends SqliteDialect {
  private readonly sqlite: BetterSqlite3.Database;
  private readonly database: SqliteDatabase;

  constructor(sqlite: BetterSqlite3.Database) {
    const database = withStatementCache(sqlite);
    super({ database });
    this.sqlite = sqlite;
    this.database = database;
  }

  override createDriver(): Driver {
    const { sqlite, database } = this;
    return new (class extends SqliteDriver {
      override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
        if (sqlite.inTransaction) await super.rollbackTransaction(connection);
      }
    })({ database });
  }
}

/**
 * Opens the metadata store: SQLite in WAL mode at `sqlitePath` by default, or PostgreSQL when a URL is given.
 * Migrations run before the store is handed out.
 */
export async function openMetadataDb(
  options: { sqlitePath: string } | { postgresUrl: string },
  domains: readonly DomainMigrations[] = [],
): Promise<MetadataDb> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  if ('postgresUrl' in options) {
    const pool = new pg.Pool({
      connectionString: options.postgresUrl,
      max: 10,
      // bigint columns hold milliseconds and byte counts, all well inside Number's exact range.
      types: {
        getTypeParser: (oid, format) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)),
      },
    });
    // An idle connection the server closes (restart, failover) is dropped from the pool and replaced on next
    // use; without a listener the pool's 'error' event would end the process.
    pool.on('error', () => {});
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    dialect = 'postgres';
  } else {
    const path = options.sqlitePath;
    // Compared before SQLite opens the file; a damaged page, which SQLite names better, is said first.
    const changed = await sealMismatch(path);
    const sqlite = openCheckedSqlite(path);
    if (changed) {
      sqlite.close();
      throw new DamagedDatabaseError(`${basename(path)} ${changed}: ${DAMAGE_ADVICE}`);
    }
    // Before any await: a new file's first page is written here, in the same step as SQLite made the file, so
    // no interruption but a kill in that instant leaves it empty (which the next open refuses, see refuseEmpty).
    // A file already in WAL mode is not written, so the seal below still holds until it is broken.
    sqlite.pragma('journal_mode = WAL');
    await breakSeal(path);
    // In WAL mode NORMAL loses nothing when the process dies (the WAL is in the OS's hands at each commit);
    // only a power cut can drop the last commits, whose blobs the start-up sweep then removes. FULL would
    // fsync inside every commit, and better-sqlite3 runs commits on the event loop.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialectKeepingCauses(sqlite) });
    dialect = 'sqlite';
  }
  try {
    await migrateToLatest(db as Kysely<unknown>, dialect, domains);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  if (!('sqlitePath' in options)) return { db, dialect, close: () => db.destroy() };
  const { sqlitePath } = options;
  return {
    db,
    dialect,
    async close() {
      await db.destroy();
      await writeSeal(sqlitePath);
    },
  };
}

/** A SQLite database opened read-only, as it is (WAL and all, never checkpointed): offline checks, backups. */
export function openSqliteReadOnly(path: string): BetterSqlite3.Database {
  const sqlite = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/**
 * Opens a SQLite metadata store read-only, as it is: no migrations, nothing written (`seawall check`, and a
 * backup's snapshot, which is in rollback-journal mode and needs no WAL file beside it).
 */
export function openMetadataReadOnly(path: string): MetadataDb {
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(openSqliteReadOnly(path)) }),
  });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}
