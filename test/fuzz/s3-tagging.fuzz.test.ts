import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { escapeXml, parseXml, XmlParseError } from '../../src/lib/xml.js';
import { type CopyOperation, copyRange, parseCopySource } from '../../src/storage/s3-copy-api.js';
import { parseTaggingHeader, readTagging, type Tag } from '../../src/storage/tagging.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';

/** Text S3 takes in tags: letters (some astral), digits, spaces and + - = . _ : / @. */
const tagText = (max: number) =>
  fc
    .array(fc.constantFrom('a', 'Z', 'é', '𝒜', '7', ' ', '+', '-', '=', '.', '_', ':', '/', '@', 'ж'), {
      maxLength: max,
    })
    .map((chars) => chars.join(''));
const validTags = fc.uniqueArray(
  fc.record({
    Key: tagText(20).filter((k) => k !== '' && !k.toLowerCase().startsWith('aws:')),
    Value: tagText(30),
  }),
  { maxLength: 10, selector: (tag) => tag.Key },
);

function encodeHeader(tags: readonly Tag[]): string {
  return tags.map((t) => `${encodeURIComponent(t.Key)}=${encodeURIComponent(t.Value)}`).join('&');
}
function document(tags: readonly Tag[]): string {
  const body = tags
    .map((t) => `<Tag><Key>${escapeXml(t.Key)}</Key><Value>${escapeXml(t.Value)}</Value></Tag>`)
    .join('');
  return `<Tagging><TagSet>${body}</TagSet></Tagging>`;
}
const sorted = (tags: readonly Tag[]) =>
  [...tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));

/** Runs a parser: its result, or the 4xx AppError it refused with; anything else fails the property. */
function outcome<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (error instanceof XmlParseError) return undefined;
    expect(isAppError(error) && error.status >= 400 && error.status < 500, String(error)).toBe(true);
    return undefined;
  }
}

describe('tagging and copy parsers under fuzzing', () => {
  it('x-amz-tagging: valid tag sets round-trip, sorted by key', () => {
    fc.assert(
      fc.property(validTags, (tags) => {
        expect(parseTaggingHeader(encodeHeader(tags))).toEqual(sorted(tags));
      }),
      fuzzParameters(500),
    );
  });

  it('x-amz-tagging: any bytes give a checked tag set or a 4xx refusal', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          wireText(200),
          validTags.chain((tags) => mutated(encodeHeader(tags))),
        ),
        (header) => {
          const tags = outcome(() => parseTaggingHeader(header));
          if (tags === undefined) return;
          expect(tags.length).toBeLessThanOrEqual(10);
          expect(new Set(tags.map((t) => t.Key)).size).toBe(tags.length);
          for (const tag of tags) expect([...tag.Key].length).toBeLessThanOrEqual(128);
        },
      ),
      fuzzParameters(2000),
    );
  });

  it('Tagging documents: valid ones round-trip, mutated ones are read or refused with a 4xx', () => {
    fc.assert(
      fc.property(validTags, (tags) => {
        expect(readTagging(parseXml(document(tags), ['Tag']), 'object')).toEqual(sorted(tags));
      }),
      fuzzParameters(300),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          wireText(200),
          validTags.chain((tags) => mutated(document(tags))),
        ),
        fc.constantFrom<'object' | 'bucket'>('object', 'bucket'),
        (text, target) => {
          const tags = outcome(() => readTagging(parseXml(text, ['Tag']), target));
          if (tags === undefined) return;
          expect(tags.length).toBeLessThanOrEqual(target === 'object' ? 10 : 50);
          for (const tag of tags)
            expect(typeof tag.Key === 'string' && typeof tag.Value === 'string').toBe(true);
        },
      ),
      fuzzParameters(2000),
    );
  });

  it('x-amz-copy-source and x-amz-copy-source-range give a source and a range inside it, or a 4xx', () => {
    fc.assert(
      fc.property(
        fc.oneof(wireText(80), mutated('/bucket/dir/key.txt?versionId=null')),
        fc.constantFrom<CopyOperation>('CopyObject', 'UploadPartCopy'),
        (header, operation) => {
          const source = outcome(() => parseCopySource(header, operation));
          if (source === undefined) return;
          expect(source.bucket.length).toBeGreaterThan(0);
          expect(source.key.length).toBeGreaterThan(0);
        },
      ),
      fuzzParameters(2000),
    );
    fc.assert(
      fc.property(fc.oneof(wireText(30), mutated('bytes=0-99')), fc.nat({ max: 200 }), (header, size) => {
        const range = outcome(() => copyRange(header, size));
        if (range === undefined) return;
        expect(0 <= range.start && range.start <= range.end && range.end < size).toBe(true);
      }),
      fuzzParameters(2000),
    );
  });
});
