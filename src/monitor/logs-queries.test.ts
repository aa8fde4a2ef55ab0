import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.js';
import { createInsightsQueries, type InsightsQueries } from './logs-queries.js';
import { type LogsDb, openLogsDb } from './logs-store.js';

describe('Insights queries in the background', () => {
  let dir: string;
  let db: LogsDb;
  let queries: InsightsQueries;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'seawall-queries-'));
    db = openLogsDb(join(dir, 'logs.db'));
    const insert = db.prepare(
      'INSERT INTO log_events (group_name, stream, time, ingestion, message) VALUES (?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run('app', 's', i, i, `event ${i}`);
    })();
    queries = createInsightsQueries({ db, logger: createLogger('silent'), now: () => 0 });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () =>
    queries.start({ text: 'fields @message', groups: ['app'], start: 0, end: 10_000, limit: undefined });

  it('runs a query to completion, a page of events at a time', async () => {
    const id = start();
    expect(queries.running()).toBe(1);
    for (let i = 0; i < 100 && queries.get(id)?.status !== 'Complete'; i++) await tick();
    expect(queries.get(id)?.status).toBe('Complete');
    expect(queries.get(id)?.scanned).toBe(5000);
    expect(queries.stop(id)).toBe(false);
    expect(queries.running()).toBe(0);
  });

  it('never runs a query stopped before it began, and stops one between pages', async () => {
    const early = start();
    expect(queries.stop(early)).toBe(true);
    const later = start();
    for (let i = 0; i < 100 && !queries.get(later)?.scanned; i++) await tick();
    expect(queries.get(later)?.scanned).toBeGreaterThan(0);
    expect(queries.stop(later)).toBe(true);
    for (let i = 0; i < 10; i++) await tick();
    expect(queries.get(early)).toMatchObject({ status: 'Cancelled', scanned: 0 });
    expect(queries.get(early)?.result).toBeUndefined();
    expect(queries.get(later)?.status).toBe('Cancelled');
    expect(queries.get(later)?.scanned).toBeLessThan(5000);
    expect(queries.stop('nope')).toBeUndefined();
  });

  it('yields within a page of large events, so a stop there takes effect', async () => {
    const insert = db.prepare(
      'INSERT INTO log_events (group_name, stream, time, ingestion, message) VALUES (?, ?, ?, ?, ?)',
    );
    // Twelve events of 1 MiB: one page, which a scan paced every 4 MiB yields within.
    for (let i = 0; i < 12; i++) insert.run('big', 's', i, i, `event ${i} ${'x'.repeat(1 << 20)}`);
    const id = queries.start({
      text: 'fields @message',
      groups: ['big'],
      start: 0,
      end: 100,
      limit: undefined,
    });
    for (let i = 0; i < 100 && !queries.get(id)?.scanned; i++) await tick();
    expect(queries.get(id)?.scanned).toBeGreaterThan(0);
    expect(queries.stop(id)).toBe(true);
    for (let i = 0; i < 10; i++) await tick();
    expect(queries.get(id)?.status).toBe('Cancelled');
    expect(queries.get(id)?.scanned).toBeLessThan(12);
  });
});
