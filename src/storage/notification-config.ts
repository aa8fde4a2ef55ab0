import { randomBytes } from 'node:crypto';
import { type AppError, badRequest } from '../errors.js';
import type { XmlObject } from '../lib/xml.js';
import { asRecord, malformedXml, onlyElements } from './s3-wire.js';

/**
 * S3's bucket notification configuration (PutBucketNotificationConfiguration): which events of which keys go
 * to which destination. Parsed and checked here as S3 checks it; stored as JSON in the bucket's settings.
 */

/** The event types a configuration may name (S3's Event enum). */
export const NOTIFICATION_EVENTS: ReadonlySet<string> = new Set([
  's3:ReducedRedundancyLostObject',
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationNotTracked',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectAcl:Put',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
]);

/** An event Seawall raises, as its record names it (without the `s3:` of the configuration's names). */
export type S3EventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete'
  | 'ObjectRemoved:DeleteMarkerCreated'
  | 'LifecycleExpiration:Delete'
  | 'LifecycleExpiration:DeleteMarkerCreated'
  | 'LifecycleTransition'
  | 'ObjectTagging:Put'
  | 'ObjectTagging:Delete'
  | 'ObjectAcl:Put'
  | 'Replication:OperationFailedReplication';

/** The kinds of destination, by the element that configures each. */
export const DESTINATIONS = {
  TopicConfiguration: 'Topic',
  QueueConfiguration: 'Queue',
  CloudFunctionConfiguration: 'CloudFunction',
} as const;
type ConfigurationElement = keyof typeof DESTINATIONS;
export type DestinationKind = (typeof DESTINATIONS)[ConfigurationElement];

/** One TopicConfiguration, QueueConfiguration or CloudFunctionConfiguration. */
export interface NotificationRule {
  readonly id: string;
  readonly kind: DestinationKind;
  /** The destination's ARN, as sent. */
  readonly arn: string;
  /** Event types as sent (`s3:ObjectCreated:*`), in order. */
  readonly events: readonly string[];
  readonly prefix?: string;
  readonly suffix?: string;
}

export interface NotificationConfiguration {
  readonly rules: readonly NotificationRule[];
  /** EventBridgeConfiguration: every event of the bucket goes to the event bus. */
  readonly eventBridge: boolean;
}

/** The elements that may repeat, which the XML parser must hand back as lists. */
export const NOTIFICATION_LIST_ELEMENTS = [
  'TopicConfiguration',
  'QueueConfiguration',
  'CloudFunctionConfiguration',
  'Event',
  'FilterRule',
] as const;

/** S3's limit on a filter rule's value. */
const MAX_FILTER_VALUE_BYTES = 1024;
/** A configuration's Id is at most this long, as S3 refuses longer ones. */
const MAX_ID_LENGTH = 255;

function invalidArgument(message: string, fields?: Record<string, string>): AppError {
  return badRequest('InvalidArgument', message, fields);
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw malformedXml();
  return value;
}

function readFilter(raw: unknown): { prefix?: string; suffix?: string } {
  const filter = asRecord(raw);
  if (!filter) throw malformedXml();
  onlyElements(filter, ['S3Key'], malformedXml, { once: true });
  if (filter.S3Key === undefined) return {};
  const key = asRecord(filter.S3Key);
  if (!key) throw malformedXml();
  onlyElements(key, ['FilterRule'], malformedXml);
  const found: { prefix?: string; suffix?: string } = {};
  for (const item of (key.FilterRule as unknown[] | undefined) ?? []) {
    const rule = asRecord(item);
    if (!rule) throw malformedXml();
    onlyElements(rule, ['Name', 'Value'], malformedXml, { once: true });
    const name = text(rule.Name ?? '').toLowerCase();
    const value = rule.Value === undefined ? '' : text(rule.Value);
    if (name !== 'prefix' && name !== 'suffix')
      throw invalidArgument('filter rule name must be either prefix or suffix', {
        ArgumentName: 'FilterRule.Name',
        ArgumentValue: text(rule.Name ?? ''),
      });
    if (found[name] !== undefined)
      throw invalidArgument(`Cannot specify more than one ${name} rule in a filter.`, {
        ArgumentName: 'FilterRule.Name',
        ArgumentValue: name,
      });
    if (Buffer.byteLength(value) > MAX_FILTER_VALUE_BYTES)
      throw invalidArgument('Size of filter rule value cannot exceed 1024 bytes in UTF-8 representation', {
        ArgumentName: 'FilterRule.Value',
        ArgumentValue: value.slice(0, 64),
      });
    found[name] = value;
  }
  return found;
}

