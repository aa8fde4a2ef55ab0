import { badRequest } from '../errors.js';
import {
  type JsonInput,
  jsonService,
  memberRefusal,
  jsonOperation as op,
  optionalNumber,
  optionalString,
} from '../lib/aws-json.js';
import type { Logger } from '../lib/logger.js';
import type { ServiceEndpoint } from '../lib/operation.js';
import { createPacer } from '../lib/pacer.js';
import { compileFilterPattern, FilterPatternError } from './logs-filter.js';
import { InsightsQueryError, parseInsightsQuery } from './logs-insights-parse.js';
import { createInsightsQueries } from './logs-queries.js';
import type { LogEventRow, LogGroupRow, LogStreamRow, LogsDb } from './logs-store.js';

/**
 * CloudWatch Logs (signing name `logs`, awsJson1_1, `Logs_20140328`): log groups and streams, PutLogEvents,
 * GetLogEvents, FilterLogEvents with filter patterns, retention, tags, and Logs Insights queries, which run off
 * the request's path a page of events at a time.
 */

const invalidParameter = (message: string) => badRequest('InvalidParameterException', message);
const notFound = (message: string) => badRequest('ResourceNotFoundException', message);
const alreadyExists = (message: string) => badRequest('ResourceAlreadyExistsException', message);
const malformedQuery = (message: string) => badRequest('MalformedQueryException', message);
const limitExceeded = (message: string) => badRequest('LimitExceededException', message);

const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_NAME = /^[^:*]{1,512}$/;
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;
/** An event's largest size (its message and the overhead), and a read's largest answer, as CloudWatch Logs. */
const MAX_EVENT_BYTES = 262_144;
const MAX_RESPONSE_BYTES = 1_048_576;

/** The events that fit in one answer: from the first for a forward read, from the last for a backward one. */
function withinResponse<T extends { message: string }>(rows: T[], fromEnd: boolean): T[] {
  let bytes = 0;
  const ordered = fromEnd ? [...rows].reverse() : rows;
  const kept: T[] = [];
  for (const row of ordered) {
    bytes += Buffer.byteLength(row.message) + EVENT_OVERHEAD;
    if (bytes > MAX_RESPONSE_BYTES && kept.length > 0) break;
    kept.push(row);
  }
  return fromEnd ? kept.reverse() : kept;
}
const DAY = 86_400_000;
const MAX_EVENTS_PAGE = 10_000;
/** Filter scans read this many events at a time, yielding to other requests between pages. */
const SCAN_PAGE = 2000;
/** A FilterLogEvents call searches this long at most, then answers with a token for the rest. */
const SEARCH_MS = 5000;

/** A filter pattern refused, whether on reading it or on matching an event: CloudWatch Logs' error. */
function patternRefusal(error: unknown): unknown {
  return error instanceof FilterPatternError ? invalidParameter(error.message) : error;
}

export interface LogsService {
  readonly api: ServiceEndpoint;
  /** Appends events to a stream, making the group and stream if needed (Seawall's own and job logs). */
  append(group: string, stream: string, events: readonly { timestamp: number; message: string }[]): void;
  /** Drops events older than their group's retention; answers how many. */
  sweep(): number;
  close(): void;
}

