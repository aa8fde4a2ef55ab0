import { badRequest } from '../errors.js';
import {
  epochSeconds,
  type JsonInput,
  type JsonOperations,
  jsonService,
  memberRefusal,
  jsonOperation as op,
  optionalNumber,
  optionalString,
} from '../lib/aws-json.js';
import type { ServiceEndpoint } from '../lib/operation.js';
import { type CloudTrailRecord, recordUsername } from './audit-record.js';
import type { AuditStore, LookupAttribute, StoredRecord } from './audit-store.js';

/**
 * CloudTrail's JSON target prefixes: botocore (the aws cli) sends the long one, the JavaScript SDK the short.
 */
const CLOUDTRAIL_TARGETS = ['com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101', 'CloudTrail_20131101'];

const ATTRIBUTES: readonly LookupAttribute[] = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
];

/** Event history covers the last 90 days, as CloudTrail's does. */
const HISTORY_MS = 90 * 24 * 3600 * 1000;

/** A timestamp member: awsJson sends epoch seconds. */
function time(input: JsonInput<string>, name: string): number | undefined {
  const value = optionalNumber(input, name, 'InvalidTimeRangeException');
  return value === undefined ? undefined : Math.round(value * 1000);
}

function lookupAttribute(input: JsonInput<string>): { key: LookupAttribute; value: string } | undefined {
  const list = input.LookupAttributes;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list))
    throw badRequest('InvalidLookupAttributesException', 'LookupAttributes must be a list.');
  if (list.length === 0) return undefined;
  if (list.length > 1)
    throw badRequest('InvalidLookupAttributesException', 'You cannot have more than one lookup attribute.');
  const attribute = list[0] as { AttributeKey?: unknown; AttributeValue?: unknown } | null;
  const key = attribute?.AttributeKey;
  const value = attribute?.AttributeValue;
  if (typeof key !== 'string' || !ATTRIBUTES.includes(key as LookupAttribute))
    throw badRequest(
      'InvalidLookupAttributesException',
      `Value '${String(key).slice(0, 64)}' at 'lookupAttributes.1.member.attributeKey' failed to satisfy constraint: Member must satisfy enum value set: [${ATTRIBUTES.join(', ')}]`,
    );
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000)
    throw badRequest('InvalidLookupAttributesException', 'AttributeValue must be 1 to 2000 characters.');
  return { key: key as LookupAttribute, value };
}

/** A page token: the sequence number the next page starts below, and the query it belongs to. */
function encodeToken(seq: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify([seq, fingerprint])).toString('base64url');
}

function decodeToken(token: string | undefined, fingerprint: string): number | undefined {
  if (token === undefined) return undefined;
  const invalid = () => badRequest('InvalidNextTokenException', 'Invalid NextToken.');
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || !Number.isSafeInteger(parsed[0]) || parsed[1] !== fingerprint)
    throw invalid();
  return parsed[0] as number;
}

/** One event as LookupEvents answers it: the record's headline fields and the record itself. */
function eventOf(stored: StoredRecord): Record<string, unknown> {
  const record = JSON.parse(stored.json) as CloudTrailRecord;
  const identity = record.userIdentity;
  const username = recordUsername(identity);
  return {
    EventId: record.eventID,
    EventName: record.eventName,
    ReadOnly: String(record.readOnly),
    ...(identity.accessKeyId ? { AccessKeyId: identity.accessKeyId } : {}),
    EventTime: epochSeconds(stored.time),
    EventSource: record.eventSource,
    ...(username ? { Username: username } : {}),
    Resources: (record.resources ?? []).map((resource) => ({
      ResourceType: resource.type,
      ResourceName: resource.ARN,
    })),
    CloudTrailEvent: stored.json,
  };
}

/** LookupEvents: the management events of the last 90 days, newest first, by one attribute and a time range. */
export function createLookupOperations(store: AuditStore, now: () => Date): JsonOperations {
  return {
    LookupEvents: op(
      ['LookupAttributes', 'StartTime', 'EndTime', 'EventCategory', 'MaxResults', 'NextToken'],
      () => ['*'],
      async (input) => {
        const category = optionalString(input, 'EventCategory', 'InvalidEventCategoryException');
        if (category !== undefined && category !== 'insight')
          throw badRequest(
            'InvalidEventCategoryException',
            `Invalid EventCategory ${category.slice(0, 64)}.`,
          );
        if (category === 'insight')
          throw badRequest(
            'UnsupportedOperationException',
            'Seawall does not record CloudTrail Insights events.',
          );
        const attribute = lookupAttribute(input);
        const start = time(input, 'StartTime');
        const end = time(input, 'EndTime');
        if (start !== undefined && end !== undefined && start > end)
          throw badRequest('InvalidTimeRangeException', 'Start time must be before end time.');
        const max = optionalNumber(input, 'MaxResults', 'InvalidMaxResultsException') ?? 50;
        if (!Number.isInteger(max) || max < 1 || max > 50)
          throw badRequest('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
        const fingerprint = JSON.stringify([attribute, start ?? null, end ?? null]);
        const before = decodeToken(
          optionalString(input, 'NextToken', 'InvalidNextTokenException'),
          fingerprint,
        );
        const rows = store.lookup({
          ...(attribute ? { attribute } : {}),
          start: Math.max(start ?? 0, now().getTime() - HISTORY_MS),
          ...(end !== undefined ? { end } : {}),
          ...(before !== undefined ? { before } : {}),
          limit: max + 1,
        });
        const page = rows.slice(0, max);
        const last = page[page.length - 1];
        return {
          Events: page.map(eventOf),
          ...(rows.length > max && last ? { NextToken: encodeToken(last.seq, fingerprint) } : {}),
        };
      },
    ),
  };
}

/** The CloudTrail API: event history here, trails from the trail domain (each group its own operations). */
export function createCloudTrailApi(groups: readonly JsonOperations[]): ServiceEndpoint {
  return jsonService({
    service: 'cloudtrail',
    iamPrefix: 'cloudtrail',
    targetPrefix: CLOUDTRAIL_TARGETS,
    operations: groups,
    refuse: memberRefusal('UnsupportedOperationException'),
  });
}
