import { AppError, badRequest, conflict } from '../errors.js';
import { asRecord, malformedXml, onlyElements } from './s3-wire.js';

/**
 * S3 Object Lock: a bucket's configuration (enabled, with an optional default retention) and each version's
 * retention and legal hold, with the rules S3 applies to them. The decisions here are pure, so the store can
 * run them inside the transaction that changes or deletes a version.
 */

export type LockMode = 'GOVERNANCE' | 'COMPLIANCE';

/** A default retention: a mode and a period of days or years (never both). */
export interface DefaultRetention {
  mode: LockMode;
  days?: number;
  years?: number;
}

/** The bucket's `object-lock` setting: present once Object Lock is enabled, which cannot be undone. */
export interface ObjectLockConfig {
  enabled: true;
  rule?: DefaultRetention;
}

export interface Retention {
  mode: LockMode;
  /** Milliseconds since the epoch. */
  until: number;
}

/** A version's Object Lock state, kept in its `attributes` JSON (other keys there are left as they are). */
export interface VersionLock {
  retention?: Retention;
  legalHold?: 'ON' | 'OFF';
}

/** The longest default retention S3 takes: 100 years. */
const MAX_DAYS = 36_500;
const MAX_YEARS = 100;

export function lockNotConfigured(): AppError {
  return badRequest('InvalidRequest', 'Bucket is missing Object Lock Configuration');
}

export function lockConfigurationNotFound(bucket: string): AppError {
  return new AppError(
    'ObjectLockConfigurationNotFoundError',
    404,
    'Object Lock configuration does not exist for this bucket',
    { fields: { BucketName: bucket } },
  );
}

export function noObjectLockConfiguration(): AppError {
  return new AppError(
    'NoSuchObjectLockConfiguration',
    404,
    'The specified object does not have a ObjectLock configuration',
  );
}

export function versioningNotEnabled(): AppError {
  return conflict(
    'InvalidBucketState',
    "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
  );
}

export function versioningLocked(): AppError {
  return conflict(
    'InvalidBucketState',
    'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.',
  );
}

function protectedByLock(): AppError {
  return new AppError('AccessDenied', 403, 'Access Denied because object protected by object lock.');
}

function isMode(value: unknown): value is LockMode {
  return value === 'GOVERNANCE' || value === 'COMPLIANCE';
}

function period(value: unknown, name: 'Days' | 'Years'): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\s*[+-]?\d{1,12}\s*$/.test(value)) throw malformedXml();
  const n = Number(value);
  if (n <= 0)
    throw badRequest('InvalidArgument', 'Default retention period must be a positive integer value.', {
      ArgumentName: name,
    });
  if (n > (name === 'Days' ? MAX_DAYS : MAX_YEARS))
    throw badRequest('InvalidArgument', 'Default retention period is too large.', { ArgumentName: name });
  return n;
}

/** An ObjectLockConfiguration document (PutObjectLockConfiguration), as S3 validates it. */
export function readLockConfiguration(document: Record<string, unknown> | undefined): ObjectLockConfig {
  const config = asRecord(document?.ObjectLockConfiguration);
  if (!config) throw malformedXml();
  onlyElements(config, ['ObjectLockEnabled', 'Rule'], malformedXml, { once: true });
  if (config.ObjectLockEnabled !== 'Enabled') throw malformedXml();
  if (config.Rule === undefined) return { enabled: true };
  const rule = asRecord(config.Rule);
  if (!rule) throw malformedXml();
  onlyElements(rule, ['DefaultRetention'], malformedXml, { once: true });
  const retention = asRecord(rule.DefaultRetention);
  if (!retention) throw malformedXml();
  onlyElements(retention, ['Mode', 'Days', 'Years'], malformedXml, { once: true });
  if (!isMode(retention.Mode)) throw malformedXml();
  if ((retention.Days === undefined) === (retention.Years === undefined)) throw malformedXml();
  const days = period(retention.Days, 'Days');
  const years = period(retention.Years, 'Years');
  return {
    enabled: true,
    rule: {
      mode: retention.Mode,
      ...(days !== undefined ? { days } : {}),
      ...(years !== undefined ? { years } : {}),
    },
  };
}

