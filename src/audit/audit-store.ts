import type BetterSqlite3 from 'better-sqlite3';
import { PRIVATE_FILE_MODE } from '../data-dir-modes.js';
import { openCheckedSqlite } from '../db/database.js';
import { type CloudTrailRecord, recordUsername } from './audit-record.js';

/**
 * The audit store: every record, durable before the call's answer is sent. It is its own SQLite database in
 * the data directory (audit.db), whatever the metadata backend, written synchronously on the request's path:
 * in WAL mode each commit is in the operating system's hands when the call returns, so a killed process loses
 * no record of a call that was answered.
 *
 * A call that may change something leaves a pending row before its handler runs; the record replaces it in
 * one transaction. A pending row found at start-up is a call the process died in: it becomes a record that
 * says so, so an effect that was committed never goes unrecorded.
 */
export interface AuditStore {
  /** The database the trail domain keeps its own tables in (trails, deliveries). */
  readonly db: BetterSqlite3.Database;
  /** Durably stores a call's record (replacing its pending row); returns the record's sequence number. */
  append(record: CloudTrailRecord, pending?: number): number;
  /**
   * For calls in flight, committed together (group commit): the calls of one turn of the event loop share one
   * transaction, and each promise settles once that has committed. `beginSoon` notes a call about to run (its
   * pending row's id); `appendSoon` is `append`.
   */
  beginSoon(record: CloudTrailRecord): Promise<number>;
  appendSoon(record: CloudTrailRecord, pending?: number): Promise<number>;
  /** Calls `listener` with each record stored, and its sequence number, inside the storing transaction. */
  onAppend(listener: (record: CloudTrailRecord, seq: number) => void): void;
  /** Records with a sequence number above `after`, oldest first, at most `limit`. */
  recordsAfter(after: number, limit: number): StoredRecord[];
  /** The management events LookupEvents answers, newest first. */
  lookup(query: LookupQuery): StoredRecord[];
  /** The highest sequence number stored so far (0 when none). */
  lastSeq(): number;
  /** Drops records older than `before` (ms) whose sequence number is at most `upTo` (all trails have them). */
  prune(before: number, upTo: number): number;
  close(): void;
}

export interface StoredRecord {
  readonly seq: number;
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** The record as stored: CloudTrail's JSON. */
  readonly json: string;
}

export type LookupAttribute =
  | 'EventId'
  | 'EventName'
  | 'ReadOnly'
  | 'Username'
  | 'ResourceType'
  | 'ResourceName'
  | 'EventSource'
  | 'AccessKeyId';

