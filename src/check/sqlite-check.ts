import { existsSync, statSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { openSqliteReadOnly } from '../db/database.js';
import type { CheckReport } from '../lib/check-report.js';

/** SQLite reports at most this many problems of one database (its own default is 100). */
const MAX_ERRORS = 100;

/** The first line of an error's message (SQLite's are one line; a stack never is printed). */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/**
 * Runs SQLite's own check of a database file (`integrity_check`, or the faster `quick_check`, which skips
 * comparing indexes with their tables) and its foreign key check, reporting each problem under the file's name.
 * Answers whether the file could be read at all.
 */
export function checkSqliteFile(
  path: string,
  name: string,
  report: CheckReport,
  options: { quick?: boolean; required?: boolean } = {},
): boolean {
  if (!existsSync(path)) {
    if (options.required) report.problem(name, 'is missing');
    return false;
  }
  // SQLite reads an empty file as an empty database, which passes its checks: a file cut to nothing does not.
  if (statSync(path).size === 0) {
    report.problem(name, 'is empty (0 bytes): its contents are lost; restore it from a backup');
    return false;
  }
  const pragma = options.quick ? 'quick_check' : 'integrity_check';
  let db: BetterSqlite3.Database | undefined;
  try {
    db = openSqliteReadOnly(path);
    const rows = db.pragma(`${pragma}(${MAX_ERRORS})`) as Record<string, string>[];
    // A message may span lines ("*** in database main ***" then the page's problem): one line each here.
    const messages = rows
      .map((row) => (Object.values(row)[0] ?? '').replace(/\s*\n\s*/g, ' '))
      .filter((m) => m !== 'ok');
    for (const message of messages) report.problem(name, `${pragma}: ${message}`);
    const orphans = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
    for (const row of orphans.slice(0, MAX_ERRORS))
      report.problem(
        name,
        `foreign_key_check: row ${row.rowid} of ${row.table} names a ${row.parent} row that does not exist`,
      );
    if (messages.length === 0 && orphans.length === 0) report.ok('database', name);
    return true;
  } catch (error) {
    report.problem(name, `${pragma}: ${messageOf(error)}`);
    return false;
  } finally {
    db?.close();
  }
}
