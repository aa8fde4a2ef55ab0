import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { assertObjectKey } from '../../src/storage/bucket-names.js';
import {
  carriedMetadataValue,
  decodeMetadataValue,
  encodeMetadataValue,
} from '../../src/storage/metadata-words.js';
import { judgeReadPreconditions } from '../../src/storage/read-preconditions.js';
import { objectSizeHeader } from '../../src/storage/s3-input-rules.js';
import { parseRange } from '../../src/storage/s3-wire.js';
import { fuzzParameters } from './fuzz-runs.js';
import { wireText } from './mutations.js';
import { longKey, rangeHeader, utf8Bytes } from './s3-arbitraries.js';

describe('S3 key and range parsers under fuzzing', () => {
  it('assertObjectKey accepts exactly the non-empty, NUL-free keys of at most 1024 UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), longKey, wireText(50)), (k) => {
        const valid = k !== '' && !k.includes('\0') && utf8Bytes(k) <= 1024;
        let refused: unknown;
        try {
          assertObjectKey(k);
        } catch (error) {
          refused = error;
        }
        if (valid) expect(refused).toBeUndefined();
        else expect(isAppError(refused) && refused.status === 400, String(refused)).toBe(true);
      }),
      fuzzParameters(2000),
    );
  });

  it('parseRange gives a range inside the object, nothing, or InvalidRange', () => {
    fc.assert(
      fc.property(rangeHeader, fc.nat({ max: 100 }), (header, size) => {
        let range: ReturnType<typeof parseRange>;
        try {
          range = parseRange(header, size);
        } catch (error) {
          expect(isAppError(error) && error.code === 'InvalidRange' && error.status === 416).toBe(true);
          return;
        }
        if (range === undefined) return;
        expect(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end)).toBe(true);
        expect(0 <= range.start && range.start <= range.end && range.end < size).toBe(true);
      }),
      fuzzParameters(3000),
    );
  });

  it('x-amz-mp-object-size is a whole number of bytes, else InvalidRequest', () => {
    const sizeText = fc.oneof(
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
      fc.string({ unit: 'binary', maxLength: 30 }),
      wireText(30),
    );
    fc.assert(
      fc.property(sizeText, (value) => {
        const number = Number(value.trim());
        const valid = /^-?\d+$/.test(value.trim()) && Number.isSafeInteger(number) && number >= 0;
        let refused: unknown;
        try {
          objectSizeHeader(value, {} as never);
        } catch (error) {
          refused = error;
        }
        if (valid) expect(refused).toBeUndefined();
        else expect(isAppError(refused) && refused.code === 'InvalidRequest', String(refused)).toBe(true);
      }),
      fuzzParameters(3000),
    );
  });

  it('read preconditions of any text judge to 304, 412 with a condition, or nothing, never throwing', () => {
    const headerText = fc.option(fc.oneof(fc.string({ maxLength: 40 }), wireText(40)), { nil: undefined });
    fc.assert(
      fc.property(headerText, headerText, headerText, headerText, fc.date(), (a, b, c, d, lastModified) => {
        fc.pre(!Number.isNaN(lastModified.getTime()));
        const outcome = judgeReadPreconditions(
          { ifMatch: a, ifNoneMatch: b, ifModifiedSince: c, ifUnmodifiedSince: d },
          { etag: '"0123456789abcdef0123456789abcdef"', lastModified },
          new Date(),
        );
        if (outcome === undefined) return;
        expect(
          (outcome.status === 412 && ['If-Match', 'If-Unmodified-Since'].includes(outcome.condition)) ||
            (outcome.status === 304 && ['If-None-Match', 'If-Modified-Since'].includes(outcome.condition)),
        ).toBe(true);
        // The condition named is one the request sent.
        const sent = { 'If-Match': a, 'If-None-Match': b, 'If-Modified-Since': c, 'If-Unmodified-Since': d };
        expect(sent[outcome.condition]).toBeDefined();
        // A date condition fails only on a date that parses.
        if (outcome.condition === 'If-Modified-Since' || outcome.condition === 'If-Unmodified-Since')
          expect(Number.isNaN(Date.parse(sent[outcome.condition] as string))).toBe(false);
      }),
      fuzzParameters(3000),
    );
  });

  it('user metadata: any header text decodes without throwing; any value is answered header-safe and reads back', () => {
    const encodedWord = fc
      .tuple(
        fc.constantFrom('UTF-8', 'utf-8', 'ISO-8859-1', 'us-ascii', 'koi8-r', 'x'),
        fc.constantFrom('B', 'b', 'Q', 'q', 'X'),
        fc.string({ maxLength: 20 }),
      )
      .map(([charset, encoding, text]) => `=?${charset}?${encoding}?${text}?=`);
    const headerText = fc.oneof(
      wireText(60),
      fc
        .array(fc.oneof(encodedWord, fc.constantFrom(' ', '\t', '=?', '?=', 'plain')), { maxLength: 6 })
        .map((p) => p.join('')),
    );
    fc.assert(
      fc.property(headerText, (text) => {
        expect(typeof decodeMetadataValue(text)).toBe('string');
      }),
      fuzzParameters(2000),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), headerText), (value) => {
        const header = encodeMetadataValue(value);
        // What Node's HTTP layer sends: printable US-ASCII (and tab) only.
        expect(/^[\t\x20-\x7e]*$/.test(header), header).toBe(true);
        // A lone surrogate is no text UTF-8 can carry: it reads back as U+FFFD, as any UTF-8 answer would.
        const expected = Buffer.from(value, 'utf8').toString('utf8');
        if (header !== value) expect(decodeMetadataValue(header)).toBe(expected);
        // What replication sends another S3 always decodes back to the value.
        const carried = carriedMetadataValue(value);
        expect(/^[\t\x20-\x7e]*$/.test(carried), carried).toBe(true);
        expect(decodeMetadataValue(carried)).toBe(expected);
      }),
      fuzzParameters(2000),
    );
  });
});
