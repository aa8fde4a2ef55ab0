import { randomBytes } from 'node:crypto';
import { type AppError, badRequest } from '../errors.js';
import type { XmlObject } from '../lib/xml.js';
import { argumentDate } from './object-lock.js';
import {
  asRecord,
  childElement as element,
  malformedXml,
  onlyElements,
  childText as text,
} from './s3-wire.js';

/** What a rule's filter selects: every predicate must hold (And); an empty filter selects every object. */
export interface LifecycleFilter {
  prefix?: string;
  tags?: { key: string; value: string }[];
  sizeGreaterThan?: number;
  sizeLessThan?: number;
}

/** A lifecycle rule as PutBucketLifecycleConfiguration stored it, normalized. */
export interface LifecycleRule {
  id: string;
  enabled: boolean;
  /** How the document said the filter, so GetBucketLifecycleConfiguration says it the same way. */
  form:
    | 'prefix'
    | 'filter-prefix'
    | 'filter-tag'
    | 'filter-and'
    | 'filter-size-gt'
    | 'filter-size-lt'
    | 'empty';
  filter: LifecycleFilter;
  expiration?: { days?: number; date?: string; expiredObjectDeleteMarker?: boolean };
  noncurrentExpiration?: { days: number; newerNoncurrentVersions?: number };
  abortIncompleteUploadDays?: number;
  /** Transition to the cold tier's storage class (the only colder class there is). */
  transition?: { days?: number; date?: string; storageClass: string };
  noncurrentTransition?: { days: number; newerNoncurrentVersions?: number; storageClass: string };
}

export interface LifecycleConfiguration {
  rules: LifecycleRule[];
  /** x-amz-transition-default-minimum-object-size, answered by Get as it was put. */
  transitionMinimumSize: string;
}

const DEFAULT_TRANSITION_MINIMUM_SIZE = 'all_storage_classes_128K';
const TRANSITION_MINIMUM_SIZES = new Set(['all_storage_classes_128K', 'varies_by_storage_class']);
const MAX_RULES = 1000;
const MAX_ID = 255;

function invalidArgument(message: string): AppError {
  return badRequest('InvalidArgument', message);
}

function invalidRequest(message: string): AppError {
  return badRequest('InvalidRequest', message);
}

/** The only elements a part of the document may have: anything else is MalformedXML, as S3's schema says. */
function only(record: Record<string, unknown>, names: readonly string[]): void {
  onlyElements(record, names, malformedXml);
}

/** An xs:int of S3's schema (the day counts): beyond 32 bits the document does not validate. */
function integer(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*-?\d{1,10}\s*$/.test(value)) throw malformedXml();
  const parsed = Number(value);
  if (parsed > 2 ** 31 - 1 || parsed < -(2 ** 31)) throw malformedXml();
  return parsed;
}

function positive(value: string | undefined, message: string): number | undefined {
  const parsed = integer(value);
  if (parsed !== undefined && parsed <= 0) throw invalidArgument(message);
  return parsed;
}

function size(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*\d{1,19}\s*$/.test(value)) throw malformedXml();
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw invalidArgument('ObjectSize is too large');
  return parsed;
}

function tagOf(value: unknown): { key: string; value: string } {
  const record = asRecord(value);
  if (!record) throw malformedXml();
  only(record, ['Key', 'Value']);
  const key = text(record, 'Key');
  const tagValue = text(record, 'Value') ?? '';
  if (key === undefined) throw malformedXml();
  if (key.length === 0 || key.length > 128) throw invalidRequest('The TagKey you have provided is invalid');
  if (tagValue.length > 256) throw invalidRequest('The TagValue you have provided is invalid');
  return { key, value: tagValue };
}

