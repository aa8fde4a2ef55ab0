import { badRequest } from '../errors.js';
import { createOutboxWorker, type DeliveryRetries, type JobRuntime } from '../jobs/index.js';
import type { Clock } from '../lib/clock.js';
import { extendedRequestId, requestId as newRequestId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { OperationRequest, Principal } from '../lib/operation.js';
import type { TopicPublisher } from '../notify/index.js';
import type { BucketSettings } from './bucket-settings.js';
import type { EventDraft, EventOutbox, OutboxRow } from './event-outbox.js';
import {
  type NotificationConfiguration,
  type NotificationRule,
  parseStoredNotification,
  rulesFor,
  type S3EventName,
} from './notification-config.js';

/** Who made a change, as its event record names them. */
export interface ChangeOrigin {
  /** `AWS:` and the caller's unique id (the account id for a root, AIDA… for a user, AROA…:session). */
  readonly principalId: string;
  readonly sourceIp: string;
  readonly requestId: string;
}

/**
 * Who made a change, for its event notification: a caller, or S3 itself ('lifecycle': a lifecycle rule,
 * 'replication': replication reporting on a version).
 */
export type EventOrigin = ChangeOrigin | 'lifecycle' | 'replication' | undefined;

/** What a change is, for its event notification, and who made it. */
export interface ObjectCause {
  readonly event: S3EventName;
  readonly origin?: EventOrigin;
}

/** The origin of a change a request made. */
export function originOf(principal: Principal, sourceIp: string, requestId: string): ChangeOrigin {
  return {
    principalId: principal.type === 'Anonymous' ? 'Anonymous' : `AWS:${principal.userId}`,
    sourceIp,
    requestId,
  };
}

/** The origin of a change the request makes. */
export function requestOrigin(req: OperationRequest): ChangeOrigin {
  return originOf(req.principal, req.facts.sourceIp, req.requestId);
}

/** S3 names itself as the principal of what lifecycle rules do, and of what replication reports. */
const S3_ORIGIN = { principalId: 's3.amazonaws.com', sourceIp: 's3.amazonaws.com' };

/** What a replication failure event adds to its record (S3's replicationEventData). */
export interface ReplicationEventData {
  replicationRuleId: string;
  /** The destination bucket's ARN. */
  destinationBucket: string;
  s3Operation: 'OBJECT_PUT';
  /** When the version to replicate was made (ISO 8601). */
  requestTime: string;
  failureReason?: string;
}

/** What an event says of the object it is about. */
export interface EventObject {
  readonly key: string;
  readonly size?: number;
  /** With or without its quotes; the record has it without. */
  readonly etag?: string;
  /** Omitted where the bucket never had versioning; "null" is not named either. */
  readonly versionId?: string | undefined;
}

/** One record of S3's event message (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html). */
export interface S3EventRecord {
  eventVersion: string;
  eventSource: 'aws:s3';
  awsRegion: string;
  eventTime: string;
  eventName: S3EventName;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: Record<string, string>;
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    /** No sequencer in the records of events that are no PUT or DELETE (tagging, ACL). */
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer?: string };
  };
  replicationEventData?: ReplicationEventData;
}

/** A subscriber of the in-process event bus: the events of buckets with EventBridgeConfiguration. */
export type EventListener = (record: S3EventRecord) => void | Promise<void>;

/** Where one stored event goes: the rules' topics, and the bus. */
interface EventDestinations {
  topics: { id: string; arn: string }[];
  bus: boolean;
}

export type { DeliveryRetries };

export const DEFAULT_DELIVERY_RETRIES: DeliveryRetries = {
  firstDelayMs: 1000,
  maxDelayMs: 300_000,
  attempts: 20,
};

/** The eventVersion of the kinds of event not at 2.1 (S3's event message structure). */
const EVENT_VERSIONS: Readonly<Partial<Record<S3EventName, string>>> = {
  'LifecycleExpiration:Delete': '2.3',
  'LifecycleExpiration:DeleteMarkerCreated': '2.3',
  LifecycleTransition: '2.3',
  'ObjectTagging:Put': '2.3',
  'ObjectTagging:Delete': '2.3',
  'ObjectAcl:Put': '2.3',
  'Replication:OperationFailedReplication': '2.2',
};

/**
 * The events that are no PUT or DELETE of an object, whose records carry no sequencer (recorded from S3:
 * ObjectTagging and ObjectAcl records name the key and eTag only).
 */
