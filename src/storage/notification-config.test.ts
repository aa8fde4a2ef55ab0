import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { parseXml, toXml, XmlParseError } from '../lib/xml.js';
import {
  NOTIFICATION_LIST_ELEMENTS,
  notificationXml,
  readNotificationConfiguration,
  rulesFor,
} from './notification-config.js';
import { eventKey } from './notifications.js';

const TOPIC = 'arn:aws:sns:ca-west-1:123456789012:lake-events';
const parse = (xml: string) => readNotificationConfiguration(parseXml(xml, NOTIFICATION_LIST_ELEMENTS));
const refusal = (xml: string) => {
  try {
    parse(xml);
  } catch (error) {
    if (error instanceof XmlParseError) return 'MalformedXML';
    return isAppError(error) ? `${error.code}: ${error.message}` : String(error);
  }
  return 'accepted';
};
const topic = (inner: string) =>
  `<NotificationConfiguration><TopicConfiguration><Topic>${TOPIC}</Topic>${inner}</TopicConfiguration></NotificationConfiguration>`;
const filter = (...rules: [string, string][]) =>
  `<Filter><S3Key>${rules.map(([n, v]) => `<FilterRule><Name>${n}</Name><Value>${v}</Value></FilterRule>`).join('')}</S3Key></Filter>`;

describe('readNotificationConfiguration', () => {
  it('reads every kind of destination, filters and EventBridge, and writes them back as S3 answers them', () => {
    const config = parse(
      `<NotificationConfiguration>
        <TopicConfiguration><Id>raw</Id><Topic>${TOPIC}</Topic><Event>s3:ObjectCreated:*</Event>
          ${filter(['prefix', 'raw/'], ['Suffix', '.csv'])}</TopicConfiguration>
        <TopicConfiguration><Topic>${TOPIC}</Topic><Event>s3:ObjectRemoved:*</Event></TopicConfiguration>
        <EventBridgeConfiguration/>
      </NotificationConfiguration>`,
    );
    expect(config.eventBridge).toBe(true);
    expect(config.rules[0]).toEqual({
      id: 'raw',
      kind: 'Topic',
      arn: TOPIC,
      events: ['s3:ObjectCreated:*'],
      prefix: 'raw/',
      suffix: '.csv',
    });
    // S3 makes up an id for a configuration sent without one.
    expect(config.rules[1]?.id).toMatch(/^[A-Za-z0-9+/]{20,}$/);
    const xml = toXml('NotificationConfiguration', notificationXml(config));
    expect(xml).toContain(
      `<TopicConfiguration><Id>raw</Id><Topic>${TOPIC}</Topic><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>Prefix</Name><Value>raw/</Value></FilterRule><FilterRule><Name>Suffix</Name><Value>.csv</Value></FilterRule></S3Key></Filter></TopicConfiguration>`,
    );
    expect(xml).toContain('<EventBridgeConfiguration></EventBridgeConfiguration>');
    // What Get answers, Put takes back unchanged.
    expect(parse(xml)).toEqual(config);
  });

  it('takes the empty document as no notifications', () => {
    expect(parse('<NotificationConfiguration/>')).toEqual({ rules: [], eventBridge: false });
  });

  it('refuses what S3 refuses, with its errors', () => {
    expect(refusal(topic('<Event>s3:ObjectCreated:Sneeze</Event>'))).toBe(
      'InvalidArgument: The event is not supported for notifications',
    );
    expect(refusal(topic(`<Event>s3:ObjectCreated:*</Event>${filter(['middle', 'x'])}`))).toBe(
      'InvalidArgument: filter rule name must be either prefix or suffix',
    );
    expect(
      refusal(topic(`<Event>s3:ObjectCreated:*</Event>${filter(['prefix', 'a'], ['prefix', 'b'])}`)),
    ).toBe('InvalidArgument: Cannot specify more than one prefix rule in a filter.');
    expect(
      refusal(topic(`<Event>s3:ObjectCreated:*</Event>${filter(['suffix', 'x'.repeat(1025)])}`)),
    ).toMatch(/cannot exceed 1024 bytes/);
    // Two configurations that could both take one event of one key.
    const two = (a: string, b: string) =>
      `<NotificationConfiguration><TopicConfiguration><Topic>${TOPIC}</Topic>${a}</TopicConfiguration><QueueConfiguration><Queue>arn:aws:sqs:ca-west-1:1:q</Queue>${b}</QueueConfiguration></NotificationConfiguration>`;
    expect(refusal(two('<Event>s3:ObjectCreated:*</Event>', '<Event>s3:ObjectCreated:Put</Event>'))).toMatch(
      /^InvalidArgument: Configurations overlap/,
    );
    expect(
      refusal(
        two(
          `<Event>s3:ObjectCreated:*</Event>${filter(['prefix', 'raw/'])}`,
          `<Event>s3:ObjectCreated:Put</Event>${filter(['prefix', 'raw/2024/'])}`,
        ),
      ),
    ).toMatch(/overlap/);
    // Disjoint prefixes, or different events, do not overlap.
    expect(
      refusal(
        two(
          `<Event>s3:ObjectCreated:*</Event>${filter(['prefix', 'raw/'])}`,
          `<Event>s3:ObjectCreated:Put</Event>${filter(['prefix', 'curated/'])}`,
        ),
      ),
    ).toBe('accepted');
    expect(refusal(two('<Event>s3:ObjectCreated:*</Event>', '<Event>s3:ObjectRemoved:*</Event>'))).toBe(
      'accepted',
    );
    // Shapes the schema does not allow.
    for (const xml of [
      topic(''),
      '<NotificationConfiguration><TopicConfiguration><Event>s3:ObjectCreated:*</Event></TopicConfiguration></NotificationConfiguration>',
      topic(`<Event>s3:ObjectCreated:*</Event><Topic>${TOPIC}</Topic>`),
      topic('<Event>s3:ObjectCreated:*</Event><Colour>red</Colour>'),
      topic('<Event><a/></Event>'),
      '<NotificationConfiguration><EventBridgeConfiguration>x</EventBridgeConfiguration></NotificationConfiguration>',
      '<Other/>',
    ])
      expect(refusal(xml), xml).toMatch(/^MalformedXML/);
  });
});

