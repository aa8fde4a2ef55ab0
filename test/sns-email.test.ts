import type { AddressInfo } from 'node:net';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, awsCli } from './helpers/aws-cli.js';
import { failureOf } from './helpers/failure.js';
import { startTestSeawall, type TestSeawall } from './helpers/seawall.js';

interface Mail {
  to: string[];
  raw: string;
  subject: string;
  text: string;
}

/** A local SMTP server that keeps what it is sent; it can be told to refuse mail for a while. */
async function mailbox() {
  const mails: Mail[] = [];
  let refusing = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => {
        raw += chunk.toString('utf8');
      });
      stream.on('end', () => {
        if (refusing > 0) {
          refusing--;
          const error = new Error('try again later') as Error & { responseCode: number };
          error.responseCode = 451;
          callback(error);
          return;
        }
        const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
        const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
        // Encoded words (=?UTF-8?Q?…?=) in the subject, decoded.
        const subject = (/^Subject: (.*)$/m.exec(unfolded)?.[1] ?? '').replace(
          /=\?UTF-8\?Q\?([^?]*)\?=\s*/gi,
          (_m, text: string) =>
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/g, (_e, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
        );
        // Quoted-printable bodies: soft line breaks and =XX escapes.
        const body = rest.join('\n\n');
        const text = /Content-Transfer-Encoding: quoted-printable/i.test(head)
          ? body
              .replace(/=\r?\n/g, '')
              .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
          : body;
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, subject, text });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    refuse(count: number) {
      refusing = count;
    },
    async waitFor(count: number): Promise<Mail[]> {
      for (let i = 0; i < 400 && mails.length < count; i++) await new Promise((r) => setTimeout(r, 25));
      return mails;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Subscribes an address and confirms it by the link its confirmation email carries. */
async function confirmedEmail(
  sns: SNSClient,
  box: Awaited<ReturnType<typeof mailbox>>,
  TopicArn: string,
  Endpoint: string,
  Protocol = 'email',
) {
  const before = box.mails.length;
  const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn, Protocol, Endpoint }));
  expect(SubscriptionArn).toBe('pending confirmation');
  const mail = (await box.waitFor(before + 1))[before] as Mail;
  expect(mail.to).toEqual([Endpoint]);
  expect(mail.subject).toBe('AWS Notification - Subscription Confirmation');
  const link = /Confirm subscription: (\S+)/.exec(mail.text)?.[1] ?? '';
  expect(link).toContain('/_seawall/sns/confirm-subscription');
  expect((await fetch(link)).status).toBe(200);
}

