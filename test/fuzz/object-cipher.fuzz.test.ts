import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CorruptObjectError,
  decryptedLength,
  encryptStream,
  rangeOpener,
} from '../../src/kms/object-cipher.js';
import { fuzzParameters } from './fuzz-runs.js';

const KEY = randomBytes(32);
const BINDING = Buffer.from('fuzzed-blob:v7');

/** Chunk sizes for a stream, zeros included; at least one is positive so the bytes get through. */
const chunking = fc
  .array(fc.integer({ min: 0, max: 64 }), { minLength: 1, maxLength: 6 })
  .map((sizes) => (sizes.some((size) => size > 0) ? sizes : [...sizes, 1]));

async function* chunked(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  for (let at = 0, i = 0; at < bytes.length || i === 0; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function encrypt(plain: Uint8Array, segmentBytes: number, sizes: readonly number[]): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of encryptStream(KEY, BINDING, chunked(plain, sizes), segmentBytes))
    pieces.push(piece);
  return Buffer.concat(pieces);
}

/** The stored bytes a range of a read reads: all its batches, as one. */
function storedRange(plainLength: number, start: number, length: number, segmentBytes: number) {
  const [whole] = rangeOpener(KEY, BINDING, plainLength, start, length, segmentBytes).batches(2 ** 32);
  return { offset: whole?.offset ?? 0, length: whole?.length ?? 0 };
}

/** Segments per batch, as a reader of stored bytes asks for them. */
const batchSize = fc.integer({ min: 1, max: 9 });

/**
 * Reads plaintext [start, start + length) from stored bytes as the blob store reads a file: each batch of
 * segments rangeOpener names, read at its offset (fewer bytes where the store is short), then opened.
 */
async function* readRange(
  stored: Buffer,
  plainLength: number,
  start: number,
  length: number,
  segmentBytes: number,
  batch: number,
): AsyncGenerator<Buffer> {
  const opener = rangeOpener(KEY, BINDING, plainLength, start, length, segmentBytes);
  for (const b of opener.batches(batch))
    yield* opener.open(b, stored.subarray(b.offset, b.offset + b.length));
}

/** Everything a reader was given before the stream ended or failed. */
async function attempt(read: () => AsyncIterable<Buffer>): Promise<{ seen: Buffer; error: unknown }> {
  const seen: Buffer[] = [];
  try {
    for await (const chunk of read()) seen.push(chunk);
  } catch (error) {
    return { seen: Buffer.concat(seen), error };
  }
  return { seen: Buffer.concat(seen), error: undefined };
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'cut'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('overwrite' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 3, min: 0, max: 1 }),
  }),
);

function mutate(bytes: Buffer, change: Mutation): Buffer {
  const at = change.at % (bytes.length + 1);
  switch (change.kind) {
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const out = Buffer.from(bytes);
      const i = at % bytes.length;
      out[i] = (out[i] ?? 0) ^ (1 << change.bit);
      return out;
    }
    case 'cut':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + change.length)]);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), change.bytes, bytes.subarray(at)]);
    case 'overwrite': {
      // Small values, so an overwrite sometimes leaves the bytes as they were.
      const out = Buffer.from(bytes);
      out.set(change.bytes.subarray(0, Math.max(0, out.length - at)), at);
      return out;
    }
  }
}

describe('object cipher under fuzzing', () => {
  it('any plaintext, segment size, range, chunking and batch size reads back exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 1, max: 48 }),
        fc.nat(),
        fc.nat(),
        chunking,
        batchSize,
        async (plain, segmentBytes, a, b, inSizes, batch) => {
          const start = a % (plain.length + 1);
          const length = b % (plain.length - start + 1);
          const stored = await encrypt(plain, segmentBytes, inSizes);
          const range = storedRange(plain.length, start, length, segmentBytes);
          const bytes = stored.subarray(range.offset, range.offset + range.length);
          expect(bytes.length).toBe(range.length);
          const { seen, error } = await attempt(() =>
            readRange(stored, plain.length, start, length, segmentBytes, batch),
          );
          expect(error).toBeUndefined();
          expect(seen.equals(plain.subarray(start, start + length))).toBe(true);
        },
      ),
      fuzzParameters(300),
    );
  });

  it('mutated stored bytes read back only where what is read is unchanged, else fail having yielded only true bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 200 }),
        fc.integer({ min: 1, max: 40 }),
        mutation,
        fc.boolean(),
        fc.nat(),
        fc.nat(),
        batchSize,
        async (plain, segmentBytes, change, sizeFromStore, a, b, batch) => {
          const stored = await encrypt(plain, segmentBytes, [64]);
          const changed = mutate(stored, change);
          let expected: Uint8Array;
          let untouched: boolean;
          let read: () => AsyncIterable<Buffer>;
          if (sizeFromStore) {
            // A whole-object read whose length is taken from the size of the (mutated) stored bytes.
            expected = plain;
            untouched = changed.equals(stored);
            read = () => {
              const claimed = decryptedLength(changed.length, segmentBytes);
              return readRange(changed, claimed, 0, claimed, segmentBytes, batch);
            };
          } else {
            // A range read whose length comes from trusted metadata: only the stored bytes it names are read.
            const start = a % (plain.length + 1);
            const length = b % (plain.length - start + 1);
            const range = storedRange(plain.length, start, length, segmentBytes);
            expected = plain.subarray(start, start + length);
            const window = (bytes: Buffer) => bytes.subarray(range.offset, range.offset + range.length);
            untouched = window(changed).equals(window(stored));
            read = () => readRange(changed, plain.length, start, length, segmentBytes, batch);
          }
          const { seen, error } = await attempt(read);
          if (untouched) {
            expect(error).toBeUndefined();
            expect(seen.equals(expected)).toBe(true);
          } else {
            expect(error).toBeInstanceOf(CorruptObjectError);
            expect(seen.equals(expected.subarray(0, seen.length))).toBe(true);
          }
        },
      ),
      fuzzParameters(600),
    );
  });
});
