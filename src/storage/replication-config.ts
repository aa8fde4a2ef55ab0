import { randomBytes } from 'node:crypto';
import { AppError, badRequest } from '../errors.js';
import type { XmlObject } from '../lib/xml.js';
import { bucketNameProblem } from './bucket-names.js';
import { filterOf, filterXml, type LifecycleFilter, type LifecycleRule, ruleHead } from './lifecycle.js';
import { S3_STORAGE_CLASSES } from './s3-input-rules.js';
import {
  asRecord,
  childElement as element,
  malformedXml,
  onlyElements,
  childText as text,
} from './s3-wire.js';

/** Where a rule replicates to: a bucket by its ARN, in the account that owns it (absent: the source's own). */
export interface ReplicationDestination {
  bucket: string;
  account?: string;
  storageClass?: string;
  /** The key replicas of SSE-KMS objects are encrypted under at the destination. */
  replicaKmsKeyId?: string;
  /** AccessControlTranslation Owner=Destination: replicas belong to the destination's account. */
  ownerOverride: boolean;
  /** S3 Replication Time Control and replication metrics, kept as put (Seawall always publishes the metrics). */
  replicationTime?: { enabled: boolean; minutes: number };
  metrics?: { enabled: boolean; minutes?: number };
}

/** A replication rule as PutBucketReplication stored it, normalized. */
export interface ReplicationRule {
  id: string;
  /** Absent in the first schema (a rule-level Prefix), where rules may not overlap. */
  priority?: number;
  enabled: boolean;
  form: LifecycleRule['form'];
  filter: LifecycleFilter;
  /** Whether delete markers are replicated (always in the first schema, as S3 does). */
  deleteMarkers: boolean;
  /** SourceSelectionCriteria SseKmsEncryptedObjects: only then are SSE-KMS objects replicated. */
  sseKmsObjects: boolean;
  replicaModifications?: boolean;
  destination: ReplicationDestination;
}

export interface ReplicationConfiguration {
  role: string;
  rules: ReplicationRule[];
}

const MAX_RULES = 1000;
const BUCKET_ARN = /^arn:aws:s3:::([^/:*?]*)$/;
const ACCOUNT = /^\d{12}$/;

function invalidArgument(message: string): AppError {
  return badRequest('InvalidArgument', message);
}

function invalidRequest(message: string): AppError {
  return badRequest('InvalidRequest', message);
}

function only(record: Record<string, unknown>, names: readonly string[]): void {
  onlyElements(record, names, malformedXml, { once: true });
}

/** An element's Status: Enabled or Disabled, and nothing else. */
function enabled(record: Record<string, unknown>): boolean {
  const status = text(record, 'Status');
  if (status !== 'Enabled' && status !== 'Disabled') throw malformedXml();
  return status === 'Enabled';
}

/** A `<X><Status>Enabled|Disabled</Status></X>` element: undefined when absent. */
function statusOf(record: Record<string, unknown>, name: string): boolean | undefined {
  const found = element(record, name);
  if (!found) return undefined;
  only(found, ['Status']);
  return enabled(found);
}

function minutesOf(record: Record<string, unknown>, name: string): number | undefined {
  const found = element(record, name);
  if (!found) return undefined;
  only(found, ['Minutes']);
  const value = text(found, 'Minutes');
  if (value === undefined || !/^\d{1,9}$/.test(value.trim())) throw malformedXml();
  return Number(value);
}

