import { QueryMap, type QueryProtocol, q, queryEndpoint, queryOperation } from '../lib/aws-query.js';
import { registerOperations } from '../lib/operation.js';
import { invalidParameter, type SnsService } from './sns-service.js';

export const SNS_PROTOCOL: QueryProtocol = {
  service: 'sns',
  version: '2010-03-31',
  namespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
};

/** SNS's maps (`Attributes.entry.N.key`/`.value`). */
const attributeMap = q.list(
  q.struct({ key: q.string({ required: true }), value: q.string({ required: true }) }),
  {
    itemName: 'entry',
  },
);
const tag = q.struct({
  Key: q.string({ required: true, min: 1, max: 128 }),
  Value: q.string({ required: true, max: 256 }),
});

function mapOf(entries: readonly { key: string; value: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries ?? []) out[entry.key] = entry.value;
  return out;
}

/** A topic ARN of this region and account, or NotFound as SNS answers for one that names no topic here. */
function topicArn(arn: string): string {
  if (!/^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(arn)) throw invalidParameter('TopicArn');
  return arn;
}

/** The topic a subscription ARN belongs to: its ARN without the subscription's id. */
function topicOfSubscription(arn: string): string {
  const at = arn.lastIndexOf(':');
  return topicArn(at > 0 ? arn.slice(0, at) : arn);
}

function subscriptionMember(subscription: {
  arn: string;
  owner: string;
  protocol: string;
  endpoint: string;
  topicArn: string;
  confirmed: boolean;
}) {
  return {
    SubscriptionArn: subscription.confirmed ? subscription.arn : 'PendingConfirmation',
    Owner: subscription.owner,
    Protocol: subscription.protocol,
    Endpoint: subscription.endpoint,
    TopicArn: subscription.topicArn,
  };
}

