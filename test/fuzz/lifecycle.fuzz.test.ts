import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toXml } from '../../src/lib/xml.js';
import { type LifecycleConfiguration, lifecycleXml, parseLifecycle } from '../../src/storage/lifecycle.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';
import { readOrRefused as readDocument } from './xml-documents.js';

const LISTS = ['Rule', 'Tag', 'Transition', 'NoncurrentVersionTransition'];

/** What PutBucketLifecycleConfiguration does with a body: a configuration, or an S3 error answered with 400. */
const parsed = (text: string): LifecycleConfiguration | 'refused' =>
  readDocument(text, LISTS, (document) => parseLifecycle(document, undefined));

const VALID = [
  '<LifecycleConfiguration><Rule><ID>a</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>',
  '<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>b</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>j</Key><Value></Value></Tag><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></And></Filter><Status>Disabled</Status><NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule><Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>',
  '<LifecycleConfiguration><Rule><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule></LifecycleConfiguration>',
];

const text = fc.string({ unit: 'grapheme-ascii', maxLength: 12 });
const tag = fc.record({
  key: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }),
  value: text,
});
const days = fc.integer({ min: 1, max: 100_000 });
const rule = fc.record(
  {
    id: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }),
    enabled: fc.boolean(),
    shape: fc.oneof(
      fc.record({ form: fc.constant('prefix' as const), filter: fc.record({ prefix: text }) }),
      fc.record({ form: fc.constant('filter-prefix' as const), filter: fc.record({ prefix: text }) }),
      fc.record({
        form: fc.constant('filter-tag' as const),
        filter: fc.record({ tags: fc.tuple(tag).map((t) => [...t]) }),
      }),
      fc.record({
        form: fc.constant('filter-size-gt' as const),
        filter: fc.record({ sizeGreaterThan: fc.nat() }),
      }),
      fc.record({ form: fc.constant('empty' as const), filter: fc.constant({}) }),
      fc.record({
        form: fc.constant('filter-and' as const),
        filter: fc.record(
          { prefix: text, tags: fc.uniqueArray(tag, { minLength: 1, maxLength: 3, selector: (t) => t.key }) },
          { requiredKeys: ['tags'] },
        ),
      }),
    ),
    expiration: fc.oneof(
      fc.record({ days }),
      fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => ({
        date: new Date(Math.floor(d.getTime() / 86_400_000) * 86_400_000).toISOString(),
      })),
    ),
    noncurrentExpiration: fc.record(
      { days, newerNoncurrentVersions: fc.integer({ min: 1, max: 100 }) },
      { requiredKeys: ['days'] },
    ),
  },
  { requiredKeys: ['id', 'enabled', 'shape', 'expiration'] },
);

describe('the lifecycle configuration parser under fuzzing', () => {
  it('answers any mutation of a valid document with a configuration or a 400 S3 error', () => {
    fc.assert(
      fc.property(fc.oneof(...VALID.map((v) => mutated(v))), (body) => {
        parsed(body);
      }),
      fuzzParameters(1500),
    );
  });

  it('answers arbitrary text and tag soup the same way', () => {
    const soup = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            '<Rule>',
            '</Rule>',
            '<Filter>',
            '</Filter>',
            '<And>',
            '</And>',
            '<Tag>',
            '</Tag>',
            '<Days>',
            '</Days>',
            '<Expiration>',
            '</Expiration>',
            '<Status>Enabled</Status>',
            '<Prefix>',
            '</Prefix>',
          ),
          wireText(6),
        ),
        { maxLength: 20 },
      )
      .map((parts) => `<LifecycleConfiguration>${parts.join('')}</LifecycleConfiguration>`);
    fc.assert(
      fc.property(fc.oneof(soup, wireText(200)), (body) => void parsed(body)),
      fuzzParameters(1000),
    );
  });

  it('reads back exactly the configuration GetBucketLifecycleConfiguration answers', () => {
    fc.assert(
      fc.property(fc.uniqueArray(rule, { minLength: 1, maxLength: 5, selector: (r) => r.id }), (rules) => {
        const config: LifecycleConfiguration = {
          transitionMinimumSize: 'all_storage_classes_128K',
          rules: rules.map(({ shape, ...r }) => ({ ...r, ...shape })),
        };
        const xml = toXml('LifecycleConfiguration', lifecycleXml(config));
        expect(parsed(xml)).toEqual(config);
      }),
      fuzzParameters(300),
    );
  });
});