/** S3 makes up an Id for a configuration sent without one. */
function generatedId(): string {
  return randomBytes(36).toString('base64').slice(0, 48);
}

/** arn:partition:service:region:account:resource, each part but region and account present. */
const ARN_SHAPE = /^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/;

/**
 * A destination that is not an ARN at all is refused while the document is read, as S3 does: so the answer is
 * the same whether or not the request skips validating destinations.
 */
function parsedArn(kind: DestinationKind, arn: string): string {
  if (!ARN_SHAPE.test(arn))
    throw invalidArgument('The ARN could not be parsed', { ArgumentName: kind, ArgumentValue: arn });
  return arn;
}

function readRule(element: ConfigurationElement, raw: unknown): NotificationRule {
  const record = asRecord(raw);
  if (!record) throw malformedXml();
  const kind = DESTINATIONS[element];
  onlyElements(record, ['Id', kind, 'Event', 'Filter'], malformedXml);
  for (const name of ['Id', kind, 'Filter']) if (Array.isArray(record[name])) throw malformedXml();
  const arn = record[kind];
  const events = (record.Event as unknown[] | undefined) ?? [];
  if (arn === undefined || events.length === 0) throw malformedXml();
  const names = events.map(text);
  for (const name of names)
    if (!NOTIFICATION_EVENTS.has(name))
      throw invalidArgument('The event is not supported for notifications', {
        ArgumentName: 'Event',
        ArgumentValue: name,
      });
  const id = record.Id === undefined || record.Id === '' ? generatedId() : text(record.Id);
  if (id.length > MAX_ID_LENGTH)
    throw invalidArgument(`The Id of a configuration cannot be longer than ${MAX_ID_LENGTH} characters.`, {
      ArgumentName: 'Id',
      ArgumentValue: id.slice(0, 64),
    });
  return {
    id,
    kind,
    arn: parsedArn(kind, text(arn).trim()),
    events: [...new Set(names)],
    ...(record.Filter === undefined ? {} : readFilter(record.Filter)),
  };
}

/** Whether two event type patterns (`s3:ObjectCreated:*`, `s3:ObjectCreated:Put`) share an event. */
function eventsOverlap(a: string, b: string): boolean {
  const family = (name: string) => (name.endsWith(':*') ? name.slice(0, -1) : undefined);
  const wildA = family(a);
  const wildB = family(b);
  if (wildA !== undefined) return b.startsWith(wildA);
  if (wildB !== undefined) return a.startsWith(wildB);
  return a === b;
}

/** Whether one key could pass both filters: prefixes one of the other, and suffixes likewise. */
function filtersOverlap(a: NotificationRule, b: NotificationRule): boolean {
  const nests = (x = '', y = '', at: 'start' | 'end') =>
    at === 'start' ? x.startsWith(y) || y.startsWith(x) : x.endsWith(y) || y.endsWith(x);
  return nests(a.prefix, b.prefix, 'start') && nests(a.suffix, b.suffix, 'end');
}

/** S3 refuses two configurations that could send one event of one key twice. */
function checkOverlaps(rules: readonly NotificationRule[]): void {
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const a = rules[i] as NotificationRule;
      const b = rules[j] as NotificationRule;
      if (a.id === b.id)
        throw invalidArgument('Same ID used for multiple configurations. IDs must be unique', {
          ArgumentName: 'Id',
          ArgumentValue: a.id,
        });
      const shared = sharedEvents(a, b);
      if (shared && filtersOverlap(a, b)) throw overlapping(a, b, shared);
    }
  }
}

