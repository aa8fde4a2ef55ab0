import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toXml } from '../../src/lib/xml.js';
import {
  parseReplication,
  type ReplicationConfiguration,
  type ReplicationRule,
  replicationXml,
  rulesFor,
} from '../../src/storage/replication-config.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';
import { readOrRefused as readDocument } from './xml-documents.js';

/** The elements PutBucketReplication reads as lists (s3-replication-api.ts). */
const LISTS = ['Rule', 'Tag'];

/**
 * The configuration a document gives, or 'refused' when it is answered with a 400 (or does not parse), or a 501:
 * S3 Replication Time Control asked for is refused as not implemented.
 */
const readOrRefused = (text: string): ReplicationConfiguration | 'refused' =>
  readDocument(text, LISTS, parseReplication, [400, 501]);

const document = (config: ReplicationConfiguration) =>
  toXml('ReplicationConfiguration', replicationXml(config));

/** What S3 promises of every configuration it stores. */
function expectStorable(config: ReplicationConfiguration): void {
  expect(config.role).toMatch(/^arn:aws:iam::\d{12}:role\/.+$/);
  expect(config.rules.length).toBeGreaterThan(0);
  expect(new Set(config.rules.map((rule) => rule.id)).size).toBe(config.rules.length);
  const priorities = config.rules.flatMap((rule) => (rule.priority === undefined ? [] : [rule.priority]));
  expect(new Set(priorities).size).toBe(priorities.length);
  // One schema for all the rules: the first (no priority) or the current one.
  expect(new Set(config.rules.map((rule) => rule.priority === undefined)).size).toBe(1);
  for (const rule of config.rules) {
    expect(rule.destination.bucket).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
    if (rule.destination.account !== undefined) expect(rule.destination.account).toMatch(/^\d{12}$/);
    if (rule.destination.ownerOverride) expect(rule.destination.account).toBeDefined();
    expect(rule.sseKmsObjects).toBe(rule.destination.replicaKmsKeyId !== undefined);
    if (rule.deleteMarkers && rule.form !== 'prefix') expect(rule.filter.tags ?? []).toEqual([]);
    expect(rule.filter.sizeGreaterThan).toBeUndefined();
    expect(rule.filter.sizeLessThan).toBeUndefined();
    // Seawall makes no 15-minute promise, so none is stored as asked for.
    expect(rule.destination.replicationTime?.enabled ?? false).toBe(false);
  }
}

const text = fc.string({ unit: fc.constantFrom(...'ab/.-<>&"\' é'.split('')), maxLength: 8 });
const tag = fc.record({ key: fc.stringMatching(/^[a-z]{1,4}$/), value: text });
const bucket = fc.constantFrom('replica', 'second.bucket', 'dr-site');

/** A rule of the current schema (a Filter, a Priority), as PutBucketReplication stores one. */
const rule: fc.Arbitrary<ReplicationRule> = fc
  .record({
    id: fc.string({ minLength: 1, maxLength: 12 }).filter((id) => id.trim() === id && id !== ''),
    priority: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    enabled: fc.boolean(),
    shape: fc.constantFrom('empty', 'filter-prefix', 'filter-tag', 'filter-and'),
    prefix: text,
    tags: fc.uniqueArray(tag, { minLength: 1, maxLength: 3, selector: (t) => t.key }),
    deleteMarkers: fc.boolean(),
    kmsKey: fc.option(fc.constantFrom('arn:aws:kms:ca-west-1:111122223333:key/k', 'alias/replicas')),
    bucket,
    account: fc.option(fc.constantFrom('111122223333', '444455556666')),
    ownerOverride: fc.boolean(),
    storageClass: fc.option(fc.constantFrom('STANDARD', 'STANDARD_IA', 'GLACIER_IR')),
  })
  .map((r): ReplicationRule => {
    const filter =
      r.shape === 'empty'
        ? {}
        : r.shape === 'filter-prefix'
          ? { prefix: r.prefix }
          : r.shape === 'filter-tag'
            ? { tags: r.tags.slice(0, 1) }
            : { prefix: r.prefix, tags: r.tags };
    return {
      id: r.id,
      priority: r.priority,
      enabled: r.enabled,
      form: r.shape as ReplicationRule['form'],
      filter,
      // S3 refuses delete marker replication with a tag filter, and an owner override without an account.
      deleteMarkers: r.deleteMarkers && filter.tags === undefined,
      sseKmsObjects: r.kmsKey !== null,
      destination: {
        bucket: r.bucket,
        ...(r.account !== null ? { account: r.account } : {}),
        ...(r.storageClass !== null ? { storageClass: r.storageClass } : {}),
        ...(r.kmsKey !== null ? { replicaKmsKeyId: r.kmsKey } : {}),
        ownerOverride: r.ownerOverride && r.account !== null,
      },
    };
  });