/** The configuration as GetObjectLockConfiguration answers it. */
export function lockConfigurationXml(config: ObjectLockConfig) {
  const rule = config.rule;
  return {
    ObjectLockEnabled: 'Enabled',
    Rule: rule && { DefaultRetention: { Mode: rule.mode, Days: rule.days, Years: rule.years } },
  };
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-](\d{2}):?(\d{2}))$/;

/** An ISO 8601 date-time with a zone (`2030-01-01T00:00:00Z`, `…00.123+02:00`), in ms; undefined otherwise. */
export function parseIsoDate(text: string): number | undefined {
  const match = ISO_8601.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone, zh, zm] = match;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59)
    return undefined;
  // setUTCFullYear, unlike Date.UTC, takes years 0 to 99 as they are rather than as 1900 to 1999.
  const date = new Date(Date.UTC(2000, 0, 1, Number(h), Number(mi), Number(s)));
  date.setUTCFullYear(Number(y), month - 1, day);
  const local = date.getTime();
  // A 31 February rolls into March: such a date does not exist.
  if (date.getUTCDate() !== day) return undefined;
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const offset =
    zone === 'Z' ? 0 : (zone?.startsWith('-') ? -1 : 1) * (Number(zh) * 60 + Number(zm)) * 60_000;
  if (Number(zh ?? 0) > 23 || Number(zm ?? 0) > 59) return undefined;
  return local + ms - offset;
}

/** S3's form of a retain-until date: ISO 8601 in UTC with milliseconds. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

const PACIFIC = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  weekday: 'short',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
  year: 'numeric',
});

/**
 * A date as S3 prints one in an error's ArgumentValue: as Java's Date.toString does, in Pacific time whatever
 * the region (`Tue Dec 31 16:00:00 PST 2019` for 2020-01-01T00:00:00Z).
 */
