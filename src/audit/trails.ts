import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { type CloudTrailRecord, dataResourceOf } from './audit-record.js';
import type { AuditStore } from './audit-store.js';
import type { DataEventSelection } from './audit-trail.js';

/**
 * Trails: their settings and delivery state, kept in the audit store's database (audit.db) next to the
 * records they deliver, and the data events their event selectors ask for, answered from memory.
 */

export type ReadWriteType = 'ReadOnly' | 'WriteOnly' | 'All';

/** A classic event selector, in CloudTrail's wire form (what GetEventSelectors answers). */
export interface EventSelector {
  readonly ReadWriteType: ReadWriteType;
  readonly IncludeManagementEvents: boolean;
  readonly DataResources: readonly { readonly Type: string; readonly Values: readonly string[] }[];
  readonly ExcludeManagementEventSources: readonly string[];
}

export const DEFAULT_SELECTORS: readonly EventSelector[] = [
  {
    ReadWriteType: 'All',
    IncludeManagementEvents: true,
    DataResources: [],
    ExcludeManagementEventSources: [],
  },
];

/**
 * Which trail: its name, and the generation of that name (a trail deleted and made again is another one, so a
 * delivery pass that began before changes nothing of the new one).
 */
export interface TrailRef {
  readonly name: string;
  readonly generation: string;
}

export interface Trail extends TrailSettings, TrailRef {
  readonly logging: boolean;
  /** Records after this sequence number are the trail's to deliver (set by StartLogging)… */
  readonly checkpoint: number;
  /** …up to this one, once StopLogging set it. */
  readonly stopSeq: number | null;
  /**
   * Records made while the trail was stopped, each time it was started again before it had delivered all it
   * logged: they are passed over (after < seq <= until).
   */
  readonly skips: readonly { readonly after: number; readonly until: number }[];
  readonly startTime: number | null;
  readonly stopTime: number | null;
  readonly deliveryTime: number | null;
  readonly deliveryAttempt: number | null;
  readonly deliveryError: string | null;
  readonly digestTime: number | null;
  readonly digestError: string | null;
  /** The end (ms) of the last digest, where the next one starts. */
  readonly digestEnd: number | null;
  readonly previousDigest: PreviousDigest | null;
  /**
   * The log file being stored from the checkpoint on: its key is chosen, and recorded, before it is put, so a
   * pass the process died in stores the same file under the same key again rather than leaving a stray one.
   */
  readonly inflight: { readonly after: number; readonly key: string } | null;
}

/** The last digest delivered: what the next one names and chains to. */
export interface PreviousDigest {
  readonly bucket: string;
  readonly key: string;
  readonly hash: string;
  readonly signature: string;
}

/** A log file a digest has still to list. */
export interface PendingLogFile {
  readonly id: number;
  readonly bucket: string;
  readonly key: string;
  readonly hash: string;
  readonly oldest: string;
  readonly newest: string;
}

/**
 * The trails table's columns after its key and settings. The table is made with those two, and every column
 * here that it lacks is added when the store opens: a store an older Seawall made gets the ones it adds since.
 */
