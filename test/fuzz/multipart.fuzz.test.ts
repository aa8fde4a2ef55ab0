import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { CHECKSUM_ALGORITHMS, CHECKSUM_LENGTHS, isChecksumValue } from '../../src/lib/checksums.js';
import { listUploadsPage, type UploadsRequest } from '../../src/storage/multipart-listing.js';
import { type ObjectParts, requestedPartNumber, selectPart } from '../../src/storage/multipart-objects.js';
import type { MultipartStore, UploadRow } from '../../src/storage/multipart-store.js';
import type { StoredObject } from '../../src/storage/storage-types.js';
import { fuzzParameters } from './fuzz-runs.js';
import { wireText } from './mutations.js';

/** Byte order, as the metadata store compares keys. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** A store holding only uploads in memory, listing them as the SQL store does. */
function uploadsStore(rows: UploadRow[]): MultipartStore {
  const sorted = [...rows].sort((a, b) => byBytes(a.key, b.key) || byBytes(a.upload_id, b.upload_id));
  return {
    async listUploads(_bucket, prefix, afterKey, afterUpload, limit) {
      return sorted
        .filter(
          (r) =>
            byBytes(r.key, prefix) >= 0 &&
            (byBytes(r.key, afterKey) > 0 ||
              (afterUpload !== undefined && r.key === afterKey && byBytes(r.upload_id, afterUpload) > 0)),
        )
        .slice(0, limit);
    },
  } as MultipartStore;
}

const upload = (key: string, id: number): UploadRow => ({
  upload_id: id.toString(16).padStart(4, '0'),
  bucket: 'b',
  key,
  settings: '{}',
  initiated_at: id,
  checksum_algorithm: null,
  checksum_type: null,
  initiator: null,
  encryption: null,
});

/** Keys from a small alphabet with delimiters in it, so that prefixes and roll-ups collide often. */
const key = fc.string({
  unit: fc.constantFrom('a', 'b', '/', '-', 'é', '\uffff', '😀'),
  minLength: 1,
  maxLength: 5,
});

describe('multipart parsers and listings under fuzzing', () => {
  it('partNumber: exactly the integers 1 to 10000 are taken, anything else is InvalidArgument', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat({ max: 20000 }).map(String), wireText(8), fc.string({ maxLength: 8 })),
        (value) => {
          let answer: number | undefined;
          let refused: unknown;
          try {
            answer = requestedPartNumber(value, undefined);
          } catch (error) {
            refused = error;
          }
          const valid = /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 10000;
          if (valid) expect(answer).toBe(Number(value));
          else
            expect(isAppError(refused) && refused.code === 'InvalidArgument' && refused.status === 400).toBe(
              true,
            );
        },
      ),
      fuzzParameters(2000),
    );
  });

  it('a checksum value is taken exactly when it is the padded base64 of the algorithm’s length', () => {
    const candidate = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')),
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64').replace(/=+$/, '')),
      wireText(50),
      fc.string({ unit: fc.constantFrom(...'AZaz09+/=-_ '.split('')), maxLength: 48 }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...CHECKSUM_ALGORITHMS), candidate, (algorithm, value) => {
        const decoded = Buffer.from(value, 'base64');
        const canonical =
          /^[A-Za-z0-9+/=]*$/.test(value) &&
          decoded.length === CHECKSUM_LENGTHS[algorithm] &&
          decoded.toString('base64') === value;
        expect(isChecksumValue(algorithm, value)).toBe(canonical);
      }),
      fuzzParameters(3000),
    );
  });

  it('a part is the bytes after the parts before it, or 416 InvalidPartNumber', () => {
    const layout = fc.option(
      fc
        .uniqueArray(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 8 })
        .chain((numbers) =>
          fc.tuple(
            fc.constant([...numbers].sort((a, b) => a - b)),
            fc.array(fc.nat({ max: 50 }), { minLength: numbers.length, maxLength: numbers.length }),
          ),
        ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(layout, fc.nat({ max: 60 }), fc.integer({ min: 1, max: 32 }), (shape, size, partNumber) => {
        const parts: ObjectParts | undefined = shape && {
          parts: shape[0].map((n, i) => ({ partNumber: n, size: shape[1][i] as number })),
        };
        const total = parts ? parts.parts.reduce((sum, p) => sum + p.size, 0) : size;
        const object = { size: total } as StoredObject;
        let answer: ReturnType<typeof selectPart> | undefined;
        try {
          answer = selectPart(object, parts, partNumber);
        } catch (error) {
          expect(isAppError(error) && error.code === 'InvalidPartNumber' && error.status === 416).toBe(true);
          const count = parts ? parts.parts.length : 1;
          expect(isAppError(error) && error.fields.ActualPartCount).toBe(String(count));
          expect(parts ? parts.parts.some((p) => p.partNumber === partNumber) : partNumber === 1).toBe(false);
          return;
        }
        const before = parts ? parts.parts.filter((p) => p.partNumber < partNumber) : [];
        const start = before.reduce((sum, p) => sum + p.size, 0);
        const own = parts ? parts.parts.find((p) => p.partNumber === partNumber)?.size : total;
        expect(answer.size).toBe(own);
        if (answer.size === 0) expect(answer.range).toBeUndefined();
        else expect(answer.range).toEqual({ start, end: start + answer.size - 1 });
        expect(answer.partsCount).toBe(parts?.parts.length);
      }),
      fuzzParameters(2000),
    );
  });

  it('paging ListMultipartUploads by its own markers lists every upload and prefix once, in order', async () => {
    const request = fc.record({
      prefix: fc.constantFrom('', 'a', 'a/', 'b', '😀'),
      delimiter: fc.constantFrom('', '/', '-', 'é'),
      max: fc.integer({ min: 1, max: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(key, { maxLength: 25 }),
        request,
        async (keys, { prefix, delimiter, max }) => {
          const rows = keys.map((k, i) => upload(k, i));
          const store = uploadsStore(rows);
          // What one unbounded page lists: the uploads in order, those under a delimiter rolled up once each.
          const expected: string[] = [];
          const sorted = [...rows].sort((a, b) => byBytes(a.key, b.key) || byBytes(a.upload_id, b.upload_id));
          for (const row of sorted.filter((r) => r.key.startsWith(prefix))) {
            const at = delimiter === '' ? -1 : row.key.indexOf(delimiter, prefix.length);
            const entry =
              at < 0
                ? `upload:${row.key}:${row.upload_id}`
                : `prefix:${row.key.slice(0, at + delimiter.length)}`;
            if (!expected.includes(entry)) expected.push(entry);
          }
          const listed: string[] = [];
          let page: Partial<UploadsRequest> = {};
          for (let pages = 0; pages <= expected.length + 1; pages++) {
            const answer = await listUploadsPage(store, 'b', {
              prefix,
              delimiter,
              keyMarker: '',
              uploadIdMarker: '',
              max,
              ...page,
            });
            expect(answer.uploads.length + answer.prefixes.length).toBeLessThanOrEqual(max);
            const entries = [
              ...answer.uploads.map((u) => `upload:${u.key}:${u.upload_id}`),
              ...answer.prefixes.map((p) => `prefix:${p}`),
            ].sort((a, b) => expected.indexOf(a) - expected.indexOf(b));
            listed.push(...entries);
            if (!answer.truncated) break;
            expect(answer.next).toBeDefined();
            page = answer.next ?? {};
          }
          expect(listed).toEqual(expected);
        },
      ),
      fuzzParameters(1000),
    );
  });
});