function destinationOf(record: Record<string, unknown>): ReplicationDestination {
  only(record, [
    'Bucket',
    'Account',
    'StorageClass',
    'AccessControlTranslation',
    'EncryptionConfiguration',
    'ReplicationTime',
    'Metrics',
  ]);
  const arn = text(record, 'Bucket');
  if (arn === undefined) throw malformedXml();
  const bucket = BUCKET_ARN.exec(arn.trim())?.[1];
  if (bucket === undefined)
    throw invalidArgument('Invalid bucket ARN: a destination is named arn:aws:s3:::BUCKET.');
  // A name no bucket can have: which of S3's naming rules it breaks is said, the ARN being well formed.
  const problem = bucketNameProblem(bucket);
  if (problem) throw invalidArgument(`Invalid bucket ARN: the bucket name ${problem}.`);
  const destination: ReplicationDestination = { bucket, ownerOverride: false };
  const account = text(record, 'Account');
  if (account !== undefined) {
    if (!ACCOUNT.test(account.trim())) throw invalidArgument('Invalid account id.');
    destination.account = account.trim();
  }
  const storageClass = text(record, 'StorageClass');
  if (storageClass !== undefined) {
    // Any of S3's classes (a Seawall destination takes STANDARD and its cold tier's).
    if (!S3_STORAGE_CLASSES.has(storageClass)) throw malformedXml();
    destination.storageClass = storageClass;
  }
  const translation = element(record, 'AccessControlTranslation');
  if (translation) {
    only(translation, ['Owner']);
    if (text(translation, 'Owner') !== 'Destination') throw malformedXml();
    if (destination.account === undefined)
      throw invalidRequest(
        'Destination Account must be specified when AccessControlTranslation is specified.',
      );
    destination.ownerOverride = true;
  }
  const encryption = element(record, 'EncryptionConfiguration');
  if (encryption) {
    only(encryption, ['ReplicaKmsKeyID']);
    const key = text(encryption, 'ReplicaKmsKeyID');
    if (key !== undefined && key.trim() !== '') destination.replicaKmsKeyId = key.trim();
  }
  const time = element(record, 'ReplicationTime');
  if (time) {
    only(time, ['Status', 'Time']);
    const minutes = minutesOf(time, 'Time');
    if (minutes === undefined) throw malformedXml();
    if (minutes !== 15) throw invalidArgument('ReplicationTime must be 15 minutes.');
    // S3 Replication Time Control promises replication within 15 minutes and events when it misses: Seawall
    // makes no such promise, so it refuses to be asked for one.
    if (enabled(time))
      throw new AppError('NotImplemented', 501, 'S3 Replication Time Control is not implemented.');
    destination.replicationTime = { enabled: false, minutes };
  }
  const metrics = element(record, 'Metrics');
  if (metrics) {
    only(metrics, ['Status', 'EventThreshold']);
    const minutes = minutesOf(metrics, 'EventThreshold');
    destination.metrics = { enabled: enabled(metrics), ...(minutes !== undefined ? { minutes } : {}) };
  }
  return destination;
}

