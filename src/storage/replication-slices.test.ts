import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sliced } from './replication.js';

async function* chunks(parts: readonly Uint8Array[]) {
  for (const part of parts) yield part;
}

async function collect(slice: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const read: Uint8Array[] = [];
  for await (const chunk of slice) read.push(chunk);
  return Buffer.concat(read);
}

describe('slicing one read of a version into parts', () => {
  it('gives each part exactly its bytes, however the stream is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        async (parts, weights) => {
          const whole = Buffer.concat(parts);
          // Part sizes adding up to the whole: the weights' shares of it, the last taking the rest.
          const total = weights.reduce((a, b) => a + b, 0);
          const sizes = weights.map((w) => Math.floor((w / total) * whole.length));
          sizes[sizes.length - 1] = whole.length - sizes.slice(0, -1).reduce((a, b) => a + b, 0);
          const next = sliced(chunks(parts));
          let at = 0;
          for (const size of sizes) {
            expect(await collect(next(size))).toEqual(whole.subarray(at, at + size));
            at += size;
          }
        },
      ),
    );
  });

  it('fails a part the stream ends before', async () => {
    const next = sliced(chunks([Buffer.from('abc'), Buffer.from('de')]));
    expect((await collect(next(4))).toString()).toBe('abcd');
    await expect(collect(next(2))).rejects.toThrow(/ended 1 bytes before its size/);
  });
});