const WITHOUT_SEQUENCER: ReadonlySet<S3EventName> = new Set([
  'ObjectTagging:Put',
  'ObjectTagging:Delete',
  'ObjectAcl:Put',
]);

/** The eTag S3 names in a delete marker's ObjectRemoved:DeleteMarkerCreated record: the empty object's MD5. */
const DELETE_MARKER_ETAG = 'd41d8cd98f00b204e9800998ecf8427e';

/** Keys in event records are URL-encoded as a form encodes them (a space is `+`), slashes kept. */
export function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

function unquoted(etag: string): string {
  return etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}

/** The bucket's configuration, the empty one when none is set. */
export async function notificationOf(
  settings: BucketSettings,
  bucket: string,
): Promise<NotificationConfiguration> {
  const stored = await settings.get(bucket, 'notification');
  return stored === undefined ? { rules: [], eventBridge: false } : parseStoredNotification(stored);
}

/**
 * S3 event notifications: the drafts a change stores with itself (notification-config.ts decides who gets
 * what), and their delivery from the outbox to SNS topics and the in-process bus, at least once, retried
 * after failures and after a restart, on the job runtime.
 */
export interface Notifications {
  /**
   * The drafts an event raises (none when nothing listens), for the change's own transaction. Lifecycle's
   * changes have no origin; a change made by Seawall itself (a query's results) names its caller's origin or
   * none.
   */
  drafts(
    bucket: string,
    event: S3EventName,
    object: EventObject,
    origin: EventOrigin,
    /** A replication event's own part of the record. */
    replication?: ReplicationEventData,
  ): Promise<EventDraft[]>;
  /** Wakes delivery after a change stored drafts. */
  wake(): void;
  /** Checks a configuration's destinations as S3 does before it is stored; InvalidArgument naming each refused. */
  validate(bucket: string, accountId: string, config: NotificationConfiguration): Promise<void>;
  /** Sends s3:TestEvent to each topic of a configuration just stored, as S3 does. */
  test(bucket: string, config: NotificationConfiguration, requestId: string): Promise<void>;
  /** Subscribes to the bus; answers the unsubscribe. */
  subscribe(listener: EventListener): () => void;
  /** Registers delivery with the job runtime (before its recover) and delivers what waits; answers the stop. */
  start(runtime: JobRuntime): () => void;
  /** Connects the SNS service (built after storage). */
  connect(topics: TopicPublisher): void;
}

const KIND = 's3-event-delivery';
const SUBJECT = 'Amazon S3 Notification';