describe('SNS email subscriptions', () => {
  let t: TestSeawall;
  let box: Awaited<ReturnType<typeof mailbox>>;
  let sns: SNSClient;
  let topic: string;

  beforeAll(async () => {
    box = await mailbox();
    t = await startTestSeawall({
      env: { SEAWALL_SMTP_URL: box.url, SEAWALL_SMTP_FROM: 'alarms@city.example' },
      limits: { eventRetries: { firstDelayMs: 50, maxDelayMs: 200, attempts: 6 } },
    });
    sns = new SNSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    topic = (await sns.send(new CreateTopicCommand({ Name: 'ops-email' }))).TopicArn ?? '';
  });

  afterAll(async () => {
    sns?.destroy();
    await t?.close();
    await box?.close();
  });

  it('confirms by the emailed link, then emails what is published', async () => {
    await confirmedEmail(sns, box, topic, 'admin@city.example');
    // A line break in a subject is refused, as SNS refuses it: it cannot reach a mail header.
    const injected = await failureOf(
      sns.send(
        new PublishCommand({
          TopicArn: topic,
          Subject: 'Disk filling\r\nBcc: victim@evil.example',
          Message: 'x',
        }),
      ),
    );
    expect([injected.code, injected.message]).toEqual(['InvalidParameter', 'Invalid parameter: Subject']);
    const before = box.mails.length;
    await sns.send(
      new PublishCommand({ TopicArn: topic, Subject: 'Disk filling', Message: 'The data disk is 91% full.' }),
    );
    const mail = (await box.waitFor(before + 1))[before] as Mail;
    expect(mail.to).toEqual(['admin@city.example']);
    expect(mail.raw).toMatch(/^From: alarms@city\.example/m);
    expect(mail.raw).not.toMatch(/^Bcc:/im);
    expect(mail.subject).toBe('Disk filling');
    expect(mail.text).toContain('The data disk is 91% full.');
  });

  it('sends email-json subscribers the notification document', async () => {
    await confirmedEmail(sns, box, topic, 'robot@city.example', 'email-json');
    const before = box.mails.length;
    await sns.send(new PublishCommand({ TopicArn: topic, Message: 'json please' }));
    const mails = (await box.waitFor(before + 2)).slice(before);
    const json = mails.find((m) => m.to[0] === 'robot@city.example') as Mail;
    expect(JSON.parse(json.text.trim())).toMatchObject({
      Type: 'Notification',
      TopicArn: topic,
      Message: 'json please',
    });
  });

  it('retries an SMTP server that refuses for a while', async () => {
    const before = box.mails.length;
    box.refuse(2);
    await sns.send(new PublishCommand({ TopicArn: topic, Subject: 'retried', Message: 'eventually' }));
    const mails = (await box.waitFor(before + 2)).slice(before);
    expect(mails.map((m) => m.subject)).toEqual(['retried', 'retried']);
  });

  it('emails a CloudWatch alarm to the subscribed administrator', async () => {
    const cw = new CloudWatchClient({
      endpoint: t.url,
      region: t.credentials.region,
      credentials: t.credentials,
    });
    try {
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: 'emailed',
          Namespace: 'Test/Email',
          MetricName: 'Errors',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: [topic],
        }),
      );
      const before = box.mails.length;
      await cw.send(
        new SetAlarmStateCommand({ AlarmName: 'emailed', StateValue: 'ALARM', StateReason: 'drill' }),
      );
      const mails = (await box.waitFor(before + 2)).slice(before);
      const plain = mails.find((m) => m.to[0] === 'admin@city.example') as Mail;
      expect(plain.subject).toBe('ALARM: "emailed" in Canada West (Calgary)');
      expect(plain.text).toContain('"NewStateValue":"ALARM"');
    } finally {
      cw.destroy();
    }
  });

  it('refuses addresses SNS refuses, and unconfirmed subscribers get nothing', async () => {
    for (const Endpoint of [
      'not-an-address',
      'a@b',
      'x y@city.example',
      'a@city.example\r\nBcc: x@y.example',
      'root,x@city.example',
      '"group": x@city.example;',
    ]) {
      const refused = await failureOf(
        sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'email', Endpoint })),
      );
      expect([refused.code, refused.message], Endpoint).toEqual([
        'InvalidParameter',
        'Invalid parameter: Email address',
      ]);
    }
    await sns.send(
      new SubscribeCommand({ TopicArn: topic, Protocol: 'email', Endpoint: 'lurker@city.example' }),
    );
    await box.waitFor(box.mails.length + 1);
    const before = box.mails.length;
    await sns.send(new PublishCommand({ TopicArn: topic, Message: 'only for the confirmed' }));
    const mails = (await box.waitFor(before + 2)).slice(before);
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['admin@city.example', 'robot@city.example']);
  });

  it('subscribes with the aws cli too', async () => {
    const out = await awsCli(
      t.dataDir,
      t.url,
      [
        'sns',
        'subscribe',
        '--topic-arn',
        topic,
        '--protocol',
        'email',
        '--notification-endpoint',
        'cli@city.example',
      ],
      undefined,
      AWS_CLI,
    );
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout).SubscriptionArn).toBe('pending confirmation');
  });
});

describe('without an SMTP server', () => {
  it('refuses email subscriptions rather than pretending', async () => {
    const t = await startTestSeawall();
    const sns = new SNSClient({ endpoint: t.url, region: t.credentials.region, credentials: t.credentials });
    try {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'no-mail' }));
      const refused = await failureOf(
        sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'a@city.example' })),
      );
      expect(refused.code).toBe('InvalidParameter');
      expect(refused.message).toContain('SEAWALL_SMTP_URL');
    } finally {
      sns.destroy();
      await t.close();
    }
  });
});
