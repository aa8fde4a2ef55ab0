import { rmSync } from 'node:fs';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  PublishCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { policyUser } from './helpers/iam-user.js';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';
import { setTopicPolicy } from './helpers/sns.js';
import { webhook } from './helpers/webhook.js';

const RETRIES = { firstDelayMs: 50, maxDelayMs: 200, attempts: 5 };
/** The tests' webhooks listen on loopback, which SNS reaches only when told it may. */
const LOOPBACK = { SEAWALL_SNS_ENDPOINTS: 'any' };

function client(t: TestSeawall, credentials = t.credentials): SNSClient {
  return new SNSClient({ endpoint: t.url, region: t.credentials.region, credentials });
}

/** Subscribes the hook and confirms it through the SubscribeURL it was sent; answers the subscription ARN. */
async function confirmed(sns: SNSClient, TopicArn: string, hook: Awaited<ReturnType<typeof webhook>>) {
  const before = hook.received.length;
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hook.url }),
  );
  expect(SubscriptionArn).toBe('pending confirmation');
  const message = (await hook.waitFor(before + 1))[before];
  expect(message?.type).toBe('SubscriptionConfirmation');
  const answer = await fetch(message?.body.SubscribeURL ?? '');
  expect(answer.status).toBe(200);
  const arn = /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(await answer.text())?.[1];
  expect(arn).toMatch(new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));
  return arn as string;
}

