import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toXml } from '../../src/lib/xml.js';
import {
  NOTIFICATION_EVENTS,
  NOTIFICATION_LIST_ELEMENTS,
  type NotificationConfiguration,
  type NotificationRule,
  notificationXml,
  readNotificationConfiguration,
  rulesFor,
  type S3EventName,
} from '../../src/storage/notification-config.js';
import { eventKey } from '../../src/storage/notifications.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';
import { readOrRefused as readDocument } from './xml-documents.js';

/** The configuration a document gives, or 'refused' when it is answered with a 400 (or does not parse). */
const readOrRefused = (text: string): NotificationConfiguration | 'refused' =>
  readDocument(text, NOTIFICATION_LIST_ELEMENTS, readNotificationConfiguration);

/** What S3 promises of every configuration it stores. */
function expectStorable(config: NotificationConfiguration): void {
  const ids = new Set<string>();
  for (const rule of config.rules) {
    expect(rule.events.length).toBeGreaterThan(0);
    for (const event of rule.events) expect(NOTIFICATION_EVENTS.has(event)).toBe(true);
    expect(ids.has(rule.id)).toBe(false);
    ids.add(rule.id);
    for (const value of [rule.prefix, rule.suffix])
      if (value !== undefined) expect(Buffer.byteLength(value)).toBeLessThanOrEqual(1024);
  }
}

const text = fc.string({ unit: fc.constantFrom(...'ab/.-<>&"\' é'.split('')), maxLength: 10 });
const events = [...NOTIFICATION_EVENTS];
const rule: fc.Arbitrary<NotificationRule> = fc.record(
  {
    id: fc.string({ minLength: 1, maxLength: 12 }).filter((id) => id.trim() === id && id !== ''),
    kind: fc.constantFrom('Topic' as const, 'Queue' as const, 'CloudFunction' as const),
    arn: fc.constantFrom('arn:aws:sns:ca-west-1:1:t', 'arn:aws:sqs:ca-west-1:1:q'),
    events: fc.uniqueArray(fc.constantFrom(...events), { minLength: 1, maxLength: 3 }),
    prefix: text,
    suffix: text,
  },
  { requiredKeys: ['id', 'kind', 'arn', 'events'] },
);
const configuration = fc.record({
  rules: fc.array(rule, { maxLength: 4 }),
  eventBridge: fc.boolean(),
});

/** Rules, as S3 reads them back: grouped by kind in document order (Topic, Queue, CloudFunction). */
function asStored(config: NotificationConfiguration): NotificationConfiguration {
  const order = ['Topic', 'Queue', 'CloudFunction'];
  return {
    rules: [...config.rules].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind)),
    eventBridge: config.eventBridge,
  };
}

describe('the NotificationConfiguration parser under fuzzing', () => {
  it('stores only what S3 would, gives back exactly what it stored, and refuses the rest with a 400', () => {
    fc.assert(
      fc.property(configuration, (config) => {
        const document = toXml('NotificationConfiguration', notificationXml(config));
        const read = readOrRefused(document);
        if (read === 'refused') return;
        expectStorable(read);
        expect(read).toEqual(asStored(config));
        expect(readOrRefused(toXml('NotificationConfiguration', notificationXml(read)))).toEqual(read);
      }),
      fuzzParameters(1000),
    );
  });

  it('answers mutated documents with a configuration S3 would store or a 400, never anything else', () => {
    const valid = toXml(
      'NotificationConfiguration',
      notificationXml({
        rules: [
          {
            id: 'raw',
            kind: 'Topic',
            arn: 'arn:aws:sns:ca-west-1:1:t',
            events: ['s3:ObjectCreated:*'],
            prefix: 'raw/',
            suffix: '.csv',
          },
        ],
        eventBridge: true,
      }),
    );
    fc.assert(
      fc.property(
        mutated(
          valid,
          fc.oneof(wireText(8), fc.constantFrom('<Event>', '</Filter>', '<FilterRule>', '&amp;')),
        ),
        (document) => {
          const read = readOrRefused(document);
          if (read !== 'refused') expectStorable(read);
        },
      ),
      fuzzParameters(2000),
    );
  });
});

describe('event matching under fuzzing', () => {
  it('sends an event to a rule exactly when its type is named and its key passes the filter', () => {
    const raised: S3EventName[] = [
      'ObjectCreated:Put',
      'ObjectCreated:Copy',
      'ObjectRemoved:Delete',
      'ObjectRemoved:DeleteMarkerCreated',
      'LifecycleExpiration:Delete',
      'ObjectTagging:Put',
    ];
    fc.assert(
      fc.property(rule, fc.constantFrom(...raised), text, (one, event, key) => {
        const named = one.events.some(
          (name) =>
            name === `s3:${event}` || (name.endsWith(':*') && `s3:${event}`.startsWith(name.slice(0, -1))),
        );
        const passes = key.startsWith(one.prefix ?? '') && key.endsWith(one.suffix ?? '');
        expect(rulesFor({ rules: [one], eventBridge: false }, event, key).length).toBe(
          named && passes ? 1 : 0,
        );
      }),
      fuzzParameters(2000),
    );
  });

  it('encodes every key so that decoding it as a form value gives it back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (key) => {
        const encoded = eventKey(key);
        // Nothing a form value reserves goes raw, but '+', which stands for a space (and only for one: a '+' of
        // the key is %2B).
        expect(encoded).not.toMatch(/[ ?#&=]|%(?![0-9A-F]{2})/u);
        expect(encoded.split('+').length).toBe(key.split(' ').length);
        expect(decodeURIComponent(encoded.replace(/\+/g, ' '))).toBe(key);
      }),
      fuzzParameters(2000),
    );
  });
});
