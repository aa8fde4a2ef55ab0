import {
  type CloudTrailClient,
  type Event,
  type LookupAttribute,
  LookupEventsCommand,
} from '@aws-sdk/client-cloudtrail';
// The server's own test of a refused call, so the console and the records agree.
import { isDenial } from '../../../src/lib/denials.js';

/** One event of the history: LookupEvents' headline fields, what the record adds, and the record itself. */
export interface AuditEvent {
  id: string;
  name: string;
  time: Date | undefined;
  source: string;
  username: string | undefined;
  /** The caller's ARN from the record, when it names one. */
  arn: string | undefined;
  resources: { type: string; name: string }[];
  sourceIp: string | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  /** The record as CloudTrail wrote it (JSON text), shown as text and never interpreted. */
  record: string;
}

/** What the history is narrowed to; empty strings are unset. */
export interface EventFilters {
  username: string;
  eventName: string;
  resourceName: string;
  start: Date | undefined;
  end: Date | undefined;
  deniedOnly: boolean;
}

export const NO_FILTERS: EventFilters = {
  username: '',
  eventName: '',
  resourceName: '',
  start: undefined,
  end: undefined,
  deniedOnly: false,
};

/** LookupEvents' largest page. */
export const PAGE_SIZE = 50;
/** How many pages one search or "Load more" reads at most while looking for matches it filters itself. */
export const MAX_PAGES_PER_SEARCH = 10;

type RecordFields = { sourceIPAddress?: unknown; errorCode?: unknown; errorMessage?: unknown } & {
  userIdentity?: { arn?: unknown };
};

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The fields the table shows from the record; a record that is not JSON is still listed, as text. */
export function toAuditEvent(event: Event): AuditEvent {
  const record = event.CloudTrailEvent ?? '';
  let fields: RecordFields = {};
  try {
    const parsed: unknown = JSON.parse(record);
    if (parsed && typeof parsed === 'object') fields = parsed as RecordFields;
  } catch {
    // Shown as the server sent it.
  }
  return {
    id: event.EventId ?? '',
    name: event.EventName ?? '',
    time: event.EventTime,
    source: event.EventSource ?? '',
    username: event.Username,
    arn: text(fields.userIdentity?.arn),
    resources: (event.Resources ?? []).map((r) => ({
      type: r.ResourceType ?? '',
      name: r.ResourceName ?? '',
    })),
    sourceIp: text(fields.sourceIPAddress),
    errorCode: text(fields.errorCode),
    errorMessage: text(fields.errorMessage),
    record,
  };
}

/** The record indented for reading; as sent when it is not JSON. */
export function prettyRecord(record: string): string {
  try {
    return JSON.stringify(JSON.parse(record), null, 2);
  } catch {
    return record;
  }
}

type AttributeFilter = 'username' | 'eventName' | 'resourceName';
const ATTRIBUTES: { filter: AttributeFilter; key: 'Username' | 'EventName' | 'ResourceName' }[] = [
  { filter: 'username', key: 'Username' },
  { filter: 'eventName', key: 'EventName' },
  { filter: 'resourceName', key: 'ResourceName' },
];

/** LookupEvents takes one attribute: the first filter filled in, in the order of the form. */
export function serverAttribute(filters: EventFilters): AttributeFilter | undefined {
  return ATTRIBUTES.find(({ filter }) => filters[filter].trim() !== '')?.filter;
}

/** A resource by its ARN or by its name (the ARN's last part), as LookupEvents matches ResourceName. */
function namesResource(arn: string, wanted: string): boolean {
  if (arn === wanted) return true;
  if (!arn.endsWith(wanted) || arn.length === wanted.length) return false;
  const before = arn[arn.length - wanted.length - 1];
  return before === '/' || before === ':';
}

/** Whether an event passes the filters LookupEvents was not asked to apply. */
export function matchesLocally(event: AuditEvent, filters: EventFilters): boolean {
  const sent = serverAttribute(filters);
  const wanted = (filter: AttributeFilter) => (sent === filter ? '' : filters[filter].trim());
  const username = wanted('username');
  const eventName = wanted('eventName');
  const resource = wanted('resourceName');
  if (username && event.username !== username) return false;
  if (eventName && event.name !== eventName) return false;
  if (resource && !event.resources.some((r) => namesResource(r.name, resource))) return false;
  return !filters.deniedOnly || isDenial(event.errorCode);
}

/** Whether some filter is applied in the browser, so pages may hold fewer matches than events. */
export function filtersLocally(filters: EventFilters): boolean {
  const sent = serverAttribute(filters);
  return filters.deniedOnly || ATTRIBUTES.some(({ filter }) => filter !== sent && filters[filter].trim());
}

function lookupAttributes(filters: EventFilters): LookupAttribute[] | undefined {
  const sent = serverAttribute(filters);
  const attribute = ATTRIBUTES.find(({ filter }) => filter === sent);
  if (!attribute) return undefined;
  return [{ AttributeKey: attribute.key, AttributeValue: filters[attribute.filter].trim() }];
}

export interface EventSearch {
  /** The matching events, newest first. */
  events: AuditEvent[];
  /** Where the next search continues; undefined when the history is read to its end. */
  nextToken: string | undefined;
  /** Events read to find these. */
  scanned: number;
  /** True when the search stopped at MAX_PAGES_PER_SEARCH with history left to read. */
  stoppedAtBound: boolean;
}

/**
 * One search (or "Load more", from `nextToken`): one page of LookupEvents when the server does all the
 * filtering; otherwise pages are read until a page's worth of matches is found, the history ends, or
 * MAX_PAGES_PER_SEARCH pages have been read.
 */
export async function searchEvents(
  cloudtrail: CloudTrailClient,
  filters: EventFilters,
  options: { nextToken: string | undefined; signal: AbortSignal },
): Promise<EventSearch> {
  const local = filtersLocally(filters);
  const attributes = lookupAttributes(filters);
  const events: AuditEvent[] = [];
  let token = options.nextToken;
  let scanned = 0;
  for (let page = 0; page < MAX_PAGES_PER_SEARCH; page += 1) {
    const answer = await cloudtrail.send(
      new LookupEventsCommand({
        ...(attributes ? { LookupAttributes: attributes } : {}),
        ...(filters.start ? { StartTime: filters.start } : {}),
        ...(filters.end ? { EndTime: filters.end } : {}),
        MaxResults: PAGE_SIZE,
        ...(token ? { NextToken: token } : {}),
      }),
      { abortSignal: options.signal },
    );
    const read = (answer.Events ?? []).map(toAuditEvent);
    scanned += read.length;
    events.push(...read.filter((event) => matchesLocally(event, filters)));
    token = answer.NextToken;
    if (!token || !local || events.length >= PAGE_SIZE)
      return { events, nextToken: token, scanned, stoppedAtBound: false };
  }
  return { events, nextToken: token, scanned, stoppedAtBound: true };
}