function ruleOf(value: unknown): ReplicationRule {
  const record = asRecord(value);
  if (!record) throw malformedXml();
  only(record, [
    'ID',
    'Priority',
    'Prefix',
    'Filter',
    'Status',
    'SourceSelectionCriteria',
    'ExistingObjectReplication',
    'Destination',
    'DeleteMarkerReplication',
  ]);
  const { id, status, prefix, filterElement } = ruleHead(record);
  if (prefix !== undefined && filterElement !== undefined) throw malformedXml();
  const destinationElement = element(record, 'Destination');
  if (!destinationElement) throw malformedXml();
  const priorityText = text(record, 'Priority');
  let priority: number | undefined;
  if (priorityText !== undefined) {
    if (!/^\s*-?\d{1,10}\s*$/.test(priorityText)) throw malformedXml();
    priority = Number(priorityText);
    if (priority < 0 || priority > 2 ** 31 - 1)
      throw invalidArgument('Priority must be a non-negative integer.');
  }
  const deleteMarkers = statusOf(record, 'DeleteMarkerReplication');
  // The first schema names a Prefix on the rule (or no filter at all) and replicates delete markers; the
  // current one has a Filter.
  const v1 = filterElement === undefined;
  if (v1 && (priority !== undefined || deleteMarkers !== undefined))
    throw invalidRequest(
      'Priority and DeleteMarkerReplication cannot be used with the Prefix element of a rule; use a Filter.',
    );
  if (!v1 && deleteMarkers === undefined)
    throw invalidRequest(
      'DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.',
    );
  const { form, filter } = filterElement
    ? filterOf(filterElement)
    : { form: 'prefix' as const, filter: { prefix: prefix ?? '' } };
  if (filter.sizeGreaterThan !== undefined || filter.sizeLessThan !== undefined) throw malformedXml();
  if (deleteMarkers && filter.tags && filter.tags.length > 0)
    throw invalidRequest(
      'Delete marker replication is not supported if any Tag filter is specified. Please refer to S3 Developer Guide for more information.',
    );
  // S3 answers MalformedXML to an account it has not enabled existing object replication for, as Seawall is:
  // existing objects are replicated by copying them onto themselves (S3 Batch Replication's job).
  if (statusOf(record, 'ExistingObjectReplication')) throw malformedXml();
  let sseKmsObjects = false;
  let replicaModifications: boolean | undefined;
  const criteria = element(record, 'SourceSelectionCriteria');
  if (criteria) {
    only(criteria, ['SseKmsEncryptedObjects', 'ReplicaModifications']);
    sseKmsObjects = statusOf(criteria, 'SseKmsEncryptedObjects') ?? false;
    replicaModifications = statusOf(criteria, 'ReplicaModifications');
    if (replicaModifications)
      throw invalidRequest('ReplicaModifications is not supported: replicas are not replicated back.');
  }
  const destination = destinationOf(destinationElement);
  if (sseKmsObjects && destination.replicaKmsKeyId === undefined)
    throw invalidArgument('ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present.');
  if (!sseKmsObjects && destination.replicaKmsKeyId !== undefined)
    throw invalidArgument('SseKmsEncryptedObjects must be specified if EncryptionConfiguration is present.');
  return {
    // S3 names a rule put without an ID with a random one.
    id: id || randomBytes(24).toString('base64'),
    // A rule of the current schema without a Priority has S3's default, 0.
    ...(v1 ? {} : { priority: priority ?? 0 }),
    enabled: status === 'Enabled',
    form,
    filter,
    deleteMarkers: v1 ? true : deleteMarkers === true,
    sseKmsObjects,
    ...(replicaModifications !== undefined ? { replicaModifications } : {}),
    destination,
  };
}

/** Two prefixes overlap when one begins the other. */
function overlaps(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/**
 * Parses a ReplicationConfiguration document (parsed XML, with Rule and Tag as arrays) with S3's errors:
 * MalformedXML for what its schema refuses, InvalidArgument and InvalidRequest for values it refuses.
 */
export function parseReplication(document: Record<string, unknown> | undefined): ReplicationConfiguration {
  const config = element(document ?? {}, 'ReplicationConfiguration');
  if (!config) throw malformedXml();
  onlyElements(config, ['Role', 'Rule'], malformedXml);
  const role = text(config, 'Role');
  if (role === undefined) throw malformedXml();
  if (!/^arn:aws:iam::\d{12}:role\/.+$/.test(role.trim())) throw invalidArgument('Invalid Role specified.');
  const list = config.Rule === undefined ? [] : Array.isArray(config.Rule) ? config.Rule : [config.Rule];
  if (list.length === 0) throw malformedXml();
  if (list.length > MAX_RULES)
    throw invalidRequest(`Replication configuration cannot have more than ${MAX_RULES} rules.`);
  const rules = list.map((rule) => ruleOf(rule));
  const v1 = rules.filter((rule) => rule.form === 'prefix');
  if (v1.length > 0 && v1.length !== rules.length)
    throw invalidRequest('All rules must use the same version of the replication configuration schema.');
  const ids = new Set<string>();
  const priorities = new Set<number>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw invalidArgument('Rule Id must be unique.');
    ids.add(rule.id);
    if (rule.priority !== undefined) {
      if (priorities.has(rule.priority)) throw invalidRequest('Priority must be unique.');
      priorities.add(rule.priority);
    }
  }
  for (const [i, one] of v1.entries())
    for (const other of v1.slice(i + 1)) {
      const [a, b] = [one.filter.prefix ?? '', other.filter.prefix ?? ''];
      if (one.destination.bucket === other.destination.bucket && overlaps(a, b))
        throw invalidRequest(`Found overlapping prefixes '${a}' and '${b}' for same destination bucket`);
    }
  return { role: role.trim(), rules };
}