export interface LookupQuery {
  readonly attribute?: { readonly key: LookupAttribute; readonly value: string };
  /** Inclusive bounds in milliseconds. */
  readonly start?: number;
  readonly end?: number;
  /** Only records with a sequence number below this (the previous page's last). */
  readonly before?: number;
  readonly limit: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_events (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  event_time INTEGER NOT NULL,
  event_name TEXT NOT NULL,
  event_source TEXT NOT NULL,
  username TEXT,
  access_key_id TEXT,
  read_only INTEGER NOT NULL,
  management INTEGER NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (management, event_time);
CREATE TABLE IF NOT EXISTS audit_event_resources (
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_event_resources_name ON audit_event_resources (name, seq);
CREATE INDEX IF NOT EXISTS audit_event_resources_type ON audit_event_resources (type, seq);
CREATE INDEX IF NOT EXISTS audit_event_resources_seq ON audit_event_resources (seq);
CREATE TABLE IF NOT EXISTS audit_pending (
  id INTEGER PRIMARY KEY,
  record TEXT NOT NULL
);
`;

/** What a record is filed under for LookupEvents. */
function columnsOf(record: CloudTrailRecord) {
  const identity = record.userIdentity;
  const username = recordUsername(identity);
  return {
    event_id: record.eventID,
    event_time: Date.parse(record.eventTime),
    event_name: record.eventName,
    event_source: record.eventSource,
    username: username ?? null,
    access_key_id: identity.accessKeyId ?? null,
    read_only: record.readOnly ? 1 : 0,
    management: record.managementEvent ? 1 : 0,
    record: JSON.stringify(record),
  };
}

/** Opens (creating if need be) the audit store at `path`, turning calls a dead process left into records. */
export function openAuditStore(path: string): AuditStore {
  const db = openCheckedSqlite(path, { mode: PRIVATE_FILE_MODE });
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives the process dying (not a power cut), without an fsync per call.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const insertEvent = db.prepare(
    `INSERT INTO audit_events (event_id, event_time, event_name, event_source, username, access_key_id,
       read_only, management, record)
     VALUES (@event_id, @event_time, @event_name, @event_source, @username, @access_key_id,
       @read_only, @management, @record)`,
  );
  const insertResource = db.prepare('INSERT INTO audit_event_resources (seq, type, name) VALUES (?, ?, ?)');
  const insertPending = db.prepare('INSERT INTO audit_pending (record) VALUES (?)');
  const deletePending = db.prepare('DELETE FROM audit_pending WHERE id = ?');
  const after = db.prepare(
    'SELECT seq, event_time AS time, record AS json FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  const last = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_events');

  const listeners: ((record: CloudTrailRecord, seq: number) => void)[] = [];
  const appendRows = (record: CloudTrailRecord, pending: number | undefined): number => {
    const seq = Number(insertEvent.run(columnsOf(record)).lastInsertRowid);
    for (const resource of record.resources ?? []) insertResource.run(seq, resource.type, resource.ARN);
    if (pending !== undefined) deletePending.run(pending);
    for (const listener of listeners) listener(record, seq);
    return seq;
  };
  const append = db.transaction(appendRows);
  const beginRow = (record: CloudTrailRecord) =>
    Number(insertPending.run(JSON.stringify(record)).lastInsertRowid);

  // Group commit: what the calls of one event-loop turn write goes in one transaction (one WAL write),
  // which costs far less than a commit each; nothing is answered before its commit.
  interface Queued {
    run(): number;
    resolve(seq: number): void;
    reject(error: unknown): void;
  }
  let queue: Queued[] = [];
  // Each op in a savepoint of its own (a transaction nested in one is a savepoint): one that fails is undone
  // and fails its own call alone.
  const runOne = db.transaction((op: Queued) => op.run());
  const commitAll = db.transaction((ops: Queued[]) =>
    ops.map((op): { seq: number } | { error: unknown } => {
      try {
        return { seq: runOne(op) };
      } catch (error) {
        return { error };
      }
    }),
  );
  const flush = () => {
    const ops = queue;
    queue = [];
    if (ops.length === 0) return;
    let results: ({ seq: number } | { error: unknown })[];
    try {
      results = commitAll(ops);
    } catch (error) {
      for (const op of ops) op.reject(error);
      return;
    }
    for (const [i, op] of ops.entries()) {
      const result = results[i] as { seq: number } | { error: unknown };
      if ('seq' in result) op.resolve(result.seq);
      else op.reject(result.error);
    }
  };
  const enqueue = (run: () => number) =>
    new Promise<number>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ run, resolve, reject });
    });

  // Calls the last process died in: recorded as interrupted, in the order they began.
  const interrupted = db.prepare('SELECT id, record FROM audit_pending ORDER BY id').all() as {
    id: number;
    record: string;
  }[];
  for (const row of interrupted) {
    const begun = JSON.parse(row.record) as CloudTrailRecord;
    append(
      {
        ...begun,
        errorCode: 'ServiceUnavailable',
        errorMessage:
          'Seawall stopped before it answered this call; its effect may or may not have been made.',
      },
      row.id,
    );
  }

  return {
    db,
    append: (record, pending) => append(record, pending),
    beginSoon: (record) => enqueue(() => beginRow(record)),
    appendSoon: (record, pending) => enqueue(() => appendRows(record, pending)),
    onAppend: (listener) => {
      listeners.push(listener);
    },
    recordsAfter: (seq, limit) => after.all(seq, limit) as StoredRecord[],
    lookup: (query) => lookup(db, query),
    lastSeq: () => (last.get() as { seq: number }).seq,
    prune(before, upTo) {
      return db.transaction(() => {
        db.prepare(
          'DELETE FROM audit_event_resources WHERE seq IN (SELECT seq FROM audit_events WHERE event_time < ? AND seq <= ?)',
        ).run(before, upTo);
        return db.prepare('DELETE FROM audit_events WHERE event_time < ? AND seq <= ?').run(before, upTo)
          .changes;
      })();
    },
    close: () => {
      flush();
      db.close();
    },
  };
}

const ATTRIBUTE_COLUMNS: Partial<Record<LookupAttribute, string>> = {
  EventId: 'event_id',
  EventName: 'event_name',
  Username: 'username',
  EventSource: 'event_source',
  AccessKeyId: 'access_key_id',
};

function lookup(db: BetterSqlite3.Database, query: LookupQuery): StoredRecord[] {
  const where = ['e.management = 1'];
  const params: (string | number)[] = [];
  if (query.start !== undefined) {
    where.push('e.event_time >= ?');
    params.push(query.start);
  }
  if (query.end !== undefined) {
    where.push('e.event_time <= ?');
    params.push(query.end);
  }
  if (query.before !== undefined) {
    where.push('e.seq < ?');
    params.push(query.before);
  }
  const attribute = query.attribute;
  if (attribute) {
    const column = ATTRIBUTE_COLUMNS[attribute.key];
    if (column) {
      where.push(`e.${column} = ?`);
      params.push(attribute.value);
    } else if (attribute.key === 'ReadOnly') {
      where.push('e.read_only = ?');
      params.push(attribute.value === 'true' ? 1 : 0);
    } else {
      if (attribute.key === 'ResourceType') {
        where.push('e.seq IN (SELECT seq FROM audit_event_resources WHERE type = ?)');
        params.push(attribute.value);
      } else {
        // A resource by its ARN, or by its name: the ARN's last part (`my-bucket`, `vancouver/parking`).
        where.push(
          `e.seq IN (SELECT seq FROM audit_event_resources WHERE name = ? OR
             (substr(name, -length(?)) = ? AND substr(name, -length(?) - 1, 1) IN ('/', ':')))`,
        );
        params.push(attribute.value, attribute.value, attribute.value, attribute.value);
      }
    }
  }
  params.push(query.limit);
  return db
    .prepare(
      `SELECT e.seq AS seq, e.event_time AS time, e.record AS json FROM audit_events e
       WHERE ${where.join(' AND ')} ORDER BY e.seq DESC LIMIT ?`,
    )
    .all(...params) as StoredRecord[];
}
