import type BetterSqlite3 from 'better-sqlite3';
import { currentProcess, type ProcessIdentity, processState } from '../data-dir-process.js';

/**
 * The one lease on trail delivery, in audit.db, that a delivery pass and a backup take in turn. A pass stores
 * log files and digests in the trail's bucket (metadata.db) and then moves the trail's checkpoint (audit.db);
 * a backup copies metadata.db and then audit.db. Were a pass to run between the two copies, the restored
 * checkpoint would be past log files the restored bucket lacks. Holding the lease across both copies keeps
 * passes out of that gap; a pass holds it while it delivers, and ends early when a backup is waiting.
 *
 * A lease names its holder's process, so one left by a process that died is taken over at once; `until`
 * bounds one whose holder cannot be told dead (another host).
 */
export type LeaseKind = 'pass' | 'backup';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS trail_delivery_lease (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  kind TEXT NOT NULL,
  holder TEXT NOT NULL,
  until INTEGER NOT NULL,
  backup_wanted_until INTEGER
);
`;

interface LeaseRow {
  kind: LeaseKind;
  holder: string;
  until: number;
  backup_wanted_until: number | null;
}

export interface DeliveryLease {
  /** Takes the lease for `ms` (or renews it), unless another live holder has it or, for a pass, a backup waits. */
  take(kind: LeaseKind, ms: number): boolean;
  release(kind: LeaseKind): void;
  /** Whether a backup is waiting for the lease: a pass stops after the file it is storing. */
  backupWaiting(): boolean;
  /** Says a backup is waiting for the next `ms`. */
  wantForBackup(ms: number): void;
}

export function openDeliveryLease(
  db: BetterSqlite3.Database,
  options: { now?: () => number; self?: ProcessIdentity } = {},
): DeliveryLease {
  db.exec(SCHEMA);
  const now = options.now ?? Date.now;
  const self = options.self ?? currentProcess();
  // The kind is part of the holder: a backup taken in the process that serves is still not its own pass.
  const holderOf = (kind: LeaseKind) => JSON.stringify({ ...self, lease: kind });
  const read = db.prepare('SELECT kind, holder, until, backup_wanted_until FROM trail_delivery_lease');
  const write = db.prepare(
    `INSERT INTO trail_delivery_lease (id, kind, holder, until) VALUES (1, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, holder = excluded.holder, until = excluded.until,
       backup_wanted_until = CASE WHEN excluded.kind = 'backup' THEN NULL ELSE backup_wanted_until END`,
  );
  // A pass that lets go keeps a backup's wish for the lease; a backup that lets go has had its turn.
  const release = db.prepare(
    `UPDATE trail_delivery_lease SET holder = '', until = 0,
       backup_wanted_until = CASE WHEN kind = 'backup' THEN NULL ELSE backup_wanted_until END
     WHERE holder = ?`,
  );
  const want = db.prepare(
    `INSERT INTO trail_delivery_lease (id, kind, holder, until, backup_wanted_until) VALUES (1, 'pass', '', 0, ?)
     ON CONFLICT (id) DO UPDATE SET backup_wanted_until = excluded.backup_wanted_until`,
  );
  const held = (row: LeaseRow | undefined, me: string): boolean => {
    if (!row || row.holder === '' || row.holder === me || row.until <= now()) return false;
    try {
      return processState(JSON.parse(row.holder) as ProcessIdentity) !== 'dead';
    } catch {
      return false;
    }
  };
  // IMMEDIATE: the read and the write are one step that no other process's step falls between.
  const take = db.transaction((kind: LeaseKind, ms: number) => {
    const row = read.get() as LeaseRow | undefined;
    if (held(row, holderOf(kind))) return false;
    // A backup waiting goes first, but a pass that holds the lease may renew it to finish its file.
    const renewal = row?.holder === holderOf(kind);
    if (kind === 'pass' && !renewal && (row?.backup_wanted_until ?? 0) > now()) return false;
    write.run(kind, holderOf(kind), now() + ms);
    return true;
  });
  return {
    take: (kind, ms) => take.immediate(kind, ms),
    release: (kind) => void release.run(holderOf(kind)),
    backupWaiting() {
      const row = read.get() as LeaseRow | undefined;
      return (row?.backup_wanted_until ?? 0) > now();
    },
    wantForBackup: (ms) => void want.run(now() + ms),
  };
}

/** A copy of audit.db keeps no lease: its holder is the backup that made the copy, not the installation. */
export function clearDeliveryLease(db: BetterSqlite3.Database): void {
  db.exec(`${SCHEMA} DELETE FROM trail_delivery_lease;`);
}
