import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField } from '../engine/result-format.js';
import { parseResultLine, readResultLines } from './result-reader.js';

const csv = (rows: (string | null)[][]) => rows.map((row) => `${row.map(csvField).join(',')}\n`).join('');

/** The bytes as a stream cut at the given offsets. */
async function* cut(bytes: Buffer, at: number[]): AsyncGenerator<Buffer> {
  let from = 0;
  for (const to of [...at.filter((n) => n > 0 && n < bytes.length)].sort((a, b) => a - b)) {
    yield bytes.subarray(from, to);
    from = to;
  }
  yield bytes.subarray(from);
}

describe('reading result CSV back', () => {
  it('parses values, quotes, commas, newlines and NULLs', () => {
    expect(parseResultLine('"a","b ""c"", d",,"",')).toEqual(['a', 'b "c", d', null, '', null]);
    expect(parseResultLine('')).toEqual([null]);
  });

  it('reads any rows back exactly, however the stream is cut, and says where it stopped', async () => {
    const value = fc.option(fc.string({ unit: 'binary' }), { nil: null });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(value, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(400)),
        fc.integer({ min: 1, max: 8 }),
        async (rows, at, max) => {
          const width = (rows[0] as unknown[]).length;
          const table = rows.map((row) => Array.from({ length: width }, (_, i) => row[i] ?? null));
          const bytes = Buffer.from(csv(table));
          const first = await readResultLines(cut(bytes, at), max, Number.POSITIVE_INFINITY);
          expect(first.rows).toEqual(table.slice(0, max));
          const rest = await readResultLines(cut(bytes.subarray(first.consumed), at), 100, Infinity);
          expect([...first.rows, ...rest.rows]).toEqual(table);
        },
      ),
    );
  });

  it('stops after the row that passes the byte bound', async () => {
    const table = [['x'.repeat(100)], ['y'.repeat(100)], ['z']];
    const read = await readResultLines(cut(Buffer.from(csv(table)), []), 1000, 150);
    expect(read.rows).toEqual(table.slice(0, 2));
    expect(read.consumed).toBe(2 * 103);
  });

  it('reads a value of a million doubled quotes, cut into small pieces', async () => {
    const value = '"'.repeat(1_000_000);
    const bytes = Buffer.from(csv([[value, 'after']]));
    const at = Array.from({ length: 200 }, (_, i) => i * 10_007);
    const read = await readResultLines(cut(bytes, at), 10, Infinity);
    expect(read.rows).toEqual([[value, 'after']]);
  });
});

describe('Athena DDL text output', () => {
  it('reads tab-separated lines with no quoting, the last column keeping further tabs', async () => {
    const text = Buffer.from('a "quoted\tb\tc\n"x\ty\n');
    const read = await readResultLines(cut(text, [3, 9]), 10, Infinity, () => {}, 2);
    expect(read.rows).toEqual([
      ['a "quoted', 'b\tc'],
      ['"x', 'y'],
    ]);
    expect(read.consumed).toBe(text.length);
    expect((await readResultLines(cut(text, []), 10, Infinity, () => {}, 1)).rows[0]).toEqual([
      'a "quoted\tb\tc',
    ]);
  });
});
