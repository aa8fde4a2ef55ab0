import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createTrailStore, DEFAULT_SELECTORS } from './trails.js';

describe('the trail store', () => {
  it('opens a store made before generations and skip lists, keeping its trails and their skip range', () => {
    const db = new BetterSqlite3(':memory:');
    // The trails table as the first release of trails made it.
    db.exec(`CREATE TABLE trails (name TEXT PRIMARY KEY, settings TEXT NOT NULL,
      logging INTEGER NOT NULL DEFAULT 0, checkpoint INTEGER NOT NULL DEFAULT 0, stop_seq INTEGER,
      skip_after INTEGER, skip_until INTEGER, start_time INTEGER, stop_time INTEGER, delivery_time INTEGER,
      delivery_attempt INTEGER, delivery_error TEXT, digest_time INTEGER, digest_error TEXT, digest_end INTEGER,
      previous_digest TEXT, inflight TEXT)`);
    const settings = {
      bucket: 'logs',
      prefix: null,
      multiRegion: false,
      validation: true,
      globalEvents: true,
      selectors: DEFAULT_SELECTORS,
      customSelectors: false,
      tags: [],
    };
    db.prepare(
      'INSERT INTO trails (name, settings, logging, checkpoint, skip_after, skip_until) VALUES (?, ?, 1, 3, 5, 9)',
    ).run('old', JSON.stringify(settings));
    const open = () => createTrailStore({ db, onAppend: () => {} });
    const trails = open();
    expect(trails.get('old')).toMatchObject({
      name: 'old',
      generation: '',
      logging: true,
      checkpoint: 3,
      skips: [{ after: 5, until: 9 }],
      bucket: 'logs',
    });
    // Opened again, nothing moves twice; a trail made now has a generation of its own.
    expect(open().get('old')?.skips).toEqual([{ after: 5, until: 9 }]);
    trails.create('new', settings);
    expect(trails.get('new')?.generation).toMatch(/^[0-9a-f-]{36}$/);
  });
});