describe('rulesFor', () => {
  const config = parse(
    `<NotificationConfiguration>
      <TopicConfiguration><Id>csv</Id><Topic>${TOPIC}</Topic><Event>s3:ObjectCreated:*</Event>${filter(['prefix', 'raw/'], ['suffix', '.csv'])}</TopicConfiguration>
      <TopicConfiguration><Id>gone</Id><Topic>${TOPIC}</Topic><Event>s3:ObjectRemoved:DeleteMarkerCreated</Event><Event>s3:LifecycleExpiration:*</Event></TopicConfiguration>
    </NotificationConfiguration>`,
  );
  const ids = (event: Parameters<typeof rulesFor>[1], key: string) =>
    rulesFor(config, event, key).map((r) => r.id);
  it('matches event types with their wildcards and keys with prefix and suffix', () => {
    expect(ids('ObjectCreated:Put', 'raw/a.csv')).toEqual(['csv']);
    expect(ids('ObjectCreated:CompleteMultipartUpload', 'raw/b/c.csv')).toEqual(['csv']);
    expect(ids('ObjectCreated:Put', 'raw/a.json')).toEqual([]);
    expect(ids('ObjectCreated:Put', 'curated/a.csv')).toEqual([]);
    expect(ids('ObjectRemoved:Delete', 'raw/a.csv')).toEqual([]);
    expect(ids('ObjectRemoved:DeleteMarkerCreated', 'x')).toEqual(['gone']);
    expect(ids('LifecycleExpiration:Delete', 'x')).toEqual(['gone']);
  });
});

describe('eventKey', () => {
  it('encodes keys as S3 event records do', () => {
    expect(eventKey('raw/parking tickets/2024.csv')).toBe('raw/parking+tickets/2024.csv');
    expect(eventKey('a+b=c&d')).toBe('a%2Bb%3Dc%26d');
    expect(eventKey('café')).toBe('caf%C3%A9');
  });
});
