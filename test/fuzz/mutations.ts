import fc from 'fast-check';

/**
 * Text as it can arrive off the wire: Node hands the server latin1 (one char per byte), so every char is in
 * 0x00–0xFF. Weighted towards the characters that mean something to the parsers under test.
 */
export function wireText(maxLength: number): fc.Arbitrary<string> {
  const meaningful = fc.constantFrom(...'=&;,/ %+?#:\r\n\t"\'<>\\-_.~0123456789abcdefABCDEF'.split(''));
  return fc.string({
    unit: fc.oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }) },
      meaningful,
    ),
    maxLength,
  });
}

type Edit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'replace'; at: number; text: string }
  | { kind: 'repeat'; at: number; length: number; times: number };

const edit = (insert: fc.Arbitrary<string>): fc.Arbitrary<Edit> =>
  fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: insert }),
    fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 16 }),
    }),
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: insert }),
    fc.record({
      kind: fc.constant('repeat' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 32 }),
      times: fc.integer({ min: 2, max: 4 }),
    }),
  );

function apply<T extends { length: number; slice(a?: number, b?: number): T }>(
  value: T,
  edits: readonly Edit[],
  concat: (parts: T[]) => T,
  from: (text: string) => T,
): T {
  let out = value;
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % (out.length + 1);
    if (e.kind === 'insert') out = concat([out.slice(0, at), from(e.text), out.slice(at)]);
    else if (e.kind === 'delete') out = concat([out.slice(0, at), out.slice(at + e.length)]);
    else if (e.kind === 'replace')
      out = concat([out.slice(0, at), from(e.text), out.slice(at + e.text.length)]);
    else {
      const piece = out.slice(at, at + e.length);
      out = concat([
        out.slice(0, at),
        ...Array.from({ length: e.times }, () => piece),
        out.slice(at + e.length),
      ]);
    }
  }
  return out;
}

/** A valid input with one to four random edits: the inputs that get furthest into a parser. */
export function mutated(valid: string, insert: fc.Arbitrary<string> = wireText(8)): fc.Arbitrary<string> {
  return fc.array(edit(insert), { minLength: 1, maxLength: 4 }).map((edits) =>
    apply(
      valid,
      edits,
      (parts) => parts.join(''),
      (text) => text,
    ),
  );
}

/** The same for bytes. */
export function mutatedBytes(
  valid: Buffer,
  insert: fc.Arbitrary<string> = wireText(8),
): fc.Arbitrary<Buffer> {
  return fc.array(edit(insert), { minLength: 1, maxLength: 4 }).map((edits) =>
    apply(
      valid,
      edits,
      (parts) => Buffer.concat(parts),
      (text) => Buffer.from(text, 'latin1'),
    ),
  );
}