const role = fc.constantFrom(
  'arn:aws:iam::111122223333:role/replication',
  'arn:aws:iam::111122223333:role/service-role/s3-crr',
);
/** Any rules, some of which S3 refuses together (the same ID or priority twice). */
const configuration = fc.record({ role, rules: fc.array(rule, { minLength: 1, maxLength: 4 }) });
/** Rules S3 stores: IDs and priorities of their own. */
const storable = fc.record({
  role,
  rules: fc
    .uniqueArray(rule, { minLength: 1, maxLength: 4, selector: (r) => r.id })
    .map((rules) => rules.map((r, i) => ({ ...r, priority: i * 1000 + ((r.priority ?? 0) % 1000) }))),
});

describe('the ReplicationConfiguration parser under fuzzing', () => {
  it('stores every configuration S3 stores and gives back exactly what it stored', () => {
    fc.assert(
      fc.property(storable, (config) => {
        const read = readOrRefused(document(config));
        expect(read).toEqual(config);
        expectStorable(read as ReplicationConfiguration);
      }),
      fuzzParameters(500),
    );
  });

  it('stores only what S3 would, gives back exactly what it stored, and refuses the rest with a 4xx', () => {
    fc.assert(
      fc.property(configuration, (config) => {
        const read = readOrRefused(document(config));
        if (read === 'refused') return;
        expectStorable(read);
        expect(read).toEqual(config);
        // What GetBucketReplication answers, put again, is the same configuration.
        expect(readOrRefused(document(read))).toEqual(read);
      }),
      fuzzParameters(1000),
    );
  });

  it('answers mutated documents with a configuration S3 would store or a 4xx, never anything else', () => {
    const valid = document({
      role: 'arn:aws:iam::111122223333:role/replication',
      rules: [
        {
          id: 'raw',
          priority: 1,
          enabled: true,
          form: 'filter-and',
          filter: { prefix: 'raw/', tags: [{ key: 'k', value: 'v' }] },
          deleteMarkers: false,
          sseKmsObjects: true,
          destination: {
            bucket: 'replica',
            account: '444455556666',
            ownerOverride: true,
            storageClass: 'STANDARD_IA',
            replicaKmsKeyId: 'alias/replicas',
            metrics: { enabled: true, minutes: 15 },
          },
        },
      ],
    });
    expect(readOrRefused(valid)).not.toBe('refused');
    fc.assert(
      fc.property(
        mutated(
          valid,
          fc.oneof(
            wireText(8),
            fc.constantFrom(
              '<Rule>',
              '</Rule>',
              '<Prefix>a</Prefix>',
              '<Priority>1</Priority>',
              '<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication>',
              '<ReplicationTime><Status>Enabled</Status><Time><Minutes>15</Minutes></Time></ReplicationTime>',
              '&amp;',
            ),
          ),
        ),
        (mutant) => {
          const read = readOrRefused(mutant);
          if (read !== 'refused') expectStorable(read);
        },
      ),
      fuzzParameters(2000),
    );
  });
});

describe('replication rule choice under fuzzing', () => {
  it('picks, for each destination, the enabled rule of highest priority that selects the object', () => {
    const subject = fc.record({
      key: text,
      tags: fc.array(tag, { maxLength: 3 }),
      deleteMarker: fc.boolean(),
      sseKms: fc.boolean(),
    });
    fc.assert(
      fc.property(configuration, subject, (config, s) => {
        const tags = new Map(s.tags.map((t) => [t.key, t.value]));
        const chosen = rulesFor(config, { ...s, tags });
        const selects = (r: ReplicationRule) =>
          r.enabled &&
          s.key.startsWith(r.filter.prefix ?? '') &&
          (r.filter.tags ?? []).every((t) => tags.get(t.key) === t.value);
        const where = (r: ReplicationRule) => `${r.destination.account ?? ''}/${r.destination.bucket}`;
        // At most one rule per destination, and each is one that selects the object.
        expect(new Set(chosen.map(where)).size).toBe(chosen.length);
        for (const r of chosen) {
          expect(selects(r)).toBe(true);
          const rivals = config.rules.filter((o) => selects(o) && where(o) === where(r));
          expect(Math.max(...rivals.map((o) => o.priority ?? 0))).toBe(r.priority ?? 0);
          if (s.deleteMarker) expect(r.deleteMarkers).toBe(true);
          if (s.sseKms) expect(r.sseKmsObjects).toBe(true);
        }
        // A destination some selecting rule names is left out only when its chosen rule does not take this
        // kind of change (a delete marker, an SSE-KMS object).
        for (const destination of new Set(config.rules.filter(selects).map(where)))
          if (!chosen.some((r) => where(r) === destination)) {
            const rivals = config.rules.filter((o) => selects(o) && where(o) === destination);
            const top = Math.max(...rivals.map((o) => o.priority ?? 0));
            const best = rivals.filter((o) => (o.priority ?? 0) === top);
            expect(
              best.some((o) => (s.deleteMarker && !o.deleteMarkers) || (s.sseKms && !o.sseKmsObjects)),
            ).toBe(true);
          }
      }),
      fuzzParameters(2000),
    );
  });
});
