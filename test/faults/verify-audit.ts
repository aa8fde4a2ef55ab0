import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { AuditExpectation } from './model.js';

/**
 * The audit trail of a stopped installation against what the test was told: each acknowledged write has its
 * successful record, and each call in flight at a kill whose effect is visible has a record, successful or
 * marked as interrupted (the server notes a call before running it, so a committed effect is never unrecorded).
 */

interface AuditRow {
  readonly id: string;
  readonly event: string;
  readonly bucket: string;
  readonly key: string;
  readonly detail: string;
  readonly ok: boolean;
  readonly interrupted: boolean;
}

interface TrailRecord {
  eventName: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: { [name: string]: unknown } | null;
  responseElements?: { [name: string]: unknown } | null;
}

const EVENTS = [
  'PutObject',
  'DeleteObject',
  'UploadPart',
  'CompleteMultipartUpload',
  'StartCrawler',
  'StartJobRun',
  'StartQueryExecution',
];

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** What identifies the call beyond its bucket and key, as AuditExpectation's `detail`. */
function detailOf(record: TrailRecord): string {
  const request = record.requestParameters ?? {};
  const response = record.responseElements ?? {};
  switch (record.eventName) {
    case 'PutObject':
      return text(response['x-amz-version-id']);
    case 'DeleteObject':
      return text(request.versionId) || text(response['x-amz-version-id']);
    case 'UploadPart':
      return `${text(request.uploadId)}:${text(request.partNumber)}`;
    case 'CompleteMultipartUpload':
      return text(request.uploadId);
    case 'StartCrawler':
      return text(request.name);
    case 'StartJobRun':
      return text(response.runId);
    case 'StartQueryExecution':
      return text(response.queryExecutionId);
    default:
      return '';
  }
}

function rowsOf(dataDir: string): AuditRow[] {
  const db = new BetterSqlite3(join(dataDir, 'audit.db'), { readonly: true });
  try {
    const records = db
      .prepare(
        `SELECT event_id AS id, record FROM audit_events WHERE event_name IN (${EVENTS.map(() => '?').join(', ')})`,
      )
      .all(...EVENTS) as { id: string; record: string }[];
    return records.map(({ id, record: json }) => {
      const record = JSON.parse(json) as TrailRecord;
      const s3 = !record.eventName.startsWith('Start');
      return {
        id,
        event: record.eventName,
        bucket: s3 ? text(record.requestParameters?.bucketName) : '',
        key: s3 ? text(record.requestParameters?.key) : '',
        detail: detailOf(record),
        ok: record.errorCode === undefined,
        interrupted:
          record.errorCode === 'ServiceUnavailable' &&
          (record.errorMessage ?? '').startsWith('Seawall stopped'),
      };
    });
  } finally {
    db.close();
  }
}

/**
 * Each expectation takes a record of its own; those left without one are the findings. Also answers the event
 * ids of the records taken, which the trail must deliver.
 */
export function verifyAuditRecords(
  dataDir: string,
  expectations: readonly AuditExpectation[],
): { findings: string[]; eventIds: string[] } {
  const pool = new Map<string, AuditRow[]>();
  for (const row of rowsOf(dataDir)) {
    const group = `${row.event} ${row.bucket}/${row.key}`;
    const rows = pool.get(group);
    if (rows) rows.push(row);
    else pool.set(group, [row]);
  }
  const findings: string[] = [];
  const eventIds: string[] = [];
  // The acknowledged first: they need a successful record, which an in-flight call must not take from them.
  const ordered = [...expectations].sort((a, b) => Number(b.acked) - Number(a.acked));
  for (const want of ordered) {
    const rows = pool.get(`${want.event} ${want.bucket}/${want.key}`) ?? [];
    const index = rows.findIndex(
      (row) =>
        (row.ok && row.detail === want.detail) ||
        (!want.acked && row.interrupted && (row.detail === want.detail || row.detail === '')),
    );
    if (index >= 0) eventIds.push(...rows.splice(index, 1).map((row) => row.id));
    else
      findings.push(
        `no ${want.acked ? 'successful' : 'successful or interrupted'} audit record of ${want.event} ${want.bucket}/${want.key}${want.detail ? ` (${want.detail})` : ''}, ${want.acked ? 'acknowledged' : 'in flight at a kill, its effect visible'}`,
      );
  }
  return { findings, eventIds };
}
