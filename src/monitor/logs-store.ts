import type BetterSqlite3 from 'better-sqlite3';
import { PRIVATE_FILE_MODE } from '../data-dir-modes.js';
import { openCheckedSqlite } from '../db/database.js';

/**
 * CloudWatch Logs' store: its own SQLite database in the data directory (logs.db): groups, streams and their
 * events, indexed by stream and time and by group and time, read a page at a time.
 */

export interface LogGroupRow {
  name: string;
  created: number;
  retention_days: number | null;
  tags: string;
  stored_bytes: number;
}

export interface LogStreamRow {
  group_name: string;
  name: string;
  created: number;
  first_event: number | null;
  last_event: number | null;
  last_ingestion: number | null;
  stored_bytes: number;
}

export interface LogEventRow {
  id: number;
  group_name: string;
  stream: string;
  time: number;
  ingestion: number;
  message: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log_groups (
  name TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  retention_days INTEGER,
  tags TEXT NOT NULL,
  stored_bytes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS log_streams (
  group_name TEXT NOT NULL,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  first_event INTEGER,
  last_event INTEGER,
  last_ingestion INTEGER,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (group_name, name)
);
CREATE TABLE IF NOT EXISTS log_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  group_name TEXT NOT NULL,
  stream TEXT NOT NULL,
  time INTEGER NOT NULL,
  ingestion INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_events_by_stream ON log_events (group_name, stream, time, id);
CREATE INDEX IF NOT EXISTS log_events_by_group ON log_events (group_name, time, id);
`;

export type LogsDb = BetterSqlite3.Database;

export function openLogsDb(path: string): LogsDb {
  const db = openCheckedSqlite(path, { mode: PRIVATE_FILE_MODE });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}