/** A Filter element: one predicate, an And of several, or none (lifecycle's and replication's). */
export function filterOf(record: Record<string, unknown>): Pick<LifecycleRule, 'form' | 'filter'> {
  only(record, ['Prefix', 'Tag', 'And', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan']);
  const present = Object.keys(record);
  if (present.length === 0) return { form: 'empty', filter: {} };
  if (present.length > 1) throw malformedXml();
  const prefix = text(record, 'Prefix');
  if (prefix !== undefined) return { form: 'filter-prefix', filter: { prefix } };
  if (record.Tag !== undefined) {
    const tags = Array.isArray(record.Tag) ? record.Tag : [record.Tag];
    if (tags.length !== 1) throw malformedXml();
    return { form: 'filter-tag', filter: { tags: [tagOf(tags[0])] } };
  }
  const greater = size(text(record, 'ObjectSizeGreaterThan'));
  if (greater !== undefined) return { form: 'filter-size-gt', filter: { sizeGreaterThan: greater } };
  const less = size(text(record, 'ObjectSizeLessThan'));
  if (less !== undefined) {
    if (less === 0) throw invalidArgument('ObjectSizeLessThan must be a positive integer');
    return { form: 'filter-size-lt', filter: { sizeLessThan: less } };
  }
  const and = element(record, 'And') ?? {};
  only(and, ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan']);
  // An And joins predicates: one with none has nothing to join.
  if (Object.keys(and).length === 0) throw malformedXml();
  const tagList = and.Tag === undefined ? [] : Array.isArray(and.Tag) ? and.Tag : [and.Tag];
  const tags = tagList.map(tagOf);
  if (new Set(tags.map((t) => t.key)).size !== tags.length)
    throw invalidRequest('Duplicate Tag Keys are not allowed.');
  const filter: LifecycleFilter = {};
  const andPrefix = text(and, 'Prefix');
  if (andPrefix !== undefined) filter.prefix = andPrefix;
  if (tags.length > 0) filter.tags = tags;
  const gt = size(text(and, 'ObjectSizeGreaterThan'));
  const lt = size(text(and, 'ObjectSizeLessThan'));
  if (gt !== undefined) filter.sizeGreaterThan = gt;
  if (lt !== undefined) filter.sizeLessThan = lt;
  if (gt !== undefined && lt !== undefined && gt >= lt)
    throw invalidArgument('ObjectSizeGreaterThan must be less than ObjectSizeLessThan');
  return { form: 'filter-and', filter };
}

/** `2017-09-27` or `2017-09-27T00:00:00.000Z`: midnight UTC, InvalidArgument at any other time of day. */
function dateOf(value: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]00:?00)?)?$/.exec(
    value.trim(),
  );
  if (!match) throw malformedXml();
  const [, day, hours = '00', minutes = '00', seconds = '00', fraction = '0'] = match;
  const parsed = new Date(`${day}T00:00:00.000Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day) throw malformedXml();
  if (hours !== '00' || minutes !== '00' || seconds !== '00' || !/^0+$/.test(fraction)) {
    const sent = Date.parse(`${day}T${hours}:${minutes}:${seconds}.${fraction.slice(0, 3).padEnd(3, '0')}Z`);
    // No time of day at all (25:00): no date-time of the schema.
    if (Number.isNaN(sent)) throw malformedXml();
    throw badRequest('InvalidArgument', "'Date' must be at midnight GMT", {
      ArgumentName: 'Date',
      ArgumentValue: argumentDate(sent),
    });
  }
  return parsed.toISOString();
}

function expirationOf(record: Record<string, unknown>): NonNullable<LifecycleRule['expiration']> {
  only(record, ['Days', 'Date', 'ExpiredObjectDeleteMarker']);
  const days = positive(text(record, 'Days'), "'Days' for Expiration action must be a positive integer");
  const date = text(record, 'Date');
  const marker = text(record, 'ExpiredObjectDeleteMarker');
  if (marker !== undefined && marker !== 'true' && marker !== 'false') throw malformedXml();
  const given = [days, date, marker].filter((v) => v !== undefined).length;
  if (given === 0) throw malformedXml();
  if (days !== undefined && date !== undefined) throw malformedXml();
  // S3's schema has ExpiredObjectDeleteMarker as an alternative to Days and Date, never beside them.
  if (marker !== undefined && given > 1) throw malformedXml();
  if (days !== undefined) return { days };
  if (date !== undefined) return { date: dateOf(date) };
  return { expiredObjectDeleteMarker: marker === 'true' };
}

function noncurrentOf(record: Record<string, unknown>): NonNullable<LifecycleRule['noncurrentExpiration']> {
  only(record, ['NoncurrentDays', 'NewerNoncurrentVersions']);
  const days = positive(
    text(record, 'NoncurrentDays'),
    "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer",
  );
  if (days === undefined) throw malformedXml();
  const newer = integer(text(record, 'NewerNoncurrentVersions'));
  if (newer === undefined) return { days };
  if (newer < 1 || newer > 100)
    throw invalidArgument(
      "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be between 1 and 100",
    );
  return { days, newerNoncurrentVersions: newer };
}

function storageClassRefusal(): AppError {
  return badRequest('InvalidStorageClass', 'The storage class you specified is not valid');
}

/** S3 keeps objects in these classes at least 30 days: a transition into them may not come sooner. */
const THIRTY_DAY_CLASSES: ReadonlySet<string> = new Set(['STANDARD_IA', 'ONEZONE_IA']);

/**
 * A rule's Transition or NoncurrentVersionTransition elements: each must name the cold tier's class (the one
 * colder class Seawall has; none without a cold tier), once, with S3's minimum ages.
 */
function transitionsOf(
  value: unknown,
  noncurrent: boolean,
  coldClass: string | undefined,
): { days?: number; date?: string; newerNoncurrentVersions?: number; storageClass: string } | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  const action = noncurrent ? 'NoncurrentVersionTransition' : 'Transition';
  const daysName = noncurrent ? 'NoncurrentDays' : 'Days';
  const out: { days?: number; date?: string; newerNoncurrentVersions?: number; storageClass: string }[] = [];
  for (const item of list) {
    const transition = asRecord(item);
    if (!transition) throw malformedXml();
    only(
      transition,
      noncurrent
        ? ['NoncurrentDays', 'NewerNoncurrentVersions', 'StorageClass']
        : ['Days', 'Date', 'StorageClass'],
    );
    const days = integer(text(transition, daysName));
    const date = text(transition, 'Date');
    const newer = integer(text(transition, 'NewerNoncurrentVersions'));
    const storageClass = text(transition, 'StorageClass');
    if (storageClass === undefined || (days === undefined) === (date === undefined)) throw malformedXml();
    if (days !== undefined && days < 0)
      throw invalidArgument(`'${daysName}' in ${action} action must be nonnegative`);
    if (storageClass !== coldClass) throw storageClassRefusal();
    if (days !== undefined && days < 30 && THIRTY_DAY_CLASSES.has(storageClass))
      throw invalidArgument(
        `'${daysName}' in ${action} action must be greater than or equal to 30 for storageClass '${storageClass}'`,
      );
    if (newer !== undefined && (newer < 1 || newer > 100))
      throw invalidArgument(`'NewerNoncurrentVersions' for ${action} action must be between 1 and 100`);
    out.push({
      ...(days !== undefined ? { days } : {}),
      ...(date !== undefined ? { date: dateOf(date) } : {}),
      ...(newer !== undefined ? { newerNoncurrentVersions: newer } : {}),
      storageClass,
    });
  }
  if (out.length > 1)
    throw invalidArgument(`'StorageClass' must be different for '${action}' actions in same 'Rule'`);
  return out[0];
}

/**
 * What a rule of a bucket configuration (lifecycle's, replication's) begins with, as S3 checks it: an ID of at
 * most 255 characters, a Status, and what selects objects (the legacy Prefix or a Filter, unread here).
 */
export function ruleHead(record: Record<string, unknown>) {
  const id = text(record, 'ID');
  if (id !== undefined && id.length > MAX_ID)
    throw invalidArgument('ID length should not exceed allowed limit of 255');
  const status = text(record, 'Status');
  if (status !== 'Enabled' && status !== 'Disabled') throw malformedXml();
  return { id, status, prefix: text(record, 'Prefix'), filterElement: element(record, 'Filter') };
}

function ruleOf(value: unknown, coldClass: string | undefined): LifecycleRule {
  const record = asRecord(value);
  if (!record) throw malformedXml();
  only(record, [
    'ID',
    'Status',
    'Prefix',
    'Filter',
    'Expiration',
    'NoncurrentVersionExpiration',
    'AbortIncompleteMultipartUpload',
    'Transition',
    'NoncurrentVersionTransition',
  ]);
  const { id, status, prefix, filterElement } = ruleHead(record);
  // S3's schema wants exactly one of them: the legacy Prefix or a Filter.
  if ((prefix === undefined) === (filterElement === undefined)) throw malformedXml();
  const { form, filter } =
    filterElement !== undefined ? filterOf(filterElement) : { form: 'prefix' as const, filter: { prefix } };
  const rule: LifecycleRule = {
    id: id || randomBytes(24).toString('base64'),
    enabled: status === 'Enabled',
    form,
    filter,
  };
  const expiration = element(record, 'Expiration');
  if (expiration) rule.expiration = expirationOf(expiration);
  const noncurrent = element(record, 'NoncurrentVersionExpiration');
  if (noncurrent) rule.noncurrentExpiration = noncurrentOf(noncurrent);
  const abort = element(record, 'AbortIncompleteMultipartUpload');
  if (abort) {
    only(abort, ['DaysAfterInitiation']);
    const days = positive(
      text(abort, 'DaysAfterInitiation'),
      "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer",
    );
    if (days === undefined) throw malformedXml();
    rule.abortIncompleteUploadDays = days;
  }
  const transitions = [record.Transition, record.NoncurrentVersionTransition];
  if (!expiration && !noncurrent && !abort && transitions.every((t) => t === undefined))
    throw invalidRequest('At least one action needs to be specified in a rule');
  if (filter.tags && rule.expiration?.expiredObjectDeleteMarker)
    throw invalidRequest('Tag-based filter cannot be used with ExpiredObjectDeleteMarker action.');
  if (filter.tags && rule.abortIncompleteUploadDays !== undefined)
    throw invalidRequest('AbortIncompleteMultipartUpload cannot be specified with Tags.');
  const transition = transitionsOf(record.Transition, false, coldClass);
  if (transition) {
    const { newerNoncurrentVersions: _none, ...current } = transition;
    rule.transition = current;
  }
  const noncurrentTransition = transitionsOf(record.NoncurrentVersionTransition, true, coldClass);
  if (noncurrentTransition)
    rule.noncurrentTransition = { days: noncurrentTransition.days ?? 0, ...noncurrentTransition };
  return rule;
}

/**
 * Parses a LifecycleConfiguration document (already parsed XML, with Rule, Transition and Tag as arrays) into
 * rules, with S3's errors: MalformedXML for what its schema refuses, InvalidArgument and InvalidRequest for
 * values it refuses, and InvalidStorageClass for a transition to any class but the cold tier's (none without
 * a cold tier).
 */
export function parseLifecycle(
  document: Record<string, unknown> | undefined,
  transitionMinimumSize: string | undefined,
  coldClass?: string,
): LifecycleConfiguration {
  const config = element(document ?? {}, 'LifecycleConfiguration');
  if (!config) throw malformedXml();
  only(config, ['Rule']);
  const list = config.Rule === undefined ? [] : Array.isArray(config.Rule) ? config.Rule : [config.Rule];
  if (list.length === 0) throw malformedXml();
  if (list.length > MAX_RULES)
    throw invalidRequest(`Lifecycle configuration cannot have more than ${MAX_RULES} rules`);
  const rules = list.map((item) => ruleOf(item, coldClass));
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id))
      throw invalidArgument('Rule ID must be unique. Found same ID for more than one rule');
    ids.add(rule.id);
  }
  const size = transitionMinimumSize ?? DEFAULT_TRANSITION_MINIMUM_SIZE;
  if (!TRANSITION_MINIMUM_SIZES.has(size))
    throw invalidRequest(`Invalid TransitionDefaultMinimumObjectSize found: ${size}`);
  return { rules, transitionMinimumSize: size };
}

/** A rule's filter as Get answers it, in the form it was put (lifecycle's and replication's). */
export function filterXml(rule: Pick<LifecycleRule, 'form' | 'filter'>): XmlObject {
  const { filter } = rule;
  const tag = (t: { key: string; value: string }) => ({ Key: t.key, Value: t.value });
  switch (rule.form) {
    case 'prefix':
      return { Prefix: filter.prefix ?? '' };
    case 'empty':
      return { Filter: {} };
    case 'filter-prefix':
      return { Filter: { Prefix: filter.prefix ?? '' } };
    case 'filter-tag':
      return { Filter: { Tag: filter.tags?.map(tag) } };
    case 'filter-size-gt':
      return { Filter: { ObjectSizeGreaterThan: filter.sizeGreaterThan } };
    case 'filter-size-lt':
      return { Filter: { ObjectSizeLessThan: filter.sizeLessThan } };
    case 'filter-and':
      return {
        Filter: {
          And: {
            Prefix: filter.prefix,
            Tag: filter.tags?.map(tag),
            ObjectSizeGreaterThan: filter.sizeGreaterThan,
            ObjectSizeLessThan: filter.sizeLessThan,
          },
        },
      };
  }
}

/** The rules as GetBucketLifecycleConfiguration answers them. */
export function lifecycleXml(config: LifecycleConfiguration): XmlObject {
  return {
    Rule: config.rules.map((rule) => ({
      Expiration: rule.expiration && {
        Days: rule.expiration.days,
        Date: rule.expiration.date,
        ExpiredObjectDeleteMarker: rule.expiration.expiredObjectDeleteMarker,
      },
      ID: rule.id,
      ...filterXml(rule),
      Status: rule.enabled ? 'Enabled' : 'Disabled',
      NoncurrentVersionExpiration: rule.noncurrentExpiration && {
        NoncurrentDays: rule.noncurrentExpiration.days,
        NewerNoncurrentVersions: rule.noncurrentExpiration.newerNoncurrentVersions,
      },
      Transition: rule.transition && {
        Days: rule.transition.days,
        Date: rule.transition.date,
        StorageClass: rule.transition.storageClass,
      },
      NoncurrentVersionTransition: rule.noncurrentTransition && {
        NoncurrentDays: rule.noncurrentTransition.days,
        NewerNoncurrentVersions: rule.noncurrentTransition.newerNoncurrentVersions,
        StorageClass: rule.noncurrentTransition.storageClass,
      },
      AbortIncompleteMultipartUpload:
        rule.abortIncompleteUploadDays === undefined
          ? undefined
          : { DaysAfterInitiation: rule.abortIncompleteUploadDays },
    })),
  };
}
