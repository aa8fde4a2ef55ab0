import { hostname } from 'node:os';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentProcess } from '../data-dir-process.js';
import { clearDeliveryLease, type DeliveryLease, openDeliveryLease } from './delivery-lease.js';

describe('the trail delivery lease', () => {
  let db: BetterSqlite3.Database;
  let clock: number;
  const now = () => clock;
  /** The serving process and the backup are two processes: pid 1 stands for the other one, and runs. */
  const server = () => openDeliveryLease(db, { now, self: { pid: 1, hostname: hostname() } });
  const backup = () => openDeliveryLease(db, { now });

  beforeEach(() => {
    db = new BetterSqlite3(':memory:');
    clock = 1_000_000;
  });
  afterEach(() => db.close());

  it('keeps a backup out while a pass holds it, and lets the waiting backup go first after', () => {
    const pass = server();
    const copy = backup();
    expect(pass.take('pass', 60_000)).toBe(true);
    expect(copy.take('backup', 60_000)).toBe(false);
    copy.wantForBackup(10_000);
    expect(pass.backupWaiting()).toBe(true);
    // The pass still holds it and may renew it to finish the file it is storing…
    expect(pass.take('pass', 60_000)).toBe(true);
    pass.release('pass');
    // …but once it lets go, a new pass waits for the backup, which takes it.
    expect(pass.take('pass', 60_000)).toBe(false);
    expect(copy.take('backup', 60_000)).toBe(true);
    expect(pass.take('pass', 60_000)).toBe(false);
    expect(pass.backupWaiting()).toBe(false);
    copy.release('backup');
    expect(pass.take('pass', 60_000)).toBe(true);
  });

  it('is taken over from a holder whose process is gone, or whose time ran out', () => {
    const dead: DeliveryLease = openDeliveryLease(db, {
      now,
      self: { ...currentProcess(), startTicks: 'not-this-process' },
    });
    expect(dead.take('backup', 24 * 3600_000)).toBe(true);
    expect(server().take('pass', 60_000)).toBe(true);

    const pass = server();
    expect(pass.take('pass', 60_000)).toBe(true);
    expect(backup().take('backup', 60_000)).toBe(false);
    clock += 60_001;
    expect(backup().take('backup', 60_000)).toBe(true);
    // The pass that lost it cannot renew it: its file's checkpoint waits for the next pass.
    expect(pass.take('pass', 60_000)).toBe(false);
  });

  it('a pass and a backup of one process are two holders', () => {
    const here = backup();
    expect(here.take('pass', 60_000)).toBe(true);
    expect(here.take('backup', 60_000)).toBe(false);
    here.release('pass');
    expect(here.take('backup', 60_000)).toBe(true);
    expect(here.take('pass', 60_000)).toBe(false);
  });

  it('leaves no lease in a copy', () => {
    expect(backup().take('backup', 60_000)).toBe(true);
    clearDeliveryLease(db);
    expect(server().take('pass', 60_000)).toBe(true);
  });
});