export function createNotifications(deps: {
  settings: BucketSettings;
  outbox: EventOutbox;
  owner: (bucket: string) => Promise<string | undefined>;
  region: () => string;
  clock: Clock;
  logger: Logger;
  retries?: DeliveryRetries;
}): Notifications {
  const { settings, outbox, clock, logger } = deps;
  const retries = deps.retries ?? DEFAULT_DELIVERY_RETRIES;
  const listeners = new Set<EventListener>();
  let topics: TopicPublisher | undefined;

  function destinationsOf(config: NotificationConfiguration, event: S3EventName, key: string) {
    // S3 matches filters against the key as its records write it: a filter names a space as '+' ("If your prefix
    // or suffix contains a space, you must replace it with the '+' character"), other characters URL-encoded.
    const rules: NotificationRule[] = rulesFor(config, event, eventKey(key));
    return {
      topics: rules.filter((rule) => rule.kind === 'Topic').map((rule) => ({ id: rule.id, arn: rule.arn })),
      bus: config.eventBridge,
    } satisfies EventDestinations;
  }

  async function deliver(row: OutboxRow): Promise<void> {
    const destinations = JSON.parse(row.destinations) as EventDestinations;
    const base = JSON.parse(row.record) as Omit<S3EventRecord, 's3'> & {
      s3: Omit<S3EventRecord['s3'], 'configurationId'> & {
        object: Omit<S3EventRecord['s3']['object'], 'sequencer'>;
      };
    };
    const record = (configurationId: string): S3EventRecord => ({
      ...base,
      s3: {
        s3SchemaVersion: '1.0',
        configurationId,
        bucket: base.s3.bucket,
        object: WITHOUT_SEQUENCER.has(base.eventName)
          ? base.s3.object
          : { ...base.s3.object, sequencer: row.id },
      },
    });
    if (destinations.bus) for (const listener of listeners) await listener(record('EventBridge'));
    for (const topic of destinations.topics) {
      if (!topics) throw new Error('the SNS service is not connected');
      await topics.publish(topic.arn, {
        subject: SUBJECT,
        message: JSON.stringify({ Records: [record(topic.id)] }),
      });
    }
  }

  const worker = createOutboxWorker(
    KIND,
    {
      due: (now, limit) => outbox.due(now, limit),
      deliver,
      remove: (row) => outbox.remove(row.id),
      postpone: (row, attempts, at) => outbox.postpone(row.id, attempts, at),
      nextDue: () => outbox.nextDue(),
      describe: (row) => ({ bucket: row.bucket, sequencer: row.id }),
    },
    { clock, logger, retries },
  );

  return {
    async drafts(bucket, event, object, origin, replication) {
      const config = await notificationOf(settings, bucket);
      if (config.rules.length === 0 && !config.eventBridge) return [];
      const destinations = destinationsOf(config, event, object.key);
      if (destinations.topics.length === 0 && !destinations.bus) return [];
      const now = clock.now();
      const who =
        origin === 'lifecycle' || origin === 'replication'
          ? { ...S3_ORIGIN, requestId: newRequestId() }
          : (origin ?? { principalId: 'Seawall', sourceIp: '127.0.0.1', requestId: newRequestId() });
      const owner = (await deps.owner(bucket)) ?? '';
      const etag = event === 'ObjectRemoved:DeleteMarkerCreated' ? DELETE_MARKER_ETAG : object.etag;
      const record = {
        eventVersion: EVENT_VERSIONS[event] ?? '2.1',
        eventSource: 'aws:s3',
        awsRegion: deps.region(),
        eventTime: now.toISOString(),
        eventName: event,
        userIdentity: { principalId: who.principalId },
        requestParameters: { sourceIPAddress: who.sourceIp },
        responseElements: {
          'x-amz-request-id': who.requestId,
          'x-amz-id-2': extendedRequestId(who.requestId),
        },
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: bucket, ownerIdentity: { principalId: owner }, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: eventKey(object.key),
            ...(object.size !== undefined ? { size: object.size } : {}),
            ...(etag !== undefined && etag !== '' ? { eTag: unquoted(etag) } : {}),
            // The "null" version (of a bucket whose versioning is suspended) is not named, as S3 records show.
            ...(object.versionId !== undefined && object.versionId !== 'null'
              ? { versionId: object.versionId }
              : {}),
          },
        },
        ...(replication ? { replicationEventData: replication } : {}),
      };
      return [
        {
          bucket,
          record: JSON.stringify(record),
          destinations: JSON.stringify(destinations),
          createdAt: now.getTime(),
        },
      ];
    },

    wake: () => worker.wake(),

    async validate(bucket, accountId, config) {
      const refused: [string, string][] = [];
      for (const rule of config.rules) {
        if (rule.kind !== 'Topic') {
          // Seawall has no SQS or Lambda: no such destination can exist.
          refused.push([
            rule.arn,
            `The destination ${rule.kind === 'Queue' ? 'queue' : 'function'} does not exist`,
          ]);
          continue;
        }
        const reason = topics
          ? await topics.refusal(rule.arn, {
              service: 's3.amazonaws.com',
              sourceArn: `arn:aws:s3:::${bucket}`,
              sourceAccount: accountId,
            })
          : 'The destination topic does not exist';
        if (reason !== undefined) refused.push([rule.arn, reason]);
      }
      if (refused.length === 0) return;
      const fields: Record<string, string> = {};
      refused.forEach(([arn, reason], i) => {
        fields[`ArgumentName${i + 1}`] = arn;
        fields[`ArgumentValue${i + 1}`] = reason;
      });
      throw badRequest(
        'InvalidArgument',
        'Unable to validate the following destination configurations',
        fields,
      );
    },

    async test(bucket, config, requestId) {
      const message = JSON.stringify({
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Time: clock.now().toISOString(),
        Bucket: bucket,
        RequestId: requestId,
        HostId: extendedRequestId(requestId),
      });
      const arns = new Set(config.rules.filter((rule) => rule.kind === 'Topic').map((rule) => rule.arn));
      for (const arn of arns) await topics?.publish(arn, { subject: SUBJECT, message });
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    start: (jobs) => worker.start(jobs),

    connect(publisher) {
      topics = publisher;
    },
  };
}