const TRAIL_COLUMNS: readonly (readonly [name: string, definition: string])[] = [
  ['generation', "TEXT NOT NULL DEFAULT ''"],
  ['logging', 'INTEGER NOT NULL DEFAULT 0'],
  ['checkpoint', 'INTEGER NOT NULL DEFAULT 0'],
  ['stop_seq', 'INTEGER'],
  /** The request id of the StopLogging call whose own record is still to be stored (stop_seq moves to it). */
  ['stop_request', 'TEXT'],
  ['start_time', 'INTEGER'],
  ['stop_time', 'INTEGER'],
  ['delivery_time', 'INTEGER'],
  ['delivery_attempt', 'INTEGER'],
  ['delivery_error', 'TEXT'],
  ['digest_time', 'INTEGER'],
  ['digest_error', 'TEXT'],
  ['digest_end', 'INTEGER'],
  ['previous_digest', 'TEXT'],
  ['inflight', 'TEXT'],
];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS trails (
  name TEXT PRIMARY KEY,
  settings TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trail_log_files (
  id INTEGER PRIMARY KEY,
  trail TEXT NOT NULL,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  hash TEXT NOT NULL,
  oldest TEXT NOT NULL,
  newest TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS trail_log_files_trail ON trail_log_files (trail, id);
CREATE TABLE IF NOT EXISTS trail_skips (
  trail TEXT NOT NULL,
  after INTEGER NOT NULL,
  until INTEGER NOT NULL
);
`;

/** A store made before trail_skips kept one range in the trails table (skip_after, skip_until): moved. */
const MOVE_SKIPS = `
INSERT INTO trail_skips (trail, after, until)
  SELECT name, skip_after, skip_until FROM trails WHERE skip_after IS NOT NULL AND skip_until IS NOT NULL;
UPDATE trails SET skip_after = NULL, skip_until = NULL WHERE skip_after IS NOT NULL;
`;

/** Creates the trail tables, or brings a store an older Seawall made up to date. */
function migrate(db: BetterSqlite3.Database): void {
  db.transaction(() => {
    db.exec(SCHEMA);
    const present = new Set(
      (db.prepare('PRAGMA table_info(trails)').all() as { name: string }[]).map((c) => c.name),
    );
    // Names and definitions are this module's constants, never input.
    for (const [name, definition] of TRAIL_COLUMNS)
      if (!present.has(name)) db.exec(`ALTER TABLE trails ADD COLUMN ${name} ${definition}`);
    if (present.has('skip_after') && present.has('skip_until')) db.exec(MOVE_SKIPS);
    // A StopLogging whose record was stored while no store was open (the call the last process died in,
    // recorded at start-up): its stop moves to that record now.
    db.exec(`
      UPDATE trails SET
        stop_seq = (SELECT e.seq FROM audit_events e WHERE e.seq > trails.stop_seq
          AND e.event_name = 'StopLogging' AND json_extract(e.record, '$.requestID') = trails.stop_request
          ORDER BY e.seq LIMIT 1),
        stop_request = NULL
      WHERE stop_request IS NOT NULL AND logging = 0 AND EXISTS (SELECT 1 FROM audit_events e
        WHERE e.seq > trails.stop_seq AND e.event_name = 'StopLogging'
          AND json_extract(e.record, '$.requestID') = trails.stop_request)`);
  })();
}

/** What CreateTrail and UpdateTrail set; kept as one JSON document per trail. */
export interface TrailSettings {
  readonly bucket: string;
  readonly prefix: string | null;
  readonly multiRegion: boolean;
  readonly validation: boolean;
  readonly globalEvents: boolean;
  readonly selectors: readonly EventSelector[];
  readonly customSelectors: boolean;
  readonly tags: readonly { Key: string; Value: string }[];
}

interface TrailRow {
  name: string;
  generation: string;
  settings: string;
  logging: number;
  checkpoint: number;
  stop_seq: number | null;
  stop_request: string | null;
  start_time: number | null;
  stop_time: number | null;
  delivery_time: number | null;
  delivery_attempt: number | null;
  delivery_error: string | null;
  digest_time: number | null;
  digest_error: string | null;
  digest_end: number | null;
  previous_digest: string | null;
  inflight: string | null;
}

function trailOf(row: TrailRow, skips: Trail['skips']): Trail {
  const settings = JSON.parse(row.settings) as TrailSettings;
  return {
    name: row.name,
    generation: row.generation,
    ...settings,
    logging: row.logging === 1,
    checkpoint: row.checkpoint,
    stopSeq: row.stop_seq,
    skips,
    startTime: row.start_time,
    stopTime: row.stop_time,
    deliveryTime: row.delivery_time,
    deliveryAttempt: row.delivery_attempt,
    deliveryError: row.delivery_error,
    digestTime: row.digest_time,
    digestError: row.digest_error,
    digestEnd: row.digest_end,
    previousDigest: row.previous_digest === null ? null : (JSON.parse(row.previous_digest) as PreviousDigest),
    inflight: row.inflight === null ? null : (JSON.parse(row.inflight) as Trail['inflight']),
  };
}

/** Whether a selector's ReadWriteType takes a call that is (or is not) read-only. */
function readWriteMatches(type: ReadWriteType, readOnly: boolean): boolean {
  return type === 'All' || (type === 'ReadOnly') === readOnly;
}

/** Whether an S3 data resource (`arn:aws:s3:::bucket/key`) is one a selector value names. */
function s3ValueMatches(value: string, resource: string): boolean {
  if (value === 'arn:aws:s3' || value === 'arn:aws:s3:::') return true;
  // A bare bucket ARN names the bucket's objects, as `arn:aws:s3:::bucket/` does.
  const prefix = /^arn:aws:s3:::[^/]+$/.test(value) ? `${value}/` : value;
  return resource.startsWith(prefix);
}

/** Whether a trail's selectors take a data event on `resource`. */
export function selectsData(
  selectors: readonly EventSelector[],
  resource: string,
  readOnly: boolean,
  eventSource: string,
): boolean {
  if (eventSource !== 's3.amazonaws.com') return false;
  return selectors.some(
    (selector) =>
      readWriteMatches(selector.ReadWriteType, readOnly) &&
      selector.DataResources.some(
        (data) => data.Type === 'AWS::S3::Object' && data.Values.some((v) => s3ValueMatches(v, resource)),
      ),
  );
}

/** Management events of global services, which a trail takes only with IncludeGlobalServiceEvents. */
const GLOBAL_SOURCES = new Set(['iam.amazonaws.com', 'signin.amazonaws.com', 'cloudfront.amazonaws.com']);

/** Whether a trail delivers a record. */
export function trailSelects(
  trail: Pick<Trail, 'selectors' | 'globalEvents'>,
  record: CloudTrailRecord,
): boolean {
  if (record.managementEvent) {
    if (!trail.globalEvents && GLOBAL_SOURCES.has(record.eventSource)) return false;
    return trail.selectors.some(
      (s) =>
        s.IncludeManagementEvents &&
        readWriteMatches(s.ReadWriteType, record.readOnly) &&
        !s.ExcludeManagementEventSources.includes(record.eventSource),
    );
  }
  const resource = dataResourceOf({ resources: (record.resources ?? []).map((r) => r.ARN) });
  return (
    resource !== undefined && selectsData(trail.selectors, resource, record.readOnly, record.eventSource)
  );
}

export interface TrailStore {
  list(): Trail[];
  get(name: string): Trail | undefined;
  create(name: string, settings: TrailSettings): void;
  /**
   * Changes some of a trail's settings, the rest kept. Log file validation switched on starts its digests
   * at `now`: what was delivered while it was off is in no digest.
   */
  update(name: string, change: Partial<TrailSettings>, now: number): void;
  remove(name: string): void;
  /** Starts logging: records after `fromSeq` are the trail's to deliver. */
  start(name: string, fromSeq: number, now: number): void;
  /**
   * Stops logging: the trail delivers records up to `upToSeq`, and the record of the StopLogging call itself
   * (`requestId`) when it is stored, as CloudTrail does.
   */
  stop(name: string, upToSeq: number, now: number, requestId?: string): void;
  /** A log file was stored: the checkpoint moves to `seq` and, with validation, the file awaits a digest. */
  delivered(
    trail: TrailRef,
    seq: number,
    now: number,
    file: { readonly stored: boolean; readonly pending?: Omit<PendingLogFile, 'id'> },
  ): void;
  deliveryFailed(trail: TrailRef, error: string, now: number): void;
  /** Records the key of the log file about to be stored from `after` (durably, before it is put). */
  intend(trail: TrailRef, after: number, key: string): void;
  pendingLogFiles(name: string): PendingLogFile[];
  /** A digest was stored: the files it lists leave the pending list and the chain moves on. */
  digested(
    trail: TrailRef,
    end: number,
    previous: PreviousDigest,
    listed: readonly number[],
    now: number,
  ): void;
  digestFailed(trail: TrailRef, error: string): void;
  /** The data events some logging trail wants: asked on every S3 object call, answered from memory. */
  readonly selection: DataEventSelection;
}

/** The trail store, in the audit store's database; it watches the records stored for StopLogging's own. */
export function createTrailStore(audit: Pick<AuditStore, 'db' | 'onAppend'>): TrailStore {
  const { db } = audit;
  migrate(db);
  const allRows = db.prepare('SELECT * FROM trails ORDER BY name');
  const oneRow = db.prepare('SELECT * FROM trails WHERE name = ?');
  const skipsOf = db.prepare('SELECT after, until FROM trail_skips WHERE trail = ? ORDER BY after');
  const withSkips = (row: TrailRow) => trailOf(row, skipsOf.all(row.name) as Trail['skips']);
  const addSkip = db.prepare('INSERT INTO trail_skips (trail, after, until) VALUES (?, ?, ?)');
  const insert = db.prepare('INSERT INTO trails (name, generation, settings) VALUES (?, ?, ?)');
  const current = db.prepare('SELECT 1 FROM trails WHERE name = ? AND generation = ?');
  /** Runs `fn` if the trail is still the one the pass began with. */
  const ifCurrent = (trail: TrailRef, fn: () => void) =>
    db.transaction(() => {
      if (current.get(trail.name, trail.generation)) fn();
    })();
  const setSettings = db.prepare('UPDATE trails SET settings = ? WHERE name = ?');
  const pending = db.prepare(
    'SELECT id, bucket, key, hash, oldest, newest FROM trail_log_files WHERE trail = ? ORDER BY id',
  );
  const addFile = db.prepare(
    'INSERT INTO trail_log_files (trail, bucket, key, hash, oldest, newest) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const dropFile = db.prepare('DELETE FROM trail_log_files WHERE id = ?');

  /** Logging trails' selectors, rebuilt on every change so the per-call question touches no database. */
  let logging: (readonly EventSelector[])[] = [];
  const refresh = () => {
    logging = (allRows.all() as TrailRow[])
      .filter((row) => row.logging === 1)
      .map((row) => (JSON.parse(row.settings) as TrailSettings).selectors);
  };
  // A StopLogging call's own record, stored: the trail it stopped delivers up to it (in the same transaction).
  const moveStop = db.prepare(
    'UPDATE trails SET stop_seq = ?, stop_request = NULL WHERE stop_request = ? AND logging = 0',
  );
  audit.onAppend((record, seq) => {
    if (record.eventName === 'StopLogging' && record.eventSource === 'cloudtrail.amazonaws.com')
      moveStop.run(seq, record.requestID);
  });
  refresh();
  const changing =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      fn(...args);
      refresh();
    };

  return {
    list: () => (allRows.all() as TrailRow[]).map(withSkips),
    get(name) {
      const row = oneRow.get(name) as TrailRow | undefined;
      return row && withSkips(row);
    },
    create: changing((name: string, settings: TrailSettings) => {
      insert.run(name, randomUUID(), JSON.stringify(settings));
    }),
    update: changing((name: string, change: Partial<TrailSettings>, now: number) => {
      const row = oneRow.get(name) as TrailRow | undefined;
      if (!row) return;
      const current = JSON.parse(row.settings) as TrailSettings;
      db.transaction(() => {
        setSettings.run(JSON.stringify({ ...current, ...change }), name);
        if (change.validation === true && !current.validation)
          db.prepare('UPDATE trails SET digest_end = ? WHERE name = ?').run(now, name);
      })();
    }),
    remove: changing((name: string) => {
      db.transaction(() => {
        db.prepare('DELETE FROM trail_log_files WHERE trail = ?').run(name);
        db.prepare('DELETE FROM trail_skips WHERE trail = ?').run(name);
        db.prepare('DELETE FROM trails WHERE name = ?').run(name);
      })();
    }),
    start: changing((name: string, fromSeq: number, now: number) => {
      const row = oneRow.get(name) as TrailRow | undefined;
      // Already logging: nothing changes (StartLogging is idempotent).
      if (!row || row.logging === 1) return;
      db.transaction(() => {
        // Stopped with records still to deliver: those are kept, and what was made while stopped is passed over.
        const behind = row.stop_seq !== null && row.stop_seq > row.checkpoint;
        if (behind && fromSeq > (row.stop_seq as number)) addSkip.run(name, row.stop_seq, fromSeq);
        db.prepare(
          `UPDATE trails SET logging = 1, checkpoint = ?, stop_seq = NULL, stop_request = NULL, start_time = ?
           WHERE name = ?`,
        ).run(behind ? row.checkpoint : Math.max(row.checkpoint, fromSeq), now, name);
      })();
    }),
    stop: changing((name: string, upToSeq: number, now: number, requestId?: string) => {
      db.prepare(
        `UPDATE trails SET logging = 0, stop_seq = ?, stop_request = ?, stop_time = ?
         WHERE name = ? AND logging = 1`,
      ).run(upToSeq, requestId ?? null, now, name);
    }),
    delivered(trail, seq, now, file) {
      const { name } = trail;
      ifCurrent(trail, () => {
        const p = file.pending;
        if (p) addFile.run(name, p.bucket, p.key, p.hash, p.oldest, p.newest);
        db.prepare(
          `UPDATE trails SET checkpoint = MAX(checkpoint, ?), delivery_attempt = ?,
             delivery_time = CASE WHEN ? THEN ? ELSE delivery_time END, delivery_error = NULL, inflight = NULL
           WHERE name = ?`,
        ).run(seq, now, file.stored ? 1 : 0, now, name);
        db.prepare(
          'DELETE FROM trail_skips WHERE trail = ? AND until <= (SELECT checkpoint FROM trails WHERE name = ?)',
        ).run(name, name);
      });
    },
    deliveryFailed(trail, error, now) {
      ifCurrent(trail, () => {
        db.prepare('UPDATE trails SET delivery_error = ?, delivery_attempt = ? WHERE name = ?').run(
          error,
          now,
          trail.name,
        );
      });
    },
    intend(trail, after, key) {
      ifCurrent(trail, () => {
        db.prepare('UPDATE trails SET inflight = ? WHERE name = ?').run(
          JSON.stringify({ after, key }),
          trail.name,
        );
      });
    },
    pendingLogFiles: (name) => pending.all(name) as PendingLogFile[],
    digested(trail, end, previous, listed, now) {
      ifCurrent(trail, () => {
        for (const id of listed) dropFile.run(id);
        db.prepare(
          `UPDATE trails SET digest_end = ?, previous_digest = ?, digest_time = ?, digest_error = NULL
           WHERE name = ?`,
        ).run(end, JSON.stringify(previous), now, trail.name);
      });
    },
    digestFailed(trail, error) {
      ifCurrent(trail, () => {
        db.prepare('UPDATE trails SET digest_error = ? WHERE name = ?').run(error, trail.name);
      });
    },
    selection: {
      wants: (resource, readOnly, eventSource) =>
        logging.some((selectors) => selectsData(selectors, resource, readOnly, eventSource)),
    },
  };
}
