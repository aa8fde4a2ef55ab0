import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { assertObjectKey } from '../../src/storage/bucket-names.js';
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
});