describe('SNS', () => {
  let t: TestSeawall;
  let sns: SNSClient;
  beforeAll(async () => {
    t = await startTestSeawall({ env: LOOPBACK, limits: { eventRetries: RETRIES } });
    sns = client(t);
  });
  afterAll(async () => {
    sns?.destroy();
    await t?.close();
  });

  it('creates, lists, describes and deletes topics; creating one again answers the same ARN', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'lake-events' }));
    expect(TopicArn).toBe(`arn:aws:sns:${t.credentials.region}:${t.seawall.accountId}:lake-events`);
    expect((await sns.send(new CreateTopicCommand({ Name: 'lake-events' }))).TopicArn).toBe(TopicArn);
    const listed = await sns.send(new ListTopicsCommand({}));
    expect(listed.Topics?.map((topic) => topic.TopicArn)).toContain(TopicArn);
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    expect(Attributes).toMatchObject({
      TopicArn,
      Owner: t.seawall.accountId,
      SubscriptionsConfirmed: '0',
      SubscriptionsPending: '0',
    });
    expect(JSON.parse(Attributes?.Policy ?? '{}').Statement[0].Condition).toEqual({
      StringEquals: { 'AWS:SourceOwner': t.seawall.accountId },
    });
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn, AttributeName: 'DisplayName', AttributeValue: 'Lake' }),
    );
    expect((await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes?.DisplayName).toBe(
      'Lake',
    );
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    expect(await failureOf(sns.send(new GetTopicAttributesCommand({ TopicArn })))).toMatchObject({
      code: 'NotFound',
      status: 404,
    });
    // Deleting a topic that is gone is not an error, as in SNS.
    await sns.send(new DeleteTopicCommand({ TopicArn }));
  });

  it('refuses what it does not do, never accepting and ignoring it', async () => {
    const invalid = { code: 'InvalidParameter', status: 400 };
    expect(await failureOf(sns.send(new CreateTopicCommand({ Name: 'bad name!' })))).toMatchObject(invalid);
    expect(
      await failureOf(
        sns.send(new CreateTopicCommand({ Name: 'ordered.fifo', Attributes: { FifoTopic: 'true' } })),
      ),
    ).toMatchObject(invalid);
    expect(
      await failureOf(
        sns.send(new CreateTopicCommand({ Name: 'kms', Attributes: { KmsMasterKeyId: 'alias/x' } })),
      ),
    ).toMatchObject(invalid);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'refusals' }));
    for (const Protocol of ['email', 'sqs', 'lambda', 'sms'])
      expect(
        await failureOf(
          sns.send(new SubscribeCommand({ TopicArn, Protocol, Endpoint: 'someone@example.com' })),
        ),
        Protocol,
      ).toMatchObject(invalid);
    expect(
      await failureOf(
        sns.send(new SubscribeCommand({ TopicArn, Protocol: 'https', Endpoint: 'http://127.0.0.1:1/' })),
      ),
    ).toMatchObject(invalid);
    expect(
      await failureOf(
        sns.send(
          new PublishCommand({
            TopicArn,
            Message: 'x',
            MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
          }),
        ),
      ),
    ).toMatchObject(invalid);
    expect(
      await failureOf(sns.send(new PublishCommand({ TopicArn: `${TopicArn}-missing`, Message: 'x' }))),
    ).toMatchObject({ code: 'NotFound', status: 404 });
    expect(
      await failureOf(
        sns.send(
          new SetTopicAttributesCommand({ TopicArn, AttributeName: 'Policy', AttributeValue: '{"nope":1}' }),
        ),
      ),
    ).toMatchObject(invalid);
    // A policy naming a user of the account that does not exist.
    const ghost = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${t.seawall.accountId}:user/ghost` },
          Action: 'SNS:Publish',
          Resource: TopicArn,
        },
      ],
    });
    expect(
      await failureOf(
        sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'Policy', AttributeValue: ghost })),
      ),
    ).toMatchObject({ ...invalid, message: expect.stringContaining('Policy Error: PrincipalNotFound') });
  });

  it('confirms an HTTP subscription through its SubscribeURL and delivers what is published to it', async () => {
    const hook = await webhook();
    try {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'deliveries' }));
      // Unconfirmed, a subscription receives nothing.
      const arn = await confirmed(sns, TopicArn as string, hook);
      const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
      expect(listed.Subscriptions).toEqual([
        { SubscriptionArn: arn, Owner: t.seawall.accountId, Protocol: 'http', Endpoint: hook.url, TopicArn },
      ]);
      const { MessageId } = await sns.send(
        new PublishCommand({ TopicArn, Subject: 'Hello', Message: 'lake updated' }),
      );
      const [, notification] = await hook.waitFor(2);
      expect(notification?.type).toBe('Notification');
      expect(notification?.headers['x-amz-sns-subscription-arn']).toBe(arn);
      expect(notification?.headers['x-amz-sns-topic-arn']).toBe(TopicArn);
      expect(notification?.body).toMatchObject({
        Type: 'Notification',
        MessageId,
        TopicArn,
        Subject: 'Hello',
        Message: 'lake updated',
      });
      // Messages are not signed: Seawall says so by leaving the signature fields out, never faking them.
      expect(notification?.body).not.toHaveProperty('Signature');
      const attributes = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }));
      expect(attributes.Attributes?.PendingConfirmation).toBe('false');
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
      await sns.send(new PublishCommand({ TopicArn, Message: 'after' }));
      await new Promise((r) => setTimeout(r, 300));
      expect(hook.received).toHaveLength(2);
    } finally {
      await hook.close();
    }
  });

  it('confirms with ConfirmSubscription and the token, and refuses a wrong token', async () => {
    const hook = await webhook();
    try {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'tokens' }));
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hook.url }));
      const [confirmation] = await hook.waitFor(1);
      expect(
        await failureOf(sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: 'f'.repeat(128) }))),
      ).toMatchObject({ code: 'InvalidParameter' });
      expect(
        (await fetch(`${t.url}/_seawall/sns/confirm-subscription?TopicArn=${TopicArn}&Token=00`)).status,
      ).toBe(400);
      const { SubscriptionArn } = await sns.send(
        new ConfirmSubscriptionCommand({ TopicArn, Token: confirmation?.body.Token }),
      );
      expect(SubscriptionArn).toMatch(/^arn:aws:sns:/);
    } finally {
      await hook.close();
    }
  });

  it('records confirmations through the SubscribeURL as ConfirmSubscription events, the token hidden', async () => {
    const hook = await webhook();
    const trail = new CloudTrailClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: t.credentials,
    });
    try {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'audited-confirmations' }));
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hook.url }));
      const [confirmation] = await hook.waitFor(1);
      const subscribeUrl = String(confirmation?.body.SubscribeURL);
      const token = String(confirmation?.body.Token);
      const wrong = subscribeUrl.replace(token, 'f'.repeat(token.length));
      expect((await fetch(wrong, { headers: { 'user-agent': 'mail-scanner/2.0' } })).status).toBe(400);
      expect((await fetch(subscribeUrl, { headers: { 'user-agent': 'mail-scanner/2.0' } })).status).toBe(200);
      const { Events } = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ConfirmSubscription' }],
        }),
      );
      const records = (Events ?? [])
        .map((e) => JSON.parse(e.CloudTrailEvent ?? '{}') as Record<string, unknown>)
        .filter((r) => r.userAgent === 'mail-scanner/2.0');
      expect(records).toEqual([
        expect.objectContaining({
          eventSource: 'sns.amazonaws.com',
          userIdentity: expect.objectContaining({ accountId: 'anonymous' }),
          requestParameters: { topicArn: TopicArn, token: 'HIDDEN_DUE_TO_SECURITY_REASONS' },
          responseElements: {
            subscriptionArn: expect.stringMatching(/^arn:aws:sns:.*:audited-confirmations:/),
          },
        }),
        expect.objectContaining({ errorCode: 'InvalidParameter', responseElements: null }),
      ]);
      // The topic is a resource of the confirmation that proved it, not of one an anonymous caller only named.
      expect(records[0]?.resources).toEqual([
        expect.objectContaining({ ARN: TopicArn, type: 'AWS::SNS::Topic' }),
      ]);
      expect(records[1]).not.toHaveProperty('resources');
      expect(JSON.stringify(records)).not.toContain(token);
    } finally {
      trail.destroy();
      await hook.close();
    }
  });

  it('retries a delivery the endpoint failed until it takes it', async () => {
    const hook = await webhook();
    try {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'retries' }));
      await confirmed(sns, TopicArn as string, hook);
      hook.received.length = 0;
      const failing = await webhook([500, 503]);
      try {
        await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: failing.url }));
        // The confirmation was answered 500, then 503, and taken the third time.
        const tries = await failing.waitFor(3);
        expect(tries.map((m) => m.type)).toEqual([
          'SubscriptionConfirmation',
          'SubscriptionConfirmation',
          'SubscriptionConfirmation',
        ]);
        expect((await fetch(tries[2]?.body.SubscribeURL ?? '')).status).toBe(200);
        await sns.send(new PublishCommand({ TopicArn, Message: 'both' }));
        expect((await failing.waitFor(4)).map((m) => m.body.Message)[3]).toBe('both');
        expect((await hook.waitFor(1))[0]?.body.Message).toBe('both');
      } finally {
        await failing.close();
      }
    } finally {
      await hook.close();
    }
  });

  it('is authorized with sns:* actions on the topic', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'guarded' }));
    const user = await policyUser(t, 'sns-publisher', [
      { Effect: 'Allow', Action: 'sns:Publish', Resource: TopicArn },
    ]);
    const credentials = await user.s3.config.credentials();
    const publisher = client(t, { ...t.credentials, ...credentials });
    try {
      expect(
        (await publisher.send(new PublishCommand({ TopicArn, Message: 'allowed' }))).MessageId,
      ).toBeDefined();
      // SNS names a denial AuthorizationError, where IAM and STS say AccessDenied.
      expect(await failureOf(publisher.send(new DeleteTopicCommand({ TopicArn })))).toMatchObject({
        status: 403,
        code: 'AuthorizationError',
      });
    } finally {
      publisher.destroy();
      user.close();
    }
  });

  it("weighs the topic's access policy with the caller's: its denies bind, its grants suffice in the account", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'policed' }));
    const allowed = await policyUser(t, 'sns-allowed', [{ Effect: 'Allow', Action: 'sns:*', Resource: '*' }]);
    const bare = await policyUser(t, 'sns-bare');
    const as = async (user: typeof bare) =>
      client(t, { ...t.credentials, ...(await user.s3.config.credentials()) });
    const [allowedSns, bareSns] = [await as(allowed), await as(bare)];
    const publish = (c: SNSClient) => c.send(new PublishCommand({ TopicArn, Message: 'hello' }));
    try {
      expect((await publish(allowedSns)).MessageId).toBeDefined();
      expect(await failureOf(publish(bareSns))).toMatchObject({ status: 403, code: 'AuthorizationError' });
      const arn = (name: string) => `arn:aws:iam::${t.seawall.accountId}:user/${name}`;
      await setTopicPolicy(sns, TopicArn, [
        {
          Effect: 'Deny',
          Principal: { AWS: arn('sns-allowed') },
          Action: 'sns:Publish',
          Resource: TopicArn,
        },
        {
          Effect: 'Allow',
          Principal: { AWS: arn('sns-bare') },
          Action: 'sns:Publish',
          Resource: TopicArn,
        },
      ]);
      expect(await failureOf(publish(allowedSns))).toMatchObject({ status: 403, code: 'AuthorizationError' });
      expect((await publish(bareSns)).MessageId).toBeDefined();
      // The topic's owner keeps every right its policy does not deny.
      expect((await publish(sns)).MessageId).toBeDefined();
    } finally {
      for (const c of [allowedSns, bareSns]) c.destroy();
      allowed.close();
      bare.close();
    }
  });

  it('works from the aws cli', async () => {
    const created = await awsCli(t.dataDir, t.url, ['sns', 'create-topic', '--name', 'from-cli']);
    expect(created.code, created.stderr).toBe(0);
    const { TopicArn } = JSON.parse(created.stdout) as { TopicArn: string };
    const published = await awsCli(t.dataDir, t.url, [
      'sns',
      'publish',
      '--topic-arn',
      TopicArn,
      '--message',
      'hi',
    ]);
    expect(published.code, published.stderr).toBe(0);
    expect(JSON.parse(published.stdout).MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const listed = await awsCli(t.dataDir, t.url, ['sns', 'list-topics']);
    expect(JSON.parse(listed.stdout).Topics).toContainEqual({ TopicArn });
  });
});

describe('SNS endpoints on a server left at its defaults', () => {
  it('refuses loopback and private addresses, at Subscribe when given as such and on delivery when a name resolves to one', async () => {
    const strict = await startTestSeawall({ limits: { eventRetries: RETRIES } });
    const open = await startTestSeawall({ env: LOOPBACK, limits: { eventRetries: RETRIES } });
    const hook = await webhook();
    const [strictSns, openSns] = [client(strict), client(open)];
    try {
      const { TopicArn } = await strictSns.send(new CreateTopicCommand({ Name: 'outward' }));
      const port = new URL(hook.url).port;
      for (const host of ['127.0.0.1', '[::1]', '10.1.2.3', '169.254.169.254', '[::ffff:127.0.0.1]']) {
        const refused = await failureOf(
          strictSns.send(
            new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: `http://${host}:${port}/` }),
          ),
        );
        expect(refused, host).toMatchObject({ code: 'InvalidParameter', status: 400 });
      }
      // A name is taken, but what it resolves to is checked on each delivery: nothing reaches loopback.
      const byName = `http://localhost:${port}/events`;
      const pending = await strictSns.send(
        new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: byName }),
      );
      expect(pending.SubscriptionArn).toBe('pending confirmation');
      // The same endpoint is reached by a server allowed loopback, so the name itself is deliverable.
      const other = await openSns.send(new CreateTopicCommand({ Name: 'inward' }));
      await openSns.send(
        new SubscribeCommand({ TopicArn: other.TopicArn, Protocol: 'http', Endpoint: byName }),
      );
      const [confirmation] = await hook.waitFor(1);
      expect(confirmation?.body.TopicArn).toBe(other.TopicArn);
      // The strict server's retries are spent by now (5 attempts, 200 ms apart at most).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(hook.received.map((m) => m.body.TopicArn)).toEqual([other.TopicArn]);
    } finally {
      strictSns.destroy();
      openSns.destroy();
      await hook.close();
      await strict.close();
      await open.close();
    }
  });
});

describe('SNS deliveries across a restart', () => {
  it('delivers after a restart what the endpoint could not take before it', async () => {
    const dataDir = tempDir();
    const first = await startTestSeawall({
      dataDir,
      env: LOOPBACK,
      limits: { eventRetries: { ...RETRIES, firstDelayMs: 60_000 } },
    });
    const hook = await webhook([503]);
    const sns = client(first);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'durable' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hook.url }));
    await hook.waitFor(1);
    sns.destroy();
    await first.close();

    // The second process starts past the retry's time: the confirmation the endpoint refused is sent again.
    const later = { now: () => new Date(Date.now() + 120_000) };
    const second = await startTestSeawall({
      dataDir,
      env: LOOPBACK,
      clock: later,
      limits: { eventRetries: RETRIES },
    });
    try {
      const received = await hook.waitFor(2);
      expect(received.map((m) => m.type)).toEqual(['SubscriptionConfirmation', 'SubscriptionConfirmation']);
      expect(received[1]?.body.Token).toBe(received[0]?.body.Token);
    } finally {
      await second.close();
      await hook.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