/** The configuration as GetBucketReplication answers it. */
export function replicationXml(config: ReplicationConfiguration): XmlObject {
  const status = (enabled: boolean) => ({ Status: enabled ? 'Enabled' : 'Disabled' });
  return {
    Role: config.role,
    Rule: config.rules.map((rule) => {
      const { destination: d } = rule;
      return {
        ID: rule.id,
        Priority: rule.priority,
        ...filterXml(rule),
        Status: rule.enabled ? 'Enabled' : 'Disabled',
        SourceSelectionCriteria:
          rule.sseKmsObjects || rule.replicaModifications !== undefined
            ? {
                SseKmsEncryptedObjects: rule.sseKmsObjects ? status(true) : undefined,
                ReplicaModifications:
                  rule.replicaModifications !== undefined ? status(rule.replicaModifications) : undefined,
              }
            : undefined,
        Destination: {
          Bucket: `arn:aws:s3:::${d.bucket}`,
          Account: d.account,
          StorageClass: d.storageClass,
          AccessControlTranslation: d.ownerOverride ? { Owner: 'Destination' } : undefined,
          EncryptionConfiguration:
            d.replicaKmsKeyId !== undefined ? { ReplicaKmsKeyID: d.replicaKmsKeyId } : undefined,
          ReplicationTime: d.replicationTime
            ? { ...status(d.replicationTime.enabled), Time: { Minutes: d.replicationTime.minutes } }
            : undefined,
          Metrics: d.metrics
            ? {
                ...status(d.metrics.enabled),
                EventThreshold: d.metrics.minutes !== undefined ? { Minutes: d.metrics.minutes } : undefined,
              }
            : undefined,
        },
        DeleteMarkerReplication: rule.form === 'prefix' ? undefined : status(rule.deleteMarkers),
      };
    }),
  };
}

/** What a change is, for the rules that pick it: a key, its tags, whether it is a delete marker, its sealing. */
export interface ReplicationSubject {
  key: string;
  tags: ReadonlyMap<string, string>;
  deleteMarker: boolean;
  sseKms: boolean;
}

/**
 * The rules a change is replicated by: for each destination bucket, the enabled rule of highest priority whose
 * filter selects the object (S3's rule for overlapping rules); a delete marker only by rules that replicate
 * them, an SSE-KMS object only by rules that select such objects.
 */
export function rulesFor(config: ReplicationConfiguration, subject: ReplicationSubject): ReplicationRule[] {
  const byDestination = new Map<string, ReplicationRule>();
  for (const rule of config.rules) {
    if (!rule.enabled) continue;
    const { filter } = rule;
    if (filter.prefix !== undefined && !subject.key.startsWith(filter.prefix)) continue;
    if (filter.tags && !filter.tags.every((tag) => subject.tags.get(tag.key) === tag.value)) continue;
    const destination = `${rule.destination.account ?? ''}/${rule.destination.bucket}`;
    const chosen = byDestination.get(destination);
    if (chosen && (chosen.priority ?? 0) >= (rule.priority ?? 0)) continue;
    byDestination.set(destination, rule);
  }
  return [...byDestination.values()].filter(
    (rule) => (subject.deleteMarker ? rule.deleteMarkers : true) && (!subject.sseKms || rule.sseKmsObjects),
  );
}

/** A configuration as PutBucketReplication stored it (its normalized JSON). */
export function parseStoredReplication(stored: string): ReplicationConfiguration {
  return JSON.parse(stored) as ReplicationConfiguration;
}