/** SNS's operations: topics, HTTP(S) subscriptions and publishing. */
export function snsOperations(sns: SnsService) {
  const topicInput = { TopicArn: q.string({ required: true }) };
  return [
    queryOperation(SNS_PROTOCOL, {
      name: 'CreateTopic',
      input: {
        Name: q.string({ required: true }),
        Attributes: attributeMap,
        Tags: q.list(tag, { max: 50 }),
        DataProtectionPolicy: q.string(),
      },
      resources: (input, req) => [`arn:aws:sns:${req.region}:${req.principal.accountId}:${input.Name}`],
      async handle(input, req) {
        if (input.DataProtectionPolicy !== undefined)
          throw invalidParameter('DataProtectionPolicy is not supported');
        const arn = await sns.createTopic(
          req.principal.accountId,
          req.region,
          input.Name,
          mapOf(input.Attributes),
          (input.Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })),
        );
        return { TopicArn: arn };
      },
    }),
    queryOperation(SNS_PROTOCOL, {
      name: 'DeleteTopic',
      input: topicInput,
      resources: (input) => [topicArn(input.TopicArn)],
      async handle(input) {
        await sns.deleteTopic(input.TopicArn);
        return undefined;
      },
    }),
    queryOperation(SNS_PROTOCOL, {
      name: 'ListTopics',
      input: { NextToken: q.string() },
      resources: () => ['*'],
      async handle(input, req) {
        const { arns, next } = await sns.listTopics(req.principal.accountId, input.NextToken);
        return { Topics: arns.map((arn) => ({ TopicArn: arn })), NextToken: next };
      },
    }),
    queryOperation(SNS_PROTOCOL, {
      name: 'GetTopicAttributes',
      input: topicInput,
      resources: (input) => [topicArn(input.TopicArn)],
      async handle(input) {
        return { Attributes: new QueryMap(await sns.topicAttributes(input.TopicArn)) };
      },
    }),
    queryOperation(SNS_PROTOCOL, {
      name: 'SetTopicAttributes',
      input: { ...topicInput, AttributeName: q.string({ required: true }), AttributeValue: q.string() },
      resources: (input) => [topicArn(input.TopicArn)],
      async handle(input) {
        await sns.setTopicAttribute(input.TopicArn, input.AttributeName, input.AttributeValue);
        return undefined;
      },
    }),
    queryOperation(SNS_PROTOCOL, {
      name: 'Subscribe',
      input: {
        ...topicInput,
        Protocol: q.string({ required: true }),
        Endpoint: q.string(),
        Attributes: attributeMap,
        ReturnSubscriptionArn: q.boolean(),
      },
      resources: (input) => [topicArn(input.TopicArn)],
      async handle(input, req) {
        if ((input.Attributes ?? []).length > 0)
          throw invalidParameter('Attributes Reason: subscription attributes are not supported');
        if (input.Endpoint === undefined) throw invalidParameter('Endpoint');
        const subscription = await sns.subscribe(
          input.TopicArn,
          req.principal.accountId,
          input.Protocol,
          input.Endpoint,
        );
        return {
          SubscriptionArn:
            subscription.confirmed || input.ReturnSubscriptionArn === true
              ? subscription.arn
              : 'pending confirmation',
        };
      },
    }),
    queryOperation(SNS_PROTOCOL, {
      name: 'ConfirmSubscription',
      input: { ...topicInput, Token: q.string({ required: true }), AuthenticateOnUnsubscribe: q.string() },
      resources: (input) => [topicArn(input.TopicArn)],
      async handle(input) {
        if (input.AuthenticateOnUnsubscribe !== undefined && input.AuthenticateOnUnsubscribe !== 'false')
          throw invalidParameter('AuthenticateOnUnsubscribe is not supported');
        return { SubscriptionArn: await sns.confirm(input.TopicArn, input.Token) };
      },
    }),
    queryOperation(SNS_PROTOCOL, {
      name: 'Unsubscribe',
      input: { SubscriptionArn: q.string({ required: true }) },
      resources: (input) => [topicOfSubscription(input.SubscriptionArn)],
      async handle(input) {
        await sns.unsubscribe(input.SubscriptionArn);
        return undefined;
      },
    }),
    queryOperation(SNS_PROTOCOL, {
      name: 'GetSubscriptionAttributes',
      input: { SubscriptionArn: q.string({ required: true }) },
      resources: (input) => [topicOfSubscription(input.SubscriptionArn)],
      async handle(input) {
        const s = await sns.subscription(input.SubscriptionArn);
        return {
          Attributes: new QueryMap([
            ['SubscriptionArn', s.arn],
            ['TopicArn', s.topicArn],
            ['Owner', s.owner],
            ['Protocol', s.protocol],
            ['Endpoint', s.endpoint],
            ['PendingConfirmation', String(!s.confirmed)],
            ['ConfirmationWasAuthenticated', 'false'],
            ['RawMessageDelivery', 'false'],
          ]),
        };
      },
    }),
    queryOperation(SNS_PROTOCOL, {
      name: 'ListSubscriptions',
      input: { NextToken: q.string() },
      resources: () => ['*'],
      async handle(input, req) {
        const found = await sns.listSubscriptions({ accountId: req.principal.accountId }, input.NextToken);
        return { Subscriptions: found.subscriptions.map(subscriptionMember), NextToken: found.next };
      },
    }),
    queryOperation(SNS_PROTOCOL, {
      name: 'ListSubscriptionsByTopic',
      input: { ...topicInput, NextToken: q.string() },
      resources: (input) => [topicArn(input.TopicArn)],
      async handle(input) {
        const found = await sns.listSubscriptions({ topicArn: input.TopicArn }, input.NextToken);
        return { Subscriptions: found.subscriptions.map(subscriptionMember), NextToken: found.next };
      },
    }),
    queryOperation(SNS_PROTOCOL, {
      name: 'Publish',
      input: {
        TopicArn: q.string(),
        TargetArn: q.string(),
        PhoneNumber: q.string(),
        Message: q.string({ required: true }),
        Subject: q.string(),
        MessageStructure: q.string(),
        MessageAttributes: q.list(
          q.struct({
            Name: q.string({ required: true }),
            Value: q.struct({
              DataType: q.string({ required: true }),
              StringValue: q.string(),
              BinaryValue: q.string(),
            }),
          }),
          { itemName: 'entry' },
        ),
        MessageGroupId: q.string(),
        MessageDeduplicationId: q.string(),
      },
      resources: (input) => [topicArn(input.TopicArn ?? input.TargetArn ?? '')],
      async handle(input) {
        if (input.PhoneNumber !== undefined) throw invalidParameter('PhoneNumber: SMS is not supported');
        if (input.TargetArn !== undefined && input.TopicArn === undefined)
          throw invalidParameter('TargetArn: only topics are supported');
        for (const [name, value] of [
          ['MessageStructure', input.MessageStructure],
          ['MessageAttributes', input.MessageAttributes],
          ['MessageGroupId', input.MessageGroupId],
          ['MessageDeduplicationId', input.MessageDeduplicationId],
        ] as const)
          if (value !== undefined) throw invalidParameter(`${name} is not supported`);
        const messageId = await sns.publishMessage(topicArn(input.TopicArn ?? ''), {
          message: input.Message,
          ...(input.Subject !== undefined ? { subject: input.Subject } : {}),
        });
        return { MessageId: messageId };
      },
    }),
  ];
}

/** The SNS endpoint (awsQuery, version 2010-03-31). */
export function createSnsApi(sns: SnsService) {
  return queryEndpoint(SNS_PROTOCOL, registerOperations('sns', snsOperations(sns)));
}
