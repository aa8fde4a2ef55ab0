import { createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CorruptObjectError,
  decryptedLength,
  encryptedLength,
  encryptStream,
  rangeOpener,
  SEGMENT_BYTES,
  TAG_BYTES,
} from './object-cipher.js';

const KEY = randomBytes(32);
const BINDING = Buffer.from('0123456789abcdef0123456789abcdef:v1');
const SEG = 16;
/** Chunkings of the bytes written: whole, byte by byte, and sizes that straddle segments, with empties. */
const CHUNKINGS: readonly (readonly number[])[] = [[Number.MAX_SAFE_INTEGER], [1], [0, 7, 0, 33, 5, 16, 0]];

function chunked(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length || i === 0; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** Vitest's toEqual walks a Buffer element by element (over a second for 200 KiB); equals() compares memory. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.from(actual).equals(expected), 'the bytes differ').toBe(true);
}

async function* stream(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of source) out.push(chunk);
  return out;
}

async function encrypt(plain: Uint8Array, segmentBytes = SEG, sizes: readonly number[] = [64], key = KEY) {
  return Buffer.concat(
    await collect(encryptStream(key, BINDING, stream(chunked(plain, sizes)), segmentBytes)),
  );
}

interface Read {
  plainLength: number;
  start?: number;
  length?: number;
  segmentBytes?: number;
  /** Segments per batch (1 unless given). */
  batch?: number;
  binding?: Uint8Array;
}

/** Batch sizes readers use: one segment, a few, more than most test objects have. */
const BATCHES = [1, 2, 3, 16];

/**
 * Reads a range from stored bytes as the blob store reads a file: each batch of segments rangeOpener names, read
 * at its offset (a store cut short answers fewer bytes), and opened.
 */
async function* readRange(stored: Buffer, read: Read): AsyncGenerator<Buffer> {
  const { plainLength, start = 0, length = plainLength - start, segmentBytes = SEG } = read;
  const opener = rangeOpener(KEY, read.binding ?? BINDING, plainLength, start, length, segmentBytes);
  for (const batch of opener.batches(read.batch ?? 1))
    yield* opener.open(batch, stored.subarray(batch.offset, batch.offset + batch.length));
}

/** What a reader saw before a failure, if any. */
async function attempt(source: AsyncIterable<Buffer>): Promise<{ seen: Buffer; error: unknown }> {
  const seen: Buffer[] = [];
  try {
    for await (const chunk of source) seen.push(chunk);
  } catch (error) {
    return { seen: Buffer.concat(seen), error };
  }
  return { seen: Buffer.concat(seen), error: undefined };
}

async function expectCorrupt(source: AsyncIterable<Buffer>, prefixOf: Uint8Array, atMost: number) {
  const { seen, error } = await attempt(source);
  expect(error).toBeInstanceOf(CorruptObjectError);
  expect((error as CorruptObjectError).code).toBe('InternalError');
  expect(seen.length).toBeLessThanOrEqual(atMost);
  expectBytes(seen, prefixOf.subarray(0, seen.length));
}

function segmentsOf(stored: Buffer, segmentBytes = SEG): Buffer[] {
  const segments: Buffer[] = [];
  for (let at = 0; at < stored.length; at += segmentBytes + TAG_BYTES)
    segments.push(stored.subarray(at, at + segmentBytes + TAG_BYTES));
  return segments;
}

