import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import type { Database } from '../db/database.js';
import type { SnsDeliveryTable, SnsSubscriptionTable, SnsTopicTable } from '../db/schema.js';
import { AppError, badRequest } from '../errors.js';
import { evaluate, type Policy, type PolicyError, parsePolicy } from '../iam/policy/index.js';
import { createOutboxWorker, type DeliveryRetries, type JobRuntime } from '../jobs/index.js';
import type { Clock } from '../lib/clock.js';
import { increasingId, uuid } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import {
  forbiddenAddress,
  NonPublicEndpoint,
  publicOnlyLookup,
  type SnsEndpoints,
} from './endpoint-guard.js';

/** SNS's error for a parameter it refuses. */
export function invalidParameter(message: string): AppError {
  return badRequest('InvalidParameter', `Invalid parameter: ${message}`);
}

export function notFound(message: string): AppError {
  return new AppError('NotFound', 404, message);
}

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
/** The attributes a topic takes here; FIFO topics, encryption, delivery policies… are refused, never ignored. */
const TOPIC_ATTRIBUTES: ReadonlySet<string> = new Set(['DisplayName', 'Policy']);
const MAX_MESSAGE_BYTES = 256 * 1024;

export interface Topic {
  readonly arn: string;
  readonly accountId: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface Subscription {
  readonly arn: string;
  readonly topicArn: string;
  readonly owner: string;
  readonly protocol: 'http' | 'https' | 'email' | 'email-json';
  readonly endpoint: string;
  readonly confirmed: boolean;
}

/** The default topic policy SNS gives a new topic: the owning account may use it; no one else, no service. */
export function defaultTopicPolicy(arn: string, accountId: string): string {
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'SNS:GetTopicAttributes',
          'SNS:SetTopicAttributes',
          'SNS:AddPermission',
          'SNS:RemovePermission',
          'SNS:DeleteTopic',
          'SNS:Subscribe',
          'SNS:ListSubscriptionsByTopic',
          'SNS:Publish',
        ],
        Resource: arn,
        Condition: { StringEquals: { 'AWS:SourceOwner': accountId } },
      },
    ],
  });
}

/** Parses a topic policy document as SNS stores it: a resource policy in IAM's language. */
function parseTopicPolicy(text: string): Policy {
  try {
    return parsePolicy(text, 'resource');
  } catch (error) {
    const reason = (error as PolicyError).message ?? 'the policy is not valid';
    throw invalidParameter(`Policy Error: ${reason}`);
  }
}

function topicOf(row: SnsTopicTable): Topic {
  return {
    arn: row.arn,
    accountId: row.account_id,
    name: row.name,
    attributes: JSON.parse(row.attributes) as Record<string, string>,
  };
}

function policyOf(topic: Topic, arn: string): Policy {
  return parsePolicy(topic.attributes.Policy ?? defaultTopicPolicy(arn, topic.accountId), 'resource');
}

function subscriptionOf(row: SnsSubscriptionTable): Subscription {
  return {
    arn: row.arn,
    topicArn: row.topic_arn,
    owner: row.owner,
    protocol: row.protocol,
    endpoint: row.endpoint,
    confirmed: row.confirmed === 1,
  };
}

/** What S3 needs of SNS: whether it may publish to a topic (why not), and publishing. */
export interface TopicPublisher {
  refusal(
    topicArn: string,
    from: { service: string; sourceArn: string; sourceAccount: string },
  ): Promise<string | undefined>;
  publish(topicArn: string, message: { subject?: string; message: string }): Promise<void>;
}

export interface SnsService extends TopicPublisher {
  /** The topic's access policy (its default one if none was set), as the authorizer weighs it; none without the topic. */
  topicPolicy(arn: string): Promise<Policy | undefined>;
  createTopic(
    accountId: string,
    region: string,
    name: string,
    attributes: Record<string, string>,
    tags: { Key: string; Value: string }[],
  ): Promise<string>;
  deleteTopic(arn: string): Promise<void>;
  listTopics(accountId: string, after: string | undefined): Promise<{ arns: string[]; next?: string }>;
  topic(arn: string): Promise<Topic>;
  topicAttributes(arn: string): Promise<[string, string][]>;
  setTopicAttribute(arn: string, name: string, value: string | undefined): Promise<void>;
  subscribe(topicArn: string, owner: string, protocol: string, endpoint: string): Promise<Subscription>;
  confirm(topicArn: string, token: string): Promise<string>;
  unsubscribe(arn: string): Promise<void>;
  subscription(arn: string): Promise<Subscription>;
  listSubscriptions(
    filter: { accountId: string } | { topicArn: string },
    after: string | undefined,
  ): Promise<{ subscriptions: Subscription[]; next?: string }>;
  /** Publishes and answers the message id. */
  publishMessage(topicArn: string, message: { subject?: string; message: string }): Promise<string>;
  /** Registers delivery with the job runtime; answers the stop. */
  start(runtime: JobRuntime): () => void;
}

