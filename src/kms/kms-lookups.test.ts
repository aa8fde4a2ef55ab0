import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KmsLookups } from './kms-lookups.js';

interface Db {
  keys: { id: string; state: string };
}

describe('KMS lookups', () => {
  let raw: BetterSqlite3.Database;
  let lookups: KmsLookups;
  let db: Kysely<Db>;
  let reads = 0;
  /** A key's state, through the lookups, counting the reads that reach the table. */
  const state = (id: string) =>
    lookups.get(`key ${id}`, async () => {
      reads++;
      return db.selectFrom('keys').selectAll().where('id', '=', id).executeTakeFirst();
    });

  beforeEach(() => {
    raw = new BetterSqlite3(':memory:');
    raw.exec("CREATE TABLE keys (id TEXT PRIMARY KEY, state TEXT); INSERT INTO keys VALUES ('k', 'Enabled')");
    // Kept a minute, so no pause of a loaded machine expires a lookup a test expects kept.
    lookups = new KmsLookups(60_000);
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: raw }) }).withPlugin(lookups.forgetOnWrite);
    reads = 0;
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('keeps what it read, frozen, and reads again after any write through the connection', async () => {
    expect(await state('k')).toEqual({ id: 'k', state: 'Enabled' });
    const kept = await state('k');
    expect(reads).toBe(1);
    expect(Object.isFrozen(kept)).toBe(true);
    await db.updateTable('keys').set({ state: 'Disabled' }).where('id', '=', 'k').execute();
    expect(await state('k')).toEqual({ id: 'k', state: 'Disabled' });
    expect(reads).toBe(2);
    // A write to another row, or an insert, forgets too: the lookups do not know what a write touches.
    await db.insertInto('keys').values({ id: 'other', state: 'Enabled' }).execute();
    await state('k');
    expect(reads).toBe(3);
    // Reads do not.
    await db.selectFrom('keys').selectAll().execute();
    await state('k');
    expect(reads).toBe(3);
  });

  it('keeps nothing that is absent, and nothing longer than it is told (a second unless told)', async () => {
    expect(await state('missing')).toBeUndefined();
    expect(await state('missing')).toBeUndefined();
    expect(reads).toBe(2);
    lookups = new KmsLookups(50);
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: raw }) }).withPlugin(lookups.forgetOnWrite);
    await state('k');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await state('k');
    expect(reads).toBe(4);
  });

  it('does not keep what a read in flight during a write saw, nor a value derived from a read before the mark', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = lookups.get('key k', async () => {
      const row = await db.selectFrom('keys').selectAll().where('id', '=', 'k').executeTakeFirst();
      await held;
      return row;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await db.updateTable('keys').set({ state: 'Disabled' }).where('id', '=', 'k').execute();
    release();
    expect(await slow).toEqual({ id: 'k', state: 'Enabled' });
    expect(await state('k')).toEqual({ id: 'k', state: 'Disabled' });

    const since = lookups.mark();
    const row = await db.selectFrom('keys').selectAll().where('id', '=', 'k').executeTakeFirst();
    await db.updateTable('keys').set({ state: 'Enabled' }).where('id', '=', 'k').execute();
    await lookups.get('derived k', async () => `from ${row?.state}`, since);
    expect(await lookups.get('derived k', async () => 'read again')).toBe('read again');
  });

  it('forgets once a transaction has ended, committed or rolled back', async () => {
    await state('k');
    await lookups.transaction(db, async (trx) => {
      await trx.updateTable('keys').set({ state: 'Disabled' }).where('id', '=', 'k').execute();
    });
    expect(await state('k')).toEqual({ id: 'k', state: 'Disabled' });
    expect(reads).toBe(2);
    // Its end forgets, whatever the transaction did: on PostgreSQL another connection may have read, and kept,
    // the old state between a write of the transaction and its commit.
    await expect(
      lookups.transaction(db, async (trx) => {
        await trx.selectFrom('keys').selectAll().execute();
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await state('k');
    expect(reads).toBe(3);
  });
});
