import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { parseObjectAttributes } from '../../src/storage/s3-attributes-api.js';
import { fuzzParameters } from './fuzz-runs.js';
import { mutated, wireText } from './mutations.js';

const NAMES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'];

/** Lists of real attribute names, with spacing and empty items as clients may send them. */
const attributeList = fc
  .array(fc.oneof(fc.constantFrom(...NAMES), fc.constantFrom('', ' ', 'etag', 'VersionId')), {
    maxLength: 8,
  })
  .chain((names) => fc.constantFrom(',', ', ', ' ,').map((separator) => names.join(separator)));

describe('x-amz-object-attributes under fuzzing', () => {
  it('parses into known attribute names the header holds, or is refused with S3’s 400', () => {
    fc.assert(
      fc.property(
        fc.oneof(attributeList, wireText(80), mutated('ETag,Checksum,ObjectParts,StorageClass,ObjectSize')),
        (header) => {
          let names: Set<string>;
          try {
            names = parseObjectAttributes(header);
          } catch (error) {
            expect(isAppError(error) && error.status === 400, String(error)).toBe(true);
            expect(['InvalidRequest', 'InvalidArgument']).toContain((error as { code: string }).code);
            return;
          }
          expect(names.size).toBeGreaterThan(0);
          const sent = header.split(',').map((name) => name.trim());
          for (const name of names) {
            expect(NAMES).toContain(name);
            expect(sent).toContain(name);
          }
          for (const name of sent) if (name !== '') expect(names.has(name)).toBe(true);
        },
      ),
      fuzzParameters(3000),
    );
  });

  it('a missing or blank header is InvalidRequest', () => {
    for (const header of [undefined, '', ' ', ',', ' , ']) {
      expect(() => parseObjectAttributes(header)).toThrow(
        expect.objectContaining({ code: 'InvalidRequest', status: 400 }),
      );
    }
  });
});