export function createLogsService(deps: {
  db: LogsDb;
  accountId: string;
  region: string;
  now: () => number;
  logger: Logger;
  /** How long a FilterLogEvents call searches before answering with a token (SEARCH_MS unless set). */
  searchMs?: number;
}): LogsService {
  const { db } = deps;
  const groupArn = (name: string) => `arn:aws:logs:${deps.region}:${deps.accountId}:log-group:${name}`;
  const streamArn = (group: string, stream: string) => `${groupArn(group)}:log-stream:${stream}`;
  const selectGroup = db.prepare<[string], LogGroupRow>('SELECT * FROM log_groups WHERE name = ?');
  const selectStream = db.prepare<[string, string], LogStreamRow>(
    'SELECT * FROM log_streams WHERE group_name = ? AND name = ?',
  );
  const insertGroup = db.prepare(
    'INSERT INTO log_groups (name, created, retention_days, tags, stored_bytes) VALUES (?, ?, NULL, ?, 0)',
  );
  const insertStream = db.prepare(
    'INSERT INTO log_streams (group_name, name, created, stored_bytes) VALUES (?, ?, ?, 0)',
  );
  const insertEvent = db.prepare(
    'INSERT INTO log_events (group_name, stream, time, ingestion, message) VALUES (?, ?, ?, ?, ?)',
  );
  const touchStream = db.prepare(
    `UPDATE log_streams SET first_event = MIN(COALESCE(first_event, ?), ?), last_event = MAX(COALESCE(last_event, ?), ?),
       last_ingestion = ?, stored_bytes = stored_bytes + ? WHERE group_name = ? AND name = ?`,
  );
  const addGroupBytes = db.prepare('UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE name = ?');

  function groupOf(input: JsonInput<string>): LogGroupRow {
    const name =
      optionalString(input, 'logGroupName', 'InvalidParameterException') ??
      identifierName(optionalString(input, 'logGroupIdentifier', 'InvalidParameterException'));
    if (name === undefined) throw invalidParameter('Either logGroupName or logGroupIdentifier is required.');
    const row = selectGroup.get(name);
    if (!row) throw notFound('The specified log group does not exist.');
    return row;
  }

  function identifierName(identifier: string | undefined): string | undefined {
    if (identifier === undefined) return undefined;
    const arn = /^arn:aws:logs:[^:]*:\d{12}:log-group:([^:]+)(:\*)?$/.exec(identifier);
    return arn ? arn[1] : identifier;
  }

  function streamOf(group: LogGroupRow, input: JsonInput<string>): LogStreamRow {
    const name = requiredName(input, 'logStreamName');
    const row = selectStream.get(group.name, name);
    if (!row) throw notFound('The specified log stream does not exist.');
    return row;
  }

  function requiredName(input: JsonInput<string>, member: string): string {
    const value = optionalString(input, member, 'InvalidParameterException');
    if (value === undefined || value === '') throw invalidParameter(`${member} is required.`);
    return value;
  }

  function limitOf(input: JsonInput<string>, max: number, fallback = max): number {
    const limit = optionalNumber(input, 'limit', 'InvalidParameterException') ?? fallback;
    if (!Number.isInteger(limit) || limit < 1 || limit > max)
      throw invalidParameter(
        `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
      );
    return limit;
  }

  function tagsOf(value: unknown): Record<string, string> {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value))
      throw invalidParameter('tags must be a map of strings.');
    const out: Record<string, string> = {};
    for (const [key, tag] of Object.entries(value as Record<string, unknown>)) {
      if (
        typeof tag !== 'string' ||
        key.length < 1 ||
        key.length > 128 ||
        tag.length > 256 ||
        key.startsWith('aws:')
      )
        throw invalidParameter('Tag keys are 1 to 128 characters (not beginning aws:), values at most 256.');
      out[key] = tag;
    }
    if (Object.keys(out).length > 50) throw invalidParameter('A log group can have at most 50 tags.');
    return out;
  }

  function createGroup(name: string, tags: Record<string, string>): void {
    if (!GROUP_NAME.test(name))
      throw invalidParameter(
        `1 validation error detected: Value '${name.slice(0, 128)}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
      );
    if (selectGroup.get(name)) throw alreadyExists('The specified log group already exists');
    insertGroup.run(name, deps.now(), JSON.stringify(tags));
  }

  function createStream(group: string, name: string): void {
    if (!STREAM_NAME.test(name))
      throw invalidParameter(
        `1 validation error detected: Value '${name.slice(0, 128)}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`,
      );
    if (selectStream.get(group, name)) throw alreadyExists('The specified log stream already exists');
    insertStream.run(group, name, deps.now());
  }

  const store = db.transaction(
    (group: LogGroupRow, stream: string, events: readonly { timestamp: number; message: string }[]) => {
      const ingestion = deps.now();
      let bytes = 0;
      for (const event of events) {
        insertEvent.run(group.name, stream, event.timestamp, ingestion, event.message);
        bytes += Buffer.byteLength(event.message);
      }
      const times = events.map((e) => e.timestamp);
      const first = Math.min(...times);
      const last = Math.max(...times);
      touchStream.run(first, first, last, last, ingestion, bytes, group.name, stream);
      addGroupBytes.run(bytes, group.name);
    },
  );

  function groupOut(row: LogGroupRow) {
    return {
      logGroupName: row.name,
      creationTime: row.created,
      ...(row.retention_days !== null ? { retentionInDays: row.retention_days } : {}),
      metricFilterCount: 0,
      arn: `${groupArn(row.name)}:*`,
      logGroupArn: groupArn(row.name),
      storedBytes: row.stored_bytes,
      logGroupClass: 'STANDARD',
    };
  }

  function streamOut(row: LogStreamRow) {
    return {
      logStreamName: row.name,
      creationTime: row.created,
      ...(row.first_event !== null ? { firstEventTimestamp: row.first_event } : {}),
      ...(row.last_event !== null
        ? { lastEventTimestamp: row.last_event, lastIngestionTime: row.last_ingestion }
        : {}),
      arn: streamArn(row.group_name, row.name),
      storedBytes: row.stored_bytes,
    };
  }

  /** Tokens of DescribeLogGroups/Streams: the last name of the page. */
  const nameToken = (name: string) => Buffer.from(name).toString('base64url');
  function afterName(token: string | undefined): string {
    if (token === undefined) return '';
    const name = Buffer.from(token, 'base64url').toString('utf8');
    if (name.length === 0 || name.length > 512) throw invalidParameter('The specified nextToken is invalid.');
    return name;
  }

  const insights = createInsightsQueries({ db, logger: deps.logger, now: deps.now });

  const timeMember = (input: JsonInput<string>, member: string): number | undefined => {
    const value = optionalNumber(input, member, 'InvalidParameterException');
    if (value !== undefined && (!Number.isInteger(value) || value < 0))
      throw invalidParameter(`${member} must be a non-negative integer.`);
    return value;
  };

  const operations = {
    CreateLogGroup: op(
      ['logGroupName', 'kmsKeyId', 'tags', 'logGroupClass'],
      (input) => [groupArn(String(input.logGroupName ?? ''))],
      async (input) => {
        if (input.kmsKeyId !== undefined)
          throw invalidParameter(
            'kmsKeyId is not implemented by Seawall: log groups are stored encrypted under the data directory key.',
          );
        if (input.logGroupClass !== undefined && input.logGroupClass !== 'STANDARD')
          throw invalidParameter('Only the STANDARD log group class is implemented by Seawall.');
        createGroup(requiredName(input, 'logGroupName'), tagsOf(input.tags));
        return {};
      },
    ),
    DeleteLogGroup: op(
      ['logGroupName'],
      (input) => [groupArn(String(input.logGroupName ?? ''))],
      async (input) => {
        const group = groupOf(input);
        db.transaction(() => {
          db.prepare('DELETE FROM log_events WHERE group_name = ?').run(group.name);
          db.prepare('DELETE FROM log_streams WHERE group_name = ?').run(group.name);
          db.prepare('DELETE FROM log_groups WHERE name = ?').run(group.name);
        })();
        return {};
      },
    ),
    DescribeLogGroups: op(
      [
        'logGroupNamePrefix',
        'logGroupNamePattern',
        'nextToken',
        'limit',
        'includeLinkedAccounts',
        'logGroupClass',
        'accountIdentifiers',
        'logGroupIdentifiers',
      ],
      () => ['*'],
      async (input) => {
        if (input.includeLinkedAccounts === true || input.accountIdentifiers !== undefined)
          throw invalidParameter('Cross-account observability is not implemented by Seawall.');
        // Every group is STANDARD: another class matches none.
        const logGroupClass = optionalString(input, 'logGroupClass', 'InvalidParameterException');
        if (
          logGroupClass !== undefined &&
          !['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'].includes(logGroupClass)
        )
          throw invalidParameter(`Invalid logGroupClass ${logGroupClass.slice(0, 32)}.`);
        const identifiers = input.logGroupIdentifiers;
        if (
          identifiers !== undefined &&
          (!Array.isArray(identifiers) ||
            identifiers.length > 50 ||
            identifiers.some((id) => typeof id !== 'string'))
        )
          throw invalidParameter('logGroupIdentifiers must list at most 50 log group names or ARNs.');
        const named = identifiers ? new Set((identifiers as string[]).map(identifierName)) : undefined;
        const prefix = optionalString(input, 'logGroupNamePrefix', 'InvalidParameterException');
        const pattern = optionalString(input, 'logGroupNamePattern', 'InvalidParameterException');
        if (prefix !== undefined && pattern !== undefined)
          throw invalidParameter(
            'LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.',
          );
        const limit = limitOf(input, 50);
        const after = afterName(optionalString(input, 'nextToken', 'InvalidParameterException'));
        const out: LogGroupRow[] = [];
        for (const row of db
          .prepare<[string], LogGroupRow>('SELECT * FROM log_groups WHERE name > ? ORDER BY name')
          .iterate(after)) {
          if (prefix !== undefined && !row.name.startsWith(prefix)) continue;
          if (pattern !== undefined && !row.name.toLowerCase().includes(pattern.toLowerCase())) continue;
          if (named && !named.has(row.name)) continue;
          if (logGroupClass !== undefined && logGroupClass !== 'STANDARD') continue;
          out.push(row);
          if (out.length > limit) break;
        }
        const page = out.slice(0, limit);
        const last = page.at(-1);
        return {
          logGroups: page.map(groupOut),
          ...(out.length > limit && last ? { nextToken: nameToken(last.name) } : {}),
        };
      },
    ),
    CreateLogStream: op(
      ['logGroupName', 'logStreamName'],
      (input) => [streamArn(String(input.logGroupName ?? ''), String(input.logStreamName ?? ''))],
      async (input) => {
        const group = groupOf(input);
        createStream(group.name, requiredName(input, 'logStreamName'));
        return {};
      },
    ),
    DeleteLogStream: op(
      ['logGroupName', 'logStreamName'],
      (input) => [streamArn(String(input.logGroupName ?? ''), String(input.logStreamName ?? ''))],
      async (input) => {
        const group = groupOf(input);
        const stream = streamOf(group, input);
        db.transaction(() => {
          db.prepare('DELETE FROM log_events WHERE group_name = ? AND stream = ?').run(
            group.name,
            stream.name,
          );
          db.prepare('DELETE FROM log_streams WHERE group_name = ? AND name = ?').run(
            group.name,
            stream.name,
          );
          db.prepare('UPDATE log_groups SET stored_bytes = MAX(0, stored_bytes - ?) WHERE name = ?').run(
            stream.stored_bytes,
            group.name,
          );
        })();
        return {};
      },
    ),
    DescribeLogStreams: op(
      [
        'logGroupName',
        'logGroupIdentifier',
        'logStreamNamePrefix',
        'orderBy',
        'descending',
        'nextToken',
        'limit',
      ],
      (input) => [
        groupArn(identifierName(String(input.logGroupName ?? input.logGroupIdentifier ?? '')) ?? ''),
      ],
      async (input) => {
        const group = groupOf(input);
        const orderBy = optionalString(input, 'orderBy', 'InvalidParameterException') ?? 'LogStreamName';
        if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime')
          throw invalidParameter('orderBy must be LogStreamName or LastEventTime.');
        const prefix = optionalString(input, 'logStreamNamePrefix', 'InvalidParameterException');
        if (prefix !== undefined && orderBy === 'LastEventTime')
          throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
        const descending = input.descending === true;
        const limit = limitOf(input, 50);
        const token = optionalString(input, 'nextToken', 'InvalidParameterException');
        let offset = 0;
        if (token !== undefined) {
          const match = /^s-(\d{1,9})$/.exec(token);
          if (!match) throw invalidParameter('The specified nextToken is invalid.');
          offset = Number(match[1]);
        }
        const order = orderBy === 'LogStreamName' ? 'name' : 'COALESCE(last_event, 0)';
        const rows = db
          .prepare<[string, string, string, number, number], LogStreamRow>(
            `SELECT * FROM log_streams WHERE group_name = ? AND substr(name, 1, length(?)) = ? ORDER BY ${order} ${descending ? 'DESC' : 'ASC'}, name LIMIT ? OFFSET ?`,
          )
          .all(group.name, prefix ?? '', prefix ?? '', limit + 1, offset);
        return {
          logStreams: rows.slice(0, limit).map(streamOut),
          ...(rows.length > limit ? { nextToken: `s-${offset + limit}` } : {}),
        };
      },
    ),
    PutLogEvents: op(
      ['logGroupName', 'logStreamName', 'logEvents', 'sequenceToken', 'entity'],
      (input) => [streamArn(String(input.logGroupName ?? ''), String(input.logStreamName ?? ''))],
      async (input) => {
        if (input.entity !== undefined) throw invalidParameter('entity is not implemented by Seawall.');
        const group = groupOf(input);
        const stream = streamOf(group, input);
        const events = input.logEvents;
        if (!Array.isArray(events) || events.length === 0)
          throw invalidParameter('logEvents must contain at least one event.');
        if (events.length > MAX_BATCH_EVENTS)
          throw invalidParameter(`A batch can contain at most ${MAX_BATCH_EVENTS} events.`);
        let bytes = 0;
        const parsed = events.map((event: unknown, i: number) => {
          const e = event as { timestamp?: unknown; message?: unknown };
          if (
            typeof e !== 'object' ||
            e === null ||
            typeof e.timestamp !== 'number' ||
            !Number.isInteger(e.timestamp) ||
            typeof e.message !== 'string' ||
            e.message.length === 0
          )
            throw invalidParameter(
              `logEvents.${i + 1} must have a timestamp (epoch milliseconds) and a non-empty message.`,
            );
          const size = Buffer.byteLength(e.message) + EVENT_OVERHEAD;
          if (size > MAX_EVENT_BYTES)
            throw invalidParameter(`Log event ${i + 1} is larger than ${MAX_EVENT_BYTES} bytes.`);
          bytes += size;
          return { timestamp: e.timestamp, message: e.message };
        });
        if (bytes > MAX_BATCH_BYTES)
          throw invalidParameter(`The batch is larger than ${MAX_BATCH_BYTES} bytes.`);
        for (let i = 1; i < parsed.length; i++)
          if ((parsed[i]?.timestamp as number) < (parsed[i - 1]?.timestamp as number))
            throw invalidParameter(
              'Log events in a single PutLogEvents request must be in chronological order.',
            );
        if ((parsed.at(-1)?.timestamp as number) - (parsed[0]?.timestamp as number) > DAY)
          throw invalidParameter(
            'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
          );
        const now = deps.now();
        const retentionStart = group.retention_days === null ? undefined : now - group.retention_days * DAY;
        const info: Record<string, number> = {};
        const accepted = parsed.filter((event, i) => {
          if (event.timestamp > now + 2 * 3_600_000) {
            info.tooNewLogEventStartIndex ??= i;
            return false;
          }
          if (event.timestamp < now - 14 * DAY) {
            info.tooOldLogEventEndIndex = i;
            return false;
          }
          if (retentionStart !== undefined && event.timestamp < retentionStart) {
            info.expiredLogEventEndIndex = i;
            return false;
          }
          return true;
        });
        if (accepted.length > 0) store(group, stream.name, accepted);
        return Object.keys(info).length > 0 ? { rejectedLogEventsInfo: info } : {};
      },
    ),
    GetLogEvents: op(
      [
        'logGroupName',
        'logGroupIdentifier',
        'logStreamName',
        'startTime',
        'endTime',
        'nextToken',
        'limit',
        'startFromHead',
        'unmask',
      ],
      (input) => [
        streamArn(
          identifierName(String(input.logGroupName ?? input.logGroupIdentifier ?? '')) ?? '',
          String(input.logStreamName ?? ''),
        ),
      ],
      async (input) => {
        const group = groupOf(input);
        const stream = streamOf(group, input);
        const limit = limitOf(input, MAX_EVENTS_PAGE);
        const start = timeMember(input, 'startTime') ?? 0;
        const end = timeMember(input, 'endTime') ?? Number.MAX_SAFE_INTEGER;
        const token = optionalString(input, 'nextToken', 'InvalidParameterException');
        let forward = input.startFromHead === true;
        let cursor: { time: number; id: number } | undefined;
        if (token !== undefined) {
          const match = /^([fb])\/(\d{1,16})\/(\d{1,16})$/.exec(token);
          if (!match) throw invalidParameter('The specified nextToken is invalid.');
          forward = match[1] === 'f';
          cursor = { time: Number(match[2]), id: Number(match[3]) };
        }
        const base =
          'SELECT * FROM log_events WHERE group_name = ? AND stream = ? AND time >= ? AND time < ?';
        let rows: LogEventRow[];
        if (forward) {
          const c = cursor ?? { time: -1, id: -1 };
          rows = db
            .prepare<(string | number)[], LogEventRow>(
              `${base} AND (time > ? OR (time = ? AND id > ?)) ORDER BY time, id LIMIT ?`,
            )
            .all(group.name, stream.name, start, end, c.time, c.time, c.id, limit);
        } else {
          const c = cursor ?? { time: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
          rows = db
            .prepare<(string | number)[], LogEventRow>(
              `${base} AND (time < ? OR (time = ? AND id < ?)) ORDER BY time DESC, id DESC LIMIT ?`,
            )
            .all(group.name, stream.name, start, end, c.time, c.time, c.id, limit)
            .reverse();
        }
        rows = withinResponse(rows, !forward);
        const first = rows[0];
        const last = rows.at(-1);
        // At either end, the token given is answered again, as CloudWatch Logs does.
        const forwardToken = last ? `f/${last.time}/${last.id}` : token?.startsWith('f/') ? token : 'f/0/0';
        const backwardToken = first
          ? `b/${first.time}/${first.id}`
          : token?.startsWith('b/')
            ? token
            : 'b/0/0';
        return {
          events: rows.map((row) => ({
            timestamp: row.time,
            message: row.message,
            ingestionTime: row.ingestion,
          })),
          nextForwardToken: forwardToken,
          nextBackwardToken: backwardToken,
        };
      },
    ),
    FilterLogEvents: op(
      [
        'logGroupName',
        'logGroupIdentifier',
        'logStreamNames',
        'logStreamNamePrefix',
        'startTime',
        'endTime',
        'filterPattern',
        'nextToken',
        'limit',
        'interleaved',
        'unmask',
      ],
      (input) => [
        groupArn(identifierName(String(input.logGroupName ?? input.logGroupIdentifier ?? '')) ?? ''),
      ],
      async (input) => {
        const group = groupOf(input);
        const names = input.logStreamNames;
        const prefix = optionalString(input, 'logStreamNamePrefix', 'InvalidParameterException');
        if (names !== undefined && prefix !== undefined)
          throw invalidParameter('logStreamNames and logStreamNamePrefix are mutually exclusive.');
        if (
          names !== undefined &&
          (!Array.isArray(names) ||
            names.length === 0 ||
            names.length > 100 ||
            names.some((n) => typeof n !== 'string'))
        )
          throw invalidParameter('logStreamNames must list 1 to 100 stream names.');
        let matches: (message: string) => boolean;
        try {
          matches = compileFilterPattern(optionalString(input, 'filterPattern', 'InvalidParameterException'));
        } catch (error) {
          throw patternRefusal(error);
        }
        const limit = limitOf(input, MAX_EVENTS_PAGE);
        const start = timeMember(input, 'startTime') ?? 0;
        const end = timeMember(input, 'endTime') ?? Number.MAX_SAFE_INTEGER;
        const token = optionalString(input, 'nextToken', 'InvalidParameterException');
        let cursor = { time: -1, id: -1 };
        if (token !== undefined) {
          const match = /^(\d{1,16})-(\d{1,16})$/.exec(token);
          if (!match) throw invalidParameter('The specified nextToken is invalid.');
          cursor = { time: Number(match[1]), id: Number(match[2]) };
        }
        const wanted = names ? new Set(names as string[]) : undefined;
        const page = db.prepare<(string | number)[], LogEventRow>(
          `SELECT * FROM log_events WHERE group_name = ? AND time >= ? AND time <= ? AND (time > ? OR (time = ? AND id > ?))
             ORDER BY time, id LIMIT ${SCAN_PAGE}`,
        );
        const events: {
          logStreamName: string;
          timestamp: number;
          message: string;
          ingestionTime: number;
          eventId: string;
        }[] = [];
        let scanned = 0;
        let more = true;
        let full = false;
        let bytes = 0;
        // Matching large events is work: the scan is paced (it yields every 20 ms or 4 MiB of messages), and a
        // call that has searched for long answers what it found with a token for the rest, as CloudWatch Logs does.
        const began = performance.now();
        const pacer = createPacer();
        let outOfTime = false;
        while (more && !full && !outOfTime) {
          const rows = page.all(group.name, start, end, cursor.time, cursor.time, cursor.id);
          for (const row of rows) {
            if (pacer.due()) {
              await pacer.yield();
              // Out of time once it has scanned something: each call moves the search on.
              if (scanned > 0 && performance.now() - began > (deps.searchMs ?? SEARCH_MS)) {
                outOfTime = true;
                break;
              }
            }
            pacer.count(row.message.length);
            cursor = { time: row.time, id: row.id };
            scanned++;
            if (wanted && !wanted.has(row.stream)) continue;
            if (prefix !== undefined && !row.stream.startsWith(prefix)) continue;
            let matched: boolean;
            try {
              matched = matches(row.message);
            } catch (error) {
              throw patternRefusal(error);
            }
            if (!matched) continue;
            events.push({
              logStreamName: row.stream,
              timestamp: row.time,
              message: row.message,
              ingestionTime: row.ingestion,
              eventId: String(row.id).padStart(20, '0'),
            });
            bytes += Buffer.byteLength(row.message) + EVENT_OVERHEAD;
            if (events.length >= limit || bytes >= MAX_RESPONSE_BYTES) {
              full = true;
              break;
            }
          }
          if (rows.length < SCAN_PAGE && !outOfTime) more = false;
          // A page bounded by what it scanned, as CloudWatch Logs answers: the rest follows the token.
          if (scanned >= 100 * SCAN_PAGE) break;
          await pacer.yield();
        }
        const finished = !more && !full;
        return {
          events,
          searchedLogStreams: [],
          ...(finished ? {} : { nextToken: `${cursor.time}-${cursor.id}` }),
        };
      },
    ),
    PutRetentionPolicy: op(
      ['logGroupName', 'retentionInDays'],
      (input) => [groupArn(String(input.logGroupName ?? ''))],
      async (input) => {
        const group = groupOf(input);
        const days = optionalNumber(input, 'retentionInDays', 'InvalidParameterException');
        if (days === undefined || !RETENTION_DAYS.includes(days))
          throw invalidParameter(
            `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
          );
        db.prepare('UPDATE log_groups SET retention_days = ? WHERE name = ?').run(days, group.name);
        return {};
      },
    ),
    DeleteRetentionPolicy: op(
      ['logGroupName'],
      (input) => [groupArn(String(input.logGroupName ?? ''))],
      async (input) => {
        const group = groupOf(input);
        db.prepare('UPDATE log_groups SET retention_days = NULL WHERE name = ?').run(group.name);
        return {};
      },
    ),
    TagResource: op(
      ['resourceArn', 'tags'],
      (input) => [String(input.resourceArn ?? '')],
      async (input) => {
        const group = groupOfArn(input.resourceArn);
        const tags = { ...JSON.parse(group.tags), ...tagsOf(input.tags) };
        if (Object.keys(tags).length > 50) throw invalidParameter('A log group can have at most 50 tags.');
        db.prepare('UPDATE log_groups SET tags = ? WHERE name = ?').run(JSON.stringify(tags), group.name);
        return {};
      },
    ),
    UntagResource: op(
      ['resourceArn', 'tagKeys'],
      (input) => [String(input.resourceArn ?? '')],
      async (input) => {
        const group = groupOfArn(input.resourceArn);
        const tags = JSON.parse(group.tags) as Record<string, string>;
        if (!Array.isArray(input.tagKeys)) throw invalidParameter('tagKeys must be a list.');
        for (const key of input.tagKeys) delete tags[String(key)];
        db.prepare('UPDATE log_groups SET tags = ? WHERE name = ?').run(JSON.stringify(tags), group.name);
        return {};
      },
    ),
    ListTagsForResource: op(
      ['resourceArn'],
      (input) => [String(input.resourceArn ?? '')],
      async (input) => ({
        tags: JSON.parse(groupOfArn(input.resourceArn).tags),
      }),
    ),
    StartQuery: op(
      [
        'logGroupName',
        'logGroupNames',
        'logGroupIdentifiers',
        'startTime',
        'endTime',
        'queryString',
        'limit',
        'queryLanguage',
      ],
      (input) => groupNamesOf(input).map(groupArn),
      async (input) => {
        if (input.queryLanguage !== undefined && input.queryLanguage !== 'CWLI')
          throw invalidParameter('Only the CWLI query language is implemented by Seawall.');
        const groups = groupNamesOf(input);
        if (groups.length === 0) throw invalidParameter('A query must name at least one log group.');
        if (groups.length > 50) throw invalidParameter('A query can name at most 50 log groups.');
        for (const name of groups)
          if (!selectGroup.get(name)) throw notFound(`Log group '${name.slice(0, 512)}' does not exist`);
        const start = optionalNumber(input, 'startTime', 'InvalidParameterException');
        const end = optionalNumber(input, 'endTime', 'InvalidParameterException');
        if (start === undefined || end === undefined)
          throw invalidParameter('startTime and endTime are required.');
        if (end < start) throw invalidParameter('endTime must be after startTime.');
        const text = optionalString(input, 'queryString', 'InvalidParameterException');
        if (text === undefined || text.trim() === '') throw invalidParameter('queryString is required.');
        const limit = optionalNumber(input, 'limit', 'InvalidParameterException');
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 10_000))
          throw invalidParameter('limit must be between 1 and 10000.');
        try {
          parseInsightsQuery(text);
        } catch (error) {
          if (error instanceof InsightsQueryError) throw malformedQuery(error.message);
          throw error;
        }
        if (insights.running() >= 30) throw limitExceeded('At most 30 queries can run at once.');
        const queryId = insights.start({ text, groups, start: start * 1000, end: end * 1000 + 999, limit });
        return { queryId };
      },
    ),
    GetQueryResults: op(
      ['queryId'],
      () => ['*'],
      async (input) => {
        const query = insights.get(requiredName(input, 'queryId'));
        if (!query) throw notFound('The query does not exist.');
        return {
          queryLanguage: 'CWLI',
          results: query.result?.rows ?? [],
          statistics: {
            recordsMatched: query.result?.matched ?? 0,
            recordsScanned: query.scanned,
            bytesScanned: query.bytes,
          },
          status: query.status,
          ...(query.error ? { errorMessage: query.error } : {}),
        };
      },
    ),
    StopQuery: op(
      ['queryId'],
      () => ['*'],
      async (input) => {
        const stopped = insights.stop(requiredName(input, 'queryId'));
        if (stopped === undefined) throw notFound('The query does not exist.');
        return { success: stopped };
      },
    ),
    DescribeQueries: op(
      ['logGroupName', 'status', 'maxResults', 'nextToken', 'queryLanguage'],
      () => ['*'],
      async (input) => {
        const group = optionalString(input, 'logGroupName', 'InvalidParameterException');
        const status = optionalString(input, 'status', 'InvalidParameterException');
        const max = optionalNumber(input, 'maxResults', 'InvalidParameterException') ?? 1000;
        return {
          queries: insights
            .list()
            .filter(
              ([, q]) =>
                (group === undefined || q.groups.includes(group)) &&
                (status === undefined || q.status === status),
            )
            .slice(-max)
            .map(([queryId, q]) => ({
              queryLanguage: 'CWLI',
              queryId,
              queryString: q.queryString,
              status: q.status,
              createTime: q.created,
              logGroupName: q.groups[0],
            })),
        };
      },
    ),
  };

  function groupNamesOf(input: JsonInput<string>): string[] {
    const one = input.logGroupName;
    const many = input.logGroupNames ?? input.logGroupIdentifiers;
    const names: string[] = [];
    if (typeof one === 'string') names.push(one);
    if (Array.isArray(many))
      for (const name of many) if (typeof name === 'string') names.push(identifierName(name) as string);
    return names;
  }

  function groupOfArn(arn: unknown): LogGroupRow {
    const match =
      typeof arn === 'string' ? /^arn:aws:logs:([^:]*):(\d{12}):log-group:([^:]+)(:\*)?$/.exec(arn) : null;
    const row =
      match && match[1] === deps.region && match[2] === deps.accountId
        ? selectGroup.get(match[3] as string)
        : undefined;
    if (!row) throw notFound('The specified resource does not exist.');
    return row;
  }

  const api = jsonService({
    service: 'logs',
    iamPrefix: 'logs',
    targetPrefix: 'Logs_20140328',
    operations,
    refuse: memberRefusal('InvalidParameterException'),
  });

  return {
    api,
    append(groupName, streamName, events) {
      if (events.length === 0) return;
      if (!selectGroup.get(groupName)) insertGroup.run(groupName, deps.now(), '{}');
      if (!selectStream.get(groupName, streamName)) insertStream.run(groupName, streamName, deps.now());
      const group = selectGroup.get(groupName) as LogGroupRow;
      store(
        group,
        streamName,
        [...events].sort((a, b) => a.timestamp - b.timestamp),
      );
    },
    sweep() {
      const now = deps.now();
      const expiredBytes = db.prepare<[string, number], { stream: string; bytes: number }>(
        `SELECT stream, SUM(length(CAST(message AS BLOB))) AS bytes FROM log_events
         WHERE group_name = ? AND time < ? GROUP BY stream`,
      );
      const lessStreamBytes = db.prepare(
        'UPDATE log_streams SET stored_bytes = MAX(0, stored_bytes - ?) WHERE group_name = ? AND name = ?',
      );
      const lessGroupBytes = db.prepare(
        'UPDATE log_groups SET stored_bytes = MAX(0, stored_bytes - ?) WHERE name = ?',
      );
      const expire = db.prepare('DELETE FROM log_events WHERE group_name = ? AND time < ?');
      // Each group's expired events go with the bytes they counted for, in one transaction.
      const sweepGroup = db.transaction((group: string, before: number): number => {
        let total = 0;
        for (const { stream, bytes } of expiredBytes.all(group, before)) {
          lessStreamBytes.run(bytes, group, stream);
          total += bytes;
        }
        lessGroupBytes.run(total, group);
        return expire.run(group, before).changes;
      });
      let removed = 0;
      for (const group of db
        .prepare<[], LogGroupRow>('SELECT * FROM log_groups WHERE retention_days IS NOT NULL')
        .all())
        removed += sweepGroup(group.name, now - (group.retention_days as number) * DAY);
      return removed;
    },
    close() {
      db.close();
    },
  };
}
