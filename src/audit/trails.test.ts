import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from './audit-record.js';
import { openAuditStore } from './audit-store.js';
import { createTrailStore, DEFAULT_SELECTORS } from './trails.js';

const SETTINGS = {
  bucket: 'logs',
  prefix: null,
  multiRegion: false,
  validation: true,
  globalEvents: true,
  selectors: DEFAULT_SELECTORS,
  customSelectors: false,
  tags: [],
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'trails-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function stopLoggingRecord(requestID: string): CloudTrailRecord {
  return {
    eventVersion: '1.10',
    userIdentity: { type: 'Root', principalId: '1', arn: 'arn:aws:iam::123456789012:root', accountId: '1' },
    eventTime: '2026-12-04T12:00:00Z',
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'StopLogging',
    awsRegion: 'ca-west-1',
    sourceIPAddress: '127.0.0.1',
    userAgent: 'test',
    requestParameters: { name: 't' },
    responseElements: null,
    requestID,
    eventID: `e-${requestID}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '123456789012',
    eventCategory: 'Management',
  } as CloudTrailRecord;
}

describe('the trail store', () => {
  it('opens a store made by an older Seawall, adding the columns it lacks and keeping its skip range', () => {
    const store = openAuditStore(join(dir, 'audit.db'));
    // The trails table of the first trails: no skip list, generation, log file in flight or stop request.
    store.db.exec(`CREATE TABLE trails (name TEXT PRIMARY KEY, settings TEXT NOT NULL,
      logging INTEGER NOT NULL DEFAULT 0, checkpoint INTEGER NOT NULL DEFAULT 0, stop_seq INTEGER,
      start_time INTEGER, stop_time INTEGER, delivery_time INTEGER, delivery_attempt INTEGER,
      delivery_error TEXT, digest_time INTEGER, digest_error TEXT, digest_end INTEGER, previous_digest TEXT)`);
    store.db
      .prepare('INSERT INTO trails (name, settings, logging, checkpoint) VALUES (?, ?, 1, 3)')
      .run('first', JSON.stringify(SETTINGS));
    // One made later kept a single skip range in the trails table.
    store.db.exec(
      'ALTER TABLE trails ADD COLUMN skip_after INTEGER; ALTER TABLE trails ADD COLUMN skip_until INTEGER',
    );
    store.db
      .prepare(
        'INSERT INTO trails (name, settings, checkpoint, skip_after, skip_until) VALUES (?, ?, 3, 5, 9)',
      )
      .run('later', JSON.stringify(SETTINGS));
    const trails = createTrailStore(store);
    expect(trails.get('first')).toMatchObject({ generation: '', logging: true, checkpoint: 3, skips: [] });
    expect(trails.get('later')?.skips).toEqual([{ after: 5, until: 9 }]);
    // Opened again, nothing moves twice; a trail made now has a generation of its own.
    expect(createTrailStore(store).get('later')?.skips).toEqual([{ after: 5, until: 9 }]);
    trails.create('new', SETTINGS);
    expect(trails.get('new')?.generation).toMatch(/^[0-9a-f-]{36}$/);
    store.close();
  });

  it("moves a stop to StopLogging's record stored while no trail store was open (the call a process died in)", () => {
    const path = join(dir, 'audit.db');
    const first = openAuditStore(path);
    const trails = createTrailStore(first);
    trails.create('t', SETTINGS);
    trails.start('t', first.lastSeq(), 1);
    trails.stop('t', first.lastSeq(), 2, 'stop-call');
    first.close();
    // The record is stored by a process with no trail store listening (start-up's interrupted calls are).
    const bare = openAuditStore(path);
    const seq = bare.append(stopLoggingRecord('stop-call'));
    bare.append(stopLoggingRecord('another-call'));
    bare.close();
    const reopened = openAuditStore(path);
    expect(createTrailStore(reopened).get('t')?.stopSeq).toBe(seq);
    reopened.close();
  });
});