/** The first pair of event types, one of each configuration, that name a common event. */
function sharedEvents(a: NotificationRule, b: NotificationRule): [string, string] | undefined {
  for (const x of a.events) for (const y of b.events) if (eventsOverlap(x, y)) return [x, y];
  return undefined;
}

/**
 * S3's refusal of two configurations that overlap: said one way when neither filters keys (they share an event
 * type), another when a filter is involved (their prefixes and suffixes overlap); the argument is the pair of
 * event types.
 */
function overlapping(a: NotificationRule, b: NotificationRule, events: [string, string]): AppError {
  const filtered = (rule: NotificationRule) => rule.prefix !== undefined || rule.suffix !== undefined;
  const message =
    filtered(a) || filtered(b)
      ? 'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.'
      : 'Configurations overlap. Configurations on the same bucket cannot share a common event type.';
  return invalidArgument(message, { ArgumentName: 'Event', ArgumentValue: events.join(', ') });
}

/**
 * A NotificationConfiguration document, parsed with NOTIFICATION_LIST_ELEMENTS as lists. An empty document
 * (or none) is the empty configuration, which turns notifications off. What does not have the schema's shape
 * is MalformedXML; values S3 refuses are InvalidArgument.
 */
export function readNotificationConfiguration(
  document: Record<string, unknown> | undefined,
): NotificationConfiguration {
  if (!document) throw malformedXml();
  if (Object.keys(document).length !== 1) throw malformedXml();
  const root = asRecord(document.NotificationConfiguration);
  if (!root) throw malformedXml();
  const elements = [...Object.keys(DESTINATIONS), 'EventBridgeConfiguration'];
  onlyElements(root, elements, malformedXml);
  if (Array.isArray(root.EventBridgeConfiguration)) throw malformedXml();
  if (root.EventBridgeConfiguration !== undefined) {
    const bridge = asRecord(root.EventBridgeConfiguration);
    if (!bridge || Object.keys(bridge).length > 0) throw malformedXml();
  }
  const rules: NotificationRule[] = [];
  for (const element of Object.keys(DESTINATIONS) as ConfigurationElement[]) {
    for (const raw of (root[element] as unknown[] | undefined) ?? []) rules.push(readRule(element, raw));
  }
  checkOverlaps(rules);
  return { rules, eventBridge: root.EventBridgeConfiguration !== undefined };
}

/** The configuration as GetBucketNotificationConfiguration answers it. */
export function notificationXml(config: NotificationConfiguration): XmlObject {
  const body: XmlObject = {};
  for (const [element, kind] of Object.entries(DESTINATIONS)) {
    const rules = config.rules.filter((rule) => rule.kind === kind);
    if (rules.length === 0) continue;
    body[element] = rules.map((rule) => {
      const filterRules = [
        ...(rule.prefix !== undefined ? [{ Name: 'Prefix', Value: rule.prefix }] : []),
        ...(rule.suffix !== undefined ? [{ Name: 'Suffix', Value: rule.suffix }] : []),
      ];
      return {
        Id: rule.id,
        [kind]: rule.arn,
        Event: [...rule.events],
        ...(filterRules.length > 0 ? { Filter: { S3Key: { FilterRule: filterRules } } } : {}),
      };
    });
  }
  if (config.eventBridge) body.EventBridgeConfiguration = {};
  return body;
}

/** Whether a configuration's event types name an event (`s3:ObjectCreated:*` names `ObjectCreated:Put`). */
export function namesEvent(rule: NotificationRule, event: S3EventName): boolean {
  const full = `s3:${event}`;
  return rule.events.some(
    (name) => name === full || (name.endsWith(':*') && full.startsWith(name.slice(0, -1))),
  );
}

/** The rules an event of a key goes to: its type named, its key passing the filter. */
export function rulesFor(
  config: NotificationConfiguration,
  event: S3EventName,
  key: string,
): NotificationRule[] {
  return config.rules.filter(
    (rule) =>
      namesEvent(rule, event) &&
      (rule.prefix === undefined || key.startsWith(rule.prefix)) &&
      (rule.suffix === undefined || key.endsWith(rule.suffix)),
  );
}

export function parseStoredNotification(text: string): NotificationConfiguration {
  return JSON.parse(text) as NotificationConfiguration;
}
