import { createPrivateKey, createPublicKey } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { SecretBox } from '../kms/index.js';
import type { CheckReport } from '../lib/check-report.js';
import type { CloudTrailRecord } from './audit-record.js';
import {
  describeFindings,
  type TrailBucket,
  type TrailPublicKey,
  verifyTrailBucket,
} from './audit-verify.js';
import { publicKeyFingerprint } from './digest-format.js';

/**
 * The offline check of the audit trail (`seawall check`). The records in audit.db are not chained to each other
 * (nothing there links one record to the next), so of them it checks that each is a whole CloudTrail record
 * that agrees with the columns LookupEvents finds it by. The chain CloudTrail defines is the one a trail with
 * log file validation delivers: signed digests, each linked to the one before and listing its log files'
 * hashes. Each such trail's bucket is verified as `seawall audit verify` verifies it (verifyTrailBucket), read
 * from the blob files instead of over S3, with the public keys audit.db keeps; and each signing key's private
 * half must open with the root key.
 */
export interface AuditCheckDeps {
  /** audit.db, opened read-only. */
  db: BetterSqlite3.Database;
  /** The box the trail signing keys' private halves are sealed in (the root key's `cloudtrail-digest-keys`). */
  secrets: SecretBox;
  /** A bucket's current objects, read without a server. */
  bucket(name: string): Pick<TrailBucket, 'list'> & {
    get(key: string): ReturnType<TrailBucket['get']>;
  };
  report: CheckReport;
}

function hasTable(db: BetterSqlite3.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

interface EventRow {
  seq: number;
  event_id: string;
  event_time: number;
  event_name: string;
  record: string;
}

/** Each record a whole CloudTrail record that agrees with its columns. */
function checkRecords({ db, report }: AuditCheckDeps): void {
  if (!hasTable(db, 'audit_events')) return;
  const rows = db
    .prepare('SELECT seq, event_id, event_time, event_name, record FROM audit_events ORDER BY seq')
    .iterate() as IterableIterator<EventRow>;
  for (const row of rows) {
    const subject = `audit record ${row.seq}`;
    let record: Partial<CloudTrailRecord>;
    try {
      record = JSON.parse(row.record) as Partial<CloudTrailRecord>;
    } catch {
      report.problem(subject, 'is not a JSON CloudTrail record');
      continue;
    }
    const disagree = [
      record.eventID !== row.event_id ? 'eventID' : undefined,
      record.eventName !== row.event_name ? 'eventName' : undefined,
      Date.parse(record.eventTime ?? '') !== row.event_time ? 'eventTime' : undefined,
    ].filter((name) => name !== undefined);
    if (disagree.length > 0)
      report.problem(
        subject,
        `its ${disagree.join(', ')} ${disagree.length === 1 ? 'differs' : 'differ'} from what it is filed under (it was altered)`,
      );
    else report.ok('audit record', subject);
  }
  if (hasTable(db, 'audit_pending')) {
    const { count } = db.prepare('SELECT count(*) AS count FROM audit_pending').get() as { count: number };
    if (count > 0)
      report.note(
        'audit.db',
        `${count} call(s) the last process died in are pending; the next start records them as interrupted`,
      );
  }
}

interface KeyRow {
  region: string;
  public_der: Buffer;
  sealed_private: string;
}

/** The trails' public keys, each after its private half is checked to open and to be its pair. */
function checkSigningKeys({ db, secrets, report }: AuditCheckDeps): TrailPublicKey[] {
  if (!hasTable(db, 'trail_keys')) return [];
  const rows = db
    .prepare('SELECT region, public_der, sealed_private FROM trail_keys ORDER BY created, id')
    .all() as KeyRow[];
  return rows.map((row) => {
    const fingerprint = publicKeyFingerprint(row.public_der);
    const subject = `trail signing key ${fingerprint} (${row.region})`;
    try {
      const privateKey = createPrivateKey(
        secrets.open(row.sealed_private, `cloudtrail-digest:${row.region}`),
      );
      const der = createPublicKey(privateKey).export({ format: 'der', type: 'pkcs1' });
      if (der.equals(row.public_der)) report.ok('trail signing key', subject);
      else report.problem(subject, 'its private half is not the pair of its public key');
    } catch {
      report.problem(subject, 'its private half does not open with the root key');
    }
    return { fingerprint, der: row.public_der };
  });
}

interface TrailRow {
  name: string;
  settings: string;
}

/** What a line of describeFindings says: the kind of file, its URL and what is wrong with it. */
function reportLine(report: CheckReport, trail: string, line: string): void {
  const [kind = '', url = '', status = ''] = line.split('\t');
  const subject = `trail ${trail}: ${kind.toLowerCase()} ${url}`;
  if (status === 'valid') report.ok(kind === 'Digest file' ? 'trail digest' : 'trail log file', subject);
  else if (status.startsWith('UNVERIFIED: ')) report.note(subject, status.slice('UNVERIFIED: '.length));
  else report.problem(subject, status.replace(/^INVALID: /, ''));
}

/** Every trail with log file validation: its bucket's digests and log files, as `seawall audit verify` checks them. */
async function checkTrails(deps: AuditCheckDeps, keys: readonly TrailPublicKey[]): Promise<void> {
  const { db, report } = deps;
  if (!hasTable(db, 'trails')) return;
  const done = new Set<string>();
  for (const row of db.prepare('SELECT name, settings FROM trails ORDER BY name').all() as TrailRow[]) {
    const settings = JSON.parse(row.settings) as {
      bucket: string;
      prefix: string | null;
      validation: boolean;
    };
    if (!settings.validation) {
      report.note(
        `trail ${row.name}`,
        'log file validation is off, so its log files have no digests to check',
      );
      continue;
    }
    const place = `${settings.bucket}/${settings.prefix ?? ''}`;
    if (done.has(place)) continue;
    done.add(place);
    const own = deps.bucket(settings.bucket);
    const bucket: TrailBucket = {
      list: (prefix) => own.list(prefix),
      get: (key, other) => (other === undefined ? own.get(key) : deps.bucket(other).get(key)),
    };
    try {
      const findings = await verifyTrailBucket(bucket, keys, {
        bucket: settings.bucket,
        ...(settings.prefix ? { prefix: settings.prefix } : {}),
      });
      const { lines } = describeFindings(settings.bucket, findings);
      lines.pop();
      for (const line of lines) reportLine(report, row.name, line);
    } catch (error) {
      report.problem(`trail ${row.name}`, `its bucket cannot be verified: ${(error as Error).message}`);
    }
  }
}

/** Checks audit.db's records, the trail signing keys and every validated trail's bucket. */
export async function checkAuditTrail(deps: AuditCheckDeps): Promise<void> {
  checkRecords(deps);
  const keys = checkSigningKeys(deps);
  await checkTrails(deps, keys);
}