describe('object cipher', () => {
  it('seals known bytes exactly as blobs already on disk were sealed (a known answer for the format)', async () => {
    const plain = Buffer.alloc(3 * SEGMENT_BYTES + 5);
    for (let i = 0; i < plain.length; i++) plain[i] = (i * 31) & 0xff;
    const sealed = Buffer.concat(
      await collect(
        encryptStream(
          Buffer.alloc(32, 7),
          Buffer.from('0123456789abcdef0123456789abcdef:v1'),
          stream([plain.subarray(0, 1000), plain.subarray(1000)]),
        ),
      ),
    );
    expect(sealed.length).toBe(encryptedLength(plain.length));
    // The SHA-256 of what the cipher wrote before its segments came as pieces (ccec03d); it must never change.
    expect(createHash('sha256').update(sealed).digest('hex')).toBe(
      '905ce3b5fc8818ce764f951214298e3ed06409722a70813a1a16e6c0f2ca4ebe',
    );
  });

  it('round-trips every boundary size, in tiny and default segments, however the bytes are chunked and batched', async () => {
    for (const segmentBytes of [SEG, SEGMENT_BYTES]) {
      for (const size of [0, 1, segmentBytes - 1, segmentBytes, segmentBytes + 1, 3 * segmentBytes + 5]) {
        const plain = randomBytes(size);
        for (const sizes of CHUNKINGS) {
          if (segmentBytes === SEGMENT_BYTES && sizes[0] === 1) continue;
          const pieces = await collect(
            encryptStream(KEY, BINDING, stream(chunked(plain, sizes)), segmentBytes),
          );
          const stored = Buffer.concat(pieces);
          // Each segment comes as its ciphertext (none for an empty object) and then its tag.
          const expected = segmentsOf(stored, segmentBytes).flatMap((segment) =>
            segment.length > TAG_BYTES ? [segment.length - TAG_BYTES, TAG_BYTES] : [TAG_BYTES],
          );
          expect(pieces.map((piece) => piece.length)).toEqual(expected);
          expect(stored.length).toBe(encryptedLength(size, segmentBytes));
          expect(decryptedLength(stored.length, segmentBytes)).toBe(size);
          for (const batch of BATCHES) {
            const read = { plainLength: size, segmentBytes, batch };
            expectBytes(Buffer.concat(await collect(readRange(stored, read))), plain);
          }
        }
      }
    }
  });

  it('writes the documented bytes: HKDF key, counter nonce, binding | index | final flag as AAD', async () => {
    const plain = randomBytes(SEG + 3);
    const [first, last] = segmentsOf(await encrypt(plain));
    const info = Buffer.concat([Buffer.from('seawall:object-segments:v1:'), BINDING]);
    const key = Buffer.from(hkdfSync('sha256', KEY, Buffer.alloc(0), info, 32));
    const open = (sealed: Buffer, index: number, final: number) => {
      const nonce = Buffer.alloc(12);
      nonce.writeUInt32BE(index, 8);
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      const index4 = Buffer.alloc(4);
      index4.writeUInt32BE(index);
      decipher.setAAD(Buffer.concat([BINDING, index4, Buffer.of(final)]));
      decipher.setAuthTag(sealed.subarray(-TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(0, -TAG_BYTES)), decipher.final()]);
    };
    expectBytes(Buffer.concat([open(first as Buffer, 0, 0), open(last as Buffer, 1, 1)]), plain);
    expect(() => open(last as Buffer, 1, 0)).toThrow();
  });

  it('maps plaintext ranges to whole stored segments, zero-length ones included', () => {
    const full = SEG + TAG_BYTES;
    /** The stored bytes a range reads: its batches, as one. */
    const stored = (plainLength: number, start: number, length: number, segmentBytes = SEG) => {
      const batches = [
        ...rangeOpener(KEY, BINDING, plainLength, start, length, segmentBytes).batches(2 ** 32),
      ];
      expect(batches).toHaveLength(1);
      return { offset: batches[0]?.offset, length: batches[0]?.length };
    };
    expect(stored(0, 0, 0)).toEqual({ offset: 0, length: TAG_BYTES });
    expect(stored(40, 0, 40)).toEqual({ offset: 0, length: 40 + 3 * TAG_BYTES });
    expect(stored(40, 17, 2)).toEqual({ offset: full, length: full });
    expect(stored(40, 15, 2)).toEqual({ offset: 0, length: 2 * full });
    expect(stored(40, 39, 1)).toEqual({ offset: 2 * full, length: 8 + TAG_BYTES });
    // A zero-length read still verifies the segment it points into; at the very end, the last one.
    expect(stored(40, 20, 0)).toEqual({ offset: full, length: full });
    expect(stored(32, 32, 0)).toEqual({ offset: full, length: full });
    expect(stored(100, 0, 100, SEGMENT_BYTES)).toEqual({ offset: 0, length: 100 + TAG_BYTES });
    expect(() => stored(40, 30, 11)).toThrow(RangeError);
    expect(() => stored(40, -1, 1)).toThrow(RangeError);
    expect(() => stored(40, 0.5, 1)).toThrow(RangeError);
  });

  it('knows which stored sizes no object can have', () => {
    const possible = new Set(Array.from({ length: 200 }, (_, size) => encryptedLength(size, SEG)));
    for (let stored = 0; stored < 250; stored++) {
      if (possible.has(stored)) expect(encryptedLength(decryptedLength(stored, SEG), SEG)).toBe(stored);
      else expect(() => decryptedLength(stored, SEG)).toThrow(CorruptObjectError);
    }
    expect(encryptedLength(0)).toBe(TAG_BYTES);
    expect(() => decryptedLength(-1)).toThrow(RangeError);
  });

  it('serves every range of a small object exactly, in batches of any size', async () => {
    const plain = randomBytes(3 * SEG + 2);
    const stored = await encrypt(plain);
    for (let start = 0; start <= plain.length; start++) {
      for (let length = 0; start + length <= plain.length; length++) {
        for (const batch of BATCHES) {
          const read = { plainLength: plain.length, start, length, batch };
          const out = Buffer.concat(await collect(readRange(stored, read)));
          expectBytes(out, plain.subarray(start, start + length));
        }
      }
    }
  });

  it('fails on a flipped bit anywhere, before yielding any byte of the segment it is in', async () => {
    const plain = randomBytes(2 * SEG + 9);
    const stored = await encrypt(plain);
    for (let at = 0; at < stored.length; at++) {
      const bad = Buffer.from(stored);
      bad[at] = (bad[at] ?? 0) ^ (1 << (at % 8));
      const segment = Math.floor(at / (SEG + TAG_BYTES));
      await expectCorrupt(readRange(bad, { plainLength: plain.length }), plain, segment * SEG);
    }
  });

  it('fails on truncation at every length, whether the length comes from metadata or the stored size', async () => {
    for (const size of [0, 2 * SEG, 2 * SEG + 5]) {
      const plain = randomBytes(size);
      const stored = await encrypt(plain);
      for (let cut = 0; cut < stored.length; cut++) {
        const short = stored.subarray(0, cut);
        const whole = Math.floor(cut / (SEG + TAG_BYTES)) * SEG;
        for (const batch of BATCHES)
          await expectCorrupt(readRange(short, { plainLength: size, batch }), plain, whole);
        let claimed: number;
        try {
          claimed = decryptedLength(cut, SEG);
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptObjectError);
          continue;
        }
        await expectCorrupt(readRange(short, { plainLength: claimed }), plain, claimed);
      }
    }
  });

  it('fails on bytes past the end when the length comes from the stored size', async () => {
    for (const size of [0, SEG, SEG + 4])
      for (const extra of [1, 5, SEG + TAG_BYTES]) {
        const plain = randomBytes(size);
        const longer = Buffer.concat([await encrypt(plain), Buffer.alloc(extra)]);
        // A length from metadata reads only the segments it names: bytes past the final one are never read.
        expectBytes(Buffer.concat(await collect(readRange(longer, { plainLength: size }))), plain);
        // One from the stored size is no object's size, or names a segment past the final one, which cannot open.
        let claimed: number;
        try {
          claimed = decryptedLength(longer.length, SEG);
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptObjectError);
          continue;
        }
        for (const batch of BATCHES)
          await expectCorrupt(readRange(longer, { plainLength: claimed, batch }), plain, size);
      }
  });

  it('fails on swapped segments and on a final segment dropped or moved', async () => {
    const plain = randomBytes(3 * SEG + 5);
    const [s0, s1, s2, s3] = segmentsOf(await encrypt(plain)) as [Buffer, Buffer, Buffer, Buffer];
    const swapped = Buffer.concat([s1, s0, s2, s3]);
    await expectCorrupt(readRange(swapped, { plainLength: plain.length }), plain, 0);
    // Without its last segment the object is a valid size, but segment 2 was not sealed as the last.
    const dropped = Buffer.concat([s0, s1, s2]);
    await expectCorrupt(
      readRange(dropped, { plainLength: decryptedLength(dropped.length, SEG) }),
      plain,
      2 * SEG,
    );
    const exact = randomBytes(3 * SEG);
    const [e0, e1, e2] = segmentsOf(await encrypt(exact)) as [Buffer, Buffer, Buffer];
    await expectCorrupt(readRange(Buffer.concat([e0, e1]), { plainLength: 2 * SEG }), exact, SEG);
    await expectCorrupt(readRange(Buffer.concat([e0, e2, e1]), { plainLength: 3 * SEG }), exact, SEG);
  });

  it("fails on a segment replayed from another object's key, or from the same key under another binding", async () => {
    const plain = randomBytes(2 * SEG + 5);
    const stored = await encrypt(plain);
    const otherKey = await encrypt(plain, SEG, [64], randomBytes(32));
    const otherBinding = Buffer.concat(
      await collect(encryptStream(KEY, Buffer.from('another blob:v1'), stream([plain]), SEG)),
    );
    const full = SEG + TAG_BYTES;
    for (const other of [otherKey, otherBinding]) {
      expect(other.length).toBe(stored.length);
      const spliced = Buffer.concat([
        stored.subarray(0, full),
        other.subarray(full, 2 * full),
        stored.subarray(2 * full),
      ]);
      await expectCorrupt(readRange(spliced, { plainLength: plain.length }), plain, SEG);
      await expectCorrupt(
        readRange(spliced, { plainLength: plain.length, start: SEG + 1, length: 1 }),
        plain,
        0,
      );
    }
    await expectCorrupt(
      readRange(stored, { plainLength: plain.length, binding: Buffer.from('x') }),
      plain,
      0,
    );
  });

  it('yields what was verified and nothing of the segment that fails', async () => {
    const plain = randomBytes(4 * SEG);
    const stored = await encrypt(plain);
    const bad = Buffer.from(stored);
    const tagEnd = 2 * (SEG + TAG_BYTES) - 1; // the last byte of segment 1's tag
    bad[tagEnd] = (bad[tagEnd] ?? 0) ^ 0x80;
    const { seen, error } = await attempt(readRange(bad, { plainLength: plain.length, start: 3 }));
    expect(error).toBeInstanceOf(CorruptObjectError);
    expect((error as CorruptObjectError).detail).toMatch(/segment 1 /);
    expectBytes(seen, plain.subarray(3, SEG));
  });

  it('refuses keys, bindings and segment sizes it cannot use', () => {
    const none = stream([]);
    expect(() => encryptStream(randomBytes(16), BINDING, none)).toThrow(RangeError);
    expect(() => encryptStream(KEY, Buffer.alloc(513), none)).toThrow(RangeError);
    expect(() => encryptStream(KEY, BINDING, none, 0)).toThrow(RangeError);
    expect(() => rangeOpener(KEY, BINDING, 10, 5, 6)).toThrow(RangeError);
    expect(() => [...rangeOpener(KEY, BINDING, 10, 0, 10).batches(0)]).toThrow(RangeError);
    expect(() => encryptedLength(2 ** 32 + 1, 1)).toThrow(RangeError);
  });

  it('streams 64 MiB through encryption a segment (its ciphertext, then its tag) at a time, and opens it a batch of segments at a time', async () => {
    const total = 64 * 1024 * 1024;
    const pattern = randomBytes(1024 * 1024 + 13);
    const sizes = [1024 * 1024, 1, 0, 300 * 1024 + 7];
    const plainHash = createHash('sha256');
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let at = 0, i = 0; at < total; i++) {
        const size = Math.min(sizes[i % sizes.length] ?? 1, total - at, pattern.length);
        const chunk = pattern.subarray(0, size);
        plainHash.update(chunk);
        at += size;
        yield chunk;
      }
    }
    let largestSealed = 0;
    const pieces: Buffer[] = [];
    for await (const piece of encryptStream(KEY, BINDING, source())) {
      largestSealed = Math.max(largestSealed, piece.length);
      pieces.push(piece);
    }
    const stored = Buffer.concat(pieces);
    const outHash = createHash('sha256');
    let largestOpened = 0;
    let bytes = 0;
    const opener = rangeOpener(KEY, BINDING, total, 0, total);
    for (const batch of opener.batches(16))
      for (const piece of opener.open(batch, stored.subarray(batch.offset, batch.offset + batch.length))) {
        largestOpened = Math.max(largestOpened, piece.length);
        bytes += piece.length;
        outHash.update(piece);
      }
    expect(bytes).toBe(total);
    expect(outHash.digest('hex')).toBe(plainHash.digest('hex'));
    expect(largestSealed).toBe(SEGMENT_BYTES);
    expect(largestOpened).toBe(SEGMENT_BYTES);
  });
});
