import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from './audit-record.js';
import { type AuditStore, openAuditStore } from './audit-store.js';

let dir: string;
let store: AuditStore;

function record(name: string): CloudTrailRecord {
  return {
    eventVersion: '1.10',
    userIdentity: { type: 'Root', accountId: '123456789012' },
    eventTime: '2026-12-04T12:00:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: name,
    awsRegion: 'ca-west-1',
    sourceIPAddress: '127.0.0.1',
    userAgent: 'test',
    requestParameters: null,
    responseElements: null,
    requestID: name,
    eventID: name,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '123456789012',
    eventCategory: 'Management',
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-store-'));
  store = openAuditStore(join(dir, 'audit.db'));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the audit store', () => {
  it('commits the records of one turn together, and a record that cannot be stored fails its own call alone', async () => {
    const broken = { ...record('broken'), eventName: undefined } as unknown as CloudTrailRecord;
    const outcomes = await Promise.allSettled([
      store.appendSoon(record('first')),
      store.appendSoon(broken),
      store.appendSoon(record('third')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const stored = store.recordsAfter(0, 10).map((r) => (JSON.parse(r.json) as CloudTrailRecord).eventName);
    expect(stored).toEqual(['first', 'third']);
  });

  it('turns a pending row a dead process left into a record saying the call was interrupted', async () => {
    const path = join(dir, 'audit.db');
    const pending = await store.beginSoon(record('PutObject'));
    expect(pending).toBeGreaterThan(0);
    store.close();
    store = openAuditStore(path);
    const [found] = store.recordsAfter(0, 10).map((r) => JSON.parse(r.json) as CloudTrailRecord);
    expect(found).toMatchObject({ eventName: 'PutObject', errorCode: 'ServiceUnavailable' });
  });
});