export const DEFAULT_SNS_RETRIES: DeliveryRetries = {
  // SNS's default HTTP delivery policy retries for about an hour; so does this.
  firstDelayMs: 1000,
  maxDelayMs: 300_000,
  attempts: 20,
};

const PAGE = 100;
/** How long an endpoint has to answer a POST. */
const DELIVERY_TIMEOUT_MS = 15_000;

/**
 * POSTs a message to an endpoint: 2xx is delivered; anything else (a refusal, a timeout, a 5xx, an address
 * `endpoints` forbids) throws.
 */
function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  endpoints: SnsEndpoints,
): Promise<void> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const forbidden = forbiddenAddress(url, endpoints);
  if (forbidden !== undefined) return Promise.reject(new NonPublicEndpoint(forbidden));
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        // A connection of its own for each delivery: no pooled socket skips the address check.
        agent: false,
        ...(endpoints === 'public' ? { lookup: publicOnlyLookup } : {}),
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'text/plain; charset=UTF-8',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'Amazon Simple Notification Service Agent',
        },
        timeout: DELIVERY_TIMEOUT_MS,
      },
      (res) => {
        // What the endpoint answers is not read, only drained; redirects are not followed.
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`the endpoint answered ${status}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('the endpoint did not answer in time')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Where email subscriptions are delivered: an SMTP server, and the sender's address. */
export interface SmtpSettings {
  readonly url: string;
  readonly from: string;
}

const EMAIL_PROTOCOLS = ['email', 'email-json'];
/** An address SNS would take: one @, no spaces or control characters, a dotted domain. */
const EMAIL_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** One email: the confirmation or the message, as SNS words and shapes them. */
function emailOf(
  type: string,
  protocol: string,
  body: Record<string, string>,
  subscriptionArn: string,
): { subject: string; text: string } {
  if (type === 'SubscriptionConfirmation')
    return {
      subject: 'AWS Notification - Subscription Confirmation',
      text: `You have chosen to subscribe to the topic:\n${body.TopicArn}\n\nTo confirm this subscription, click or visit the link below (If this was in error no action is necessary):\nConfirm subscription: ${body.SubscribeURL}\n`,
    };
  // Header values never carry a line break: a subject cannot add headers of its own.
  const subject = (body.Subject ?? 'AWS Notification Message').replace(/[\r\n]+/g, ' ');
  if (protocol === 'email-json') return { subject, text: JSON.stringify(body) };
  return {
    subject,
    text: `${body.Message}\n\n--\nYou are receiving this email because your address is subscribed to ${body.TopicArn} (subscription ${subscriptionArn}). To stop receiving these notifications, unsubscribe that subscription (aws sns unsubscribe).\n`,
  };
}

export function createSnsService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  /** Seawall's own address, known once it listens: SubscribeURLs point at it. */
  baseUrl: () => string;
  retries?: DeliveryRetries;
  /** Which addresses subscriptions may reach (public ones unless said). */
  endpoints?: SnsEndpoints;
  /** Where email subscriptions go; without it, they are refused. */
  smtp?: SmtpSettings;
  /** The first user or role of the account a policy names that does not exist (IAM's unknownPrincipal). */
  unknownPrincipal?: (account: string, policy: Policy) => Promise<string | undefined>;
}): SnsService {
  const { db, clock, logger } = deps;
  /** A topic policy SNS would store: valid, and naming no principal of the account that does not exist. */
  async function checkPolicy(accountId: string, text: string): Promise<void> {
    const policy = parseTopicPolicy(text);
    if ((await deps.unknownPrincipal?.(accountId, policy)) !== undefined)
      throw invalidParameter('Policy Error: PrincipalNotFound');
  }
  const endpoints = deps.endpoints ?? 'public';
  const mailer = deps.smtp
    ? nodemailer.createTransport(
        { url: deps.smtp.url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 15_000 },
        { from: deps.smtp.from },
      )
    : undefined;

  async function findTopic(arn: string): Promise<SnsTopicTable | undefined> {
    return db.selectFrom('sns_topics').selectAll().where('arn', '=', arn).executeTakeFirst();
  }

  async function requireTopic(arn: string): Promise<SnsTopicTable> {
    const row = await findTopic(arn);
    if (!row) throw notFound('Topic does not exist');
    return row;
  }

  /** Queues one message for one subscription. */
  function delivery(subscriptionArn: string, type: string, body: object): SnsDeliveryTable {
    const now = clock.now().getTime();
    return {
      id: increasingId(now),
      subscription_arn: subscriptionArn,
      body: JSON.stringify(body),
      message_type: type,
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    };
  }

  const worker = createOutboxWorker<SnsDeliveryTable>(
    'sns-delivery',
    {
      due: (now, limit) =>
        db
          .selectFrom('sns_deliveries')
          .selectAll()
          .where('next_attempt_at', '<=', now)
          .orderBy('id')
          .limit(limit)
          .execute(),
      async deliver(row) {
        const subscription = await db
          .selectFrom('sns_subscriptions')
          .selectAll()
          .where('arn', '=', row.subscription_arn)
          .executeTakeFirst();
        // Unsubscribed since: nothing to deliver.
        if (!subscription) return;
        const body = JSON.parse(row.body) as { MessageId: string; TopicArn: string };
        if (EMAIL_PROTOCOLS.includes(subscription.protocol)) {
          if (!mailer) throw new Error('email delivery is not configured (SEAWALL_SMTP_URL)');
          const email = emailOf(
            row.message_type,
            subscription.protocol,
            body as unknown as Record<string, string>,
            subscription.arn,
          );
          // One address, never parsed as a list or group.
          await mailer.sendMail({
            to: { name: '', address: subscription.endpoint },
            subject: email.subject,
            text: email.text,
          });
          return;
        }
        await post(
          new URL(subscription.endpoint),
          row.body,
          {
            'x-amz-sns-message-type': row.message_type,
            'x-amz-sns-message-id': body.MessageId,
            'x-amz-sns-topic-arn': body.TopicArn,
            ...(row.message_type === 'Notification'
              ? { 'x-amz-sns-subscription-arn': subscription.arn }
              : {}),
          },
          endpoints,
        );
      },
      async remove(row) {
        await db.deleteFrom('sns_deliveries').where('id', '=', row.id).execute();
      },
      async postpone(row, attempts, at) {
        await db
          .updateTable('sns_deliveries')
          .set({ attempts, next_attempt_at: at })
          .where('id', '=', row.id)
          .execute();
      },
      async nextDue() {
        const row = await db
          .selectFrom('sns_deliveries')
          .select((eb) => eb.fn.min('next_attempt_at').as('at'))
          .executeTakeFirst();
        return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
      },
      describe: (row) => ({ subscription: row.subscription_arn, messageType: row.message_type }),
    },
    { clock, logger, retries: deps.retries ?? DEFAULT_SNS_RETRIES },
  );

  async function publishMessage(topicArn: string, message: { subject?: string; message: string }) {
    await requireTopic(topicArn);
    if (message.message === '') throw invalidParameter('Empty message');
    if (Buffer.byteLength(message.message) > MAX_MESSAGE_BYTES) throw invalidParameter('Message too long');
    // SNS's rule: at most 100 characters, no line breaks or control characters (they would reach email headers).
    if (
      message.subject !== undefined &&
      (message.subject === '' || message.subject.length > 100 || /\p{Cc}/u.test(message.subject))
    )
      throw invalidParameter('Subject');
    const messageId = uuid();
    const confirmed = await db
      .selectFrom('sns_subscriptions')
      .select('arn')
      .where('topic_arn', '=', topicArn)
      .where('confirmed', '=', 1)
      .execute();
    const timestamp = clock.now().toISOString();
    const rows = confirmed.map((subscription) =>
      delivery(subscription.arn, 'Notification', {
        Type: 'Notification',
        MessageId: messageId,
        TopicArn: topicArn,
        ...(message.subject !== undefined ? { Subject: message.subject } : {}),
        Message: message.message,
        Timestamp: timestamp,
      }),
    );
    if (rows.length > 0) {
      await db.insertInto('sns_deliveries').values(rows).execute();
      worker.wake();
    }
    return messageId;
  }

  async function page<T extends { arn: string }>(rows: T[]): Promise<{ items: T[]; next?: string }> {
    if (rows.length <= PAGE) return { items: rows };
    const items = rows.slice(0, PAGE);
    return { items, next: Buffer.from((items.at(-1) as T).arn).toString('base64url') };
  }

  function afterToken(token: string | undefined): string {
    if (token === undefined) return '';
    const arn = Buffer.from(token, 'base64url').toString();
    if (!arn.startsWith('arn:aws:sns:')) throw invalidParameter('NextToken');
    return arn;
  }

  return {
    async createTopic(accountId, region, name, attributes, tags) {
      if (!TOPIC_NAME.test(name)) throw invalidParameter('Topic Name');
      for (const key of Object.keys(attributes))
        if (!TOPIC_ATTRIBUTES.has(key)) throw invalidParameter(`Attributes Reason: ${key} is not supported`);
      if (attributes.Policy !== undefined) await checkPolicy(accountId, attributes.Policy);
      const arn = `arn:aws:sns:${region}:${accountId}:${name}`;
      const existing = await findTopic(arn);
      if (existing) {
        const had = JSON.parse(existing.attributes) as Record<string, string>;
        const same = Object.entries(attributes).every(([key, value]) => had[key] === value);
        if (!same)
          throw invalidParameter('Attributes Reason: Topic already exists with different attributes');
        return arn;
      }
      await db
        .insertInto('sns_topics')
        .values({
          arn,
          account_id: accountId,
          name,
          attributes: JSON.stringify(attributes),
          tags: JSON.stringify(tags),
          created_at: clock.now().getTime(),
        })
        .onConflict((oc) => oc.column('arn').doNothing())
        .execute();
      return arn;
    },

    async deleteTopic(arn) {
      await db.transaction().execute(async (trx) => {
        const subscriptions = trx.selectFrom('sns_subscriptions').select('arn').where('topic_arn', '=', arn);
        await trx.deleteFrom('sns_deliveries').where('subscription_arn', 'in', subscriptions).execute();
        await trx.deleteFrom('sns_subscriptions').where('topic_arn', '=', arn).execute();
        await trx.deleteFrom('sns_topics').where('arn', '=', arn).execute();
      });
    },

    async listTopics(accountId, token) {
      const rows = await db
        .selectFrom('sns_topics')
        .select('arn')
        .where('account_id', '=', accountId)
        .where('arn', '>', afterToken(token))
        .orderBy('arn')
        .limit(PAGE + 1)
        .execute();
      const { items, next } = await page(rows);
      return { arns: items.map((row) => row.arn), ...(next ? { next } : {}) };
    },

    topic: async (arn) => topicOf(await requireTopic(arn)),

    async topicAttributes(arn) {
      const topic = topicOf(await requireTopic(arn));
      const counts = await db
        .selectFrom('sns_subscriptions')
        .select(['confirmed', (eb) => eb.fn.countAll<number>().as('n')])
        .where('topic_arn', '=', arn)
        .groupBy('confirmed')
        .execute();
      const count = (confirmed: number) => String(counts.find((c) => c.confirmed === confirmed)?.n ?? 0);
      return [
        ['TopicArn', arn],
        ['Owner', topic.accountId],
        ['Policy', topic.attributes.Policy ?? defaultTopicPolicy(arn, topic.accountId)],
        ['DisplayName', topic.attributes.DisplayName ?? ''],
        ['SubscriptionsConfirmed', count(1)],
        ['SubscriptionsPending', count(0)],
        ['SubscriptionsDeleted', '0'],
        [
          'EffectiveDeliveryPolicy',
          JSON.stringify({
            http: {
              defaultHealthyRetryPolicy: {
                minDelayTarget: 1,
                maxDelayTarget: 300,
                numRetries: 19,
                backoffFunction: 'exponential',
              },
              disableSubscriptionOverrides: false,
            },
          }),
        ],
      ];
    },

    async setTopicAttribute(arn, name, value) {
      const row = await requireTopic(arn);
      if (!TOPIC_ATTRIBUTES.has(name)) throw invalidParameter(`AttributeName`);
      if (name === 'Policy' && value !== undefined) await checkPolicy(row.account_id, value);
      const attributes = JSON.parse(row.attributes) as Record<string, string>;
      if (value === undefined || value === '') delete attributes[name];
      else attributes[name] = value;
      await db
        .updateTable('sns_topics')
        .set({ attributes: JSON.stringify(attributes) })
        .where('arn', '=', arn)
        .execute();
    },

    async subscribe(topicArn, owner, protocolName, endpoint) {
      const protocol = protocolName as Subscription['protocol'];
      await requireTopic(topicArn);
      if (EMAIL_PROTOCOLS.includes(protocol)) {
        if (!mailer)
          throw invalidParameter(
            'Email subscriptions need an SMTP server, which this Seawall has not been given (SEAWALL_SMTP_URL)',
          );
        if (endpoint.length > 254 || !EMAIL_ADDRESS.test(endpoint)) throw invalidParameter('Email address');
      } else {
        if (protocol !== 'http' && protocol !== 'https')
          throw invalidParameter(`Invalid protocol type: ${protocol.slice(0, 32)}`);
        let url: URL;
        try {
          url = new URL(endpoint);
        } catch {
          throw invalidParameter('Endpoint must be a valid URL');
        }
        if (url.protocol !== `${protocol}:`)
          throw invalidParameter(`Endpoint must match the specified protocol`);
        // An address the server may not reach is refused now; a name is checked on each delivery, as it resolves.
        if (forbiddenAddress(url, endpoints) !== undefined)
          throw invalidParameter(
            'Endpoint must be reachable on the internet: a loopback or private address is not',
          );
      }
      const existing = await db
        .selectFrom('sns_subscriptions')
        .selectAll()
        .where('topic_arn', '=', topicArn)
        .where('endpoint', '=', endpoint)
        .where('protocol', '=', protocol)
        .executeTakeFirst();
      // Subscribing an endpoint again answers the subscription it has (and asks a pending one to confirm again).
      const row: SnsSubscriptionTable = existing ?? {
        arn: `${topicArn}:${uuid()}`,
        topic_arn: topicArn,
        owner,
        protocol,
        endpoint,
        token: randomBytes(64).toString('hex'),
        confirmed: 0,
        created_at: clock.now().getTime(),
      };
      if (row.confirmed === 1) return subscriptionOf(row);
      const confirmUrl = new URL('/_seawall/sns/confirm-subscription', deps.baseUrl());
      confirmUrl.searchParams.set('TopicArn', topicArn);
      confirmUrl.searchParams.set('Token', row.token);
      const message = delivery(row.arn, 'SubscriptionConfirmation', {
        Type: 'SubscriptionConfirmation',
        MessageId: uuid(),
        Token: row.token,
        TopicArn: topicArn,
        Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
        SubscribeURL: confirmUrl.toString(),
        Timestamp: clock.now().toISOString(),
      });
      await db.transaction().execute(async (trx) => {
        if (!existing) await trx.insertInto('sns_subscriptions').values(row).execute();
        await trx.insertInto('sns_deliveries').values(message).execute();
      });
      worker.wake();
      return subscriptionOf(row);
    },

    async confirm(topicArn, token) {
      const row = await db
        .selectFrom('sns_subscriptions')
        .selectAll()
        .where('topic_arn', '=', topicArn)
        .where('token', '=', token)
        .executeTakeFirst();
      if (!row) throw invalidParameter('Token');
      await db.updateTable('sns_subscriptions').set({ confirmed: 1 }).where('arn', '=', row.arn).execute();
      return row.arn;
    },

    async unsubscribe(arn) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('sns_deliveries').where('subscription_arn', '=', arn).execute();
        await trx.deleteFrom('sns_subscriptions').where('arn', '=', arn).execute();
      });
    },

    async subscription(arn) {
      const row = await db
        .selectFrom('sns_subscriptions')
        .selectAll()
        .where('arn', '=', arn)
        .executeTakeFirst();
      if (!row) throw notFound('Subscription does not exist');
      return subscriptionOf(row);
    },

    async listSubscriptions(filter, token) {
      let query = db.selectFrom('sns_subscriptions').selectAll().where('arn', '>', afterToken(token));
      if ('topicArn' in filter) {
        await requireTopic(filter.topicArn);
        query = query.where('topic_arn', '=', filter.topicArn);
      } else query = query.where('owner', '=', filter.accountId);
      const rows = await query
        .orderBy('arn')
        .limit(PAGE + 1)
        .execute();
      const { items, next } = await page(rows);
      return { subscriptions: items.map(subscriptionOf), ...(next ? { next } : {}) };
    },

    publishMessage,

    async publish(topicArn, message) {
      // S3 publishes to topics that may since have been deleted: then there is no one to tell.
      if (!(await findTopic(topicArn))) return;
      await publishMessage(topicArn, message);
    },

    topicPolicy: async (arn) => {
      const row = await findTopic(arn);
      return row && policyOf(topicOf(row), arn);
    },

    async refusal(topicArn, from) {
      const row = await findTopic(topicArn);
      if (!row) return 'The destination topic does not exist';
      const topic = topicOf(row);
      const decision = evaluate(
        {
          principal: { arn: from.service, accountId: '', type: 'Service' },
          action: 'sns:Publish',
          resource: topicArn,
          resourceAccountId: topic.accountId,
          context: { 'aws:SourceArn': from.sourceArn, 'aws:SourceAccount': from.sourceAccount },
        },
        { identity: [], resource: [policyOf(topic, topicArn)] },
      );
      return decision.effect === 'Allow'
        ? undefined
        : 'Permissions on the destination topic do not allow S3 to publish notifications from this bucket';
    },

    start: (runtime) => worker.start(runtime),
  };
}
