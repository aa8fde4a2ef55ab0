import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.js';
import type { OperationRequest } from '../lib/operation.js';
import { createLogsService } from './logs-api.js';
import { type LogsDb, openLogsDb } from './logs-store.js';

describe('FilterLogEvents over large events', () => {
  let dir: string;
  let db: LogsDb;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'seawall-filter-'));
    db = openLogsDb(join(dir, 'logs.db'));
    db.prepare('INSERT INTO log_groups (name, created, tags) VALUES (?, ?, ?)').run('big', 0, '{}');
    const insert = db.prepare(
      'INSERT INTO log_events (group_name, stream, time, ingestion, message) VALUES (?, ?, ?, ?, ?)',
    );
    // 24 events: every third a short one with the word the search asks for, the others of 1 MiB each.
    db.transaction(() => {
      for (let i = 0; i < 24; i++)
        insert.run('big', 's', i, i, i % 3 === 0 ? `wanted ${i}` : `other ${i} ${'x'.repeat(1 << 20)}`);
    })();
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Calls FilterLogEvents until it answers no token: the events' times and how many calls it took. */
  async function search(searchMs?: number): Promise<{ times: number[]; calls: number }> {
    const logs = createLogsService({
      db,
      accountId: '000000000000',
      region: 'us-east-1',
      now: () => 0,
      logger: createLogger('silent'),
      ...(searchMs === undefined ? {} : { searchMs }),
    });
    const filter = logs.api.operations.find((op) => op.name === 'FilterLogEvents');
    if (!filter) throw new Error('no FilterLogEvents');
    const times: number[] = [];
    let token: string | undefined;
    let calls = 0;
    do {
      calls++;
      const answer = await filter.handle(
        { logGroupName: 'big', filterPattern: 'wanted', ...(token ? { nextToken: token } : {}) },
        {} as OperationRequest,
      );
      const body = JSON.parse(String(answer.body)) as { events: { timestamp: number }[]; nextToken?: string };
      times.push(...body.events.map((event) => event.timestamp));
      token = body.nextToken;
    } while (token !== undefined && calls < 100);
    return { times, calls };
  }

  const wanted = Array.from({ length: 8 }, (_, i) => i * 3);

  it('answers every match in one call within its search time', async () => {
    expect(await search()).toEqual({ times: wanted, calls: 1 });
  });

  it('answers with a token when out of search time, and the token resumes where it stopped', async () => {
    const { times, calls } = await search(0);
    expect(times).toEqual(wanted);
    // It yields every 4 MiB of messages and is then out of time: 16 MiB take four calls at least.
    expect(calls).toBeGreaterThanOrEqual(4);
  });
});