export function argumentDate(ms: number): string {
  const part = Object.fromEntries(PACIFIC.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${part.weekday} ${part.month} ${part.day} ${part.hour}:${part.minute}:${part.second} ${part.timeZoneName} ${part.year}`;
}

/** A retain-until date must be in the future; S3 names the Retention document's date, value and all. */
function retainUntilInFuture(until: number, now: number, withValue = false): void {
  if (until <= now)
    throw badRequest('InvalidArgument', 'The retain until date must be in the future!', {
      ArgumentName: 'RetainUntilDate',
      ...(withValue ? { ArgumentValue: argumentDate(until) } : {}),
    });
}

/** A Retention document (PutObjectRetention); undefined for an empty one, which removes the retention. */
export function readRetention(
  document: Record<string, unknown> | undefined,
  now: number,
): Retention | undefined {
  const record = asRecord(document?.Retention);
  if (!record) throw malformedXml();
  onlyElements(record, ['Mode', 'RetainUntilDate'], malformedXml, { once: true });
  if (record.Mode === undefined && record.RetainUntilDate === undefined) return undefined;
  if (!isMode(record.Mode) || typeof record.RetainUntilDate !== 'string') throw malformedXml();
  const until = parseIsoDate(record.RetainUntilDate);
  if (until === undefined) throw malformedXml();
  retainUntilInFuture(until, now, true);
  return { mode: record.Mode, until };
}

/** A LegalHold document (PutObjectLegalHold). */
export function readLegalHold(document: Record<string, unknown> | undefined): 'ON' | 'OFF' {
  const hold = asRecord(document?.LegalHold);
  if (!hold) throw malformedXml();
  onlyElements(hold, ['Status'], malformedXml, { once: true });
  if (hold.Status !== 'ON' && hold.Status !== 'OFF') throw malformedXml();
  return hold.Status;
}

/**
 * The Object Lock headers of a write (PutObject, CreateMultipartUpload): mode and retain-until date come
 * together, the date in the future; the legal hold is ON or OFF. Undefined when the write sends none.
 */
export function lockOfHeaders(
  headers: Record<string, string | undefined>,
  now: number,
): VersionLock | undefined {
  const mode = headers['x-amz-object-lock-mode'];
  const date = headers['x-amz-object-lock-retain-until-date'];
  const hold = headers['x-amz-object-lock-legal-hold'];
  if (mode === undefined && date === undefined && hold === undefined) return undefined;
  const lock: VersionLock = {};
  if ((mode === undefined) !== (date === undefined))
    throw badRequest(
      'InvalidArgument',
      'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
      // S3 names the header missing.
      { ArgumentName: mode === undefined ? 'x-amz-object-lock-mode' : 'x-amz-object-lock-retain-until-date' },
    );
  if (mode !== undefined && date !== undefined) {
    if (!isMode(mode))
      throw badRequest('InvalidArgument', 'Unknown wormMode directive.', {
        ArgumentName: 'x-amz-object-lock-mode',
        ArgumentValue: mode.slice(0, 64),
      });
    const until = parseIsoDate(date);
    if (until === undefined)
      throw badRequest('InvalidArgument', 'The retain until date must be provided in ISO 8601 format', {
        ArgumentName: 'x-amz-object-lock-retain-until-date',
        ArgumentValue: date.slice(0, 64),
      });
    retainUntilInFuture(until, now);
    lock.retention = { mode, until };
  }
  if (hold !== undefined) {
    if (hold !== 'ON' && hold !== 'OFF')
      throw badRequest('InvalidArgument', "Legal Hold must be either of 'ON' or 'OFF'", {
        ArgumentName: 'x-amz-object-lock-legal-hold',
        ArgumentValue: hold.slice(0, 64),
      });
    lock.legalHold = hold;
  }
  return lock;
}

/** The retention a bucket's default rule gives a version written at `now`. */
export function defaultRetention(rule: DefaultRetention, now: number): Retention {
  const until = new Date(now);
  if (rule.years !== undefined) until.setUTCFullYear(until.getUTCFullYear() + rule.years);
  else until.setUTCDate(until.getUTCDate() + (rule.days ?? 0));
  return { mode: rule.mode, until: until.getTime() };
}

/** A version's lock from its `attributes` JSON. */
export function lockOf(attributes: string | null): VersionLock {
  if (attributes === null) return {};
  const parsed = JSON.parse(attributes) as { objectLock?: VersionLock };
  return parsed.objectLock ?? {};
}

/** `attributes` with the version's lock replaced, its other settings kept. */
export function withLock(attributes: string | null, lock: VersionLock): string | null {
  const parsed = attributes === null ? {} : (JSON.parse(attributes) as Record<string, unknown>);
  const { objectLock: _old, ...rest } = parsed;
  const empty = lock.retention === undefined && lock.legalHold === undefined;
  const next = empty ? rest : { ...rest, objectLock: lock };
  return Object.keys(next).length === 0 ? null : JSON.stringify(next);
}

/** Whether the retention still protects the version at `now`. */
function active(retention: Retention | undefined, now: number): retention is Retention {
  return retention !== undefined && retention.until > now;
}

/**
 * May a version with this lock be deleted for good? A legal hold or a compliance retention forbids it; a
 * governance retention allows it only to a caller bypassing governance (header and permission).
 */
export function checkDeletable(lock: VersionLock, now: number, bypassGovernance: boolean): void {
  if (lock.legalHold === 'ON') throw protectedByLock();
  const { retention } = lock;
  if (!active(retention, now)) return;
  if (retention.mode === 'COMPLIANCE' || !bypassGovernance) throw protectedByLock();
}

/**
 * May a version's retention become `next` (undefined removes it)? Extending it in the same mode always may;
 * anything else under an active governance retention needs the bypass, under compliance never.
 */
export function checkRetentionChange(
  current: Retention | undefined,
  next: Retention | undefined,
  now: number,
  bypassGovernance: boolean,
): void {
  if (!active(current, now)) return;
  const extending = next !== undefined && next.mode === current.mode && next.until >= current.until;
  if (extending) return;
  if (current.mode === 'COMPLIANCE' || !bypassGovernance) throw protectedByLock();
}

/** The headers GET and HEAD answer with for a version's lock. */
export function lockHeaders(lock: VersionLock | undefined): Record<string, string> {
  if (!lock) return {};
  return {
    ...(lock.retention
      ? {
          'x-amz-object-lock-mode': lock.retention.mode,
          'x-amz-object-lock-retain-until-date': isoDate(lock.retention.until),
        }
      : {}),
    ...(lock.legalHold ? { 'x-amz-object-lock-legal-hold': lock.legalHold } : {}),
  };
}

/** A write's Object Lock parameters (headers, or the bucket's default retention) need a digest of its bytes. */
export function digestRequired(): AppError {
  return badRequest(
    'InvalidRequest',
    'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
  );
}
